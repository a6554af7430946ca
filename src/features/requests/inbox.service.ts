import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { TemplateRegistry } from '../../domain/templates/registry.js';
import { notFound, requireAccess, requireUser } from '../../security/access.js';
import { AUDIT_ACTIONS, writeAudit } from '../../security/audit.js';
import type { RequestContext } from '../../security/context.js';
import { AppError } from '../../server/errors.js';
import { findPublication, type PublicationSummary } from '../collection/collection.repository.js';
import { addToCollectionIn } from '../collection/collection.service.js';
import { insertGrant } from '../grants/grants.repository.js';
import { futureTimestamp } from '../grants/grants.service.js';
import { notify } from '../notifications/notify.js';
import { publishRevisionIn } from '../publishing/publishing.service.js';
import { requireOrgKind } from './org-kind.js';
import { requestStatus, requestView, type RequestStatus, type RequestView } from './request-view.js';
import {
  findReceivedRequest,
  listReceivedRequests,
  updateOpenRequest,
  type RequestRecord,
} from './requests.repository.js';
import type { AnswerBody } from './requests.schema.js';

export interface InboxDeps {
  db: Kysely<Database>;
  templates: TemplateRegistry;
}

/** Requests addressed to the manufacturer, newest first; `status` filters on the status as shown. */
export async function listInbox(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  query: { status?: RequestStatus },
): Promise<RequestView[]> {
  const membership = requireAccess(ctx.actor, 'request.read', { orgId, describe: 'organization' });
  requireOrgKind(membership, 'manufacturer', 'request.read', 'receive requests');
  const now = ctx.now();
  const rows = await listReceivedRequests(db, orgId);
  return rows
    .filter((r) => query.status === undefined || requestStatus(r, now) === query.status)
    .map((r) => requestView(r, now));
}

export async function getInboxRequest(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  requestId: string,
): Promise<RequestView> {
  requireAccess(ctx.actor, 'request.read', { orgId, describe: 'request' });
  const r = await findReceivedRequest(db, orgId, requestId);
  if (r === undefined) throw notFound({ orgId, describe: 'request' });
  return requestView(r, ctx.now());
}

async function openReceived(trx: Transaction<Database>, orgId: string, requestId: string): Promise<RequestRecord> {
  const r = await findReceivedRequest(trx, orgId, requestId);
  if (r === undefined) throw notFound({ orgId, describe: 'request' });
  if (r.status !== 'open') {
    throw new AppError('conflict', { message: `requestId: the request is ${r.status} already` });
  }
  return r;
}

/** Which publication answers: an existing one of the organization, or the revision published now. */
async function answeringPublication(
  trx: Transaction<Database>,
  deps: InboxDeps,
  ctx: RequestContext,
  orgId: string,
  body: AnswerBody,
): Promise<PublicationSummary> {
  const publishNow = body.statementId !== undefined || body.revision !== undefined || body.visibility !== undefined;
  if (body.publicationId !== undefined && publishNow) {
    throw new AppError('invalid-input', {
      message: 'body: give either publicationId or statementId, revision and visibility, not both',
    });
  }
  if (body.publicationId !== undefined) {
    const p = await findPublication(trx, body.publicationId);
    if (p === undefined || p.orgId !== orgId) {
      throw new AppError('not-found', { message: 'publicationId: publication not found' });
    }
    if (p.withdrawnAt !== null) {
      throw new AppError('conflict', { message: 'publicationId: the publication was withdrawn; answer with another' });
    }
    return p;
  }
  if (body.statementId === undefined) {
    throw new AppError('invalid-input', {
      message: 'body: give publicationId, or statementId, revision and visibility to publish now',
    });
  }
  if (body.revision === undefined) throw new AppError('invalid-input', { message: 'revision: is required' });
  if (body.visibility === undefined) throw new AppError('invalid-input', { message: 'visibility: is required' });
  const published = await publishRevisionIn(trx, { templates: deps.templates }, ctx, {
    orgId,
    statementId: body.statementId,
    revision: body.revision,
    visibility: body.visibility,
  });
  const p = await findPublication(trx, published.id);
  if (p === undefined) throw new AppError('internal', { message: 'the new publication vanished' });
  return p;
}

/**
 * Answers a request with a publication (an existing one, or a finalized revision published now). A restricted
 * publication, or any answer to an access request, also grants the hospital access to the product (optionally
 * until `grantExpiresAt`). The publication lands in the hospital's collection and the hospital is notified.
 */
