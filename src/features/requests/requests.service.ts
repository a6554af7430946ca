import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { sha256Hex } from '../../db/hash.js';
import type { Database } from '../../db/schema.js';
import { notFound, requireAccess, requireUser } from '../../security/access.js';
import { AUDIT_ACTIONS, writeAudit } from '../../security/audit.js';
import type { Membership, RequestContext } from '../../security/context.js';
import { AppError } from '../../server/errors.js';
import { findPublication } from '../collection/collection.repository.js';
import { orgMayReadPublication } from '../grants/grants.repository.js';
import { notify } from '../notifications/notify.js';
import { normalizeEmail } from '../organizations/invitations.service.js';
import { findOrg } from '../organizations/organizations.repository.js';
import { findProduct } from '../products/products.repository.js';
import { requireOrgKind } from './org-kind.js';
import { requestView, tokyoDate, type RequestView } from './request-view.js';
import {
  findOpenDuplicate,
  findSentRequest,
  insertRequest,
  listSentRequests,
  recordReminder,
  searchManufacturers as searchManufacturerRows,
  updateOpenRequest,
  type NewRequest,
  type RequestRecord,
} from './requests.repository.js';
import type { CreateRequestBody } from './requests.schema.js';

/** A hospital may remind the manufacturer of a request at most this often. */
export const MANUAL_REMINDER_INTERVAL_MS = 24 * 3_600_000;
const MANUFACTURER_LIST_LIMIT = 50;

/** What creating a request answers: the request, and for an invitation the link, shown only this once. */
export type CreatedRequest = RequestView & { invitationUrl?: string };

const clean = (s: string): string => s.normalize('NFC').trim();

function required(field: string, value: string | undefined): string {
  const v = value === undefined ? '' : clean(value);
  if (v === '') throw new AppError('invalid-input', { message: `${field}: is required` });
  return v;
}

function optional(value: string | undefined): string | null {
  const v = value === undefined ? '' : clean(value);
  return v === '' ? null : v;
}

function refuseFields(body: CreateRequestBody, fields: (keyof CreateRequestBody)[], because: string): void {
  const given = fields.find((f) => body[f] !== undefined);
  if (given !== undefined) throw new AppError('invalid-input', { message: `${given}: not used ${because}` });
}

/** Which of the three shapes the body has; exactly one of manufacturerOrgId, invite, publicationId. */
function shapeOf(body: CreateRequestBody): 'manufacturer' | 'invite' | 'publication' {
  const given = (['manufacturerOrgId', 'invite', 'publicationId'] as const).filter((k) => body[k] !== undefined);
  if (given.length !== 1) {
    throw new AppError('invalid-input', {
      message:
        given.length === 0
          ? 'body: name the manufacturer (manufacturerOrgId), invite one (invite), or ask for access (publicationId)'
          : `body: give only one of ${given.join(', ')}`,
    });
  }
  return given[0] === 'manufacturerOrgId' ? 'manufacturer' : given[0] === 'invite' ? 'invite' : 'publication';
}

function checkDueDate(dueDate: string | undefined, now: string): string | null {
  if (dueDate === undefined) return null;
  if (dueDate < tokyoDate(now)) throw new AppError('invalid-input', { message: 'dueDate: is in the past' });
  return dueDate;
}

async function loadView(trx: Transaction<Database>, orgId: string, id: string, now: string): Promise<RequestView> {
  const r = await findSentRequest(trx, orgId, id);
  if (r === undefined) throw new AppError('internal', { message: 'the request vanished' });
  return requestView(r, now);
}

/**
 * A hospital asks a manufacturer for a product's statement (a manufacturer on this instance, or one invited by a
 * single-use link), or for access to a restricted publication. The manufacturer is notified.
 */
