import type { LightMyRequestResponse, RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOrg,
  inject,
  invite,
  sessionFrom,
  signIn,
  signUp,
  testApp,
  TEST_PASSWORD,
  uniqueEmail,
  type TestApp,
  type TestSession,
} from '../../../test/support/app.js';
import { testDatabases } from '../../../test/support/databases.js';
import { ANONYMOUS } from '../../security/context.js';
import { SESSION_COOKIE } from '../../security/sessions.js';
import { issueSetupToken } from './accounts.service.js';

const errorOf = (res: LightMyRequestResponse) =>
  res.json<{ error: { code: string; message: string; details?: unknown } }>().error;

interface SessionBody {
  user: { id: string; email: string; displayName: string; isOperator: boolean };
  memberships: { orgId: string; orgName: string; kind: string; role: string }[];
  currentOrgId: string | null;
  csrfToken: string;
  locked: boolean;
  idleExpiresAt: string;
  absoluteExpiresAt: string;
}

let addressCounter = 0;
/** A client address of its own, so that per-address throttling in one test does not reach another. */
const freshAddress = (): string => `198.51.100.${++addressCounter}`;

const MINUTE = 60_000;

describe.each(testDatabases())('accounts on $name', (database) => {
  let t: TestApp;
  const routes: RouteOptions[] = [];

  beforeAll(async () => {
    t = await testApp({ database, onRoute: (r) => routes.push(r) });
  });
  afterAll(async () => {
    await t.close();
  });

  const actions = async (): Promise<string[]> =>
    (await t.db.kysely.selectFrom('audit_events').select('action').orderBy('seq').execute()).map((r) => r.action);

  const signInRaw = (email: string, password: string, remoteAddress = '127.0.0.1') =>
    inject(t.app, null, { method: 'POST', url: '/api/v1/auth/sign-in', payload: { email, password }, remoteAddress });

  describe('first start', () => {
    it('creates the operator once with the setup token, and signs them in', async () => {
      expect((await inject(t.app, null, { url: '/api/v1/setup' })).json()).toEqual({ needed: true });
      const body = { email: 'Operator@Example.jp', displayName: '運用 管理者', password: TEST_PASSWORD };

      const wrong = await inject(t.app, null, {
        method: 'POST',
        url: '/api/v1/setup',
        payload: { ...body, token: 'x'.repeat(43) },
      });
      expect(wrong.statusCode).toBe(403);
      expect(errorOf(wrong).message).toMatch(/^token: /);

      const ctx = { actor: ANONYMOUS, ip: '', userAgent: 'test', now: () => new Date().toISOString() };
      const token = await issueSetupToken(t.db.kysely, ctx);
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      // A newer token replaces the older one.
      const newer = (await issueSetupToken(t.db.kysely, ctx))!;
      const stale = await inject(t.app, null, { method: 'POST', url: '/api/v1/setup', payload: { ...body, token } });
      expect(stale.statusCode).toBe(403);

      const weak = await inject(t.app, null, {
        method: 'POST',
        url: '/api/v1/setup',
        payload: { ...body, token: newer, password: 'password1234' },
      });
      expect(weak.statusCode).toBe(400);
      expect(errorOf(weak).message).toMatch(/^password: /);

      const res = await inject(t.app, null, {
        method: 'POST',
        url: '/api/v1/setup',
        payload: { ...body, token: newer },
      });
      expect(res.statusCode).toBe(201);
      const session = res.json<SessionBody>();
      expect(session.user).toMatchObject({
        email: 'operator@example.jp',
        displayName: '運用 管理者',
        isOperator: true,
      });
      expect(res.cookies.find((c) => c.name === SESSION_COOKIE)?.value).toBeTruthy();

      expect((await inject(t.app, null, { url: '/api/v1/setup' })).json()).toEqual({ needed: false });
      const again = await inject(t.app, null, {
        method: 'POST',
        url: '/api/v1/setup',
        payload: { ...body, token: newer },
      });
      expect(again.statusCode).toBe(409);
      expect(await issueSetupToken(t.db.kysely, ctx)).toBeUndefined();
      expect(await actions()).toContain('operator.setup');
    });
  });

  describe('sign-up', () => {
    it('creates an account, sets an HttpOnly SameSite=Lax session cookie and answers the session', async () => {
      const email = uniqueEmail('Sato');
      const res = await inject(t.app, null, {
        method: 'POST',
        url: '/api/v1/auth/sign-up',
        payload: { email, displayName: ' 佐藤 花子 ', password: TEST_PASSWORD },
      });
      expect(res.statusCode).toBe(201);
      const body = res.json<SessionBody>();
      expect(body.user).toMatchObject({ email: email.toLowerCase(), displayName: '佐藤 花子', isOperator: false });
      expect(body).toMatchObject({ memberships: [], currentOrgId: null, locked: false });
      expect(body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(res.body).not.toMatch(/scrypt|password/i);
      const cookie = res.cookies.find((c) => c.name === SESSION_COOKIE);
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
      expect(cookie?.secure).toBeUndefined();
      // Only the token's hash is stored.
      const stored = await t.db.kysely.selectFrom('sessions').select('id_hash').execute();
      expect(stored.map((s) => s.id_hash)).not.toContain(cookie?.value);
    });

    it('ends the session the caller’s cookie held', async () => {
      const before = await signUp(t.app);
      const res = await inject(t.app, null, {
        method: 'POST',
        url: '/api/v1/auth/sign-up',
        headers: { cookie: before.cookie },
        payload: { email: uniqueEmail(), displayName: 'x', password: TEST_PASSWORD },
      });
      expect(res.statusCode).toBe(201);
      expect((await inject(t.app, before, { url: '/api/v1/auth/session' })).statusCode).toBe(401);
    });

    it('refuses a weak password, naming the field', async () => {
      for (const password of ['short-one', 'Password1234!', 'qwertyuiop123', 'iloveyou2026']) {
        const res = await inject(t.app, null, {
          method: 'POST',
          url: '/api/v1/auth/sign-up',
          payload: { email: uniqueEmail(), displayName: 'x', password },
        });
        expect(res.statusCode, password).toBe(400);
        expect(errorOf(res).message).toMatch(/^password: /);
      }
    });

    it('refuses an email that already has an account, whatever its case', async () => {
      const email = uniqueEmail();
      await signUp(t.app, { email });
      const res = await inject(t.app, null, {
        method: 'POST',
        url: '/api/v1/auth/sign-up',
        payload: { email: email.toUpperCase(), displayName: 'x', password: TEST_PASSWORD },
        remoteAddress: freshAddress(),
      });
      expect(res.statusCode).toBe(409);
      expect(errorOf(res).message).toMatch(/^email: /);
    });
  });

  describe('sign-in', () => {
    it('starts a new session and audits it; the old cookie stops working (no fixation)', async () => {
      const first = await signUp(t.app);
      const res = await inject(t.app, first, {
        method: 'POST',
        url: '/api/v1/auth/sign-in',
        payload: { email: first.email, password: TEST_PASSWORD },
      });
      expect(res.statusCode).toBe(200);
      const second = sessionFrom(res);
      expect(second.cookie).not.toBe(first.cookie);
      expect((await inject(t.app, first, { url: '/api/v1/auth/session' })).statusCode).toBe(401);
      expect((await inject(t.app, second, { url: '/api/v1/auth/session' })).statusCode).toBe(200);
      expect(await actions()).toContain('user.sign-in');
    });

    it('answers a wrong password and an unknown email alike', async () => {
      const s = await signUp(t.app);
      const address = freshAddress();
      const wrong = await signInRaw(s.email, 'not the password at all', address);
      const unknown = await signInRaw(uniqueEmail('nobody'), TEST_PASSWORD, address);
      expect(wrong.statusCode).toBe(401);
      expect(unknown.statusCode).toBe(401);
      expect(wrong.body).toBe(unknown.body);
      expect(errorOf(wrong)).toEqual({ code: 'unauthenticated', message: 'email or password is wrong' });
      const failures = await t.db.kysely
        .selectFrom('audit_events')
        .select(['action', 'outcome', 'actor_id'])
        .where('action', '=', 'user.sign-in-failed')
        .execute();
      expect(failures.some((f) => f.actor_id === s.userId && f.outcome === 'failure')).toBe(true);
    });

    it('refuses a disabled account with the same answer', async () => {
      const s = await signUp(t.app);
      await t.db.kysely
        .updateTable('users')
        .set({ disabled_at: new Date().toISOString() })
        .where('id', '=', s.userId)
        .execute();
      expect(errorOf(await signInRaw(s.email, TEST_PASSWORD, freshAddress())).message).toBe(
        'email or password is wrong',
      );
      // Its live sessions stop working too.
      expect((await inject(t.app, s, { url: '/api/v1/auth/session' })).statusCode).toBe(401);
    });

    it('blocks an email after 5 failures, for longer each time, and a success resets it', async () => {
      const s = await signUp(t.app);
      const address = freshAddress();
      for (let i = 0; i < 5; i++)
        expect((await signInRaw(s.email, 'wrong password here', address)).statusCode).toBe(401);
      const blocked = await signInRaw(s.email, TEST_PASSWORD, address);
      expect(blocked.statusCode).toBe(429);
      const seconds = (errorOf(blocked).details as { retryAfterSeconds: number }).retryAfterSeconds;
      expect(seconds).toBeGreaterThan(55);
      expect(seconds).toBeLessThanOrEqual(60);
      expect(blocked.headers['retry-after']).toBe(String(seconds));
      // Another address does not help: the email is blocked.
      expect((await signInRaw(s.email, TEST_PASSWORD, freshAddress())).statusCode).toBe(429);

      t.clock.advance(61_000);
      expect((await signInRaw(s.email, 'wrong password again', address)).statusCode).toBe(401);
      const longer = await signInRaw(s.email, TEST_PASSWORD, address);
      expect(longer.statusCode).toBe(429);
      expect(Number(longer.headers['retry-after'])).toBeGreaterThan(115);

      t.clock.advance(121_000);
      expect((await signInRaw(s.email, TEST_PASSWORD, address)).statusCode).toBe(200);
      // The streak is over: one more failure is just a failure.
      expect((await signInRaw(s.email, 'wrong password again', address)).statusCode).toBe(401);
      expect((await signInRaw(s.email, TEST_PASSWORD, address)).statusCode).toBe(200);
    });

    it('blocks an address after 20 failures, across emails', async () => {
      const s = await signUp(t.app);
      const address = freshAddress();
      for (let i = 0; i < 20; i++) {
        expect((await signInRaw(uniqueEmail('probe'), 'some password here', address)).statusCode).toBe(401);
      }
      expect((await signInRaw(s.email, TEST_PASSWORD, address)).statusCode).toBe(429);
      expect((await signInRaw(s.email, TEST_PASSWORD, freshAddress())).statusCode).toBe(200);
    });
  });

  describe('the session', () => {
    it('answers the session with its CSRF token, and 401 without one', async () => {
      const s = await signUp(t.app);
      const res = await inject(t.app, s, { url: '/api/v1/auth/session' });
      expect(res.statusCode).toBe(200);
      expect(res.json<SessionBody>()).toMatchObject({ csrfToken: s.csrfToken, user: { id: s.userId } });
      const anonymous = await inject(t.app, null, { url: '/api/v1/auth/session' });
      expect(anonymous.statusCode).toBe(401);
      expect(errorOf(anonymous).code).toBe('unauthenticated');
    });

    it('ends after 30 idle minutes, and activity extends it', async () => {
      const s = await signUp(t.app);
      t.clock.advance(20 * MINUTE);
      expect((await inject(t.app, s, { url: '/api/v1/orgs' })).statusCode).toBe(200);
      t.clock.advance(20 * MINUTE);
      expect((await inject(t.app, s, { url: '/api/v1/orgs' })).statusCode).toBe(200);
      t.clock.advance(31 * MINUTE);
      const expired = await inject(t.app, s, { url: '/api/v1/orgs' });
      expect(expired.statusCode).toBe(401);
      // The dead cookie is cleared.
      expect(expired.cookies.find((c) => c.name === SESSION_COOKIE)?.value).toBe('');
    });

    it('ends after 12 hours however active', async () => {
      const s = await signUp(t.app);
      // A request every 20 minutes for 11 h 40 min...
      for (let i = 0; i < 35; i++) {
        t.clock.advance(20 * MINUTE);
        expect((await inject(t.app, s, { url: '/api/v1/orgs' })).statusCode, `after ${(i + 1) * 20} min`).toBe(200);
      }
      // ...and at 12 h 1 min the session is over.
      t.clock.advance(21 * MINUTE);
      expect((await inject(t.app, s, { url: '/api/v1/orgs' })).statusCode).toBe(401);
    });

    it('signs out: 204, the cookie cleared, the session gone', async () => {
      const s = await signUp(t.app);
      const res = await inject(t.app, s, { method: 'POST', url: '/api/v1/auth/sign-out' });
      expect(res.statusCode).toBe(204);
      expect(res.cookies.find((c) => c.name === SESSION_COOKIE)?.value).toBe('');
      expect((await inject(t.app, s, { url: '/api/v1/auth/session' })).statusCode).toBe(401);
      expect(await actions()).toContain('user.sign-out');
      // Signing out without a session is harmless.
      expect((await inject(t.app, null, { method: 'POST', url: '/api/v1/auth/sign-out' })).statusCode).toBe(204);
    });

    it('switches to one of the user’s organizations, and to no other', async () => {
      const s = await signUp(t.app);
      const a = await createOrg(t.app, s, { name: 'A社' });
      const b = await createOrg(t.app, s, { name: 'B病院', kind: 'hospital' });
      expect((await inject(t.app, s, { url: '/api/v1/auth/session' })).json<SessionBody>().currentOrgId).toBe(b.id);
      const res = await inject(t.app, s, { method: 'POST', url: '/api/v1/auth/switch-org', payload: { orgId: a.id } });
      expect(res.statusCode).toBe(200);
      expect(res.json<SessionBody>().currentOrgId).toBe(a.id);
      const other = await createOrg(t.app, await signUp(t.app));
      const refused = await inject(t.app, s, {
        method: 'POST',
        url: '/api/v1/auth/switch-org',
        payload: { orgId: other.id },
      });
      expect(refused.statusCode).toBe(404);
    });
  });

  describe('screen lock', () => {
    it('answers 423 everywhere but session, unlock and sign-out until unlocked with the password', async () => {
      const s = await signUp(t.app);
      await createOrg(t.app, s);
      const locked = await inject(t.app, s, { method: 'POST', url: '/api/v1/auth/lock' });
      expect(locked.statusCode).toBe(200);
      expect(locked.json<SessionBody>().locked).toBe(true);

      for (const [method, url] of [
        ['GET', '/api/v1/orgs'],
        ['POST', '/api/v1/orgs'],
        ['GET', '/api/v1/templates'],
        ['POST', '/api/v1/auth/lock'],
        ['POST', '/api/v1/auth/switch-org'],
      ] as const) {
        const res = await inject(t.app, s, { method, url, payload: method === 'POST' ? {} : undefined });
        expect(res.statusCode, `${method} ${url}`).toBe(423);
        expect(errorOf(res).code).toBe('locked');
      }
      expect((await inject(t.app, s, { url: '/api/v1/auth/session' })).json<SessionBody>().locked).toBe(true);

      const wrong = await inject(t.app, s, {
        method: 'POST',
        url: '/api/v1/auth/unlock',
        payload: { password: 'not my password' },
      });
      expect(wrong.statusCode).toBe(423);
      expect(errorOf(wrong).message).toMatch(/^password: /);
      expect((await inject(t.app, s, { url: '/api/v1/orgs' })).statusCode).toBe(423);
      const user = await t.db.kysely
        .selectFrom('users')
        .select('failed_sign_ins')
        .where('id', '=', s.userId)
        .executeTakeFirstOrThrow();
      expect(user.failed_sign_ins).toBe(1);
      const failed = await t.db.kysely
        .selectFrom('audit_events')
        .select('outcome')
        .where('action', '=', 'session.unlock')
        .where('actor_id', '=', s.userId)
        .execute();
      expect(failed.map((f) => f.outcome)).toEqual(['failure']);

      const unlocked = await inject(t.app, s, {
        method: 'POST',
        url: '/api/v1/auth/unlock',
        payload: { password: TEST_PASSWORD },
      });
      expect(unlocked.statusCode).toBe(200);
      expect(unlocked.json<SessionBody>().locked).toBe(false);
      expect((await inject(t.app, s, { url: '/api/v1/orgs' })).statusCode).toBe(200);
    });

    it('lets a locked session time out: reading it while locked does not extend it', async () => {
      const s = await signUp(t.app);
      await inject(t.app, s, { method: 'POST', url: '/api/v1/auth/lock' });
      for (let i = 0; i < 2; i++) {
        t.clock.advance(10 * MINUTE);
        expect((await inject(t.app, s, { url: '/api/v1/auth/session' })).statusCode).toBe(200);
      }
      t.clock.advance(11 * MINUTE);
      expect((await inject(t.app, s, { url: '/api/v1/auth/session' })).statusCode).toBe(401);
    });

    it('can be left by signing out', async () => {
      const s = await signUp(t.app);
      await inject(t.app, s, { method: 'POST', url: '/api/v1/auth/lock' });
      expect((await inject(t.app, s, { method: 'POST', url: '/api/v1/auth/sign-out' })).statusCode).toBe(204);
    });
  });

  describe('CSRF', () => {
    const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

    it('refuses every write of a signed-in caller without the session’s token, or with another', async () => {
      const s = await signUp(t.app);
      const other = await signUp(t.app);
      const writes = routes.flatMap((r) =>
        (Array.isArray(r.method) ? r.method : [r.method])
          .filter((m) => WRITES.has(m))
          .map((method) => ({ method, url: r.url, startsSession: r.config?.startsSession === true })),
      );
      const checked = writes.filter((w) => w.url.startsWith('/api/v1/') && !w.startsSession);
      expect(checked.length).toBeGreaterThan(8);
      for (const w of checked) {
        const url = w.url.replace(/:[A-Za-z]+/g, '00000000-0000-4000-8000-000000000000');
        for (const token of [undefined, other.csrfToken, '']) {
          const headers: Record<string, string> = { cookie: s.cookie, 'content-type': 'application/json' };
          if (token !== undefined) headers['x-csrf-token'] = token;
          const res = await t.app.inject({ method: w.method as 'POST', url, headers, payload: '{}' });
          expect(res.statusCode, `${w.method} ${w.url} with token ${String(token)}`).toBe(403);
          expect(errorOf(res).code).toBe('csrf');
        }
      }
      // The session is unharmed: with the token the same caller may write.
      expect(
        (await inject(t.app, s, { method: 'POST', url: '/api/v1/orgs', payload: { name: 'X', kind: 'hospital' } }))
          .statusCode,
      ).toBe(201);
    });

    it('refuses a sign-in, sign-up or setup from another site', async () => {
      const s = await signUp(t.app);
      const crossSite: Record<string, string>[] = [
        { origin: 'https://evil.example' },
        { origin: 'null' },
        { 'sec-fetch-site': 'cross-site' },
        { 'sec-fetch-site': 'same-site', origin: 'http://localhost:80' },
      ];
      for (const headers of crossSite) {
        for (const url of ['/api/v1/auth/sign-in', '/api/v1/auth/sign-up', '/api/v1/setup']) {
          const res = await inject(t.app, null, {
            method: 'POST',
            url,
            headers,
            payload: { email: s.email, password: TEST_PASSWORD, displayName: 'x', token: 'x' },
          });
          expect(res.statusCode, `${url} ${JSON.stringify(headers)}`).toBe(403);
          expect(errorOf(res).code).toBe('csrf');
        }
      }
      // The same origin passes.
      const ok = await inject(t.app, null, {
        method: 'POST',
        url: '/api/v1/auth/sign-in',
        headers: { origin: 'http://localhost:80', 'sec-fetch-site': 'same-origin' },
        payload: { email: s.email, password: TEST_PASSWORD },
      });
      expect(ok.statusCode).toBe(200);
      const byOrigin = await inject(t.app, null, {
        method: 'POST',
        url: '/api/v1/auth/sign-in',
        headers: { origin: 'http://localhost:80' },
        payload: { email: s.email, password: TEST_PASSWORD },
      });
      expect(byOrigin.statusCode).toBe(200);
    });

    it('refuses a cross-site write even with the token', async () => {
      const s = await signUp(t.app);
      const res = await inject(t.app, s, {
        method: 'POST',
        url: '/api/v1/orgs',
        headers: { origin: 'https://evil.example' },
        payload: { name: 'X', kind: 'hospital' },
      });
      expect(res.statusCode).toBe(403);
      expect(errorOf(res).code).toBe('csrf');
    });
  });

  describe('invitations at sign-up', () => {
    it('joins the inviting organization', async () => {
      const owner = await signUp(t.app);
      const org = await createOrg(t.app, owner, { name: '招待元株式会社' });
      const email = uniqueEmail('invitee');
      const inv = await invite(t.app, owner, org.id, { email, role: 'editor' });
      const res = await inject(t.app, null, {
        method: 'POST',
        url: '/api/v1/auth/sign-up',
        payload: { email, displayName: '招待 太郎', password: TEST_PASSWORD, invitationToken: inv.token },
      });
      expect(res.statusCode).toBe(201);
      expect(res.json<SessionBody>()).toMatchObject({
        currentOrgId: org.id,
        memberships: [{ orgId: org.id, orgName: '招待元株式会社', role: 'editor' }],
      });
    });

    it('refuses an invitation made out to another email', async () => {
      const owner = await signUp(t.app);
      const org = await createOrg(t.app, owner);
      const inv = await invite(t.app, owner, org.id, { email: uniqueEmail('someone'), role: 'viewer' });
      const res = await inject(t.app, null, {
        method: 'POST',
        url: '/api/v1/auth/sign-up',
        payload: { email: uniqueEmail('other'), displayName: 'x', password: TEST_PASSWORD, invitationToken: inv.token },
      });
      expect(res.statusCode).toBe(404);
    });
  });

  describe('sign-in and the user row', () => {
    it('keeps sessions per sign-in: signing in twice gives two live sessions', async () => {
      const s = await signUp(t.app);
      const a = await signIn(t.app, { email: s.email });
      const b = await signIn(t.app, { email: s.email });
      expect((await inject(t.app, a, { url: '/api/v1/auth/session' })).statusCode).toBe(200);
      expect((await inject(t.app, b, { url: '/api/v1/auth/session' })).statusCode).toBe(200);
    });
  });
});

describe('sign-up off (OPENMDS_SIGNUP=off)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ settings: { signup: false } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses sign-up without an invitation and allows it with one', async () => {
    const refused = await inject(t.app, null, {
      method: 'POST',
      url: '/api/v1/auth/sign-up',
      payload: { email: uniqueEmail(), displayName: 'x', password: TEST_PASSWORD },
    });
    expect(refused.statusCode).toBe(403);
    expect(errorOf(refused).code).toBe('forbidden');

    // The operator (created from the shell or the setup link) starts the first organization.
    const { createOperator } = await import('./accounts.service.js');
    const ctx = { actor: ANONYMOUS, ip: '', userAgent: 'test', now: () => new Date().toISOString() };
    const { resolveSettings } = await import('../../security/settings.js');
    const { TEST_PASSWORD_HASHING } = await import('../../../test/support/app.js');
    const op = await createOperator(
      t.db.kysely,
      ctx,
      { email: 'op@example.jp', displayName: '運用', password: TEST_PASSWORD },
      resolveSettings({ passwordHashing: TEST_PASSWORD_HASHING }),
    );
    const operator = await signIn(t.app, { email: op.email });
    const org = await createOrg(t.app, operator);
    const email = uniqueEmail('invited');
    const inv = await invite(t.app, operator, org.id, { email, role: 'viewer' });
    const session: TestSession = await signUp(t.app, { email, invitationToken: inv.token });
    expect(session.email).toBe(email);
  });
});

