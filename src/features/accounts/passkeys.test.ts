import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMember,
  breakGlassSession,
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
import {
  SoftAuthenticator,
  type Bend,
  type CreationOptionsLike,
  type RequestOptionsLike,
} from '../../../test/support/webauthn.js';
import { SESSION_COOKIE } from '../../security/sessions.js';
import type { PasskeyBody } from './passkeys.schema.js';
import { PASSKEY_COOKIE } from './passkeys.routes.js';
import { relyingPartyOf } from './passkeys.service.js';
import { TWO_FACTOR_COOKIE } from './two-factor.routes.js';
import type { SecurityPolicyBody, TwoFactorPendingBody, TwoFactorStatusBody } from './two-factor.schema.js';

const errorOf = (res: LightMyRequestResponse) => res.json<{ error: { code: string; message: string } }>().error;
const MINUTE = 60_000;
const ORIGIN = 'https://mds.example.jp';

describe('the relying party', () => {
  it('is the public URL when one is set, else the address the request came to', () => {
    const request = { protocol: 'http', host: 'localhost:8080' };
    expect(relyingPartyOf({ publicUrl: 'https://mds.example.jp/openmds' } as never, request)).toEqual({
      id: 'mds.example.jp',
      origin: 'https://mds.example.jp',
      name: 'OpenMDS',
    });
    expect(relyingPartyOf({ publicUrl: undefined } as never, request)).toMatchObject({
      id: 'localhost',
      origin: 'http://localhost:8080',
    });
  });
});

