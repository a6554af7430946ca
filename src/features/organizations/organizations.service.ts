import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { notFound, requireAccess, requireUser } from '../../security/access.js';
import { AUDIT_ACTIONS, writeAudit } from '../../security/audit.js';
import type { OrgKind, RequestContext, Role } from '../../security/context.js';
import { switchSessionOrg } from '../../security/sessions.js';
import { lockForTransaction } from '../../security/transaction-lock.js';
import { AppError } from '../../server/errors.js';
import {
  clearCurrentOrg,
  countOwners,
  deleteMembership,
  findMember,
  findOrg,
  insertMembership,
  insertOrg,
  listMembers,
  updateRole,
  type MemberRecord,
  type OrgRecord,
} from './organizations.repository.js';

export type { MemberRecord, OrgRecord } from './organizations.repository.js';

/** One of the caller's organizations with their role in it. */
export interface MyOrg {
  id: string;
  name: string;
  kind: OrgKind;
  role: Role;
}

/** Text as stored: NFC, trimmed; blank is refused naming the field. */
export function cleanText(field: string, value: string): string {
  const text = value.normalize('NFC').trim();
  if (text === '') throw new AppError('invalid-input', { message: `${field}: must not be blank` });
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(text)) {
    throw new AppError('invalid-input', { message: `${field}: must not contain control characters` });
  }
  return text;
}

/** The lock that serializes membership changes of one organization (so two owners cannot demote each other). */
export const orgLock = (orgId: string): string => `openmds:org:${orgId}`;

/** The caller's organizations. */
export function listMyOrgs(_db: Kysely<Database>, ctx: RequestContext): MyOrg[] {
  const user = requireUser(ctx.actor);
  return user.memberships.map((m) => ({ id: m.orgId, name: m.orgName, kind: m.kind, role: m.role }));
}

/** Creates an organization; the caller becomes its owner and the session switches to it. */
export async function createOrg(
  db: Kysely<Database>,
  ctx: RequestContext,
  input: { name: string; kind: OrgKind },
): Promise<MyOrg> {
  const user = requireUser(ctx.actor);
  const name = cleanText('name', input.name);
  const org: OrgRecord = { id: randomUUID(), name, kind: input.kind, createdAt: ctx.now() };
  await db.transaction().execute(async (trx) => {
    await insertOrg(trx, org);
    await insertMembership(trx, { userId: user.userId, orgId: org.id, role: 'owner', at: org.createdAt });
    await switchSessionOrg(trx, user.sessionId, org.id);
    await writeAudit(trx, {
      ctx,
      orgId: org.id,
      action: AUDIT_ACTIONS.ORG_CREATE,
      objectType: 'organization',
      objectId: org.id,
      outcome: 'success',
      details: { name, kind: org.kind },
    });
  });
  return { id: org.id, name: org.name, kind: org.kind, role: 'owner' };
}

export async function getOrg(db: Kysely<Database>, ctx: RequestContext, orgId: string): Promise<OrgRecord> {
  requireAccess(ctx.actor, 'org.read', { orgId, describe: 'organization' });
  const org = await findOrg(db, orgId);
  if (org === undefined) throw notFound({ orgId, describe: 'organization' });
  return org;
}

export async function listOrgMembers(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
): Promise<MemberRecord[]> {
  requireAccess(ctx.actor, 'member.read', { orgId, describe: 'organization' });
  return listMembers(db, orgId);
}

/** Changes a member's role. The last owner cannot be demoted, so an organization always has someone to manage it. */
export async function changeMemberRole(
  db: Kysely<Database>,
  ctx: RequestContext,
  input: { orgId: string; userId: string; role: Role },
): Promise<MemberRecord> {
  const { orgId, userId, role } = input;
  requireAccess(ctx.actor, 'member.manage', { orgId, describe: 'member' });
  return db.transaction().execute(async (trx) => {
    await lockForTransaction(trx, orgLock(orgId));
    const member = await findMember(trx, orgId, userId);
    if (member === undefined) throw notFound({ orgId, describe: 'member' });
    if (member.role === role) return member;
    if (member.role === 'owner' && (await countOwners(trx, orgId)) <= 1) {
      throw new AppError('conflict', {
        message: 'role: the last owner cannot be demoted; make someone else owner first',
      });
    }
    await updateRole(trx, orgId, userId, role);
    await writeAudit(trx, {
      ctx,
      orgId,
      action: AUDIT_ACTIONS.MEMBER_ROLE_CHANGE,
      objectType: 'member',
      objectId: userId,
      outcome: 'success',
      details: { from: member.role, to: role },
    });
    return { ...member, role };
  });
}

/** Removes a member; not the last owner. Their sessions lose the organization as the current one. */
export async function removeMember(
  db: Kysely<Database>,
  ctx: RequestContext,
  input: { orgId: string; userId: string },
): Promise<void> {
  const { orgId, userId } = input;
  requireAccess(ctx.actor, 'member.manage', { orgId, describe: 'member' });
  await db.transaction().execute(async (trx) => {
    await lockForTransaction(trx, orgLock(orgId));
    const member = await findMember(trx, orgId, userId);
    if (member === undefined) throw notFound({ orgId, describe: 'member' });
    if (member.role === 'owner' && (await countOwners(trx, orgId)) <= 1) {
      throw new AppError('conflict', {
        message: 'the last owner cannot be removed; make someone else owner first',
      });
    }
    await deleteMembership(trx, orgId, userId);
    await clearCurrentOrg(trx, userId, orgId);
    await writeAudit(trx, {
      ctx,
      orgId,
      action: AUDIT_ACTIONS.MEMBER_REMOVE,
      objectType: 'member',
      objectId: userId,
      outcome: 'success',
      details: { role: member.role, email: member.email },
    });
  });
}
