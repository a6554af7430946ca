import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { AppError } from '../../server/errors.js';
import { orgMayReadPublication } from '../grants/grants.repository.js';
import { enqueueOrgEvent } from '../webhooks/outbox.js';
import type { NotificationKind, NotificationParams } from './notification-kinds.js';
import { holdersOf, holdersOfEarlierRevisions, insertNotification } from './notifications.repository.js';

export { NOTIFICATION_KINDS, type NotificationKind, type NotificationParams } from './notification-kinds.js';

export interface NotifyInput {
  orgId: string;
  kind: NotificationKind;
  params: NotificationParams;
  /** UTC ISO 8601, usually ctx.now(). */
  at: string;
}

/**
 * Notifies an organization, inside the caller's transaction: an in-app notification for its members, and the same
 * event queued for each of its enabled webhooks (`{ type: kind, timestamp: at, data: params }`). Returns the
 * notification's id.
 */
export async function notify(trx: Transaction<Database>, input: NotifyInput): Promise<string> {
  const id = randomUUID();
  await insertNotification(trx, {
    id,
    orgId: input.orgId,
    kind: input.kind,
    params: JSON.stringify(input.params),
    createdAt: input.at,
  });
  await enqueueOrgEvent(trx, { orgId: input.orgId, event: input.kind, data: input.params, at: input.at });
  return id;
}

/** A publication as notifications describe it. */
export interface PublicationNotice {
  publicationId: string;
  statementId: string;
  revision: number;
  manufacturerOrgId: string;
  manufacturer: string;
  productName: string;
  productVersion: string;
  at: string;
}

async function publicationAccess(
  trx: Transaction<Database>,
  publicationId: string,
): Promise<{ orgId: string; productId: string; visibility: 'public' | 'restricted' }> {
  const p = await trx
    .selectFrom('publications')
    .select(['org_id', 'product_id', 'visibility'])
    .where('id', '=', publicationId)
    .executeTakeFirst();
  if (p === undefined) {
    throw new AppError('internal', { message: `notify: publication ${publicationId} is not in this transaction` });
  }
  return { orgId: p.org_id, productId: p.product_id, visibility: p.visibility };
}

/**
 * Tells every organization holding an earlier revision of the statement (in its collection) that a newer one was
 * published: a `publication.new-revision` notification and webhook event each. Organizations that may not read the
 * new publication (restricted, without an active grant for the product) are not told, so a restricted revision's
 * existence does not reach them. Call it in the publishing transaction, after the publication row is written.
 * Returns the organizations notified.
 */
export async function notifyNewRevision(trx: Transaction<Database>, input: PublicationNotice): Promise<string[]> {
  const publication = await publicationAccess(trx, input.publicationId);
  const holders = await holdersOfEarlierRevisions(trx, {
    statementId: input.statementId,
    revision: input.revision,
    exceptOrgId: input.manufacturerOrgId,
  });
  const notified: string[] = [];
  for (const orgId of holders) {
    if (!(await orgMayReadPublication(trx, { granteeOrgId: orgId, publication, now: input.at }))) continue;
    await notify(trx, {
      orgId,
      kind: 'publication.new-revision',
      params: {
        publicationId: input.publicationId,
        statementId: input.statementId,
        revision: input.revision,
        manufacturerOrgId: input.manufacturerOrgId,
        manufacturer: input.manufacturer,
        productName: input.productName,
        productVersion: input.productVersion,
      },
      at: input.at,
    });
    notified.push(orgId);
  }
  return notified;
}

/**
 * Tells every organization holding the publication that it was withdrawn (`publication.withdrawn`, with the
 * reason). They keep reading it, marked withdrawn. Call it in the withdrawing transaction. Returns the organizations
 * notified.
 */
export async function notifyWithdrawn(
  trx: Transaction<Database>,
  input: PublicationNotice & { reason: string },
): Promise<string[]> {
  const holders = (await holdersOf(trx, input.publicationId)).filter((o) => o !== input.manufacturerOrgId);
  for (const orgId of holders) {
    await notify(trx, {
      orgId,
      kind: 'publication.withdrawn',
      params: {
        publicationId: input.publicationId,
        statementId: input.statementId,
        revision: input.revision,
        manufacturerOrgId: input.manufacturerOrgId,
        manufacturer: input.manufacturer,
        productName: input.productName,
        productVersion: input.productVersion,
        reason: input.reason,
      },
      at: input.at,
    });
  }
  return holders;
}