export async function answerRequest(
  deps: InboxDeps,
  ctx: RequestContext,
  orgId: string,
  requestId: string,
  body: AnswerBody,
): Promise<RequestView> {
  const membership = requireAccess(ctx.actor, 'request.answer', { orgId, describe: 'request' });
  requireOrgKind(membership, 'manufacturer', 'request.answer', 'answer requests');
  const user = requireUser(ctx.actor);
  const now = ctx.now();
  const grantExpiresAt =
    body.grantExpiresAt === undefined || body.grantExpiresAt === null
      ? null
      : futureTimestamp('grantExpiresAt', body.grantExpiresAt, now);
  return deps.db.transaction().execute(async (trx) => {
    const r = await openReceived(trx, orgId, requestId);
    const p = await answeringPublication(trx, deps, ctx, orgId, body);
    if (r.productId !== null && p.productId !== r.productId) {
      throw new AppError('invalid-input', {
        message: `publicationId: is a statement of ${p.productName}, but the request asks for ${r.productName}`,
      });
    }
    const grants = p.visibility === 'restricted' || r.publicationId !== null;
    if (!grants && grantExpiresAt !== null) {
      throw new AppError('invalid-input', {
        message: 'grantExpiresAt: the answer is public and grants nothing; leave it out',
      });
    }

    let grantId: string | null = null;
    if (grants) {
      grantId = randomUUID();
      await insertGrant(trx, {
        id: grantId,
        orgId,
        granteeOrgId: r.hospitalOrgId,
        productId: p.productId,
        expiresAt: grantExpiresAt,
        requestId: r.id,
        createdBy: user.userId,
        createdAt: now,
      });
      await writeAudit(trx, {
        ctx,
        orgId,
        action: AUDIT_ACTIONS.GRANT_CREATE,
        objectType: 'grant',
        objectId: grantId,
        outcome: 'success',
        details: { granteeOrgId: r.hospitalOrgId, productId: p.productId, expiresAt: grantExpiresAt, requestId: r.id },
      });
    }

    const item = await addToCollectionIn(trx, ctx, {
      orgId: r.hospitalOrgId,
      publication: p,
      requestId: r.id,
      receivedBy: null,
    });
    const changed = await updateOpenRequest(trx, r.id, {
      status: 'answered',
      answer_publication_id: p.id,
      answered_at: now,
      answered_by: user.userId,
      updated_at: now,
    });
    if (!changed) throw new AppError('conflict', { message: 'requestId: the request changed meanwhile; reload' });
    await writeAudit(trx, {
      ctx,
      orgId,
      action: AUDIT_ACTIONS.REQUEST_ANSWER,
      objectType: 'request',
      objectId: r.id,
      revision: p.revision,
      outcome: 'success',
      details: { hospitalOrgId: r.hospitalOrgId, publicationId: p.id, visibility: p.visibility, grantId },
    });
    await notify(trx, {
      orgId: r.hospitalOrgId,
      kind: 'request.answered',
      params: {
        requestId: r.id,
        publicationId: p.id,
        collectionItemId: item.id,
        revision: p.revision,
        visibility: p.visibility,
        manufacturerOrgId: orgId,
        manufacturer: p.manufacturer,
        productName: p.productName,
        productVersion: p.productVersion,
        grantId,
        grantExpiresAt,
      },
      at: now,
    });
    const answered = await findReceivedRequest(trx, orgId, r.id);
    if (answered === undefined) throw new AppError('internal', { message: 'the request vanished' });
    return requestView(answered, now);
  });
}

/** Declines a request with a reason the hospital sees (for an access request: the denial). */
export async function declineRequest(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  requestId: string,
  input: { reason: string },
): Promise<RequestView> {
  const membership = requireAccess(ctx.actor, 'request.answer', { orgId, describe: 'request' });
  requireOrgKind(membership, 'manufacturer', 'request.answer', 'answer requests');
  const user = requireUser(ctx.actor);
  const reason = input.reason.normalize('NFC').trim();
  if (reason === '') throw new AppError('invalid-input', { message: 'reason: must not be blank' });
  const now = ctx.now();
  return db.transaction().execute(async (trx) => {
    const r = await openReceived(trx, orgId, requestId);
    const changed = await updateOpenRequest(trx, r.id, {
      status: 'declined',
      decline_reason: reason,
      answered_at: now,
      answered_by: user.userId,
      updated_at: now,
    });
    if (!changed) throw new AppError('conflict', { message: 'requestId: the request changed meanwhile; reload' });
    await writeAudit(trx, {
      ctx,
      orgId,
      action: AUDIT_ACTIONS.REQUEST_DECLINE,
      objectType: 'request',
      objectId: r.id,
      outcome: 'success',
      details: {
        hospitalOrgId: r.hospitalOrgId,
        accessRequest: r.publicationId !== null,
        publicationId: r.publicationId,
        reason,
      },
    });
    await notify(trx, {
      orgId: r.hospitalOrgId,
      kind: 'request.declined',
      params: {
        requestId: r.id,
        manufacturerOrgId: orgId,
        manufacturer: membership.orgName,
        productName: r.productName,
        productVersion: r.productVersion,
        accessRequest: r.publicationId !== null,
        publicationId: r.publicationId,
        reason,
      },
      at: now,
    });
    const declined = await findReceivedRequest(trx, orgId, r.id);
    if (declined === undefined) throw new AppError('internal', { message: 'the request vanished' });
    return requestView(declined, now);
  });
}
