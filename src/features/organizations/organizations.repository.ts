import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { InvitationsTable } from '../../db/schema-accounts.js';
import type { OrgKind, Role } from '../../security/context.js';

type Queryable = Kysely<Database> | Transaction<Database>;

export interface OrgRecord {
  id: string;
  name: string;
  kind: OrgKind;
  createdAt: string;
}

export interface MemberRecord {
  userId: string;
  email: string;
  displayName: string;
  role: Role;
  joinedAt: string;
}

export interface InvitationRecord {
  id: string;
  orgId: string;
  email: string;
  role: Role;
  expiresAt: string;
  createdBy: string;
  createdAt: string;
  acceptedAt: string | null;
  acceptedBy: string | null;
  revokedAt: string | null;
}

export async function insertOrg(db: Queryable, org: OrgRecord): Promise<void> {
  await db
    .insertInto('organizations')
    .values({ id: org.id, name: org.name, kind: org.kind, created_at: org.createdAt })
    .execute();
}

export async function findOrg(db: Queryable, id: string): Promise<OrgRecord | undefined> {
  const row = await db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : { id: row.id, name: row.name, kind: row.kind, createdAt: row.created_at };
}

export async function insertMembership(
  db: Queryable,
  m: { userId: string; orgId: string; role: Role; at: string },
): Promise<void> {
  await db
    .insertInto('memberships')
    .values({ user_id: m.userId, org_id: m.orgId, role: m.role, created_at: m.at })
    .execute();
}

const memberColumns = ['m.user_id', 'm.role', 'm.created_at', 'u.email', 'u.display_name'] as const;

function memberRow(r: {
  user_id: string;
  role: Role;
  created_at: string;
  email: string;
  display_name: string;
}): MemberRecord {
  return { userId: r.user_id, email: r.email, displayName: r.display_name, role: r.role, joinedAt: r.created_at };
}

export async function listMembers(db: Queryable, orgId: string): Promise<MemberRecord[]> {
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(memberColumns)
    .where('m.org_id', '=', orgId)
    .orderBy('u.display_name')
    .orderBy('u.email')
    .execute();
  return rows.map(memberRow);
}

export async function findMember(db: Queryable, orgId: string, userId: string): Promise<MemberRecord | undefined> {
  const row = await db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(memberColumns)
    .where('m.org_id', '=', orgId)
    .where('m.user_id', '=', userId)
    .executeTakeFirst();
  return row === undefined ? undefined : memberRow(row);
}

export async function findMemberByEmail(
  db: Queryable,
  orgId: string,
  email: string,
): Promise<MemberRecord | undefined> {
  const row = await db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(memberColumns)
    .where('m.org_id', '=', orgId)
    .where('u.email', '=', email)
    .executeTakeFirst();
  return row === undefined ? undefined : memberRow(row);
}

export async function countOwners(db: Queryable, orgId: string): Promise<number> {
  const row = await db
    .selectFrom('memberships')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('org_id', '=', orgId)
    .where('role', '=', 'owner')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function updateRole(db: Queryable, orgId: string, userId: string, role: Role): Promise<void> {
  await db.updateTable('memberships').set({ role }).where('org_id', '=', orgId).where('user_id', '=', userId).execute();
}

export async function deleteMembership(db: Queryable, orgId: string, userId: string): Promise<void> {
  await db.deleteFrom('memberships').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
}

/** Sessions of the user that had the organization as their current one lose it. */
export async function clearCurrentOrg(db: Queryable, userId: string, orgId: string): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ current_org_id: null })
    .where('user_id', '=', userId)
    .where('current_org_id', '=', orgId)
    .execute();
}

function rowToInvitation(row: Selectable<InvitationsTable>): InvitationRecord {
  return {
    id: row.id,
    orgId: row.org_id,
    email: row.email,
    role: row.role,
    expiresAt: row.expires_at,
    createdBy: row.created_by,
    createdAt: row.created_at,
    acceptedAt: row.accepted_at,
    acceptedBy: row.accepted_by,
    revokedAt: row.revoked_at,
  };
}

export async function insertInvitation(
  db: Queryable,
  inv: Omit<InvitationRecord, 'acceptedAt' | 'acceptedBy' | 'revokedAt'> & { tokenHash: string },
): Promise<void> {
  await db
    .insertInto('invitations')
    .values({
      id: inv.id,
      org_id: inv.orgId,
      email: inv.email,
      role: inv.role,
      token_hash: inv.tokenHash,
      expires_at: inv.expiresAt,
      created_by: inv.createdBy,
      created_at: inv.createdAt,
    })
    .execute();
}

export async function findInvitation(db: Queryable, orgId: string, id: string): Promise<InvitationRecord | undefined> {
  const row = await db
    .selectFrom('invitations')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row === undefined ? undefined : rowToInvitation(row);
}

export async function findInvitationByTokenHash(
  db: Queryable,
  tokenHash: string,
): Promise<InvitationRecord | undefined> {
  const row = await db.selectFrom('invitations').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  return row === undefined ? undefined : rowToInvitation(row);
}

export async function listInvitations(db: Queryable, orgId: string): Promise<InvitationRecord[]> {
  const rows = await db
    .selectFrom('invitations')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute();
  return rows.map(rowToInvitation);
}

/** Marks a pending invitation accepted; false when it was no longer pending (used or revoked meanwhile). */
export async function markInvitationAccepted(db: Queryable, id: string, userId: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('invitations')
    .set({ accepted_at: at, accepted_by: userId })
    .where('id', '=', id)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function markInvitationRevoked(db: Queryable, id: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('invitations')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
