import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openReady, testDatabases } from '../../../test/support/databases.js';
import type { Db } from '../../db/database.js';
import { insertOrg } from '../organizations/organizations.repository.js';
import { notify } from '../notifications/notify.js';
import { deliverDueWebhooks, MAX_ATTEMPTS, RETRY_DELAYS_MS, startWebhookDispatcher } from './dispatcher.js';
import { enqueueOrgEvent } from './outbox.js';
import { generateWebhookSecret, signWebhook, verifyWebhook } from './signature.js';
import { findDelivery, findWebhook, insertWebhook, listDeliveries } from './webhooks.repository.js';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

interface Receiver {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/** A real HTTP endpoint on 127.0.0.1 that records what it gets and answers what `answer` says. */
async function receiver(
  answer: (r: Received) => { status: number; headers?: Record<string, string> } | 'hang',
): Promise<Receiver> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(r);
      const a = answer(r);
      if (a === 'hang') return;
      res.writeHead(a.status, a.headers ?? {});
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const T0 = '2026-11-25T01:00:00.000Z';
const plus = (ms: number, from = T0): string => new Date(Date.parse(from) + ms).toISOString();

describe.each(testDatabases())('webhook delivery on $name', (database) => {
  let db: Db;
  const receivers: Receiver[] = [];

  // A database per test: what one test leaves queued must not be due in the next.
  beforeEach(async () => {
    db = await openReady(database);
  });
  afterEach(async () => {
    while (receivers.length > 0) await receivers.pop()?.close();
    await db.close();
  });

  async function endpoint(answer: Parameters<typeof receiver>[0]): Promise<Receiver> {
    const r = await receiver(answer);
    receivers.push(r);
    return r;
  }

  /** An organization with one webhook to `url`; returns their ids and the secret. */
  async function hooked(url: string): Promise<{ orgId: string; webhookId: string; secret: string }> {
    const orgId = randomUUID();
    const webhookId = randomUUID();
    const secret = generateWebhookSecret();
    await insertOrg(db.kysely, { id: orgId, name: `病院 ${orgId.slice(0, 6)}`, kind: 'hospital', createdAt: T0 });
    await insertWebhook(db.kysely, { id: webhookId, orgId, url, secret, createdBy: null, createdAt: T0 });
    return { orgId, webhookId, secret };
  }

  async function event(orgId: string, at = T0): Promise<void> {
    await db.kysely
      .transaction()
      .execute((trx) =>
        notify(trx, { orgId, kind: 'grant.created', params: { grantId: 'g-1', manufacturer: 'XYZ株式会社' }, at }),
      );
  }

  it('delivers a queued event, signed so that the receiver can verify it', async () => {
    const r = await endpoint(() => ({ status: 204 }));
    const { orgId, webhookId, secret } = await hooked(r.url);
    await event(orgId);

    const result = await deliverDueWebhooks(db.kysely, { now: T0 });
    expect(result).toEqual({ attempted: 1, delivered: 1, retrying: 0, gaveUp: 0 });
    expect(r.received).toHaveLength(1);
    const got = r.received[0]!;
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['webhook-timestamp']).toBe(String(Date.parse(T0) / 1000));
    expect(got.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const headers = {
      id: String(got.headers['webhook-id']),
      timestamp: String(got.headers['webhook-timestamp']),
      signature: String(got.headers['webhook-signature']),
    };
    expect(verifyWebhook(secret, headers, got.body, { now: new Date(T0) })).toBe(true);
    expect(JSON.parse(got.body)).toEqual({
      type: 'grant.created',
      timestamp: T0,
      data: { grantId: 'g-1', manufacturer: 'XYZ株式会社' },
    });

    const [d] = await listDeliveries(db.kysely, webhookId, 10);
    expect(d).toMatchObject({ id: headers.id, attempts: 1, lastStatus: 204, deliveredAt: T0, nextAttemptAt: null });
    // Delivered once: a second run finds nothing due.
    expect((await deliverDueWebhooks(db.kysely, { now: plus(3_600_000) })).attempted).toBe(0);
  });

  it('gives receivers a signature that fails for another secret, a changed body or an old timestamp', async () => {
    const r = await endpoint(() => ({ status: 200 }));
    const { orgId, secret } = await hooked(r.url);
    await event(orgId);
    await deliverDueWebhooks(db.kysely, { now: T0 });
    const got = r.received[0]!;
    const headers = {
      id: String(got.headers['webhook-id']),
      timestamp: String(got.headers['webhook-timestamp']),
      signature: String(got.headers['webhook-signature']),
    };
    const now = { now: new Date(T0) };
    expect(verifyWebhook(secret, headers, got.body, now)).toBe(true);
    expect(verifyWebhook(generateWebhookSecret(), headers, got.body, now)).toBe(false);
    expect(verifyWebhook(secret, headers, got.body.replace('g-1', 'g-2'), now)).toBe(false);
    expect(verifyWebhook(secret, { ...headers, id: 'msg_other' }, got.body, now)).toBe(false);
    expect(verifyWebhook(secret, headers, got.body, { now: new Date(plus(10 * 60_000)) })).toBe(false);
    // The HMAC key is the secret's base64-decoded bytes, as Standard Webhooks libraries read `whsec_` secrets.
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    expect(key.length).toBe(32);
    expect(signWebhook(secret, headers.id, Number(headers.timestamp), got.body)).toBe(headers.signature);
  });

  it('retries a failing receiver after 1 min, 5 min, 30 min, 2 h and 12 h, then gives up', async () => {
    const r = await endpoint(() => ({ status: 500 }));
    const { orgId, webhookId } = await hooked(r.url);
    await event(orgId);

    let at = T0;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const result = await deliverDueWebhooks(db.kysely, { now: at });
      expect(result.attempted, `attempt ${attempt}`).toBe(1);
      const [d] = await listDeliveries(db.kysely, webhookId, 10);
      expect(d?.attempts).toBe(attempt);
      expect(d?.lastStatus).toBe(500);
      expect(d?.deliveredAt).toBeNull();
      const delay = RETRY_DELAYS_MS[attempt - 1];
      if (delay === undefined) {
        expect(d?.nextAttemptAt).toBeNull();
        expect(d?.lastError).toBe('the receiver answered 500; gave up after 6 attempts');
        expect(result.gaveUp).toBe(1);
      } else {
        expect(d?.nextAttemptAt).toBe(plus(delay, at));
        expect(d?.lastError).toBe('the receiver answered 500');
        // Not before it is due.
        expect((await deliverDueWebhooks(db.kysely, { now: plus(delay - 1000, at) })).attempted).toBe(0);
        at = plus(delay, at);
      }
    }
    expect(RETRY_DELAYS_MS).toEqual([60_000, 300_000, 1_800_000, 7_200_000, 43_200_000]);
    expect(r.received).toHaveLength(MAX_ATTEMPTS);
    // The same webhook-id on every attempt (the receiver's idempotency key), a fresh timestamp each time.
    expect(new Set(r.received.map((x) => x.headers['webhook-id'])).size).toBe(1);
    expect(new Set(r.received.map((x) => x.headers['webhook-timestamp'])).size).toBe(MAX_ATTEMPTS);
    expect((await deliverDueWebhooks(db.kysely, { now: plus(30 * 86_400_000) })).attempted).toBe(0);
  });

  it('does not follow a redirect: it counts as a failure', async () => {
    const target = await endpoint(() => ({ status: 200 }));
    const r = await endpoint(() => ({ status: 302, headers: { location: target.url } }));
    const { orgId, webhookId } = await hooked(r.url);
    await event(orgId);
    expect((await deliverDueWebhooks(db.kysely, { now: T0 })).retrying).toBe(1);
    expect(target.received).toHaveLength(0);
    const [d] = await listDeliveries(db.kysely, webhookId, 10);
    expect(d).toMatchObject({ lastStatus: 302, lastError: 'the receiver answered 302', deliveredAt: null });
  });

  it('gives up waiting for a receiver that does not answer in time, and retries later', async () => {
    const r = await endpoint(() => 'hang');
    const { orgId, webhookId } = await hooked(r.url);
    await event(orgId);
    expect((await deliverDueWebhooks(db.kysely, { now: T0, timeoutMs: 200 })).retrying).toBe(1);
    const [d] = await listDeliveries(db.kysely, webhookId, 10);
    expect(d).toMatchObject({ lastStatus: null, lastError: 'no answer within 0.2 s', nextAttemptAt: plus(60_000) });
  });

  it('records an unreachable receiver as a failure', async () => {
    const r = await endpoint(() => ({ status: 200 }));
    const url = r.url;
    await r.close();
    receivers.pop();
    const { orgId, webhookId } = await hooked(url);
    await event(orgId);
    expect((await deliverDueWebhooks(db.kysely, { now: T0 })).retrying).toBe(1);
    const [d] = await listDeliveries(db.kysely, webhookId, 10);
    expect(d?.lastError).toMatch(/fetch failed/);
  });

  it('disables a webhook whose receiver answers 410 Gone, and queues nothing more for it', async () => {
    const r = await endpoint(() => ({ status: 410 }));
    const { orgId, webhookId } = await hooked(r.url);
    await event(orgId);
    expect((await deliverDueWebhooks(db.kysely, { now: T0 })).gaveUp).toBe(1);
    expect((await findWebhook(db.kysely, orgId, webhookId))?.disabledAt).toBe(T0);
    const queued = await db.kysely
      .transaction()
      .execute((trx) => enqueueOrgEvent(trx, { orgId, event: 'grant.revoked', data: {}, at: plus(1000) }));
    expect(queued).toBe(0);
    expect((await deliverDueWebhooks(db.kysely, { now: plus(86_400_000) })).attempted).toBe(0);
    expect(r.received).toHaveLength(1);
  });

  it('sends each delivery once when two dispatchers run at the same time', async () => {
    const r = await endpoint(() => ({ status: 200 }));
    const { orgId } = await hooked(r.url);
    await event(orgId);
    await event(orgId);
    const [a, b] = await Promise.all([
      deliverDueWebhooks(db.kysely, { now: T0 }),
      deliverDueWebhooks(db.kysely, { now: T0 }),
    ]);
    expect(a.delivered + b.delivered).toBe(2);
    expect(r.received).toHaveLength(2);
    expect(new Set(r.received.map((x) => x.headers['webhook-id'])).size).toBe(2);
  });

  it('runs on a timer until stopped', async () => {
    const r = await endpoint(() => ({ status: 200 }));
    const { orgId, webhookId } = await hooked(r.url);
    const now = new Date().toISOString();
    await event(orgId, now);
    const stop = startWebhookDispatcher(db.kysely, 20);
    try {
      await expect.poll(() => r.received.length, { timeout: 5000 }).toBe(1);
    } finally {
      await stop();
    }
    const [d] = await listDeliveries(db.kysely, webhookId, 10);
    expect(d?.deliveredAt).not.toBeNull();
    // Stopped: a new event stays queued.
    await event(orgId, new Date().toISOString());
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(r.received).toHaveLength(1);
    const pending = (await listDeliveries(db.kysely, webhookId, 10)).find((x) => x.deliveredAt === null);
    expect(pending).toBeDefined();
    expect((await findDelivery(db.kysely, pending?.id ?? ''))?.attempts).toBe(0);
  });
});
