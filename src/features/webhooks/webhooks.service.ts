import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { notFound, requireAccess, requireUser } from '../../security/access.js';
import { AUDIT_ACTIONS, writeAudit } from '../../security/audit.js';
import type { RequestContext } from '../../security/context.js';
import { AppError } from '../../server/errors.js';
import { enqueueDelivery } from './outbox.js';
import { generateWebhookSecret } from './signature.js';
import { MAX_WEBHOOK_URL } from './webhooks.schema.js';
import {
  deleteWebhook as deleteWebhookRows,
  findDelivery,
  findWebhook,
  insertWebhook,
  listDeliveries,
  listWebhooks as listWebhookRows,
  type DeliveryRecord,
  type WebhookRecord,
} from './webhooks.repository.js';

/** At most this many webhooks per organization. */
export const MAX_WEBHOOKS_PER_ORG = 10;
const DELIVERY_LIST_LIMIT = 100;

export interface WebhookView {
  id: string;
  url: string;
  createdAt: string;
  disabledAt: string | null;
}

export interface DeliveryView {
  id: string;
  event: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  payload: string;
}

const view = (w: WebhookRecord): WebhookView => ({
  id: w.id,
  url: w.url,
  createdAt: w.createdAt,
  disabledAt: w.disabledAt,
});

function deliveryView(d: DeliveryRecord): DeliveryView {
  const state = d.deliveredAt !== null ? 'delivered' : d.nextAttemptAt === null ? 'failed' : 'pending';
  return {
    id: d.id,
    event: d.event,
    state,
    attempts: d.attempts,
    nextAttemptAt: d.nextAttemptAt,
    deliveredAt: d.deliveredAt,
    lastStatus: d.lastStatus,
    lastError: d.lastError,
    createdAt: d.createdAt,
    payload: d.payload,
  };
}

/**
 * Checks a webhook URL: absolute http(s), no user name or password (they would be sent, and shown, with every
 * delivery), at most 2000 characters. Returns it as the WHATWG parser normalizes it.
 */
export function checkWebhookUrl(raw: string): string {
  const text = raw.trim();
  if (text.length > MAX_WEBHOOK_URL) {
    throw new AppError('invalid-input', { message: `url: longer than ${MAX_WEBHOOK_URL} characters` });
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new AppError('invalid-input', { message: 'url: is not an absolute URL' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new AppError('invalid-input', { message: `url: must be http:// or https:// (got ${url.protocol})` });
  }
  if (url.username !== '' || url.password !== '') {
    throw new AppError('invalid-input', {
      message: 'url: must not carry a user name or password; verify the webhook-signature header instead',
    });
  }
  if (url.hostname === '') throw new AppError('invalid-input', { message: 'url: has no host' });
  url.hash = '';
  const normalized = url.toString();
  if (normalized.length > MAX_WEBHOOK_URL) {
    throw new AppError('invalid-input', { message: `url: longer than ${MAX_WEBHOOK_URL} characters` });
  }
  return normalized;
}

/** The organization's webhooks (owner). */
export async function listWebhooks(db: Kysely<Database>, ctx: RequestContext, orgId: string): Promise<WebhookView[]> {
  requireAccess(ctx.actor, 'webhook.manage', { orgId, describe: 'organization' });
  return (await listWebhookRows(db, orgId)).map(view);
}

/** Adds a webhook; the answer carries its signing secret, which is never shown again. */
export async function createWebhook(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  input: { url: string },
): Promise<WebhookView & { secret: string }> {
  requireAccess(ctx.actor, 'webhook.manage', { orgId, describe: 'organization' });
  const user = requireUser(ctx.actor);
  const url = checkWebhookUrl(input.url);
  const id = randomUUID();
  const secret = generateWebhookSecret();
  const at = ctx.now();
  await db.transaction().execute(async (trx) => {
    if ((await listWebhookRows(trx, orgId)).length >= MAX_WEBHOOKS_PER_ORG) {
      throw new AppError('conflict', {
        message: `url: an organization may have at most ${MAX_WEBHOOKS_PER_ORG} webhooks; delete one first`,
      });
    }
    await insertWebhook(trx, { id, orgId, url, secret, createdBy: user.userId, createdAt: at });
    await writeAudit(trx, {
      ctx,
      orgId,
      action: AUDIT_ACTIONS.WEBHOOK_CREATE,
      objectType: 'webhook',
      objectId: id,
      outcome: 'success',
      // The origin only: a receiver's path or query may hold a token of its own.
      details: { origin: new URL(url).origin },
    });
  });
  return { id, url, createdAt: at, disabledAt: null, secret };
}

/** Removes a webhook and its delivery history; pending deliveries are not sent. */
export async function deleteWebhook(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  webhookId: string,
): Promise<void> {
  requireAccess(ctx.actor, 'webhook.manage', { orgId, describe: 'webhook' });
  await db.transaction().execute(async (trx) => {
    const w = await findWebhook(trx, orgId, webhookId);
    if (w === undefined) throw notFound({ orgId, describe: 'webhook' });
    await deleteWebhookRows(trx, w.id);
    await writeAudit(trx, {
      ctx,
      orgId,
      action: AUDIT_ACTIONS.WEBHOOK_DELETE,
      objectType: 'webhook',
      objectId: w.id,
      outcome: 'success',
      details: { origin: new URL(w.url).origin },
    });
  });
}

/** The webhook's last 100 deliveries, newest first. */
export async function listWebhookDeliveries(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  webhookId: string,
): Promise<DeliveryView[]> {
  requireAccess(ctx.actor, 'webhook.manage', { orgId, describe: 'webhook' });
  const w = await findWebhook(db, orgId, webhookId);
  if (w === undefined) throw notFound({ orgId, describe: 'webhook' });
  return (await listDeliveries(db, w.id, DELIVERY_LIST_LIMIT)).map(deliveryView);
}

/** Queues a `ping` delivery to the webhook, sent by the dispatcher like any event. */
export async function testWebhook(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  webhookId: string,
): Promise<DeliveryView> {
  requireAccess(ctx.actor, 'webhook.manage', { orgId, describe: 'webhook' });
  const at = ctx.now();
  return db.transaction().execute(async (trx) => {
    const w = await findWebhook(trx, orgId, webhookId);
    if (w === undefined) throw notFound({ orgId, describe: 'webhook' });
    if (w.disabledAt !== null) {
      throw new AppError('conflict', {
        message: `webhookId: the webhook was disabled at ${w.disabledAt} (its receiver answered 410 Gone); add it again`,
      });
    }
    const id = await enqueueDelivery(trx, { webhookId: w.id, event: 'ping', data: { webhookId: w.id, orgId }, at });
    await writeAudit(trx, {
      ctx,
      orgId,
      action: AUDIT_ACTIONS.WEBHOOK_TEST,
      objectType: 'webhook',
      objectId: w.id,
      outcome: 'success',
      details: { deliveryId: id },
    });
    const d = await findDelivery(trx, id);
    if (d === undefined) throw new AppError('internal', { message: 'the delivery vanished' });
    return deliveryView(d);
  });
}
