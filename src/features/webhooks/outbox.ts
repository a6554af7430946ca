import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { NotificationKind, NotificationParams } from '../notifications/notification-kinds.js';
import { enabledWebhookIds, insertDelivery } from './webhooks.repository.js';

/** Webhook event types: every notification kind, and `ping` (the test delivery). */
export type WebhookEvent = NotificationKind | 'ping';

/** The body of a delivery, as sent and signed: `{ type, timestamp, data }` (the Standard Webhooks layout). */
export function webhookPayload(event: WebhookEvent, at: string, data: NotificationParams): string {
  return JSON.stringify({ type: event, timestamp: at, data });
}

/** Queues one delivery to one webhook; returns its id (also the `webhook-id` header, the same on every retry). */
export async function enqueueDelivery(
  trx: Transaction<Database>,
  d: { webhookId: string; event: WebhookEvent; data: NotificationParams; at: string },
): Promise<string> {
  const id = `msg_${randomUUID().replaceAll('-', '')}`;
  await insertDelivery(trx, {
    id,
    webhookId: d.webhookId,
    event: d.event,
    payload: webhookPayload(d.event, d.at, d.data),
    at: d.at,
  });
  return id;
}

/**
 * Queues the event for every enabled webhook of the organization, inside the transaction of the change it reports
 * (the outbox pattern): the delivery exists if and only if the change was committed. Returns how many were queued.
 */
export async function enqueueOrgEvent(
  trx: Transaction<Database>,
  e: { orgId: string; event: WebhookEvent; data: NotificationParams; at: string },
): Promise<number> {
  const ids = await enabledWebhookIds(trx, e.orgId);
  for (const webhookId of ids) await enqueueDelivery(trx, { webhookId, event: e.event, data: e.data, at: e.at });
  return ids.length;
}
