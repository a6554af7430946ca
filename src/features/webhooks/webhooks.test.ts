import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMember,
  createOrg,
  inject,
  signUp,
  testApp,
  type TestApp,
  type TestSession,
} from '../../../test/support/app.js';
import { testDatabases } from '../../../test/support/databases.js';
import { deliverDueWebhooks } from './dispatcher.js';
import { verifyWebhook } from './signature.js';
import type { DeliveryView, WebhookView } from './webhooks.service.js';

describe.each(testDatabases())('webhooks on $name', (database) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await testApp({ database });
  });
  afterAll(async () => {
    await t.close();
  });

  const call = (who: TestSession | null, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) =>
    inject(t.app, who, { method, url: `/api/v1${url}`, ...(payload === undefined ? {} : { payload }) });
  const message = (res: { json: <T>() => T }): string => res.json<{ error: { message: string } }>().error.message;

  async function org(kind: 'hospital' | 'manufacturer' = 'hospital'): Promise<{ owner: TestSession; orgId: string }> {
    const owner = await signUp(t.app);
    return { owner, orgId: (await createOrg(t.app, owner, { kind })).id };
  }

  async function create(
    o: { owner: TestSession; orgId: string },
    url: string,
  ): Promise<WebhookView & { secret: string }> {
    const res = await call(o.owner, 'POST', `/orgs/${o.orgId}/webhooks`, { url });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  }

  it('adds a webhook whose secret is shown once, and removes it with its deliveries', async () => {
    const h = await org();
    const w = await create(h, 'https://Hospital.example.jp/openmds/hook?key=abc#frag');
    expect(w.url).toBe('https://hospital.example.jp/openmds/hook?key=abc');
    expect(w.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const listed = await call(h.owner, 'GET', `/orgs/${h.orgId}/webhooks`);
    expect(listed.json()).toEqual([{ id: w.id, url: w.url, createdAt: w.createdAt, disabledAt: null }]);
    expect(listed.body).not.toContain(w.secret);
    const audit = await call(h.owner, 'GET', `/orgs/${h.orgId}/audit?action=webhook.create`);
    const [event] = audit.json<{ events: { details: unknown }[] }>().events;
    // The trail keeps the origin only: the receiver's own query token stays out of it.
    expect(event?.details).toEqual({ origin: 'https://hospital.example.jp' });

    const ping = await call(h.owner, 'POST', `/orgs/${h.orgId}/webhooks/${w.id}/test`);
    expect(ping.statusCode).toBe(202);
    const removed = await call(h.owner, 'DELETE', `/orgs/${h.orgId}/webhooks/${w.id}`);
    expect(removed.statusCode).toBe(204);
    expect((await call(h.owner, 'GET', `/orgs/${h.orgId}/webhooks`)).json()).toEqual([]);
    expect((await call(h.owner, 'GET', `/orgs/${h.orgId}/webhooks/${w.id}/deliveries`)).statusCode).toBe(404);
    expect((await call(h.owner, 'DELETE', `/orgs/${h.orgId}/webhooks/${w.id}`)).statusCode).toBe(404);
    const deleted = await call(h.owner, 'GET', `/orgs/${h.orgId}/audit?action=webhook.delete`);
    expect(deleted.json<{ events: unknown[] }>().events).toHaveLength(1);
  });

  it('refuses URLs that are not http(s), carry credentials, or are too long', async () => {
    const h = await org();
    const cases: [string, string][] = [
      ['ftp://files.example.jp/hook', 'url: must be http:// or https:// (got ftp:)'],
      ['javascript:alert(1)', 'url: must be http:// or https:// (got javascript:)'],
      [
        'https://user:secret@hospital.example.jp/hook',
        'url: must not carry a user name or password; verify the webhook-signature header instead',
      ],
      [
        'https://user@hospital.example.jp/hook',
        'url: must not carry a user name or password; verify the webhook-signature header instead',
      ],
      ['/relative/hook', 'url: is not an absolute URL'],
      [`https://hospital.example.jp/${'a'.repeat(2000)}`, 'body/url: must NOT have more than 2000 characters'],
    ];
    for (const [url, text] of cases) {
      const res = await call(h.owner, 'POST', `/orgs/${h.orgId}/webhooks`, { url });
      expect(res.statusCode, url).toBe(400);
      expect(message(res), url).toBe(text);
    }
    expect((await call(h.owner, 'GET', `/orgs/${h.orgId}/webhooks`)).json()).toEqual([]);
  });

  it('keeps at most 10 webhooks per organization', async () => {
    const h = await org();
    for (let i = 0; i < 10; i++) await create(h, `https://hospital.example.jp/hook/${i}`);
    const eleventh = await call(h.owner, 'POST', `/orgs/${h.orgId}/webhooks`, { url: 'https://hospital.example.jp/x' });
    expect(eleventh.statusCode).toBe(409);
    expect(message(eleventh)).toBe('url: an organization may have at most 10 webhooks; delete one first');
  });

  it('sends a test ping to a real receiver, signed with the secret shown at creation', async () => {
    const got: { headers: IncomingHttpHeaders; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        got.push({ headers: req.headers, body });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const m = await org('manufacturer');
      const w = await create(m, `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`);
      const ping = await call(m.owner, 'POST', `/orgs/${m.orgId}/webhooks/${w.id}/test`);
      expect(ping.json<DeliveryView>()).toMatchObject({ event: 'ping', state: 'pending', attempts: 0 });
      const now = new Date();
      await deliverDueWebhooks(t.db.kysely, { now });
      expect(got).toHaveLength(1);
      const [req] = got;
      const ok = verifyWebhook(
        w.secret,
        {
          id: String(req?.headers['webhook-id']),
          timestamp: String(req?.headers['webhook-timestamp']),
          signature: String(req?.headers['webhook-signature']),
        },
        req?.body ?? '',
        { now },
      );
      expect(ok).toBe(true);
      expect(JSON.parse(req?.body ?? '{}')).toMatchObject({ type: 'ping', data: { webhookId: w.id, orgId: m.orgId } });
      const [d] = (await call(m.owner, 'GET', `/orgs/${m.orgId}/webhooks/${w.id}/deliveries`)).json<DeliveryView[]>();
      expect(d).toMatchObject({ id: ping.json<DeliveryView>().id, state: 'delivered', attempts: 1, lastStatus: 200 });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('queues every notification of the organization for its webhooks', async () => {
    const h = await org();
    const m = await org('manufacturer');
    const w = await create(h, 'https://hospital.example.jp/hook');
    const grant = await call(m.owner, 'POST', `/orgs/${m.orgId}/grants`, {
      granteeOrgId: h.orgId,
      productId: null,
      expiresAt: null,
    });
    expect(grant.statusCode).toBe(201);
    const [d] = (await call(h.owner, 'GET', `/orgs/${h.orgId}/webhooks/${w.id}/deliveries`)).json<DeliveryView[]>();
    expect(d).toMatchObject({ event: 'grant.created', state: 'pending' });
    expect(JSON.parse(d?.payload ?? '{}')).toMatchObject({
      type: 'grant.created',
      data: { grantId: grant.json<{ id: string }>().id, manufacturerOrgId: m.orgId },
    });
  });

  it('lets only owners manage webhooks, and keeps them from other organizations', async () => {
    const h = await org();
    const other = await org();
    const w = await create(h, 'https://hospital.example.jp/hook');
    for (const role of ['editor', 'approver', 'viewer', 'auditor']) {
      const member = await addMember(t.app, h.owner, h.orgId, { role });
      expect((await call(member, 'GET', `/orgs/${h.orgId}/webhooks`)).statusCode, role).toBe(403);
      expect(
        (await call(member, 'POST', `/orgs/${h.orgId}/webhooks`, { url: 'https://x.example.jp/' })).statusCode,
        role,
      ).toBe(403);
      expect((await call(member, 'DELETE', `/orgs/${h.orgId}/webhooks/${w.id}`)).statusCode, role).toBe(403);
    }
    for (const [method, url] of [
      ['GET', `/orgs/${other.orgId}/webhooks/${w.id}/deliveries`],
      ['POST', `/orgs/${other.orgId}/webhooks/${w.id}/test`],
      ['DELETE', `/orgs/${other.orgId}/webhooks/${w.id}`],
      ['GET', `/orgs/${h.orgId}/webhooks`],
    ] as const) {
      const res = await call(other.owner, method, url);
      expect(res.statusCode, url).toBe(404);
      expect(res.body).not.toContain('hospital.example.jp');
    }
    expect((await call(h.owner, 'GET', `/orgs/${h.orgId}/webhooks`)).json<unknown[]>()).toHaveLength(1);
  });
});
