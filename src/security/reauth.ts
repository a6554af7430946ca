import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { AppError } from '../server/errors.js';
import type { RequestContext } from './context.js';

type Queryable = Kysely<Database> | Transaction<Database>;

/** How long a sign-in or a re-authentication counts as recent for sensitive actions. */
export const REAUTH_MINUTES = 15;

/** The answer of a re-authentication at `at`: when it happened and until when sensitive actions are allowed. */
export function reauthWindow(at: string): { reauthenticatedAt: string; validUntil: string } {
  return { reauthenticatedAt: at, validUntil: new Date(Date.parse(at) + REAUTH_MINUTES * 60_000).toISOString() };
}

/** Records that the session's user has just given their password (and code) again. */
export async function stampReauth(db: Queryable, sessionIdHash: string, at: string): Promise<void> {
  await db
    .insertInto('session_reauth')
    .values({ session_id_hash: sessionIdHash, at })
    .onConflict((oc) => oc.column('session_id_hash').doUpdateSet({ at }))
    .execute();
}

/** When the session's user last authenticated: the later of the sign-in and the last re-authentication. */
export async function lastAuthenticatedAt(db: Queryable, sessionIdHash: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('sessions as s')
    .leftJoin('session_reauth as r', 'r.session_id_hash', 's.id_hash')
    .select(['s.created_at', 'r.at'])
    .where('s.id_hash', '=', sessionIdHash)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return row.at !== null && row.at > row.created_at ? row.at : row.created_at;
}

/**
 * Throws 403 `reauth-required` unless the caller signed in, or re-authenticated (POST /auth/reauthenticate), within
 * the last `minutes`. Sensitive actions call it (or set `recentAuth: true` in their route config), so that a session
 * left open on a shared ward terminal cannot, say, change roles or signing keys.
 */
export async function requireRecentAuth(
  db: Queryable,
  ctx: RequestContext,
  minutes: number = REAUTH_MINUTES,
): Promise<void> {
  if (ctx.actor.kind !== 'user') throw new AppError('unauthenticated', { message: 'sign in first' });
  const at = await lastAuthenticatedAt(db, ctx.actor.sessionId);
  if (at !== undefined && Date.parse(ctx.now()) - Date.parse(at) < minutes * 60_000) return;
  throw new AppError('reauth-required', {
    message: `confirm your password (and code) first: POST /api/v1/auth/reauthenticate (valid ${minutes} minutes)`,
    details: { maxAgeMinutes: minutes },
  });
}