describe('cookies over TLS', () => {
  it('are Secure when a trusted proxy says the request came over https, and not otherwise', async () => {
    const trusting = await testApp({ settings: { trustProxy: true } });
    const plain = await testApp();
    try {
      const payload = { email: uniqueEmail(), displayName: 'x', password: TEST_PASSWORD };
      const headers = { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' };
      const tls = await inject(trusting.app, null, { method: 'POST', url: '/api/v1/auth/sign-up', payload, headers });
      expect(tls.statusCode).toBe(201);
      expect(tls.cookies.find((c) => c.name === SESSION_COOKIE)).toMatchObject({ secure: true, httpOnly: true });
      expect(tls.headers['strict-transport-security']).toBeDefined();
      // The trusted proxy's X-Forwarded-For is the address the session and audit trail record.
      const session = await trusting.db.kysely.selectFrom('sessions').select('ip').executeTakeFirstOrThrow();
      expect(session.ip).toBe('203.0.113.9');

      const spoofed = await inject(plain.app, null, { method: 'POST', url: '/api/v1/auth/sign-up', payload, headers });
      expect(spoofed.statusCode).toBe(201);
      expect(spoofed.cookies.find((c) => c.name === SESSION_COOKIE)?.secure).toBeUndefined();
      const ip = await plain.db.kysely.selectFrom('sessions').select('ip').executeTakeFirstOrThrow();
      expect(ip.ip).toBe('127.0.0.1');
    } finally {
      await trusting.close();
      await plain.close();
    }
  });
});
