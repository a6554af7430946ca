import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

type Queryable = Kysely<Database> | Transaction<Database>;

/** The hashes a new password is compared with: the current one first, then the most recent replaced ones. */
export async function recentPasswordHashes(
  db: Queryable,
  userId: string,
  currentHash: string,
  count: number,
): Promise<string[]> {
  if (count <= 1) return [currentHash];
  const rows = await db
    .selectFrom('password_history')
    .select('password_hash')
    .where('user_id', '=', userId)
    .orderBy('replaced_at', 'desc')
    .orderBy('id', 'desc')
    .limit(count - 1)
    .execute();
  return [currentHash, ...rows.map((r) => r.password_hash)];
}

/**
 * Replaces a user's password hash, keeping the old one in the history; the history keeps only the `keep` newest
 * entries (with the current password, the last `keep + 1` passwords are known).
 */
export async function replacePasswordHash(
  db: Queryable,
  input: { userId: string; oldHash: string; newHash: string; at: string; keep: number },
): Promise<void> {
  await db
    .updateTable('users')
    .set({ password_hash: input.newHash, password_changed_at: input.at })
    .where('id', '=', input.userId)
    .execute();
  await db
    .insertInto('password_history')
    .values({ id: randomUUID(), user_id: input.userId, password_hash: input.oldHash, replaced_at: input.at })
    .execute();
  const rows = await db
    .selectFrom('password_history')
    .select('id')
    .where('user_id', '=', input.userId)
    .orderBy('replaced_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  const stale = rows.slice(Math.max(input.keep, 0)).map((r) => r.id);
  if (stale.length > 0) await db.deleteFrom('password_history').where('id', 'in', stale).execute();
}

export interface ResetTokenRecord {
  id: string;
  userId: string;
  expiresAt: string;
  usedAt: string | null;
}

/** Stores a reset token's hash; earlier unused tokens of the user stop working (only the newest link does). */
export async function insertResetToken(
  db: Queryable,
  input: { userId: string; tokenHash: string; at: string; expiresAt: string; via: 'request' | 'operator' },
): Promise<void> {
  await db
    .deleteFrom('password_reset_tokens')
    .where('user_id', '=', input.userId)
    .where('used_at', 'is', null)
    .execute();
  await db
    .insertInto('password_reset_tokens')
    .values({
      id: randomUUID(),
      user_id: input.userId,
      token_hash: input.tokenHash,
      created_at: input.at,
      expires_at: input.expiresAt,
      issued_via: input.via,
    })
    .execute();
}

export async function findResetToken(db: Queryable, tokenHash: string): Promise<ResetTokenRecord | undefined> {
  const row = await db
    .selectFrom('password_reset_tokens')
    .select(['id', 'user_id', 'expires_at', 'used_at'])
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
  return row === undefined
    ? undefined
    : { id: row.id, userId: row.user_id, expiresAt: row.expires_at, usedAt: row.used_at };
}

/** Marks a token used; false when another request used it first (single use even under concurrency). */
export async function consumeResetToken(db: Queryable, id: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('password_reset_tokens')
    .set({ used_at: at })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Forgets the user's other unused reset tokens (after a reset or a change, older links must not work). */
export async function deleteUnusedResetTokens(db: Queryable, userId: string): Promise<void> {
  await db.deleteFrom('password_reset_tokens').where('user_id', '=', userId).where('used_at', 'is', null).execute();
}

/** True when the user is an organization's break-glass account (it has no password to change or reset). */
export async function isBreakGlassUser(db: Queryable, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('break_glass_accounts')
    .select('org_id')
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row !== undefined;
}
