import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  breakGlassSession,
  createOrg,
  inject,
  sessionFrom,
  signIn,
  signUp,
  testApp,
  type TestApp,
  type TestSession,
} from '../../../test/support/app.js';
import { testDatabases } from '../../../test/support/databases.js';
import { SESSION_COOKIE, sessionIdHash } from '../../security/sessions.js';
import type { AccountSessionBody, AccountSessionListBody } from './sessions.schema.js';
import { parseUserAgent, publicSessionId } from './sessions.service.js';

const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 ' +
  'Mobile/15E148 Safari/604.1';
const EDGE_WINDOWS = `${CHROME_WINDOWS} Edg/131.0.0.0`;
const FIREFOX_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.7; rv:132.0) Gecko/20100101 Firefox/132.0';

describe('reading a User-Agent header', () => {
  it('names the common browsers and systems, and says null for what it does not know', () => {
    expect(parseUserAgent(CHROME_WINDOWS)).toEqual({ browser: 'Chrome', os: 'Windows' });
    expect(parseUserAgent(EDGE_WINDOWS)).toEqual({ browser: 'Edge', os: 'Windows' });
    expect(parseUserAgent(SAFARI_IPHONE)).toEqual({ browser: 'Safari', os: 'iOS' });
    expect(parseUserAgent(FIREFOX_MAC)).toEqual({ browser: 'Firefox', os: 'macOS' });
    expect(parseUserAgent('curl/8.5.0')).toEqual({ browser: 'curl', os: null });
    expect(parseUserAgent('')).toEqual({ browser: null, os: null });
  });
});

describe('the public id of a session', () => {
  it('is 22 base64url characters that differ from the stored id hash and are stable', () => {
    const idHash = sessionIdHash('some-token');
    const id = publicSessionId(idHash);
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(idHash).not.toContain(id);
    expect(publicSessionId(idHash)).toBe(id);
    expect(publicSessionId(sessionIdHash('another-token'))).not.toBe(id);
  });
});

