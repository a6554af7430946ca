import type { Kysely, Transaction } from 'kysely';
import { sha256Hex } from '../../db/hash.js';
import type { Database } from '../../db/schema.js';
import { requireAccess } from '../../security/access.js';
import { AUDIT_ACTIONS, writeAudit } from '../../security/audit.js';
import type { RequestContext } from '../../security/context.js';
import { AppError } from '../../server/errors.js';
import { requireOrgKind } from './org-kind.js';
import { invitationClaimable, invitationExpiresAt, requestView, type RequestView } from './request-view.js';
import {
  claimInvitedRequest,
  findReceivedRequest,
  findRequestByTokenHash,
  type RequestRecord,
} from './requests.repository.js';
import { notifyReceived } from './requests.service.js';

/** What the holder of a request invitation link sees before claiming it. */
export interface RequestInvitationLookup {
  hospital: { name: string };
  manufacturerName: string;
  email: string;
  product: { name: string; version: string | null };
  message: string;
  dueDate: string | null;
  createdAt: string;
  expiresAt: string;
  claimable: boolean;
  claimedAt: string | null;
}

const unknownLink = (): AppError => new AppError('not-found', { message: 'request invitation not found' });

async function byToken(
  db: Kysely<Database> | Transaction<Database>,
  token: string,
): Promise<RequestRecord | undefined> {
  if (token.length < 16 || token.length > 200) return undefined;
  return findRequestByTokenHash(db, sha256Hex(token));
}

/** What a request invitation link is about, for anyone holding it; 404 when the link is unknown. */
export async function lookupRequestInvitation(
  db: Kysely<Database>,
  ctx: RequestContext,
  token: string,
): Promise<RequestInvitationLookup> {
  const r = await byToken(db, token);
  if (r === undefined || r.inviteEmail === null) throw unknownLink();
  return {
    hospital: { name: r.hospitalName },
    manufacturerName: r.manufacturerName,
    email: r.inviteEmail,
    product: { name: r.productName, version: r.productVersion },
    message: r.message,
    dueDate: r.dueDate,
    createdAt: r.createdAt,
    expiresAt: invitationExpiresAt(r),
    claimable: invitationClaimable(r, ctx.now()),
    claimedAt: r.inviteClaimedAt,
  };
}

function whyNotClaimable(r: RequestRecord, now: string): string {
  if (r.inviteClaimedAt !== null || r.manufacturerOrgId !== null) {
    return `this invitation link was already used (claimed at ${r.inviteClaimedAt ?? 'an earlier time'}); it works once`;
  }
  if (r.status !== 'open') return `the hospital's request is ${r.status}; the link no longer works`;
  if (invitationExpiresAt(r) <= now) return `this invitation link expired at ${invitationExpiresAt(r)}`;
  return 'this invitation link cannot be claimed';
}

/**
 * An owner or approver of a manufacturer organization takes the request an invitation link carries: it is
 * addressed to that organization from now on and shows in its inbox. The link works once.
 */
export async function claimRequestInvitation(
  db: Kysely<Database>,
  ctx: RequestContext,
  token: string,
  input: { orgId: string },
): Promise<RequestView> {
  const { orgId } = input;
  const membership = requireAccess(ctx.actor, 'request.answer', { orgId, describe: 'organization' });
  requireOrgKind(membership, 'manufacturer', 'request.answer', 'claim a request');
  const now = ctx.now();
  return db.transaction().execute(async (trx) => {
    const r = await byToken(trx, token);
    if (r === undefined || r.inviteEmail === null) throw unknownLink();
    if (!invitationClaimable(r, now)) throw new AppError('conflict', { message: `token: ${whyNotClaimable(r, now)}` });
    const claimed = await claimInvitedRequest(trx, {
      id: r.id,
      manufacturerOrgId: orgId,
      manufacturerName: membership.orgName,
      at: now,
    });
    if (!claimed) {
      throw new AppError('conflict', { message: 'token: this invitation link was already used; it works once' });
    }
    await writeAudit(trx, {
      ctx,
      orgId,
      action: AUDIT_ACTIONS.REQUEST_CLAIM,
      objectType: 'request',
      objectId: r.id,
      outcome: 'success',
      details: { hospitalOrgId: r.hospitalOrgId, invitedName: r.manufacturerName, invitedEmail: r.inviteEmail },
    });
    await notifyReceived(
      trx,
      { orgId: r.hospitalOrgId, orgName: r.hospitalName },
      { ...r, manufacturerOrgId: orgId },
      now,
    );
    const after = await findReceivedRequest(trx, orgId, r.id);
    if (after === undefined) throw new AppError('internal', { message: 'the request vanished' });
    return requestView(after, now);
  });
}
