import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { BreakGlassAccountsTable } from '../../db/schema-passwords.js';

type Queryable = Kysely<Database> | Transaction<Database>;

/** An organization's break-glass account as stored (the credential's hash included: never send it). */
export interface BreakGlassRecord {
  orgId: string;
  userId: string;
  credentialHash: string;
  createdAt: string;
  createdBy: string;
  sealedAt: string;
  sealedBy: string;
  rotations: number;
  usedAt: string | null;
  useCount: number;
  lastUseAt: string | null;
  lastUseReason: string | null;
  lastUseIp: string | null;
  lastSessionExpiresAt: string | null;
}

function rowToRecord(r: Selectable<BreakGlassAccountsTable>): BreakGlassRecord {
  return {
    orgId: r.org_id,
    userId: r.user_id,
    credentialHash: r.credential_hash,
    createdAt: r.created_at,
    createdBy: r.created_by,
    sealedAt: r.sealed_at,
    sealedBy: r.sealed_by,
    rotations: Number(r.rotations),
    usedAt: r.used_at,
    useCount: Number(r.use_count),
    lastUseAt: r.last_use_at,
    lastUseReason: r.last_use_reason,
    lastUseIp: r.last_use_ip,
    lastSessionExpiresAt: r.last_session_expires_at,
  };
}

export async function findBreakGlass(db: Queryable, orgId: string): Promise<BreakGlassRecord | undefined> {
  const row = await db.selectFrom('break_glass_accounts').selectAll().where('org_id', '=', orgId).executeTakeFirst();
  return row === undefined ? undefined : rowToRecord(row);
}

export async function insertBreakGlass(
  db: Queryable,
  input: { orgId: string; userId: string; credentialHash: string; at: string; by: string },
): Promise<void> {
  await db
    .insertInto('break_glass_accounts')
    .values({
      org_id: input.orgId,
      user_id: input.userId,
      credential_hash: input.credentialHash,
      created_at: input.at,
      created_by: input.by,
      sealed_at: input.at,
      sealed_by: input.by,
    })
    .execute();
}

/** Seals a new credential: the account is unused again. */
export async function resealBreakGlass(
  db: Queryable,
  input: { orgId: string; credentialHash: string; at: string; by: string },
): Promise<void> {
  await db
    .updateTable('break_glass_accounts')
    .set((eb) => ({
      credential_hash: input.credentialHash,
      sealed_at: input.at,
      sealed_by: input.by,
      used_at: null,
      rotations: eb('rotations', '+', 1),
    }))
    .where('org_id', '=', input.orgId)
    .execute();
}

/** Marks the sealed credential used; false when it was used already (single use even under concurrency). */
export async function markBreakGlassUsed(
  db: Queryable,
  input: { orgId: string; at: string; reason: string; ip: string; sessionExpiresAt: string },
): Promise<boolean> {
  const result = await db
    .updateTable('break_glass_accounts')
    .set((eb) => ({
      used_at: input.at,
      use_count: eb('use_count', '+', 1),
      last_use_at: input.at,
      last_use_reason: input.reason,
      last_use_ip: input.ip === '' ? null : input.ip,
      last_session_expires_at: input.sessionExpiresAt,
    }))
    .where('org_id', '=', input.orgId)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** The owners of an organization, with the address their alerts go to. */
export async function listOwners(
  db: Queryable,
  orgId: string,
): Promise<{ userId: string; email: string; displayName: string }[]> {
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['u.id', 'u.email', 'u.display_name'])
    .where('m.org_id', '=', orgId)
    .where('m.role', '=', 'owner')
    .where('u.disabled_at', 'is', null)
    .orderBy('u.email')
    .execute();
  return rows.map((r) => ({ userId: r.id, email: r.email, displayName: r.display_name }));
}

/** The display name of a user (for "sealed by"), or null when the user is gone. */
export async function userName(db: Queryable, userId: string): Promise<string | null> {
  const row = await db.selectFrom('users').select('display_name').where('id', '=', userId).executeTakeFirst();
  return row?.display_name ?? null;
}

/** Whether a live (unexpired) session of the user exists. */
export async function hasLiveSession(db: Queryable, userId: string, now: string): Promise<boolean> {
  const row = await db
    .selectFrom('sessions')
    .select('id_hash')
    .where('user_id', '=', userId)
    .where('absolute_expires_at', '>', now)
    .where('idle_expires_at', '>', now)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
