import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { sha256Hex } from '../../db/hash.js';
import { isUniqueViolation } from '../../db/errors.js';
import type { Database } from '../../db/schema.js';
import { notFound, requireAccess, requireUser } from '../../security/access.js';
import { AUDIT_ACTIONS, writeAudit } from '../../security/audit.js';
import type { OrgKind, RequestContext, Role } from '../../security/context.js';
import { findSession, switchSessionOrg } from '../../security/sessions.js';
import { AppError } from '../../server/errors.js';
import { loadSessionView, type SessionView } from '../accounts/session-view.js';
import {
  findInvitation,
  findInvitationByTokenHash,
  findMember,
  findMemberByEmail,
  findOrg,
  insertInvitation,
  insertMembership,
  listInvitations,
  markInvitationAccepted,
  markInvitationRevoked,
  type InvitationRecord,
} from './organizations.repository.js';

/** How long an invitation link stays valid. */
export const INVITATION_TTL_MS = 7 * 24 * 3_600_000;

/** What the owner sees once, when creating an invitation: `url` carries the token, which is not stored. */
export interface CreatedInvitation {
  id: string;
  email: string;
  role: Role;
  expiresAt: string;
  url: string;
}

export interface InvitationSummary {
  id: string;
  email: string;
  role: Role;
  expiresAt: string;
  acceptedAt: string | null;
  revokedAt: string | null;
}

/** What the holder of an invitation link may see before accepting it. */
export interface InvitationLookup {
  orgName: string;
  kind: OrgKind;
  role: Role;
  email: string;
  expiresAt: string;
}

/** Emails are compared and stored lower-cased. */
export function normalizeEmail(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}

const invitationNotFound = (): AppError =>
  new AppError('not-found', { message: 'invitation not found (unknown, used, revoked, expired or for another email)' });

function isPending(inv: InvitationRecord, now: string): boolean {
  return inv.acceptedAt === null && inv.revokedAt === null && Date.parse(inv.expiresAt) > Date.parse(now);
}

/** The pending invitation a link's token names, or undefined. */
export async function findPendingInvitation(
  db: Kysely<Database> | Transaction<Database>,
  token: string,
  now: string,
): Promise<InvitationRecord | undefined> {
  if (token.length < 16 || token.length > 200) return undefined;
  const inv = await findInvitationByTokenHash(db, sha256Hex(token));
  return inv !== undefined && isPending(inv, now) ? inv : undefined;
}

/** Invites an email address with a role: a single-use link, valid 7 days, whose token only the answer carries. */
export async function createInvitation(
  db: Kysely<Database>,
  ctx: RequestContext,
  input: { orgId: string; email: string; role: Role },
): Promise<CreatedInvitation> {
  const { orgId, role } = input;
  requireAccess(ctx.actor, 'member.manage', { orgId, describe: 'organization' });
  const user = requireUser(ctx.actor);
  const email = normalizeEmail(input.email);
  const token = randomBytes(32).toString('base64url');
  const createdAt = ctx.now();
  const expiresAt = new Date(Date.parse(createdAt) + INVITATION_TTL_MS).toISOString();
  const id = randomUUID();
  await db.transaction().execute(async (trx) => {
    if ((await findMemberByEmail(trx, orgId, email)) !== undefined) {
      throw new AppError('conflict', { message: `email: ${email} is already a member` });
    }
    await insertInvitation(trx, {
      id,
      orgId,
      email,
      role,
      tokenHash: sha256Hex(token),
      expiresAt,
      createdBy: user.userId,
      createdAt,
    });
    await writeAudit(trx, {
      ctx,
      orgId,
      action: AUDIT_ACTIONS.INVITATION_CREATE,
      objectType: 'invitation',
      objectId: id,
      outcome: 'success',
      details: { email, role, expiresAt },
    });
  });
  return { id, email, role, expiresAt, url: `/invite/${token}` };
}

export async function listOrgInvitations(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
): Promise<InvitationSummary[]> {
  requireAccess(ctx.actor, 'member.manage', { orgId, describe: 'organization' });
  const list = await listInvitations(db, orgId);
  return list.map((i) => ({
    id: i.id,
    email: i.email,
    role: i.role,
    expiresAt: i.expiresAt,
    acceptedAt: i.acceptedAt,
    revokedAt: i.revokedAt,
  }));
}

