import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { secretKeys, secretPlace } from '../../security/secret-box.js';

type Queryable = Kysely<Database> | Transaction<Database>;

/** A user's TOTP enrolment, as stored. */
export interface TotpRecord {
  userId: string;
  /** base32, decrypted (stored encrypted: secret-box.ts) */
  secret: string;
  /** Null while the enrolment waits for its first code. */
  confirmedAt: string | null;
  lastUsedStep: number | null;
  createdAt: string;
}

export async function findTotp(db: Queryable, userId: string): Promise<TotpRecord | undefined> {
  const row = await db.selectFrom('user_totp').selectAll().where('user_id', '=', userId).executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    userId: row.user_id,
    secret: secretKeys().open(row.secret, secretPlace('user_totp', 'secret', row.user_id)),
    confirmedAt: row.confirmed_at,
    lastUsedStep: row.last_used_step === null ? null : Number(row.last_used_step),
    createdAt: row.created_at,
  };
}

/** True when the user has a confirmed TOTP enrolment. */
export async function hasConfirmedTotp(db: Queryable, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('user_totp')
    .select('user_id')
    .where('user_id', '=', userId)
    .where('confirmed_at', 'is not', null)
    .executeTakeFirst();
  return row !== undefined;
}

/** True when the user has two-factor authentication on: a confirmed TOTP enrolment, or a passkey, or both. */
export async function hasTwoFactor(db: Queryable, userId: string): Promise<boolean> {
  if (await hasConfirmedTotp(db, userId)) return true;
  const passkey = await db.selectFrom('passkeys').select('id').where('user_id', '=', userId).executeTakeFirst();
  return passkey !== undefined;
}

/** Starts (or restarts) an unconfirmed enrolment with a new secret, stored encrypted. */
export async function putPendingTotp(db: Queryable, userId: string, secret: string, at: string): Promise<void> {
  const sealed = secretKeys().seal(secret, secretPlace('user_totp', 'secret', userId));
  await db.deleteFrom('user_totp').where('user_id', '=', userId).execute();
  await db
    .insertInto('user_totp')
    .values({ user_id: userId, secret: sealed, confirmed_at: null, last_used_step: null, created_at: at })
    .execute();
}

export async function confirmTotp(db: Queryable, userId: string, at: string): Promise<void> {
  await db.updateTable('user_totp').set({ confirmed_at: at }).where('user_id', '=', userId).execute();
}

/**
 * Records that a code of `step` was used, only if no code of that step or a later one was: false means a replay.
 * One conditional UPDATE, so two requests racing with the same code cannot both succeed.
 */
