import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse, RouteOptions } from 'fastify';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMember,
  createOrg,
  inject,
  sessionFrom,
  signUp,
  TEST_PASSWORD,
  testApp,
  type TestApp,
  type TestSession,
} from '../../../test/support/app.js';
import { testDatabases } from '../../../test/support/databases.js';
import { SESSION_COOKIE } from '../../security/sessions.js';
import type { SessionBody } from './accounts.schema.js';
import { TWO_FACTOR_COOKIE } from './two-factor.routes.js';
import type { RecoveryCodesBody, SecurityPolicyBody, TotpSetupBody, TwoFactorStatusBody } from './two-factor.schema.js';

const errorOf = (res: LightMyRequestResponse) => res.json<{ error: { code: string; message: string } }>().error;
const MINUTE = 60_000;

describe.each(testDatabases())('two-factor authentication on $name', (database) => {
  let t: TestApp;
  const routes: RouteOptions[] = [];

  beforeAll(async () => {
    t = await testApp({ database, onRoute: (r) => routes.push(r) });
  });
  afterAll(async () => {
    await t.close();
  });

  /** The TOTP code of the test clock's current step, as an authenticator app would show it. */
  function codeFor(secret: string): string {
    const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
    return totp.generate({ timestamp: t.clock.now().getTime() });
  }

  /** Moves to the next 30-second step (a step's code is accepted once) and returns its code. */
  function nextCode(secret: string): string {
    t.clock.advance(30_000);
    return codeFor(secret);
  }

  async function enrol(s: TestSession): Promise<{ secret: string; recoveryCodes: string[] }> {
    const setup = await inject(t.app, s, {
      method: 'POST',
      url: '/api/v1/account/two-factor/totp/setup',
      payload: { password: TEST_PASSWORD },
    });
    expect(setup.statusCode, setup.body).toBe(200);
    const { secret } = setup.json<TotpSetupBody>();
    const confirm = await inject(t.app, s, {
      method: 'POST',
      url: '/api/v1/account/two-factor/totp/confirm',
      payload: { code: nextCode(secret) },
    });
    expect(confirm.statusCode, confirm.body).toBe(200);
    return { secret, recoveryCodes: confirm.json<RecoveryCodesBody>().recoveryCodes };
  }

  /** The first step of sign-in: the password. Returns the pending cookie header. */
  async function password(email: string, remoteAddress?: string): Promise<string> {
    const res = await inject(t.app, null, {
      method: 'POST',
      url: '/api/v1/auth/sign-in',
      payload: { email, password: TEST_PASSWORD },
      ...(remoteAddress === undefined ? {} : { remoteAddress }),
    });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ twoFactorRequired: true });
    expect(res.cookies.find((c) => c.name === SESSION_COOKIE)).toBeUndefined();
    const pending = res.cookies.find((c) => c.name === TWO_FACTOR_COOKIE);
    expect(pending).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api/v1/auth' });
    return `${TWO_FACTOR_COOKIE}=${pending?.value ?? ''}`;
  }

  function secondStep(cookie: string, code: string, remoteAddress?: string): Promise<LightMyRequestResponse> {
    return inject(t.app, null, {
      method: 'POST',
      url: '/api/v1/auth/two-factor',
      headers: { cookie },
      payload: { code },
      ...(remoteAddress === undefined ? {} : { remoteAddress }),
    });
  }

  async function auditOf(userId: string, action: string): Promise<string[]> {
    const rows = await t.db.kysely
      .selectFrom('audit_events')
      .select(['outcome', 'details'])
      .where('actor_id', '=', userId)
      .where('action', '=', action)
      .orderBy('seq')
      .execute();
    return rows.map((r) => `${r.outcome}${r.details === null ? '' : ` ${r.details}`}`);
  }

  describe('enrolment', () => {
    it('issues a secret for the right password, and turns on only with a right code', async () => {
      const s = await signUp(t.app);
      const wrong = await inject(t.app, s, {
        method: 'POST',
        url: '/api/v1/account/two-factor/totp/setup',
        payload: { password: 'not my password at all' },
      });
      expect(wrong.statusCode).toBe(400);
      expect(errorOf(wrong).message).toMatch(/^password: /);

      const setup = await inject(t.app, s, {
        method: 'POST',
        url: '/api/v1/account/two-factor/totp/setup',
        payload: { password: TEST_PASSWORD },
      });
      expect(setup.statusCode).toBe(200);
      const body = setup.json<TotpSetupBody>();
      expect(body.secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(body.uri).toContain(`secret=${body.secret}`);
      expect(body.uri).toMatch(/^otpauth:\/\/totp\/OpenMDS:/);
      expect(body.qrCode).toMatch(/^data:image\/svg\+xml;base64,/);
      let status = (await inject(t.app, s, { url: '/api/v1/account/two-factor' })).json<TwoFactorStatusBody>();
      expect(status).toMatchObject({ enabled: false, pending: true });

      const bad = await inject(t.app, s, {
        method: 'POST',
        url: '/api/v1/account/two-factor/totp/confirm',
        payload: { code: codeFor(body.secret) === '000000' ? '111111' : '000000' },
      });
      expect(bad.statusCode).toBe(400);
      expect(errorOf(bad).message).toMatch(/^code: /);

      const ok = await inject(t.app, s, {
        method: 'POST',
        url: '/api/v1/account/two-factor/totp/confirm',
        payload: { code: codeFor(body.secret) },
      });
      expect(ok.statusCode).toBe(200);
      const codes = ok.json<RecoveryCodesBody>().recoveryCodes;
      expect(codes).toHaveLength(10);
      expect(new Set(codes).size).toBe(10);
      for (const c of codes) expect(c).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
      // Stored hashed: no code appears in the database.
      const stored = await t.db.kysely.selectFrom('recovery_codes').select('code_hash').execute();
      for (const c of codes) expect(stored.map((r) => r.code_hash)).not.toContain(c);

      status = (await inject(t.app, s, { url: '/api/v1/account/two-factor' })).json<TwoFactorStatusBody>();
      expect(status).toEqual({
        enabled: true,
        totp: true,
        pending: false,
        passkeys: 0,
        recoveryCodesLeft: 10,
        requiredBy: [],
      });
      const again = await inject(t.app, s, {
        method: 'POST',
        url: '/api/v1/account/two-factor/totp/setup',
        payload: { password: TEST_PASSWORD },
      });
      expect(again.statusCode).toBe(409);
      expect(await auditOf(s.userId, 'two-factor.enable')).toEqual([
        'failure {"reason":"wrong-code"}',
        'success {"method":"totp"}',
      ]);
    });
  });

  describe('sign-in', () => {
    it('leaves users without two-factor authentication signing in with the password alone', async () => {
      const s = await signUp(t.app);
      const res = await inject(t.app, null, {
        method: 'POST',
        url: '/api/v1/auth/sign-in',
        payload: { email: s.email, password: TEST_PASSWORD },
      });
      expect(res.statusCode).toBe(200);
    });

    it('starts no session after the password; the TOTP code does', async () => {
      const s = await signUp(t.app);
      const { secret } = await enrol(s);
      const cookie = await password(s.email);
      const wrong = await secondStep(cookie, '000000' === codeFor(secret) ? '111111' : '000000');
      expect(wrong.statusCode).toBe(401);
      expect(errorOf(wrong).message).toMatch(/^code: /);

      const ok = await secondStep(cookie, nextCode(secret));
      expect(ok.statusCode, ok.body).toBe(200);
      const session = sessionFrom(ok);
      expect(ok.cookies.find((c) => c.name === TWO_FACTOR_COOKIE)?.value).toBe('');
      expect((await inject(t.app, session, { url: '/api/v1/auth/session' })).json<SessionBody>().user.id).toBe(
        s.userId,
      );
      // The pending sign-in is used up.
      expect((await secondStep(cookie, nextCode(secret))).statusCode).toBe(401);
      expect(await auditOf(s.userId, 'two-factor.verify')).toEqual(['success {"method":"totp"}']);
      expect(await auditOf(s.userId, 'two-factor.verify-failed')).toEqual(['failure {"reason":"wrong-code"}']);
    });

    it('refuses the second step without a pending sign-in', async () => {
      const res = await secondStep(`${TWO_FACTOR_COOKIE}=nothing`, '123456');
      expect(res.statusCode).toBe(401);
      const none = await inject(t.app, null, {
        method: 'POST',
        url: '/api/v1/auth/two-factor',
        payload: { code: '1' },
      });
      expect(none.statusCode).toBe(401);
    });

    it('expires a pending sign-in after five minutes', async () => {
      const s = await signUp(t.app);
      const { secret } = await enrol(s);
      const cookie = await password(s.email);
      t.clock.advance(5 * MINUTE + 1000);
      expect((await secondStep(cookie, codeFor(secret))).statusCode).toBe(401);
    });

    it('refuses a replay of the same step’s code', async () => {
      const s = await signUp(t.app);
      const { secret } = await enrol(s);
      const code = nextCode(secret);
      expect((await secondStep(await password(s.email), code)).statusCode).toBe(200);
      const replay = await secondStep(await password(s.email), code);
      expect(replay.statusCode).toBe(401);
      expect(await auditOf(s.userId, 'two-factor.verify-failed')).toEqual(['failure {"reason":"replayed-code"}']);
      // The next step's code works.
      expect((await secondStep(await password(s.email), nextCode(secret))).statusCode).toBe(200);
    });

    it('accepts each recovery code once', async () => {
      const s = await signUp(t.app);
      const { recoveryCodes } = await enrol(s);
      const code = recoveryCodes[3] ?? '';
      const ok = await secondStep(await password(s.email), code.toUpperCase());
      expect(ok.statusCode).toBe(200);
      const session = sessionFrom(ok);
      expect(
        (await inject(t.app, session, { url: '/api/v1/account/two-factor' })).json<TwoFactorStatusBody>()
          .recoveryCodesLeft,
      ).toBe(9);
      const again = await secondStep(await password(s.email), code);
      expect(again.statusCode).toBe(401);
      expect(await auditOf(s.userId, 'two-factor.verify')).toEqual(['success {"method":"recovery-code"}']);
    });

    it('throttles wrong codes like wrong passwords', async () => {
      const s = await signUp(t.app);
      const { secret } = await enrol(s);
      const addr = '192.0.2.77';
      const wrongCode = () => (codeFor(secret) === '999999' ? '888888' : '999999');
      let cookie = await password(s.email, addr);
      for (let i = 0; i < 4; i++) expect((await secondStep(cookie, wrongCode(), addr)).statusCode).toBe(401);
      cookie = await password(s.email, addr);
      const blocked = await secondStep(cookie, wrongCode(), addr);
      expect(blocked.statusCode).toBe(429);
      expect(blocked.headers['retry-after']).toBeDefined();
      // While blocked even the right code waits, and so does the password.
      expect((await secondStep(cookie, nextCode(secret), addr)).statusCode).toBe(429);
      const signIn = await inject(t.app, null, {
        method: 'POST',
        url: '/api/v1/auth/sign-in',
        payload: { email: s.email, password: TEST_PASSWORD },
        remoteAddress: addr,
      });
      expect(signIn.statusCode).toBe(429);
      t.clock.advance(2 * MINUTE);
      const fresh = await password(s.email, addr);
      expect((await secondStep(fresh, nextCode(secret), addr)).statusCode).toBe(200);
    });

    it('ends a pending sign-in after five wrong codes', async () => {
      const s = await signUp(t.app);
      const { secret } = await enrol(s);
      const cookie = await password(s.email, '192.0.2.78');
      const wrongCode = () => (codeFor(secret) === '999999' ? '888888' : '999999');
      for (let i = 0; i < 4; i++) await secondStep(cookie, wrongCode(), '192.0.2.78');
      await secondStep(cookie, wrongCode(), '192.0.2.78');
      const left = await t.db.kysely
        .selectFrom('two_factor_challenges')
        .select('id_hash')
        .where('user_id', '=', s.userId)
        .execute();
      expect(left).toEqual([]);
    });
  });

  describe('disable and regenerate', () => {
    it('turns off with the password and a code, after which the password alone signs in', async () => {
      const s = await signUp(t.app);
      const { secret } = await enrol(s);
      const url = '/api/v1/account/two-factor/disable';
      const wrongPw = await inject(t.app, s, {
        method: 'POST',
        url,
        payload: { password: 'wrong password here', code: nextCode(secret) },
      });
      expect(wrongPw.statusCode).toBe(400);
      const noCode = await inject(t.app, s, { method: 'POST', url, payload: { password: TEST_PASSWORD, code: '12' } });
      expect(noCode.statusCode).toBe(400);
      const ok = await inject(t.app, s, {
        method: 'POST',
        url,
        payload: { password: TEST_PASSWORD, code: nextCode(secret) },
      });
      expect(ok.statusCode).toBe(204);
      expect((await inject(t.app, s, { url: '/api/v1/account/two-factor' })).json<TwoFactorStatusBody>()).toMatchObject(
        {
          enabled: false,
          recoveryCodesLeft: 0,
        },
      );
      const signIn = await inject(t.app, null, {
        method: 'POST',
        url: '/api/v1/auth/sign-in',
        payload: { email: s.email, password: TEST_PASSWORD },
      });
      expect(signIn.statusCode).toBe(200);
      expect(await auditOf(s.userId, 'two-factor.disable')).toEqual([
        'failure {"reason":"wrong-password"}',
        'failure {"reason":"wrong-recovery-code"}',
        'success {"method":"totp"}',
      ]);
    });

    it('replaces the recovery codes with a code; the old ones stop working', async () => {
      const s = await signUp(t.app);
      const { secret, recoveryCodes } = await enrol(s);
      const url = '/api/v1/account/two-factor/recovery-codes';
      expect((await inject(t.app, s, { method: 'POST', url, payload: { code: recoveryCodes[0] } })).statusCode).toBe(
        400,
      );
      const res = await inject(t.app, s, { method: 'POST', url, payload: { code: nextCode(secret) } });
      expect(res.statusCode).toBe(200);
      const fresh = res.json<RecoveryCodesBody>().recoveryCodes;
      expect(fresh).toHaveLength(10);
      expect((await secondStep(await password(s.email), recoveryCodes[1] ?? '')).statusCode).toBe(401);
      expect((await secondStep(await password(s.email), fresh[1] ?? '')).statusCode).toBe(200);
    });
  });

  describe('re-authentication', () => {
    it('asks for the password again before changing a role once the sign-in is old', async () => {
      const owner = await signUp(t.app);
      const org = await createOrg(t.app, owner);
      const member = await addMember(t.app, owner, org.id, { role: 'viewer' });
      const change = () =>
        inject(t.app, owner, {
          method: 'PATCH',
          url: `/api/v1/orgs/${org.id}/members/${member.userId}`,
          payload: { role: 'editor' },
        });
      expect((await change()).statusCode).toBe(200);
      t.clock.advance(16 * MINUTE);
      const refused = await change();
      expect(refused.statusCode).toBe(403);
      expect(errorOf(refused).code).toBe('reauth-required');
      const remove = await inject(t.app, owner, {
        method: 'DELETE',
        url: `/api/v1/orgs/${org.id}/members/${member.userId}`,
      });
      expect(errorOf(remove).code).toBe('reauth-required');

      const wrong = await inject(t.app, owner, {
        method: 'POST',
        url: '/api/v1/auth/reauthenticate',
        payload: { password: 'not the password!!' },
      });
      expect(wrong.statusCode).toBe(400);
      const ok = await inject(t.app, owner, {
        method: 'POST',
        url: '/api/v1/auth/reauthenticate',
        payload: { password: TEST_PASSWORD },
      });
      expect(ok.statusCode).toBe(200);
      expect((await change()).statusCode).toBe(200);
      expect(await auditOf(owner.userId, 'session.reauthenticate')).toEqual([
        'failure {"reason":"wrong-password"}',
        'success',
      ]);
    });

    it('needs the code as well when two-factor authentication is on', async () => {
      const s = await signUp(t.app);
      const { secret } = await enrol(s);
      const org = await createOrg(t.app, s);
      t.clock.advance(16 * MINUTE);
      const rotate = () => inject(t.app, s, { method: 'POST', url: `/api/v1/orgs/${org.id}/signing-keys/rotate` });
      expect(errorOf(await rotate()).code).toBe('reauth-required');
      const url = '/api/v1/auth/reauthenticate';
      const noCode = await inject(t.app, s, { method: 'POST', url, payload: { password: TEST_PASSWORD } });
      expect(noCode.statusCode).toBe(400);
      expect(errorOf(noCode).message).toMatch(/^code: /);
      const ok = await inject(t.app, s, {
        method: 'POST',
        url,
        payload: { password: TEST_PASSWORD, code: nextCode(secret) },
      });
      expect(ok.statusCode).toBe(200);
      expect((await rotate()).statusCode).not.toBe(403);
    });
  });

  describe('organization policy', () => {
    it('lets only an owner with two-factor authentication require it', async () => {
      const owner = await signUp(t.app);
      const org = await createOrg(t.app, owner);
      const viewer = await addMember(t.app, owner, org.id, { role: 'viewer' });
      const url = `/api/v1/orgs/${org.id}/security-policy`;
      const put = (s: TestSession) => inject(t.app, s, { method: 'PUT', url, payload: { requireTwoFactor: true } });
      expect((await put(viewer)).statusCode).toBe(403);
      const without = await put(owner);
      expect(without.statusCode).toBe(409);
      await enrol(owner);
      const ok = await put(owner);
      expect(ok.statusCode).toBe(200);
      expect(ok.json<SecurityPolicyBody>()).toMatchObject({
        requireTwoFactor: true,
        membersWithoutTwoFactor: [viewer.userId],
      });
    });

    it('refuses a member without two-factor authentication on every route of the organization but a few', async () => {
      const owner = await signUp(t.app);
      const org = await createOrg(t.app, owner);
      const other = await createOrg(t.app, owner, { name: '別の組織' });
      const editor = await addMember(t.app, owner, org.id, { role: 'editor' });
      await addMember(t.app, owner, other.id, { role: 'viewer', email: undefined });
      await enrol(owner);
      const policy = await inject(t.app, owner, {
        method: 'PUT',
        url: `/api/v1/orgs/${org.id}/security-policy`,
        payload: { requireTwoFactor: true },
      });
      expect(policy.statusCode).toBe(200);

      const exempt = new Set<string>();
      let refused = 0;
      for (const r of routes) {
        if (!r.url.startsWith('/api/v1/orgs/:orgId')) continue;
        for (const method of Array.isArray(r.method) ? r.method : [r.method]) {
          if (method === 'HEAD' || method === 'OPTIONS') continue;
          const url = r.url.replace(':orgId', org.id).replace(/:[A-Za-z]+/g, randomUUID());
          const res = await inject(t.app, editor, {
            method: method as 'GET',
            url,
            ...(method === 'GET' || method === 'DELETE' ? {} : { payload: {} }),
          });
          if (r.config?.twoFactorExempt === true) {
            exempt.add(`${method} ${r.url}`);
            expect(res.statusCode, `${method} ${r.url}`).toBe(200);
            continue;
          }
          expect(res.statusCode, `${method} ${r.url}: ${res.body}`).toBe(403);
          expect(errorOf(res).code, `${method} ${r.url}`).toBe('two-factor-required');
          refused++;
        }
      }
      expect(refused).toBeGreaterThan(20);
      expect([...exempt].sort()).toEqual(['GET /api/v1/orgs/:orgId', 'GET /api/v1/orgs/:orgId/security-policy']);

      // The account's own pages stay open, and say which organization asks.
      expect((await inject(t.app, editor, { url: '/api/v1/auth/session' })).statusCode).toBe(200);
      const status = await inject(t.app, editor, { url: '/api/v1/account/two-factor' });
      expect(status.json<TwoFactorStatusBody>().requiredBy).toEqual([org.id]);
      // The owner (with 2FA) is unaffected; so is the other organization.
      expect((await inject(t.app, owner, { url: `/api/v1/orgs/${org.id}/members` })).statusCode).toBe(200);

      await enrol(editor);
      expect((await inject(t.app, editor, { url: `/api/v1/orgs/${org.id}/members` })).statusCode).toBe(200);
      expect(
        (await inject(t.app, owner, { url: `/api/v1/orgs/${org.id}/security-policy` })).json<SecurityPolicyBody>()
          .membersWithoutTwoFactor,
      ).toEqual([]);
    });
  });
});