export async function createRequest(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  body: CreateRequestBody,
): Promise<CreatedRequest> {
  const membership = requireAccess(ctx.actor, 'request.write', { orgId, describe: 'organization' });
  requireOrgKind(membership, 'hospital', 'request.write', 'send requests');
  const user = requireUser(ctx.actor);
  const now = ctx.now();
  const shape = shapeOf(body);
  const message = clean(body.message ?? '');
  const dueDate = checkDueDate(body.dueDate, now);
  const id = randomUUID();
  const base = { id, hospitalOrgId: orgId, message, dueDate, createdBy: user.userId, createdAt: now };
  let token: string | undefined;

  return db.transaction().execute(async (trx) => {
    let request: NewRequest;
    switch (shape) {
      case 'manufacturer': {
        const manufacturer = await findOrg(trx, body.manufacturerOrgId ?? '');
        if (manufacturer === undefined || manufacturer.kind !== 'manufacturer') {
          throw new AppError('not-found', { message: 'manufacturerOrgId: no manufacturer organization with this id' });
        }
        let product: { id: string; name: string } | undefined;
        if (body.productId !== undefined) {
          product = await findProduct(trx, manufacturer.id, body.productId);
          if (product === undefined) {
            throw new AppError('not-found', { message: `productId: ${manufacturer.name} has no such product` });
          }
          if (body.productName !== undefined && clean(body.productName) !== product.name) {
            throw new AppError('invalid-input', {
              message: `productName: does not match the product's name "${product.name}"; leave it out`,
            });
          }
        }
        if (product !== undefined) {
          const duplicate = await findOpenDuplicate(trx, {
            hospitalOrgId: orgId,
            manufacturerOrgId: manufacturer.id,
            productId: product.id,
            publicationId: null,
          });
          if (duplicate !== undefined) {
            throw new AppError('conflict', {
              message: `productId: you already asked ${manufacturer.name} for ${product.name} (request ${duplicate.id}, still open)`,
            });
          }
        }
        request = {
          ...base,
          manufacturerOrgId: manufacturer.id,
          manufacturerName: manufacturer.name,
          productId: product?.id ?? null,
          productName: product?.name ?? required('productName', body.productName),
          productVersion: optional(body.productVersion),
          publicationId: null,
          inviteEmail: null,
          inviteTokenHash: null,
        };
        break;
      }
      case 'invite': {
        refuseFields(body, ['productId'], 'with an invitation (the manufacturer is not on this instance yet)');
        const invite = body.invite ?? { manufacturerName: '', email: '' };
        token = randomBytes(32).toString('base64url');
        request = {
          ...base,
          manufacturerOrgId: null,
          manufacturerName: required('invite/manufacturerName', invite.manufacturerName),
          productId: null,
          productName: required('productName', body.productName),
          productVersion: optional(body.productVersion),
          publicationId: null,
          inviteEmail: normalizeEmail(invite.email),
          inviteTokenHash: sha256Hex(token),
        };
        break;
      }
      case 'publication': {
        refuseFields(body, ['productId', 'productName', 'productVersion'], 'with publicationId (it names the product)');
        const publication = await findPublication(trx, body.publicationId ?? '');
        if (publication === undefined) {
          throw new AppError('not-found', { message: 'publicationId: publication not found' });
        }
        if (publication.withdrawnAt !== null) {
          throw new AppError('conflict', { message: 'publicationId: the publication was withdrawn' });
        }
        if (publication.visibility === 'public') {
          throw new AppError('invalid-input', {
            message: 'publicationId: the publication is public; add it to your collection instead',
          });
        }
        if (await orgMayReadPublication(trx, { granteeOrgId: orgId, publication, now })) {
          throw new AppError('conflict', {
            message: 'publicationId: your organization already has access; add it to your collection',
          });
        }
        const duplicate = await findOpenDuplicate(trx, {
          hospitalOrgId: orgId,
          manufacturerOrgId: publication.orgId,
          productId: publication.productId,
          publicationId: publication.id,
        });
        if (duplicate !== undefined) {
          throw new AppError('conflict', {
            message: `publicationId: you already asked for access (request ${duplicate.id}, still open)`,
          });
        }
        request = {
          ...base,
          manufacturerOrgId: publication.orgId,
          manufacturerName: publication.manufacturer,
          productId: publication.productId,
          productName: publication.productName,
          productVersion: publication.productVersion,
          publicationId: publication.id,
          inviteEmail: null,
          inviteTokenHash: null,
        };
        break;
      }
    }
    await insertRequest(trx, request);
    await writeAudit(trx, {
      ctx,
      orgId,
      action: AUDIT_ACTIONS.REQUEST_CREATE,
      objectType: 'request',
      objectId: id,
      outcome: 'success',
      details: {
        manufacturerOrgId: request.manufacturerOrgId,
        productId: request.productId,
        publicationId: request.publicationId,
        invited: request.inviteEmail !== null,
        dueDate,
      },
    });
    if (request.manufacturerOrgId !== null) await notifyReceived(trx, membership, request, now);
    const view = await loadView(trx, orgId, id, now);
    return token === undefined ? view : { ...view, invitationUrl: `/requests/invite/${token}` };
  });
}

/** Tells the manufacturer a request arrived (sent to it, or claimed through an invitation). */
export async function notifyReceived(
  trx: Transaction<Database>,
  hospital: Pick<Membership, 'orgId' | 'orgName'>,
  r: Pick<NewRequest, 'id' | 'manufacturerOrgId' | 'productName' | 'productVersion' | 'publicationId' | 'dueDate'>,
  at: string,
): Promise<void> {
  if (r.manufacturerOrgId === null) return;
  await notify(trx, {
    orgId: r.manufacturerOrgId,
    kind: 'request.received',
    params: {
      requestId: r.id,
      hospitalOrgId: hospital.orgId,
      hospital: hospital.orgName,
      productName: r.productName,
      productVersion: r.productVersion,
      accessRequest: r.publicationId !== null,
      dueDate: r.dueDate,
    },
    at,
  });
}