describe.each(testDatabases())('your sessions on $name', (database) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await testApp({ database });
  });
  afterAll(async () => {
    await t.close();
  });

  /** Signs in as `email` from a browser sending `userAgent`. */
  async function signInWith(email: string, userAgent: string): Promise<TestSession> {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-in',
      headers: { 'user-agent': userAgent },
      payload: { email, password: 'correct horse battery staple' },
    });
    expect(res.statusCode, res.body).toBe(200);
    return sessionFrom(res);
  }

  const list = (s: TestSession | null) => inject(t.app, s, { url: '/api/v1/account/sessions' });
  const sessionsOf = async (s: TestSession) => {
    const res = await list(s);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<AccountSessionListBody>().sessions;
  };
  const revoke = (s: TestSession, id: string) =>
    inject(t.app, s, { method: 'DELETE', url: `/api/v1/account/sessions/${id}` });
  const revokeOthers = (s: TestSession) =>
    inject(t.app, s, { method: 'POST', url: '/api/v1/account/sessions/revoke-others' });
  const session = (s: TestSession) => inject(t.app, s, { url: '/api/v1/auth/session' });
  const tokenOf = (s: TestSession) => s.cookie.slice(`${SESSION_COOKIE}=`.length);
  const publicIdOf = (s: TestSession) => publicSessionId(sessionIdHash(tokenOf(s)));

  async function auditOf(userId: string, action: string) {
    return t.db.kysely
      .selectFrom('audit_events')
      .select(['outcome', 'object_id', 'details'])
      .where('actor_id', '=', userId)
      .where('action', '=', action)
      .orderBy('seq')
      .execute();
  }

  it('lists the user’s two sessions, the current one first and flagged, and not another user’s', async () => {
    const first = await signUp(t.app);
    const second = await signInWith(first.email, SAFARI_IPHONE);
    const stranger = await signUp(t.app);

    const sessions = await sessionsOf(first);
    expect(sessions.map((s) => s.id)).toEqual([publicIdOf(first), publicIdOf(second)]);
    expect(sessions.map((s) => s.current)).toEqual([true, false]);
    expect(sessions[1]).toMatchObject<Partial<AccountSessionBody>>({
      userAgent: SAFARI_IPHONE,
      browser: 'Safari',
      os: 'iOS',
      ip: '127.0.0.1',
      locked: false,
    });
    for (const s of sessions) {
      expect(Date.parse(s.lastActiveAt)).toBeGreaterThanOrEqual(Date.parse(s.createdAt));
      expect(Date.parse(s.idleExpiresAt)).toBeLessThanOrEqual(Date.parse(s.absoluteExpiresAt));
    }
    expect((await sessionsOf(second)).map((s) => s.current)).toEqual([true, false]);
    expect((await sessionsOf(stranger)).map((s) => s.id)).toEqual([publicIdOf(stranger)]);
  });

  it('never carries the stored id hash, the cookie token or the CSRF token', async () => {
    const first = await signUp(t.app);
    const second = await signIn(t.app, { email: first.email });
    const res = await list(first);
    for (const s of [first, second]) {
      expect(res.body).not.toContain(tokenOf(s));
      expect(res.body).not.toContain(sessionIdHash(tokenOf(s)));
      expect(res.body).not.toContain(s.csrfToken);
    }
  });

  it('shows a locked session as locked, and leaves out expired ones', async () => {
    const first = await signUp(t.app);
    const second = await signIn(t.app, { email: first.email });
    expect((await inject(t.app, second, { method: 'POST', url: '/api/v1/auth/lock' })).statusCode).toBe(200);
    const sessions = await sessionsOf(first);
    expect(sessions.find((s) => s.id === publicIdOf(second))?.locked).toBe(true);

    await t.db.kysely
      .updateTable('sessions')
      .set({ idle_expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('id_hash', '=', sessionIdHash(tokenOf(second)))
      .execute();
    expect((await sessionsOf(first)).map((s) => s.id)).toEqual([publicIdOf(first)]);
  });

  it('ends another session of the user: its cookie then answers 401; the current one stays', async () => {
    const first = await signUp(t.app);
    const second = await signInWith(first.email, CHROME_WINDOWS);
    const res = await revoke(first, publicIdOf(second));
    expect(res.statusCode, res.body).toBe(204);
    expect(res.cookies.find((c) => c.name === SESSION_COOKIE)).toBeUndefined();

    expect((await session(second)).statusCode).toBe(401);
    expect((await session(first)).statusCode).toBe(200);
    expect((await sessionsOf(first)).map((s) => s.id)).toEqual([publicIdOf(first)]);

    const records = await auditOf(first.userId, 'session.revoke');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ outcome: 'success', object_id: publicIdOf(second) });
    expect(JSON.parse(records[0]?.details ?? '{}')).toMatchObject({
      sessionId: publicIdOf(second),
      userAgent: CHROME_WINDOWS,
      current: false,
    });
  });

  it('answers 404 for another user’s session id, as for an unknown one, and leaves that session alive', async () => {
    const mallory = await signUp(t.app);
    const victim = await signUp(t.app);
    const theirs = await revoke(mallory, publicIdOf(victim));
    const unknown = await revoke(mallory, 'AAAAAAAAAAAAAAAAAAAAAA');
    expect(theirs.statusCode).toBe(404);
    expect(unknown.statusCode).toBe(404);
    expect(theirs.body).toBe(unknown.body);
    expect((await session(victim)).statusCode).toBe(200);
    expect(await auditOf(mallory.userId, 'session.revoke')).toEqual([]);
  });

  it('does not accept the stored id hash in place of the public id', async () => {
    const first = await signUp(t.app);
    const second = await signIn(t.app, { email: first.email });
    expect((await revoke(first, sessionIdHash(tokenOf(second)))).statusCode).toBe(404);
    expect((await session(second)).statusCode).toBe(200);
  });

  it('ends the current session when asked, signing the caller out', async () => {
    const first = await signUp(t.app);
    const res = await revoke(first, publicIdOf(first));
    expect(res.statusCode, res.body).toBe(204);
    const cleared = res.cookies.find((c) => c.name === SESSION_COOKIE);
    expect(cleared?.value).toBe('');
    expect((await session(first)).statusCode).toBe(401);
    const [record] = await auditOf(first.userId, 'session.revoke');
    expect(JSON.parse(record?.details ?? '{}')).toMatchObject({ current: true });
  });

  it('ends every other session of the user, keeps the current one, and says how many', async () => {
    const first = await signUp(t.app);
    const second = await signIn(t.app, { email: first.email });
    const third = await signIn(t.app, { email: first.email });
    const stranger = await signUp(t.app);

    const res = await revokeOthers(first);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ revoked: 2 });
    expect((await session(first)).statusCode).toBe(200);
    expect((await session(second)).statusCode).toBe(401);
    expect((await session(third)).statusCode).toBe(401);
    expect((await session(stranger)).statusCode).toBe(200);

    expect((await revokeOthers(first)).json()).toEqual({ revoked: 0 });
    const records = await auditOf(first.userId, 'session.revoke-others');
    expect(records.map((r) => JSON.parse(r.details ?? '{}') as { count: number; sessionIds: string[] })).toEqual([
      { count: 2, sessionIds: expect.arrayContaining([publicIdOf(second), publicIdOf(third)]) as unknown },
      { count: 0, sessionIds: [] },
    ]);
  });

  it('refuses both writes without the CSRF token (403) and anonymous callers (401)', async () => {
    const first = await signUp(t.app);
    const second = await signIn(t.app, { email: first.email });
    const withoutCsrf = (method: 'DELETE' | 'POST', url: string): Promise<LightMyRequestResponse> =>
      t.app.inject({ method, url, headers: { cookie: first.cookie } });
    expect((await withoutCsrf('DELETE', `/api/v1/account/sessions/${publicIdOf(second)}`)).statusCode).toBe(403);
    expect((await withoutCsrf('POST', '/api/v1/account/sessions/revoke-others')).statusCode).toBe(403);
    expect((await session(second)).statusCode).toBe(200);

    expect((await list(null)).statusCode).toBe(401);
    expect(
      (await inject(t.app, null, { method: 'POST', url: '/api/v1/account/sessions/revoke-others' })).statusCode,
    ).toBe(401);
  });

  it('gives the break-glass account’s session the same rules: it sees and ends only its own', async () => {
    const owner = await signUp(t.app);
    const org = await createOrg(t.app, owner);
    const breakGlass = await breakGlassSession(t.app, owner, org.id, '192.0.2.77');

    const theirs = await sessionsOf(breakGlass);
    expect(theirs.map((s) => [s.id, s.current, s.ip])).toEqual([[publicIdOf(breakGlass), true, '192.0.2.77']]);
    expect((await sessionsOf(owner)).map((s) => s.id)).toEqual([publicIdOf(owner)]);
    expect((await revoke(breakGlass, publicIdOf(owner))).statusCode).toBe(404);
    expect((await revokeOthers(breakGlass)).json()).toEqual({ revoked: 0 });
    expect((await session(owner)).statusCode).toBe(200);
    expect((await revoke(breakGlass, publicIdOf(breakGlass))).statusCode).toBe(204);
    expect((await session(breakGlass)).statusCode).toBe(401);
  });

  it('needs no recent authentication: a session hours old can still end the others', async () => {
    const first = await signUp(t.app);
    const second = await signIn(t.app, { email: first.email });
    t.clock.advance(3 * 3_600_000);
    // Keep both alive across the jump: the idle timeout is shorter than three hours.
    await t.db.kysely
      .updateTable('sessions')
      .set({ idle_expires_at: new Date(t.clock.now().getTime() + 3_600_000).toISOString() })
      .where('user_id', '=', first.userId)
      .execute();
    const res = await revokeOthers(first);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ revoked: 1 });
    expect((await session(second)).statusCode).toBe(401);
  });
});
