import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { AppError } from '../server/errors.js';

/**
 * Requests each client address may make to a public route in a fixed window. Counted in the sign-in throttle's table
 * (keys `signup-ip:…`, `public-ip:…`, `verify-ip:…`), so the count holds across restarts and server processes, and
 * the throttle's clean-up forgets it a day later. Generous: a hospital's staff often share one NAT address.
 */
export const RATE_LIMITS = {
  /** Sign-up attempts, whatever their outcome: mass account creation. */
  'signup-ip': { limit: 100, windowMs: 60 * 60_000 },
  /** Reads of the public directory and its files. */
  'public-ip': { limit: 300, windowMs: 60_000 },
  /** Uploads to POST /verify, each up to 10 MB parsed. */
  'verify-ip': { limit: 30, windowMs: 60_000 },
} as const;

export type RateLimitKind = keyof typeof RATE_LIMITS;

/**
 * Counts one request of `kind` from an address; throws 429 (`details.retryAfterSeconds`, and Retry-After) once the
 * window's limit is spent. The window starts at the first request after the previous one ended.
 */
export async function countRequest(db: Kysely<Database>, kind: RateLimitKind, ip: string, now: Date): Promise<void> {
  const { limit, windowMs } = RATE_LIMITS[kind];
  const key = `${kind}:${ip.toLowerCase()}`;
  const at = now.toISOString();
  const row = await db.selectFrom('sign_in_throttle').selectAll().where('key', '=', key).executeTakeFirst();
  const ends = row === undefined ? 0 : Date.parse(row.window_started_at) + windowMs;
  if (row !== undefined && now.getTime() < ends && row.failures >= limit) {
    const retryAfterSeconds = Math.max(1, Math.ceil((ends - now.getTime()) / 1000));
    throw new AppError('rate-limited', {
      message: `too many requests from this address; try again in ${retryAfterSeconds} seconds`,
      details: { retryAfterSeconds },
    });
  }
  const fresh = row === undefined || now.getTime() >= ends;
  const values = {
    failures: fresh ? 1 : row.failures + 1,
    window_started_at: fresh ? at : row.window_started_at,
    last_failure_at: at,
    blocked_until: null,
  };
  await db
    .insertInto('sign_in_throttle')
    .values({ key, ...values })
    .onConflict((oc) => oc.column('key').doUpdateSet(values))
    .execute();
}

/** A route's onRequest hook counting its requests against `kind`, before the body is read or validated. */
export function rateLimit(db: Kysely<Database>, kind: RateLimitKind): (request: FastifyRequest) => Promise<void> {
  return (request) => countRequest(db, kind, request.ctx.ip, new Date(request.ctx.now()));
}
