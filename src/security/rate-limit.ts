import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { AppError } from '../server/errors.js';

/**
 * Requests each client address may make to a public route in a fixed window. Generous: a hospital's staff often
 * share one NAT address. Sign-up, a write anyway, is counted in the sign-in throttle's table (key `signup-ip:…`), so
 * the count holds across restarts and server processes and the throttle's clean-up forgets it a day later. The others
 * are counted in memory, per server process: a database write on each would cost more than the request itself.
 */
export const RATE_LIMITS = {
  /** Sign-up attempts, whatever their outcome: mass account creation. */
  'signup-ip': { limit: 100, windowMs: 60 * 60_000, store: 'database' },
  /**
   * Cheap public requests, one count for all: the public directory, its pages and files, the templates, the instance
   * CA's certificate, what an invitation link or a request invitation link is about, and passkey sign-in options.
   */
  'public-ip': { limit: 300, windowMs: 60_000, store: 'memory' },
  /** Uploads to POST /verify, each up to 10 MB parsed. */
  'verify-ip': { limit: 30, windowMs: 60_000, store: 'memory' },
  /**
   * Statements sent to POST /validate, each up to 10 MB of JSON parsed and checked. Twice verify's: validation costs
   * less than a signature check, and scripts validate a folder of statements at a time.
   */
  'validate-ip': { limit: 60, windowMs: 60_000, store: 'memory' },
} as const;

export type RateLimitKind = keyof typeof RATE_LIMITS;

/**
 * Counts one request of `kind` from an address; throws 429 (`details.retryAfterSeconds`, and Retry-After) once the
 * window's limit is spent. The window starts at the first request after the previous one ended.
 */
export async function countRequest(db: Kysely<Database>, kind: RateLimitKind, ip: string, now: Date): Promise<void> {
  const { limit, windowMs, store } = RATE_LIMITS[kind];
  const key = `${kind}:${ip.toLowerCase()}`;
  if (store === 'memory') {
    countInMemory(db, key, limit, windowMs, now.getTime());
    return;
  }
  const at = now.toISOString();
  const row = await db.selectFrom('sign_in_throttle').selectAll().where('key', '=', key).executeTakeFirst();
  const ends = row === undefined ? 0 : Date.parse(row.window_started_at) + windowMs;
  if (row !== undefined && now.getTime() < ends && row.failures >= limit) throw limited(ends - now.getTime());
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

function limited(remainingMs: number): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil(remainingMs / 1000));
  return new AppError('rate-limited', {
    message: `too many requests from this address; try again in ${retryAfterSeconds} seconds`,
    details: { retryAfterSeconds },
  });
}

/** The in-memory windows, one table per database (so each app, and each test's app, counts on its own). */
interface Window {
  count: number;
  startedAt: number;
  windowMs: number;
}
const windows = new WeakMap<object, Map<string, Window>>();
/** Past this many addresses, the windows that ended are dropped before a new one is added. */
const MAX_TRACKED = 10_000;

function countInMemory(db: object, key: string, limit: number, windowMs: number, now: number): void {
  let table = windows.get(db);
  if (table === undefined) windows.set(db, (table = new Map<string, Window>()));
  const w = table.get(key);
  if (w !== undefined && now < w.startedAt + windowMs) {
    if (w.count >= limit) throw limited(w.startedAt + windowMs - now);
    w.count++;
    return;
  }
  if (w === undefined && table.size >= MAX_TRACKED) {
    for (const [k, v] of table) if (now >= v.startedAt + v.windowMs) table.delete(k);
  }
  table.set(key, { count: 1, startedAt: now, windowMs });
}

/** A route's onRequest hook counting its requests against `kind`, before the body is read or validated. */
export function rateLimit(db: Kysely<Database>, kind: RateLimitKind): (request: FastifyRequest) => Promise<void> {
  return (request) => countRequest(db, kind, request.ctx.ip, new Date(request.ctx.now()));
}