export async function claimTotpStep(db: Queryable, userId: string, step: number): Promise<boolean> {
  const result = await db
    .updateTable('user_totp')
    .set({ last_used_step: step })
    .where('user_id', '=', userId)
    .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function deleteTotp(db: Queryable, userId: string): Promise<void> {
  await db.deleteFrom('user_totp').where('user_id', '=', userId).execute();
}

/** Removes every trace of two-factor authentication but passkeys: TOTP, recovery codes, pending sign-ins. */
export async function deleteTwoFactor(db: Queryable, userId: string): Promise<void> {
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  await db.deleteFrom('user_totp').where('user_id', '=', userId).execute();
  await db.deleteFrom('two_factor_challenges').where('user_id', '=', userId).execute();
}

/** Replaces the user's recovery codes by the given hashes. */
export async function replaceRecoveryCodes(
  db: Queryable,
  userId: string,
  codes: readonly { id: string; hash: string }[],
  at: string,
): Promise<void> {
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  if (codes.length === 0) return;
  await db
    .insertInto('recovery_codes')
    .values(codes.map((c) => ({ id: c.id, user_id: userId, code_hash: c.hash, created_at: at, used_at: null })))
    .execute();
}

/** Marks an unused recovery code used; false when there is no such unused code (wrong, or used already). */
export async function useRecoveryCode(db: Queryable, userId: string, hash: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('recovery_codes')
    .set({ used_at: at })
    .where('user_id', '=', userId)
    .where('code_hash', '=', hash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function countUnusedRecoveryCodes(db: Queryable, userId: string): Promise<number> {
  const row = await db
    .selectFrom('recovery_codes')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

// ---- Pending sign-ins ----------------------------------------------------------------------------------------------

export interface ChallengeRecord {
  idHash: string;
  userId: string;
  expiresAt: string;
  attempts: number;
}

export async function insertChallenge(
  db: Queryable,
  input: { idHash: string; userId: string; at: string; expiresAt: string },
): Promise<void> {
  // Expired challenges go as new ones come, so the table does not grow without end.
  await db.deleteFrom('two_factor_challenges').where('expires_at', '<=', input.at).execute();
  await db
    .insertInto('two_factor_challenges')
    .values({ id_hash: input.idHash, user_id: input.userId, created_at: input.at, expires_at: input.expiresAt })
    .execute();
}

export async function findChallenge(db: Queryable, idHash: string): Promise<ChallengeRecord | undefined> {
  const row = await db.selectFrom('two_factor_challenges').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
  return row === undefined
    ? undefined
    : { idHash: row.id_hash, userId: row.user_id, expiresAt: row.expires_at, attempts: Number(row.attempts) };
}

export async function countChallengeAttempt(db: Queryable, idHash: string): Promise<void> {
  await db
    .updateTable('two_factor_challenges')
    .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('id_hash', '=', idHash)
    .execute();
}

export async function deleteChallenge(db: Queryable, idHash: string): Promise<void> {
  await db.deleteFrom('two_factor_challenges').where('id_hash', '=', idHash).execute();
}

// ---- Organizations' policy -------------------------------------------------------------------------------------------

export interface SecurityPolicyRecord {
  requireTwoFactor: boolean;
  updatedAt: string | null;
}

export async function findSecurityPolicy(db: Queryable, orgId: string): Promise<SecurityPolicyRecord> {
  const row = await db
    .selectFrom('org_security_policies')
    .select(['require_two_factor', 'updated_at'])
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  return { requireTwoFactor: row?.require_two_factor === 1, updatedAt: row?.updated_at ?? null };
}

export async function putSecurityPolicy(
  db: Queryable,
  orgId: string,
  policy: { requireTwoFactor: boolean; at: string; by: string },
): Promise<void> {
  const values = { require_two_factor: policy.requireTwoFactor ? 1 : 0, updated_at: policy.at, updated_by: policy.by };
  await db
    .insertInto('org_security_policies')
    .values({ org_id: orgId, ...values })
    .onConflict((oc) => oc.column('org_id').doUpdateSet(values))
    .execute();
}

/** True when the organization requires two-factor authentication and the user has not turned it on. */
export async function refusedByTwoFactorPolicy(db: Queryable, orgId: string, userId: string): Promise<boolean> {
  const policy = await db
    .selectFrom('org_security_policies')
    .select('org_id')
    .where('org_id', '=', orgId)
    .where('require_two_factor', '=', 1)
    .executeTakeFirst();
  if (policy === undefined || (await hasTwoFactor(db, userId))) return false;
  // The organization's break-glass account has no second factor by design: its sealed, single-use credential, the
  // stated reason and the alert to every owner stand in for it (security.md, "Break-glass account").
  const breakGlass = await db
    .selectFrom('break_glass_accounts')
    .select('org_id')
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return breakGlass === undefined;
}

/** The organization's members with neither a confirmed TOTP enrolment nor a passkey (user ids). */
export async function membersWithoutTwoFactor(db: Queryable, orgId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('memberships as m')
    .select('m.user_id')
    .where('m.org_id', '=', orgId)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('user_totp as t')
            .select('t.user_id')
            .whereRef('t.user_id', '=', 'm.user_id')
            .where('t.confirmed_at', 'is not', null),
        ),
      ),
    )
    .where((eb) =>
      eb.not(eb.exists(eb.selectFrom('passkeys as p').select('p.id').whereRef('p.user_id', '=', 'm.user_id'))),
    )
    .orderBy('m.user_id')
    .execute();
  return rows.map((r) => r.user_id);
}

/** The user's organizations that require two-factor authentication. */
export async function orgsRequiringTwoFactor(db: Queryable, userId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('org_security_policies as p', 'p.org_id', 'm.org_id')
    .select('m.org_id')
    .where('m.user_id', '=', userId)
    .where('p.require_two_factor', '=', 1)
    .orderBy('m.org_id')
    .execute();
  return rows.map((r) => r.org_id);
}
