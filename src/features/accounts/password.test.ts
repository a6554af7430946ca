import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  inject,
  signIn,
  signUp,
  testApp,
  TEST_PASSWORD,
  uniqueEmail,
  type TestApp,
} from '../../../test/support/app.js';
import { testDatabases } from '../../../test/support/databases.js';
import { ANONYMOUS } from '../../security/context.js';
import { settingsFromEnv } from '../../security/settings.js';
import { issuePasswordResetByOperator } from './password.service.js';

const errorOf = (res: LightMyRequestResponse) =>
  res.json<{ error: { code: string; message: string; details?: unknown } }>().error;

let addressCounter = 0;
/** A client address of its own, so that per-address throttling in one test does not reach another. */
const freshAddress = (): string => `203.0.113.${++addressCounter}`;

const MINUTE = 60_000;
const passwords = (n: number): string[] => Array.from({ length: n }, (_, i) => `新しい合言葉は桜の${i}番目です`);

describe.each(testDatabases())('passwords on $name', (database) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await testApp({ database });
  });
  afterAll(async () => {
    await t.close();
  });

  const auditOf = async (action: string) =>
    t.db.kysely.selectFrom('audit_events').selectAll().where('action', '=', action).orderBy('seq').execute();

  const change = (session: Parameters<typeof inject>[1], currentPassword: string, newPassword: string, ip?: string) =>
    inject(t.app, session, {
      method: 'POST',
      url: '/api/v1/account/password',
      payload: { currentPassword, newPassword },
      ...(ip === undefined ? {} : { remoteAddress: ip }),
    });

  const requestReset = (email: string, remoteAddress = freshAddress()) =>
    inject(t.app, null, { method: 'POST', url: '/api/v1/auth/password-reset', payload: { email }, remoteAddress });

  const confirmReset = (token: string, password: string, remoteAddress = freshAddress()) =>
    inject(t.app, null, {
      method: 'POST',
      url: '/api/v1/auth/password-reset/confirm',
      payload: { token, password },
      remoteAddress,
    });

  /** The token in the newest reset mail to `email`, read from the outbox as a mail transport would. */
  async function mailedToken(email: string): Promise<string> {
    const row = await t.db.kysely
      .selectFrom('mail_outbox')
      .select('body')
      .where('to_address', '=', email)
      .where('kind', '=', 'password-reset')
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow();
    const m = /\/password-reset\/confirm#token=([A-Za-z0-9_-]+)/.exec(row.body ?? '');
    if (m?.[1] === undefined) throw new Error(`no link in: ${row.body}`);
    return m[1];
  }

  const sessionWorks = async (session: Parameters<typeof inject>[1]) =>
    (await inject(t.app, session, { url: '/api/v1/auth/session' })).statusCode === 200;

  describe('change', () => {
    it('changes the password, keeps this session and signs out the others', async () => {
      const here = await signUp(t.app);
      const there = await signIn(t.app, { email: here.email });
      const [next] = passwords(1) as [string];
      const res = await change(here, TEST_PASSWORD, next);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ sessionsEnded: 1 });
      expect(await sessionWorks(here)).toBe(true);
      expect(await sessionWorks(there)).toBe(false);
      await signIn(t.app, { email: here.email, password: next });
      const bad = await inject(t.app, null, {
        method: 'POST',
        url: '/api/v1/auth/sign-in',
        payload: { email: here.email, password: TEST_PASSWORD },
      });
      expect(bad.statusCode).toBe(401);
      const audit = (await auditOf('user.password-change')).filter((r) => r.object_id === here.userId);
      expect(audit.map((r) => r.outcome)).toEqual(['success']);
      expect(audit[0]?.details).toBe('{"sessionsEnded":1}');
    });

    it('refuses a wrong current password, audits it and throttles repeated tries', async () => {
      const s = await signUp(t.app);
      const ip = freshAddress();
      const [next] = passwords(1) as [string];
      const wrong = await change(s, 'not my password at all', next, ip);
      expect(wrong.statusCode).toBe(400);
      expect(errorOf(wrong).message).toBe('currentPassword: is wrong');
      const failures = (await auditOf('user.password-change')).filter(
        (r) => r.object_id === s.userId && r.outcome === 'failure',
      );
      expect(failures).toHaveLength(1);
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) codes.push((await change(s, 'not my password at all', next, ip)).statusCode);
      expect(codes).toContain(429);
      // The password did not change (once the block has passed).
      t.clock.advance(16 * MINUTE);
      await signIn(t.app, { email: s.email });
    });

    it('refuses a common password and one from the history, naming the rule', async () => {
      const s = await signUp(t.app);
      const common = await change(s, TEST_PASSWORD, 'Password1234!');
      expect(common.statusCode).toBe(400);
      expect(errorOf(common).message).toMatch(/^newPassword: is too common/);

      const same = await change(s, TEST_PASSWORD, TEST_PASSWORD);
      expect(same.statusCode).toBe(400);
      expect(errorOf(same).message).toBe('newPassword: must differ from your last 5 passwords (password history)');

      // Through four more passwords, each of the last five stays refused; the sixth back is allowed again.
      const list = passwords(5);
      let current = TEST_PASSWORD;
      for (const p of list) {
        const res = await change(s, current, p);
        expect(res.statusCode, res.body).toBe(200);
        current = p;
      }
      // The last five: list[0..4]; TEST_PASSWORD is six back now.
      const reused = await change(s, current, list[1]!);
      expect(reused.statusCode).toBe(400);
      expect(errorOf(reused).message).toMatch(/password history/);
      const old = await change(s, current, TEST_PASSWORD);
      expect(old.statusCode, old.body).toBe(200);
      const kept = await t.db.kysely
        .selectFrom('password_history')
        .select('id')
        .where('user_id', '=', s.userId)
        .execute();
      expect(kept).toHaveLength(4);
    });

    it('needs a signed-in caller with the CSRF token', async () => {
      const anonymous = await change(null, TEST_PASSWORD, passwords(1)[0]!);
      expect(anonymous.statusCode).toBe(401);
      const s = await signUp(t.app);
      const noCsrf = await t.app.inject({
        method: 'POST',
        url: '/api/v1/account/password',
        headers: { cookie: s.cookie },
        payload: { currentPassword: TEST_PASSWORD, newPassword: passwords(1)[0]! },
      });
      expect(noCsrf.statusCode).toBe(403);
    });
  });

  describe('reset', () => {
    it('answers the same for a known and an unknown email, and mails a link only to the known one', async () => {
      const s = await signUp(t.app);
      const unknown = uniqueEmail('nobody');
      const known = await requestReset(s.email);
      const missing = await requestReset(unknown);
      expect(known.statusCode).toBe(202);
      expect(missing.statusCode).toBe(202);
      expect(known.body).toBe(missing.body);
      const mail = await t.db.kysely
        .selectFrom('mail_outbox')
        .select('to_address')
        .where('to_address', 'in', [s.email, unknown])
        .execute();
      expect(mail.map((m) => m.to_address)).toEqual([s.email]);
      // Only the token's hash is stored.
      const token = await mailedToken(s.email);
      const stored = await t.db.kysely
        .selectFrom('password_reset_tokens')
        .select('token_hash')
        .where('user_id', '=', s.userId)
        .execute();
      expect(stored).toHaveLength(1);
      expect(stored[0]?.token_hash).not.toContain(token);
      const audit = (await auditOf('user.password-reset-request')).map((r): unknown => JSON.parse(r.details ?? '{}'));
      expect(audit).toContainEqual({ email: unknown, known: false, via: 'request' });
    });

    it('sets the password once with the link, signs out every session, and refuses the link again', async () => {
      const s = await signUp(t.app);
      const other = await signIn(t.app, { email: s.email });
      await requestReset(s.email);
      const token = await mailedToken(s.email);
      const weak = await confirmReset(token, 'qwertyuiop123');
      expect(weak.statusCode).toBe(400);
      expect(errorOf(weak).message).toMatch(/^password: is too common/);
      const reused = await confirmReset(token, TEST_PASSWORD);
      expect(reused.statusCode).toBe(400);
      expect(errorOf(reused).message).toMatch(/^password: must differ from your last 5 passwords/);

      const [next] = passwords(1) as [string];
      const res = await confirmReset(token, next);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ sessionsEnded: 2 });
      expect(await sessionWorks(s)).toBe(false);
      expect(await sessionWorks(other)).toBe(false);
      await signIn(t.app, { email: s.email, password: next });

      const again = await confirmReset(token, passwords(2)[1]!);
      expect(again.statusCode).toBe(400);
      expect(errorOf(again).message).toMatch(/^token: the link is not valid/);
      expect((await auditOf('user.password-reset')).some((r) => r.object_id === s.userId)).toBe(true);
    });

    it('refuses a link after 30 minutes, and an older link once a newer one was sent', async () => {
      const s = await signUp(t.app);
      await requestReset(s.email);
      const older = await mailedToken(s.email);
      t.clock.advance(1000);
      await requestReset(s.email);
      const newer = await mailedToken(s.email);
      expect(newer).not.toBe(older);
      expect((await confirmReset(older, passwords(1)[0]!)).statusCode).toBe(400);
      t.clock.advance(31 * MINUTE);
      const late = await confirmReset(newer, passwords(1)[0]!);
      expect(late.statusCode).toBe(400);
      expect(errorOf(late).message).toMatch(/^token: /);
      await signIn(t.app, { email: s.email });
    });

    it('throttles repeated requests for one email alike, known or not', async () => {
      const s = await signUp(t.app);
      const unknown = uniqueEmail('nobody');
      const codes = async (email: string) => {
        const out: number[] = [];
        for (let i = 0; i < 4; i++) out.push((await requestReset(email)).statusCode);
        return out;
      };
      const knownCodes = await codes(s.email);
      const unknownCodes = await codes(unknown);
      expect(knownCodes).toEqual([202, 202, 202, 429]);
      expect(unknownCodes).toEqual(knownCodes);
      const limited = await requestReset(s.email);
      expect(limited.headers['retry-after']).toBeDefined();
      // Three requests made three mails at most; the throttle kept the fourth out.
      const mails = await t.db.kysely
        .selectFrom('mail_outbox')
        .select('id')
        .where('to_address', '=', s.email)
        .execute();
      expect(mails).toHaveLength(3);
      t.clock.advance(16 * MINUTE);
      expect((await requestReset(s.email)).statusCode).toBe(202);
    });

    it('throttles many requests from one address', async () => {
      const ip = freshAddress();
      const out: number[] = [];
      for (let i = 0; i < 11; i++) out.push((await requestReset(uniqueEmail('spray'), ip)).statusCode);
      expect(out.slice(0, 10).every((c) => c === 202)).toBe(true);
      expect(out[10]).toBe(429);
    });

    it('lets an operator issue a link from the shell, for an existing account only', async () => {
      const s = await signUp(t.app);
      const ctx = { actor: ANONYMOUS, ip: '', userAgent: 'test', now: () => t.clock.now().toISOString() };
      const issued = await issuePasswordResetByOperator(t.db.kysely, ctx, { email: s.email.toUpperCase() });
      expect(issued.email).toBe(s.email);
      const res = await confirmReset(issued.token, passwords(1)[0]!);
      expect(res.statusCode, res.body).toBe(200);
      await expect(issuePasswordResetByOperator(t.db.kysely, ctx, { email: uniqueEmail('x') })).rejects.toThrow(
        /no active account/,
      );
    });
  });
});

describe('password settings from the environment', () => {
  it('reads the history length, the break-glass minutes and the public URL, naming a malformed variable', () => {
    expect(
      settingsFromEnv({
        OPENMDS_PASSWORD_HISTORY: '8',
        OPENMDS_BREAK_GLASS_MINUTES: '30',
        OPENMDS_PUBLIC_URL: 'https://mds.example.jp/',
      }),
    ).toEqual({ passwordHistory: 8, breakGlassMinutes: 30, publicUrl: 'https://mds.example.jp' });
    expect(() => settingsFromEnv({ OPENMDS_PASSWORD_HISTORY: '0' })).toThrow(/^OPENMDS_PASSWORD_HISTORY: /);
    expect(() => settingsFromEnv({ OPENMDS_PUBLIC_URL: 'ftp://x' })).toThrow(/^OPENMDS_PUBLIC_URL: /);
  });
});
