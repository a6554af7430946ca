import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { WebhookDeliveriesTable, WebhooksTable } from '../../db/schema-publishing.js';
import { secretKeys, secretPlace } from '../../security/secret-box.js';

type Queryable = Kysely<Database> | Transaction<Database>;

export interface WebhookRecord {
  id: string;
  orgId: string;
  url: string;
  createdAt: string;
  disabledAt: string | null;
}

export interface DeliveryRecord {
  id: string;
  webhookId: string;
  event: string;
  /** The exact body sent (and signed). */
  payload: string;
  attempts: number;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
}

/** A delivery that is due, with what sending it needs. */
export interface DueDelivery extends DeliveryRecord {
  url: string;
  /**
   * The webhook's signing secret, decrypted when called: a secret that cannot be decrypted fails this delivery's
   * attempt (SecretUnreadableError, naming the webhook) rather than the whole run.
   */
  secret(): string;
}

function webhookRow(r: Selectable<WebhooksTable>): WebhookRecord {
  return { id: r.id, orgId: r.org_id, url: r.url, createdAt: r.created_at, disabledAt: r.disabled_at };
}

function deliveryRow(r: Selectable<WebhookDeliveriesTable>): DeliveryRecord {
  return {
    id: r.id,
    webhookId: r.webhook_id,
    event: r.event,
    payload: r.payload,
    attempts: Number(r.attempts),
    nextAttemptAt: r.next_attempt_at,
    deliveredAt: r.delivered_at,
    lastStatus: r.last_status === null ? null : Number(r.last_status),
    lastError: r.last_error,
    createdAt: r.created_at,
  };
}

export async function insertWebhook(
  db: Queryable,
  w: { id: string; orgId: string; url: string; secret: string; createdBy: string | null; createdAt: string },
): Promise<void> {
  await db
    .insertInto('webhooks')
    .values({
      id: w.id,
      org_id: w.orgId,
      url: w.url,
      secret: secretKeys().seal(w.secret, secretPlace('webhooks', 'secret', w.id)),
      created_by: w.createdBy,
      created_at: w.createdAt,
    })
    .execute();
}

/** The organization's webhooks, oldest first. */
export async function listWebhooks(db: Queryable, orgId: string): Promise<WebhookRecord[]> {
  const rows = await db
    .selectFrom('webhooks')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(webhookRow);
}

export async function findWebhook(db: Queryable, orgId: string, id: string): Promise<WebhookRecord | undefined> {
  const r = await db
    .selectFrom('webhooks')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return r === undefined ? undefined : webhookRow(r);
}

/** Removes a webhook with its delivery history. */
export async function deleteWebhook(db: Queryable, id: string): Promise<void> {
  await db.deleteFrom('webhook_deliveries').where('webhook_id', '=', id).execute();
  await db.deleteFrom('webhooks').where('id', '=', id).execute();
}

/** Stops deliveries to a webhook (the receiver answered 410 Gone). */
export async function disableWebhook(db: Queryable, id: string, at: string): Promise<void> {
  await db
    .updateTable('webhooks')
    .set({ disabled_at: at })
    .where('id', '=', id)
    .where('disabled_at', 'is', null)
    .execute();
}

/** Ids of the organization's webhooks that receive events. */
export async function enabledWebhookIds(db: Queryable, orgId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('webhooks')
    .select('id')
    .where('org_id', '=', orgId)
    .where('disabled_at', 'is', null)
    .execute();
  return rows.map((r) => r.id);
}

/** Queues a delivery, due at once (the outbox: written in the transaction of the event it reports). */
export async function insertDelivery(
  db: Queryable,
  d: { id: string; webhookId: string; event: string; payload: string; at: string },
): Promise<void> {
  await db
    .insertInto('webhook_deliveries')
    .values({
      id: d.id,
      webhook_id: d.webhookId,
      event: d.event,
      payload: d.payload,
      attempts: 0,
      next_attempt_at: d.at,
      created_at: d.at,
    })
    .execute();
}

export async function findDelivery(db: Queryable, id: string): Promise<DeliveryRecord | undefined> {
  const r = await db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
  return r === undefined ? undefined : deliveryRow(r);
}

/** A webhook's deliveries, newest first. */
export async function listDeliveries(db: Queryable, webhookId: string, limit: number): Promise<DeliveryRecord[]> {
  const rows = await db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('webhook_id', '=', webhookId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(deliveryRow);
}

/** Deliveries not yet delivered nor given up whose next attempt is due, to enabled webhooks, earliest first. */
export async function dueDeliveries(db: Queryable, now: string, limit: number): Promise<DueDelivery[]> {
  const rows = await db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
    .selectAll('d')
    .select(['w.url as url', 'w.secret as secret', 'w.id as hook_id'])
    .where('d.delivered_at', 'is', null)
    .where('d.next_attempt_at', 'is not', null)
    .where('d.next_attempt_at', '<=', now)
    .where('w.disabled_at', 'is', null)
    .orderBy('d.next_attempt_at')
    .orderBy('d.id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    ...deliveryRow(r),
    url: r.url,
    secret: () => secretKeys().open(r.secret, secretPlace('webhooks', 'secret', r.hook_id)),
  }));
}

/**
 * Takes a due delivery for one sender: moves its next attempt to `leaseUntil`, only if nobody moved it since it was
 * read. A sender that dies mid-attempt leaves the delivery to be retried when the lease runs out.
 */
export async function claimDelivery(
  db: Queryable,
  d: { id: string; expectedNextAttemptAt: string; leaseUntil: string },
): Promise<boolean> {
  const r = await db
    .updateTable('webhook_deliveries')
    .set({ next_attempt_at: d.leaseUntil })
    .where('id', '=', d.id)
    .where('delivered_at', 'is', null)
    .where('next_attempt_at', '=', d.expectedNextAttemptAt)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Records an attempt: delivered, or failed with the next attempt (null: given up). */
export async function recordAttempt(
  db: Queryable,
  d: {
    id: string;
    attempts: number;
    status: number | null;
    error: string | null;
    deliveredAt: string | null;
    nextAttemptAt: string | null;
  },
): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({
      attempts: d.attempts,
      last_status: d.status,
      last_error: d.error,
      delivered_at: d.deliveredAt,
      next_attempt_at: d.nextAttemptAt,
    })
    .where('id', '=', d.id)
    .execute();
}