describe.each(testDatabases())('passkeys on $name', (database) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await testApp({ database, settings: { publicUrl: ORIGIN } });
  });
  afterAll(async () => {
    await t.close();
  });

  const device = (options: { counter?: boolean; userVerification?: boolean; synced?: boolean } = {}) =>
    new SoftAuthenticator({ origin: ORIGIN, ...options });

  async function registrationOptions(s: TestSession): Promise<CreationOptionsLike> {
    const res = await inject(t.app, s, { method: 'POST', url: '/api/v1/account/passkeys/options' });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<CreationOptionsLike>();
  }

  function register(s: TestSession, response: unknown, name = '業務用PC'): Promise<LightMyRequestResponse> {
    return inject(t.app, s, { method: 'POST', url: '/api/v1/account/passkeys', payload: { name, response } });
  }

  /** Registers a passkey of `authenticator` for the session; returns the recovery codes the answer carried. */
  async function addPasskey(s: TestSession, authenticator: SoftAuthenticator, name?: string) {
    const res = await register(s, authenticator.create(await registrationOptions(s)), name);
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ passkey: PasskeyBody; recoveryCodes: string[] }>();
  }

  async function signInOptions(): Promise<{ options: RequestOptionsLike; cookie: string }> {
    const res = await inject(t.app, null, { method: 'POST', url: '/api/v1/auth/passkey/options' });
    expect(res.statusCode, res.body).toBe(200);
    const cookie = res.cookies.find((c) => c.name === PASSKEY_COOKIE);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api/v1/auth' });
    return { options: res.json<RequestOptionsLike>(), cookie: `${PASSKEY_COOKIE}=${cookie?.value ?? ''}` };
  }

  function passkeySignIn(cookie: string, response: unknown, remoteAddress?: string) {
    return inject(t.app, null, {
      method: 'POST',
      url: '/api/v1/auth/passkey',
      headers: { cookie },
      payload: { response },
      ...(remoteAddress === undefined ? {} : { remoteAddress }),
    });
  }

  async function withPasskey(authenticator: SoftAuthenticator, bend: Bend = {}) {
    const { options, cookie } = await signInOptions();
    return passkeySignIn(cookie, authenticator.get(options, bend));
  }

  async function auditOf(userId: string, action: string): Promise<{ outcome: string; details: string | null }[]> {
    return t.db.kysely
      .selectFrom('audit_events')
      .select(['outcome', 'details'])
      .where((eb) => eb.or([eb('actor_id', '=', userId), eb('object_id', '=', userId)]))
      .where('action', '=', action)
      .orderBy('seq')
      .execute();
  }

  const status = async (s: TestSession) =>
    (await inject(t.app, s, { url: '/api/v1/account/two-factor' })).json<TwoFactorStatusBody>();

  describe('registration', () => {
    it('registers a passkey, issues recovery codes with the first, and lists it', async () => {
      const s = await signUp(t.app);
      const options = await registrationOptions(s);
      expect(options.rp).toEqual({ id: 'mds.example.jp', name: 'OpenMDS' });
      // The user handle is the account's id, never its email.
      expect(Buffer.from(options.user.id, 'base64url').toString()).toBe(s.userId);
      expect(options).toMatchObject({ attestation: 'none', excludeCredentials: [] });

      const phone = device();
      const first = await register(s, phone.create(options), 'iPhone パスキー');
      expect(first.statusCode, first.body).toBe(201);
      const body = first.json<{ passkey: PasskeyBody; recoveryCodes: string[] }>();
      expect(body.passkey).toMatchObject({ name: 'iPhone パスキー', synced: true, lastUsedAt: null });
      expect(body.passkey.transports).toEqual(['internal', 'hybrid']);
      expect(body.recoveryCodes).toHaveLength(10);
      expect(await status(s)).toMatchObject({ enabled: true, totp: false, passkeys: 1, recoveryCodesLeft: 10 });

      // A second passkey: the first is excluded from its options, and no new recovery codes come.
      const again = await registrationOptions(s);
      expect((again as unknown as { excludeCredentials: { id: string }[] }).excludeCredentials).toEqual([
        expect.objectContaining({ id: body.passkey.id }),
      ]);
      const key = device({ counter: true, synced: false });
      const second = await register(s, key.create(again), 'セキュリティキー');
      expect(second.statusCode, second.body).toBe(201);
      expect(second.json<{ recoveryCodes: string[] }>().recoveryCodes).toEqual([]);
      expect(second.json<{ passkey: PasskeyBody }>().passkey.synced).toBe(false);

      const list = await inject(t.app, s, { url: '/api/v1/account/passkeys' });
      expect(list.json<{ passkeys: PasskeyBody[] }>().passkeys.map((p) => p.name)).toEqual([
        'iPhone パスキー',
        'セキュリティキー',
      ]);
      const audit = await auditOf(s.userId, 'passkey.register');
      expect(audit.map((a) => a.outcome)).toEqual(['success', 'success']);
      // Only public keys are stored.
      const stored = await t.db.kysely.selectFrom('passkeys').selectAll().where('user_id', '=', s.userId).execute();
      expect(stored.every((r) => !r.public_key.includes('PRIVATE'))).toBe(true);
    });

    it('needs a recent authentication', async () => {
      const s = await signUp(t.app);
      t.clock.advance(16 * MINUTE);
      const res = await inject(t.app, s, { method: 'POST', url: '/api/v1/account/passkeys/options' });
      expect(res.statusCode).toBe(403);
      expect(errorOf(res).code).toBe('reauth-required');
      const reauth = await inject(t.app, s, {
        method: 'POST',
        url: '/api/v1/auth/reauthenticate',
        payload: { password: TEST_PASSWORD },
      });
      expect(reauth.statusCode).toBe(200);
      await addPasskey(s, device());
    });

    it('refuses an answer for another origin, another RP, another challenge, or the same options twice', async () => {
      const s = await signUp(t.app);
      const cases: [Bend, RegExp][] = [
        [{ origin: 'https://mds.example.jp.evil.example' }, /origin/i],
        [{ rpId: 'evil.example' }, /RP ID/i],
        [{ challenge: Buffer.from('not the challenge').toString('base64url') }, /challenge/i],
        [{ type: 'webauthn.get' }, /type/i],
      ];
      for (const [bend, message] of cases) {
        const res = await register(s, device().create(await registrationOptions(s), bend));
        expect(res.statusCode, JSON.stringify(bend)).toBe(400);
        expect(errorOf(res).message).toMatch(/^response: /);
        expect(errorOf(res).message).toMatch(message);
      }
      const options = await registrationOptions(s);
      const authenticator = device();
      expect((await register(s, authenticator.create(options))).statusCode).toBe(201);
      // The challenge was used: the same options cannot register another passkey.
      const replay = await register(s, device().create(options));
      expect(replay.statusCode).toBe(409);
      expect(errorOf(replay).message).toMatch(/no passkey registration is waiting/);
      expect((await status(s)).passkeys).toBe(1);
    });

    it('refuses a malformed response with the field it names, and writes nothing', async () => {
      const s = await signUp(t.app);
      const good = device().create(await registrationOptions(s));
      const bad = { ...good, response: { ...good.response, attestationObject: 'not base64url!' } };
      const res = await register(s, bad);
      expect(res.statusCode).toBe(400);
      expect(errorOf(res).message).toMatch(/attestationObject/);
      const garbage = { ...good, response: { ...good.response, attestationObject: 'AAAA' } };
      const broken = await register(s, garbage);
      expect(broken.statusCode).toBe(400);
      expect(errorOf(broken).message).toMatch(/^response: /);
      expect((await status(s)).passkeys).toBe(0);
    });

    it('renames and removes only the caller’s own passkeys; the last one takes two-factor authentication along', async () => {
      const s = await signUp(t.app);
      const other = await signUp(t.app);
      const { passkey, recoveryCodes } = await addPasskey(s, device());
      const url = `/api/v1/account/passkeys/${passkey.id}`;
      const foreign = await inject(t.app, other, { method: 'PATCH', url, payload: { name: '乗っ取り' } });
      expect(foreign.statusCode).toBe(404);
      expect((await inject(t.app, other, { method: 'DELETE', url })).statusCode).toBe(404);

      const renamed = await inject(t.app, s, { method: 'PATCH', url, payload: { name: '  自宅のPC  ' } });
      expect(renamed.statusCode).toBe(200);
      expect(renamed.json<PasskeyBody>().name).toBe('自宅のPC');

      t.clock.advance(16 * MINUTE);
      const stale = await inject(t.app, s, { method: 'DELETE', url });
      expect(errorOf(stale).code).toBe('reauth-required');
      // A passkey user re-authenticates with the password and a recovery code when the passkey is not at hand.
      const withoutCode = await inject(t.app, s, {
        method: 'POST',
        url: '/api/v1/auth/reauthenticate',
        payload: { password: TEST_PASSWORD },
      });
      expect(withoutCode.statusCode).toBe(400);
      const reauth = await inject(t.app, s, {
        method: 'POST',
        url: '/api/v1/auth/reauthenticate',
        payload: { password: TEST_PASSWORD, code: recoveryCodes[0] },
      });
      expect(reauth.statusCode, reauth.body).toBe(200);
      expect((await inject(t.app, s, { method: 'DELETE', url })).statusCode).toBe(204);
      expect(await status(s)).toMatchObject({ enabled: false, passkeys: 0, recoveryCodesLeft: 0 });
    });
  });

  describe('passwordless sign-in', () => {
    it('signs in with a passkey and its user verification, once per challenge', async () => {
      const s = await signUp(t.app);
      const phone = device();
      await addPasskey(s, phone);
      const { options, cookie } = await signInOptions();
      expect(options.allowCredentials ?? []).toEqual([]);
      expect(options.rpId).toBe('mds.example.jp');
      const assertion = phone.get(options);
      const res = await passkeySignIn(cookie, assertion);
      expect(res.statusCode, res.body).toBe(200);
      expect(sessionFrom(res).userId).toBe(s.userId);
      expect(res.cookies.find((c) => c.name === SESSION_COOKIE)?.httpOnly).toBe(true);
      const signIns = await auditOf(s.userId, 'user.sign-in');
      expect(signIns.at(-1)?.details).toContain('"method":"passkey"');

      // The same assertion again: its challenge is gone.
      const replay = await passkeySignIn(cookie, assertion);
      expect(replay.statusCode).toBe(401);
      const list = await inject(t.app, sessionFrom(res), { url: '/api/v1/account/passkeys' });
      expect(list.json<{ passkeys: PasskeyBody[] }>().passkeys[0]?.lastUsedAt).not.toBeNull();
    });

    it('refuses a passkey without user verification, from another origin, signed by another key, or unknown', async () => {
      const cases: [Bend, string][] = [
        [{ userVerified: false }, 'invalid-assertion'],
        [{ origin: 'https://phishing.example' }, 'invalid-assertion'],
        [{ rpId: 'phishing.example' }, 'invalid-assertion'],
        [{ wrongKey: true }, 'invalid-assertion'],
        [{ userPresent: false }, 'invalid-assertion'],
        [{ userHandle: Buffer.from('someone-else').toString('base64url') }, 'user-handle-mismatch'],
      ];
      for (const [bend, reason] of cases) {
        const s = await signUp(t.app);
        const phone = device();
        await addPasskey(s, phone);
        const res = await withPasskey(phone, bend);
        expect(res.statusCode, JSON.stringify(bend)).toBe(401);
        expect(res.cookies.find((c) => c.name === SESSION_COOKIE)).toBeUndefined();
        const failures = await auditOf(s.userId, 'user.sign-in-failed');
        expect(failures.map((f) => JSON.parse(f.details ?? '{}') as { reason: string })).toEqual([
          expect.objectContaining({ method: 'passkey', reason }),
        ]);
        // The passkey itself still works.
        expect((await withPasskey(phone)).statusCode).toBe(200);
      }
      const stranger = device();
      stranger.create({ challenge: 'x', rp: { id: 'mds.example.jp', name: 'x' }, user: { id: 'eA', name: 'x' } });
      expect((await withPasskey(stranger)).statusCode).toBe(401);
      const unknown = await t.db.kysely
        .selectFrom('audit_events')
        .select('details')
        .where('action', '=', 'user.sign-in-failed')
        .where('object_id', 'is', null)
        .orderBy('seq', 'desc')
        .executeTakeFirst();
      expect(unknown?.details).toContain('unknown-passkey');
    });

    it('needs the cookie of its options, and throttles failures by address', async () => {
      const s = await signUp(t.app);
      const phone = device();
      await addPasskey(s, phone);
      const { options } = await signInOptions();
      const noCookie = await passkeySignIn('', phone.get(options));
      expect(noCookie.statusCode).toBe(401);
      const foreignCookie = await passkeySignIn(`${PASSKEY_COOKIE}=forged`, phone.get(options));
      expect(foreignCookie.statusCode).toBe(401);

      const stranger = device();
      stranger.create({ challenge: 'x', rp: { id: 'mds.example.jp', name: 'x' }, user: { id: 'eA', name: 'x' } });
      const address = '198.51.100.77';
      let last: LightMyRequestResponse | undefined;
      for (let i = 0; i < 25 && last?.statusCode !== 429; i++) {
        const { options: o, cookie } = await signInOptions();
        last = await passkeySignIn(cookie, stranger.get(o), address);
      }
      expect(last?.statusCode).toBe(429);
      expect(last?.headers['retry-after']).toBeDefined();
    });

    it('detects a cloned security key by its counter going back', async () => {
      const s = await signUp(t.app);
      const key = device({ counter: true });
      await addPasskey(s, key);
      expect((await withPasskey(key)).statusCode).toBe(200);
      expect((await withPasskey(key)).statusCode).toBe(200);
      const clone = await withPasskey(key, { signCount: 1 });
      expect(clone.statusCode).toBe(401);
      const failures = await auditOf(s.userId, 'user.sign-in-failed');
      expect(failures.at(-1)?.details).toContain('counter-regression');
    });

    it('refuses a disabled account', async () => {
      const s = await signUp(t.app);
      const phone = device();
      await addPasskey(s, phone);
      await t.db.kysely
        .updateTable('users')
        .set({ disabled_at: t.clock.now().toISOString() })
        .where('id', '=', s.userId)
        .execute();
      expect((await withPasskey(phone)).statusCode).toBe(401);
    });
  });

  describe('second step of a sign-in', () => {
    async function password(email: string): Promise<{ cookie: string; body: TwoFactorPendingBody }> {
      const res = await inject(t.app, null, {
        method: 'POST',
        url: '/api/v1/auth/sign-in',
        payload: { email, password: TEST_PASSWORD },
      });
      expect(res.statusCode, res.body).toBe(202);
      const pending = res.cookies.find((c) => c.name === TWO_FACTOR_COOKIE);
      return { cookie: `${TWO_FACTOR_COOKIE}=${pending?.value ?? ''}`, body: res.json<TwoFactorPendingBody>() };
    }

    async function secondStepOptions(cookie: string): Promise<LightMyRequestResponse> {
      return inject(t.app, null, {
        method: 'POST',
        url: '/api/v1/auth/two-factor/passkey/options',
        headers: { cookie },
      });
    }

    function secondStep(cookie: string, response: unknown) {
      return inject(t.app, null, {
        method: 'POST',
        url: '/api/v1/auth/two-factor/passkey',
        headers: { cookie },
        payload: { response },
      });
    }

    it('asks a passkey user for the passkey after the password, and not for a TOTP code', async () => {
      const s = await signUp(t.app);
      const key = device({ userVerification: false });
      await addPasskey(s, key);
      const { cookie, body } = await password(s.email);
      expect(body.methods).toEqual(['passkey', 'recovery-code']);
      const totp = await inject(t.app, null, {
        method: 'POST',
        url: '/api/v1/auth/two-factor',
        headers: { cookie },
        payload: { code: '123456' },
      });
      expect(totp.statusCode).toBe(401);

      const optionsRes = await secondStepOptions(cookie);
      expect(optionsRes.statusCode, optionsRes.body).toBe(200);
      const options = optionsRes.json<RequestOptionsLike>();
      expect(options.allowCredentials?.map((c) => c.id)).toEqual([key.credentials[0]?.id]);
      // As a second factor after the password, a key without user verification is enough.
      const res = await secondStep(cookie, key.get(options));
      expect(res.statusCode, res.body).toBe(200);
      expect(sessionFrom(res).userId).toBe(s.userId);
      const verified = await auditOf(s.userId, 'two-factor.verify');
      expect(verified.at(-1)?.details).toContain('"method":"passkey"');
      // The pending sign-in is over.
      expect((await secondStepOptions(cookie)).statusCode).toBe(401);
    });

    it('refuses another user’s passkey, and accepts a recovery code instead', async () => {
      const victim = await signUp(t.app);
      const { recoveryCodes } = await addPasskey(victim, device());
      const attacker = await signUp(t.app);
      const attackerKey = device();
      await addPasskey(attacker, attackerKey);

      const { cookie } = await password(victim.email);
      const options = (await secondStepOptions(cookie)).json<RequestOptionsLike>();
      const forged = await secondStep(cookie, attackerKey.get(options, {}, attackerKey.credentials[0]));
      expect(forged.statusCode).toBe(401);
      const failures = await auditOf(victim.userId, 'two-factor.verify-failed');
      expect(failures.at(-1)?.details).toContain('foreign-passkey');

      const code = await inject(t.app, null, {
        method: 'POST',
        url: '/api/v1/auth/two-factor',
        headers: { cookie },
        payload: { code: recoveryCodes[0] },
      });
      expect(code.statusCode, code.body).toBe(200);
    });

    it('offers TOTP and passkey to a user with both; enabling TOTP keeps the passkey’s recovery codes', async () => {
      const s = await signUp(t.app);
      const { recoveryCodes } = await addPasskey(s, device());
      const setup = await inject(t.app, s, {
        method: 'POST',
        url: '/api/v1/account/two-factor/totp/setup',
        payload: { password: TEST_PASSWORD },
      });
      expect(setup.statusCode, setup.body).toBe(200);
      const { secret } = setup.json<{ secret: string }>();
      const { TOTP, Secret } = await import('otpauth');
      t.clock.advance(30_000);
      const code = new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: t.clock.now().getTime() });
      const confirm = await inject(t.app, s, {
        method: 'POST',
        url: '/api/v1/account/two-factor/totp/confirm',
        payload: { code },
      });
      expect(confirm.statusCode, confirm.body).toBe(200);
      expect(confirm.json<{ recoveryCodes: string[] }>().recoveryCodes).toEqual([]);
      expect((await password(s.email)).body.methods).toEqual(['totp', 'passkey', 'recovery-code']);

      // Turning TOTP off leaves the passkey and the recovery codes.
      const off = await inject(t.app, s, {
        method: 'POST',
        url: '/api/v1/account/two-factor/disable',
        payload: { password: TEST_PASSWORD, code: recoveryCodes[0] },
      });
      expect(off.statusCode, off.body).toBe(204);
      expect(await status(s)).toMatchObject({ enabled: true, totp: false, passkeys: 1, recoveryCodesLeft: 9 });
    });
  });

  describe('re-authentication', () => {
    it('confirms a sensitive action with a passkey alone, with user verification', async () => {
      const s = await signUp(t.app);
      const phone = device();
      const { passkey } = await addPasskey(s, phone);
      t.clock.advance(16 * MINUTE);
      const url = `/api/v1/account/passkeys/${passkey.id}`;
      expect(errorOf(await inject(t.app, s, { method: 'DELETE', url })).code).toBe('reauth-required');

      const reauthOptions = async () => {
        const res = await inject(t.app, s, { method: 'POST', url: '/api/v1/auth/reauthenticate/passkey/options' });
        expect(res.statusCode, res.body).toBe(200);
        return res.json<RequestOptionsLike>();
      };
      const reauth = (response: unknown) =>
        inject(t.app, s, { method: 'POST', url: '/api/v1/auth/reauthenticate/passkey', payload: { response } });
      const unverified = await reauth(phone.get(await reauthOptions(), { userVerified: false }));
      expect(unverified.statusCode).toBe(401);
      const ok = await reauth(phone.get(await reauthOptions()));
      expect(ok.statusCode, ok.body).toBe(200);

      // Recovery codes can be replaced without a code now (a passkey-only user has none).
      const codes = await inject(t.app, s, {
        method: 'POST',
        url: '/api/v1/account/two-factor/recovery-codes',
        payload: {},
      });
      expect(codes.statusCode, codes.body).toBe(200);

      const removed = await inject(t.app, s, { method: 'DELETE', url });
      expect(removed.statusCode).toBe(204);
      expect(await status(s)).toMatchObject({ enabled: false, passkeys: 0, recoveryCodesLeft: 0 });
      expect((await auditOf(s.userId, 'passkey.remove'))[0]?.details).toContain('"twoFactorOff":true');
      // Without a passkey, sign-in needs only the password again.
      const res = await inject(t.app, null, {
        method: 'POST',
        url: '/api/v1/auth/sign-in',
        payload: { email: s.email, password: TEST_PASSWORD },
      });
      expect(res.statusCode).toBe(200);
    });
  });

  describe('the break-glass account', () => {
    it('cannot have a passkey: its sealed credential stays the only way in', async () => {
      const owner = await signUp(t.app);
      const org = await createOrg(t.app, owner);
      const breakGlass = await breakGlassSession(t.app, owner, org.id);
      const res = await inject(t.app, breakGlass, { method: 'POST', url: '/api/v1/account/passkeys/options' });
      expect(res.statusCode).toBe(403);
      expect(errorOf(res).message).toMatch(/break-glass/);
    });
  });

  describe('organization policy', () => {
    it('counts a passkey as two-factor authentication', async () => {
      const owner = await signUp(t.app);
      const org = await createOrg(t.app, owner);
      const member = await addMember(t.app, owner, org.id, { role: 'editor' });
      await addPasskey(owner, device());
      const policy = await inject(t.app, owner, {
        method: 'PUT',
        url: `/api/v1/orgs/${org.id}/security-policy`,
        payload: { requireTwoFactor: true },
      });
      expect(policy.statusCode, policy.body).toBe(200);
      expect(policy.json<SecurityPolicyBody>().membersWithoutTwoFactor).toEqual([member.userId]);
      const refused = await inject(t.app, member, { url: `/api/v1/orgs/${org.id}/members` });
      expect(errorOf(refused).code).toBe('two-factor-required');
      await addPasskey(member, device());
      expect((await inject(t.app, member, { url: `/api/v1/orgs/${org.id}/members` })).statusCode).toBe(200);
    });
  });
});
