import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { AppError } from '../server/errors.js';

type Queryable = Kysely<Database> | Transaction<Database>;

/**
 * Sign-in back-off. Failures are counted per email and per client address. A streak ends after a quiet `window`
 * (no failure and no block for that long). From `threshold` failures in a streak, each failure blocks the key for
 * 1, 2, 4, 8… minutes, at most `maxBlockMs`. The address threshold is higher: a hospital's staff often share one
 * NAT address.
 */
export const THROTTLE = {
  windowMs: 15 * 60_000,
  baseBlockMs: 60_000,
  maxBlockMs: 15 * 60_000,
  /**
   * reset: password-reset requests per email (counted whether or not an account has it, so a 429 tells nothing);
   * reset-ip: reset requests per client address. break-glass: wrong break-glass credentials per organization.
   */
  threshold: { email: 5, ip: 20, reset: 3, 'reset-ip': 10, 'break-glass': 5 },
} as const;

export type ThrottleKind = keyof typeof THROTTLE.threshold;

/** A throttle key: `email:sato@example.jp` or `ip:192.0.2.1`. */
export function throttleKey(kind: ThrottleKind, value: string): string {
  return `${kind}:${value.toLowerCase()}`;
}

function kindOf(key: string): ThrottleKind {
  const prefix = key.slice(0, key.indexOf(':'));
  return prefix in THROTTLE.threshold ? (prefix as ThrottleKind) : 'email';
}

/** Seconds until every given key may try again; 0 when none is blocked. */
export async function blockedFor(db: Queryable, keys: readonly string[], now: Date): Promise<number> {
  if (keys.length === 0) return 0;
  const rows = await db
    .selectFrom('sign_in_throttle')
    .select(['blocked_until'])
    .where('key', 'in', [...keys])
    .where('blocked_until', '>', now.toISOString())
    .execute();
  let until = 0;
  for (const r of rows) if (r.blocked_until !== null) until = Math.max(until, Date.parse(r.blocked_until));
  return until === 0 ? 0 : Math.max(1, Math.ceil((until - now.getTime()) / 1000));
}

/** The 429 answer: `details.retryAfterSeconds`, and the error handler sets Retry-After from it. */
export function rateLimited(retryAfterSeconds: number): AppError {
  return new AppError('rate-limited', {
    message: `too many failed attempts; try again in ${retryAfterSeconds} seconds`,
    details: { retryAfterSeconds },
  });
}

/** Throws 429 when one of the keys is blocked. */
export async function requireNotBlocked(db: Queryable, keys: readonly string[], now: Date): Promise<void> {
  const seconds = await blockedFor(db, keys, now);
  if (seconds > 0) throw rateLimited(seconds);
}

/**
 * Counts a failure against each key. Returns the longest block it started, in seconds (0 when none). Also forgets
 * keys that have been quiet for a day.
 */
export async function recordFailure(db: Queryable, keys: readonly string[], now: Date): Promise<number> {
  const at = now.toISOString();
  const t = now.getTime();
  let longest = 0;
  for (const key of keys) {
    const row = await db.selectFrom('sign_in_throttle').selectAll().where('key', '=', key).executeTakeFirst();
    const quietSince =
      row === undefined
        ? 0
        : Math.max(Date.parse(row.last_failure_at), row.blocked_until === null ? 0 : Date.parse(row.blocked_until));
    const fresh = row === undefined || t - quietSince >= THROTTLE.windowMs;
    const failures = fresh ? 1 : row.failures + 1;
    const threshold = THROTTLE.threshold[kindOf(key)];
    let blockedUntil: string | null = null;
    if (failures >= threshold) {
      const ms = Math.min(THROTTLE.maxBlockMs, THROTTLE.baseBlockMs * 2 ** Math.min(failures - threshold, 20));
      blockedUntil = new Date(t + ms).toISOString();
      longest = Math.max(longest, Math.ceil(ms / 1000));
    }
    const values = {
      failures,
      window_started_at: fresh ? at : row.window_started_at,
      last_failure_at: at,
      blocked_until: blockedUntil,
    };
    await db
      .insertInto('sign_in_throttle')
      .values({ key, ...values })
      .onConflict((oc) => oc.column('key').doUpdateSet(values))
      .execute();
  }
  await db
    .deleteFrom('sign_in_throttle')
    .where('last_failure_at', '<', new Date(t - 24 * 3_600_000).toISOString())
    .where((eb) => eb.or([eb('blocked_until', 'is', null), eb('blocked_until', '<', at)]))
    .execute();
  return longest;
}

/** Forgets the failures of a key (a successful sign-in clears its email's key). */
export async function clearFailures(db: Queryable, key: string): Promise<void> {
  await db.deleteFrom('sign_in_throttle').where('key', '=', key).execute();
}