/** Revokes a pending invitation. Revoking one already revoked is a no-op; an accepted one is a conflict. */
export async function revokeInvitation(
  db: Kysely<Database>,
  ctx: RequestContext,
  input: { orgId: string; id: string },
): Promise<void> {
  const { orgId, id } = input;
  requireAccess(ctx.actor, 'member.manage', { orgId, describe: 'invitation' });
  await db.transaction().execute(async (trx) => {
    const inv = await findInvitation(trx, orgId, id);
    if (inv === undefined) throw notFound({ orgId, describe: 'invitation' });
    if (inv.revokedAt !== null) return;
    if (inv.acceptedAt !== null) {
      throw new AppError('conflict', { message: 'the invitation was already accepted; remove the member instead' });
    }
    if (!(await markInvitationRevoked(trx, id, ctx.now()))) {
      throw new AppError('conflict', { message: 'the invitation changed meanwhile; reload' });
    }
    await writeAudit(trx, {
      ctx,
      orgId,
      action: AUDIT_ACTIONS.INVITATION_REVOKE,
      objectType: 'invitation',
      objectId: id,
      outcome: 'success',
      details: { email: inv.email, role: inv.role },
    });
  });
}

/** What an invitation link offers, for anyone holding it; 404 when unknown, used, revoked or expired. */
export async function lookupInvitation(
  db: Kysely<Database>,
  ctx: RequestContext,
  token: string,
): Promise<InvitationLookup> {
  const inv = await findPendingInvitation(db, token, ctx.now());
  const org = inv === undefined ? undefined : await findOrg(db, inv.orgId);
  if (inv === undefined || org === undefined) throw invitationNotFound();
  return { orgName: org.name, kind: org.kind, role: inv.role, email: inv.email, expiresAt: inv.expiresAt };
}

/**
 * Makes `userId` a member through a pending invitation, inside the caller's transaction: marks it accepted (once
 * only), adds the membership and writes the audit record. Throws 404 when the invitation is not pending or not for
 * `email`, 409 when the user is a member already.
 */
export async function acceptInvitationIn(
  trx: Transaction<Database>,
  ctx: RequestContext,
  input: { token: string; userId: string; email: string; actor?: { id: string; name: string } },
): Promise<InvitationRecord> {
  const now = ctx.now();
  const inv = await findPendingInvitation(trx, input.token, now);
  if (inv === undefined || inv.email !== normalizeEmail(input.email)) throw invitationNotFound();
  if ((await findMember(trx, inv.orgId, input.userId)) !== undefined) {
    throw new AppError('conflict', { message: 'you are already a member of this organization' });
  }
  if (!(await markInvitationAccepted(trx, inv.id, input.userId, now))) throw invitationNotFound();
  try {
    await insertMembership(trx, { userId: input.userId, orgId: inv.orgId, role: inv.role, at: now });
  } catch (e) {
    if (isUniqueViolation(e))
      throw new AppError('conflict', { message: 'you are already a member of this organization' });
    throw e;
  }
  await writeAudit(trx, {
    ctx,
    orgId: inv.orgId,
    action: AUDIT_ACTIONS.INVITATION_ACCEPT,
    objectType: 'invitation',
    objectId: inv.id,
    outcome: 'success',
    details: { userId: input.userId, role: inv.role },
    ...(input.actor === undefined ? {} : { actor: input.actor }),
  });
  return inv;
}

/** The signed-in user accepts an invitation made out to their email; the session switches to the organization. */
export async function acceptInvitation(db: Kysely<Database>, ctx: RequestContext, token: string): Promise<SessionView> {
  const user = requireUser(ctx.actor);
  return db.transaction().execute(async (trx) => {
    const inv = await acceptInvitationIn(trx, ctx, { token, userId: user.userId, email: user.email });
    await switchSessionOrg(trx, user.sessionId, inv.orgId);
    const session = await findSession(trx, user.sessionId);
    if (session === undefined) throw new AppError('unauthenticated', { message: 'the session ended' });
    return loadSessionView(trx, session);
  });
}