/** The hospital's requests, newest first. */
export async function listRequests(db: Kysely<Database>, ctx: RequestContext, orgId: string): Promise<RequestView[]> {
  const membership = requireAccess(ctx.actor, 'request.read', { orgId, describe: 'organization' });
  requireOrgKind(membership, 'hospital', 'request.read', 'send requests');
  const now = ctx.now();
  return (await listSentRequests(db, orgId)).map((r) => requestView(r, now));
}

export async function getRequest(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  requestId: string,
): Promise<RequestView> {
  requireAccess(ctx.actor, 'request.read', { orgId, describe: 'request' });
  const r = await findSentRequest(db, orgId, requestId);
  if (r === undefined) throw notFound({ orgId, describe: 'request' });
  return requestView(r, ctx.now());
}

function refuseClosed(r: RequestRecord, doing: string): void {
  if (r.status !== 'open')
    throw new AppError('conflict', { message: `requestId: the request is ${r.status}; ${doing}` });
}

/** The hospital reminds the manufacturer of an open request; at most once per 24 hours. */
export async function remindRequest(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  requestId: string,
): Promise<RequestView> {
  const membership = requireAccess(ctx.actor, 'request.write', { orgId, describe: 'request' });
  const now = ctx.now();
  const notSince = new Date(Date.parse(now) - MANUAL_REMINDER_INTERVAL_MS).toISOString();
  return db.transaction().execute(async (trx) => {
    const r = await findSentRequest(trx, orgId, requestId);
    if (r === undefined) throw notFound({ orgId, describe: 'request' });
    refuseClosed(r, 'there is nothing to remind');
    if (r.manufacturerOrgId === null) {
      throw new AppError('conflict', {
        message: 'requestId: the invited manufacturer has not claimed the request yet; send them the link again',
      });
    }
    if (!(await recordReminder(trx, { id: r.id, at: now, notSince }))) {
      const next = new Date(Date.parse(r.lastRemindedAt ?? now) + MANUAL_REMINDER_INTERVAL_MS).toISOString();
      throw new AppError('conflict', {
        message: `requestId: a reminder was sent at ${r.lastRemindedAt ?? now}; remind again after ${next} (once per 24 hours)`,
      });
    }
    await notify(trx, {
      orgId: r.manufacturerOrgId,
      kind: 'request.reminder',
      params: {
        requestId: r.id,
        hospitalOrgId: orgId,
        hospital: membership.orgName,
        productName: r.productName,
        productVersion: r.productVersion,
        dueDate: r.dueDate,
        automatic: false,
      },
      at: now,
    });
    await writeAudit(trx, {
      ctx,
      orgId,
      action: AUDIT_ACTIONS.REQUEST_REMIND,
      objectType: 'request',
      objectId: r.id,
      outcome: 'success',
      details: { manufacturerOrgId: r.manufacturerOrgId, automatic: false, count: r.reminderCount + 1 },
    });
    return loadView(trx, orgId, r.id, now);
  });
}

/** The hospital withdraws an open request; an unclaimed invitation link stops working. */
export async function cancelRequest(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  requestId: string,
): Promise<RequestView> {
  requireAccess(ctx.actor, 'request.write', { orgId, describe: 'request' });
  const now = ctx.now();
  return db.transaction().execute(async (trx) => {
    const r = await findSentRequest(trx, orgId, requestId);
    if (r === undefined) throw notFound({ orgId, describe: 'request' });
    refuseClosed(r, 'only an open request can be cancelled');
    if (!(await updateOpenRequest(trx, r.id, { status: 'cancelled', updated_at: now }))) {
      throw new AppError('conflict', { message: 'requestId: the request changed meanwhile; reload' });
    }
    await writeAudit(trx, {
      ctx,
      orgId,
      action: AUDIT_ACTIONS.REQUEST_CANCEL,
      objectType: 'request',
      objectId: r.id,
      outcome: 'success',
      details: { manufacturerOrgId: r.manufacturerOrgId },
    });
    return loadView(trx, orgId, r.id, now);
  });
}

/** Manufacturer organizations on the instance with their products, by name, to address a request to. */
export async function listManufacturers(
  db: Kysely<Database>,
  ctx: RequestContext,
  q: string | undefined,
): Promise<{ id: string; name: string; products: { id: string; name: string }[] }[]> {
  requireUser(ctx.actor);
  return searchManufacturerRows(db, (q ?? '').normalize('NFKC').trim(), MANUFACTURER_LIST_LIMIT);
}
