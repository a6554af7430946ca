import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Secret, TOTP } from 'otpauth';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/database.js';
import { TOTP_PARAMS } from '../../src/features/accounts/two-factor.service.js';
import {
  SHOTS,
  browserTestsRun,
  launchChromium,
  prepareE2e,
  screenshot,
  watchPage,
  oneScenario,
} from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { findTotp } from '../../src/features/accounts/two-factor.repository.js';

const runSpec = browserTestsRun('e2e');

const OWNER = { email: 'sato@sakura-medical.example.jp', name: '佐藤 花子', password: 'Sakura medical owner 2026!' };
const STAFF = {
  email: 'suzuki@sakura-medical.example.jp',
  name: '鈴木 一郎',
  password: 'Suzuki first passphrase 2026',
  changed: 'Suzuki second passphrase 2026',
  reset: 'Suzuki third passphrase after reset',
};
const ORG_NAME = 'さくらメディカル株式会社';
const BREAK_GLASS_REASON = '夜間の障害で管理者に連絡がつかないため、検査装置の開示書を確認する。';

interface Json {
  [key: string]: unknown;
}

/** A day in Japan time (YYYY-MM-DD), as the audit page's date fields take it. */
const jstDay = (ms: number) => new Date(ms + 9 * 3_600_000).toISOString().slice(0, 10);

describe.skipIf(!runSpec)('account security: two-factor, re-authentication, passwords, break-glass, audit', () => {
  let server: TestServer | undefined;
  let db: Db | undefined;
  let browser: Browser | undefined;
  let files: string;
  const problems: string[] = [];
  const offHost: string[] = [];
  /** Failures a step causes on purpose (a wrong code's 401…): an address pattern, seen how often. Reset per test. */
  const expected = new Map<RegExp, number>();

  /**
   * The server's clock runs `skew` ms ahead of the real one. Moving it on by a 30-second step gives a TOTP code the
   * server has not seen yet (it refuses a code of a step it accepted already), and by 16 minutes ages a sign-in past
   * the re-authentication window, without waiting for either.
   */
  let skew = 0;
  const serverNow = () => Date.now() + skew;

  let owner: { ctx: BrowserContext; page: Page };
  let staff: { ctx: BrowserContext; page: Page };
  let orgId = '';
  let ownerId = '';
  let totpSecret = '';
  /** The code that confirmed the enrolment: its step is used up. */
  let enrolmentCode = '';
  let recoveryCodes: string[] = [];
  let credential = '';

  const url = (path: string) => `${server!.url}${path}`;
  const kysely = () => db!.kysely;

  const isExpected = (address: string) => {
    for (const [pattern, seen] of expected) {
      if (pattern.test(address)) {
        expected.set(pattern, seen + 1);
        return true;
      }
    }
    return false;
  };
  /** Allows failed responses at `pattern` in this test; returns how many there were. */
  const expectFailures = (pattern: RegExp): (() => number) => {
    expected.set(pattern, 0);
    return () => expected.get(pattern) ?? 0;
  };

  const newPerson = async (who: string): Promise<{ ctx: BrowserContext; page: Page }> => {
    const ctx = await browser!.newContext({
      viewport: { width: 1280, height: 800 },
      locale: 'ja-JP',
      timezoneId: 'Asia/Tokyo',
      acceptDownloads: true,
    });
    const page = await ctx.newPage();
    page.setDefaultTimeout(15_000);
    watchPage(
      page,
      { problems, offHost },
      {
        who,
        // A failed request is logged by the browser with the address it went to.
        ignoreConsole: (text, address) => /Failed to load resource/.test(text) && isExpected(address),
        ignoreResponse: (address) => isExpected(address),
      },
    );
    return { ctx, page };
  };

  /** The API with a context's cookies (and its session's CSRF token on writes): status and body, never throwing. */
  const fetchAs = async (ctx: BrowserContext, method: string, path: string, body?: unknown) => {
    let csrf = '';
    if (method !== 'GET') {
      const s = await ctx.request.get(url('/api/v1/auth/session'), { failOnStatusCode: false });
      if (s.ok()) csrf = ((await s.json()) as { csrfToken: string }).csrfToken;
    }
    const r = await ctx.request.fetch(url(`/api/v1${path}`), {
      method,
      ...(body === undefined ? {} : { data: body }),
      headers: csrf === '' ? {} : { 'x-csrf-token': csrf },
      failOnStatusCode: false,
    });
    const text = await r.text();
    return { status: r.status(), body: (text === '' ? undefined : JSON.parse(text)) as Json };
  };
  const callAs = async <T = Json>(ctx: BrowserContext, method: string, path: string, body?: unknown): Promise<T> => {
    const r = await fetchAs(ctx, method, path, body);
    if (r.status >= 400) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as T;
  };

  const totp = (secret: string) => new TOTP({ ...TOTP_PARAMS, secret: Secret.fromBase32(secret) });
  /** A code of the next 30-second step: the server's clock moves on first, so the code has not been used. */
  const freshCode = () => {
    skew += 30_000;
    return totp(totpSecret).generate({ timestamp: serverNow() });
  };

  /** The audit trail's events of an action (details parsed), oldest first. */
  const auditEvents = async (action: string, actorId?: string) => {
    let q = kysely().selectFrom('audit_events').selectAll().where('action', '=', action);
    if (actorId !== undefined) q = q.where('actor_id', '=', actorId);
    const rows = await q.orderBy('seq').execute();
    return rows.map((r) => ({ ...r, details: (r.details === null ? {} : JSON.parse(r.details)) as Json }));
  };

  const signOut = async (page: Page) => {
    await page.locator('[data-testid="user-menu"]').click();
    await page.locator('[data-testid="sign-out"]').click();
    // Signed out from a page that needs a session, the sign-in form may keep it as `next`.
    await page.waitForURL((u) => u.pathname === '/sign-in');
  };

  /** Fills the sign-in form's first step and sends it. */
  const enterPassword = async (page: Page, email: string, password: string) => {
    if (new URL(page.url()).pathname !== '/sign-in') await page.goto(url('/sign-in'));
    await page.locator('input[name="email"]').fill(email);
    await page.locator('input[name="password"]').fill(password);
    await page.locator('[data-testid="sign-in-submit"]').click();
  };

  /** Waits until the page shows a signed-in user (the header's user menu) away from the sign-in form. */
  const signedIn = async (page: Page, name: string) => {
    await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
    expect(await page.locator('[data-testid="user-menu"]').textContent()).toContain(name);
  };

  /** Sends a code in sign-in's second step; returns the server's answer's status. */
  const submitCode = async (page: Page, code: string): Promise<number> => {
    await page.locator('[data-testid="two-factor-code"]').fill(code);
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/two-factor') && r.request().method() === 'POST'),
      page.locator('[data-testid="two-factor-submit"]').click(),
    ]);
    return answer.status();
  };

  /** The password field of the form that starts the authenticator app's enrolment. */
  const enrolPassword = (page: Page) =>
    page.locator('form', { has: page.locator('[data-testid="two-factor-start"]') }).locator('input[type="password"]');

  const formError = (page: Page) => page.locator('[data-testid="form-error"]');

  beforeAll(async () => {
    prepareE2e();
    files = mkdtempSync(join(tmpdir(), 'openmds-e2e-account-'));
    server = await startTestServer({
      settings: {
        passwordHashing: { N: 2 ** 12, r: 8, p: 1, keyLength: 32 },
        now: () => new Date(serverNow()),
      },
      // The spec reads the database the server writes: the mail outbox, the audit trail, the enrolment.
      database: { name: 'sqlite', open: async () => (db = await openDatabase({ url: ':memory:' })) },
    });
    browser = await launchChromium();

    // 佐藤 owns a manufacturer; 鈴木 has an account of their own. Signing up is the sign-up spec's subject: the
    // accounts are made through the API, and each signs in through the form.
    owner = await newPerson('owner');
    staff = await newPerson('staff');
    for (const [person, who] of [
      [owner, OWNER],
      [staff, STAFF],
    ] as const) {
      await callAs(person.ctx, 'POST', '/auth/sign-up', {
        email: who.email,
        displayName: who.name,
        password: who.password,
      });
      await callAs(person.ctx, 'POST', '/auth/sign-out');
      await enterPassword(person.page, who.email, who.password);
      await signedIn(person.page, who.name);
    }
    ownerId = (await callAs<{ user: { id: string } }>(owner.ctx, 'GET', '/auth/session')).user.id;
    orgId = (await callAs<{ id: string }>(owner.ctx, 'POST', '/orgs', { name: ORG_NAME, kind: 'manufacturer' })).id;
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (files !== undefined) rmSync(files, { recursive: true, force: true });
  });

  afterEach(() => expected.clear());
  // One story in order: later steps use what earlier ones set up (the TOTP secret, the reset password).
  oneScenario(async (step) => {
    if (problems.length > 0) console.error(problems.join('\n'));
    const slug = step.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
    for (const [who, p] of [
      ['owner', owner?.page],
      ['staff', staff?.page],
    ] as const) {
      await p?.screenshot({ path: join(SHOTS, `account-failed-${who}-${slug}.png`) }).catch(() => undefined);
    }
  });

  // ---- Two-factor authentication ---------------------------------------------------------------------------------

  it('turns TOTP on with the password and a first code, and shows the ten recovery codes once', async () => {
    const { page } = owner;
    await page.goto(url('/account/security'));
    await page.locator('[data-testid="security-page"]').waitFor();
    expect(await page.locator('[data-testid="two-factor-state"]').textContent()).toBe('無効');

    await enrolPassword(page).fill(OWNER.password);
    await page.locator('[data-testid="two-factor-start"]').click();
    await page.locator('[data-testid="two-factor-qr"]').waitFor();
    expect(await page.locator('[data-testid="two-factor-qr"]').getAttribute('src')).toMatch(
      /^data:image\/svg\+xml;base64,/,
    );
    // The key is shown in groups of four for typing; it is the pending secret the server keeps.
    totpSecret = ((await page.locator('[data-testid="two-factor-secret"]').textContent()) ?? '').replace(/\s/g, '');
    expect(totpSecret).toMatch(/^[A-Z2-7]{32}$/);
    // Stored encrypted (secrets at rest); decrypted, it is the key on the screen.
    const stored = await kysely().selectFrom('user_totp').selectAll().where('user_id', '=', ownerId).executeTakeFirst();
    expect(stored?.secret).toMatch(/^enc:v1:/);
    expect(stored?.secret).not.toContain(totpSecret);
    expect(stored?.confirmed_at).toBeNull();
    expect((await findTotp(kysely(), ownerId))?.secret).toBe(totpSecret);

    enrolmentCode = totp(totpSecret).generate({ timestamp: serverNow() });
    await page.locator('[data-testid="two-factor-code"]').fill(enrolmentCode);
    await screenshot(page, 'account', 'two-factor', { fullPage: true });
    await page.locator('[data-testid="two-factor-confirm"]').click();

    const shown = page.locator('[data-testid="recovery-codes"]');
    await shown.waitFor();
    recoveryCodes = (await shown.locator('code').allTextContents()).map((c) => c.trim());
    expect(recoveryCodes).toHaveLength(10);
    for (const c of recoveryCodes) expect(c).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    expect(new Set(recoveryCodes).size).toBe(10);
    await screenshot(page, 'account', 'recovery-codes', { doc: false });

    const confirmed = await kysely()
      .selectFrom('user_totp')
      .selectAll()
      .where('user_id', '=', ownerId)
      .executeTakeFirst();
    expect(confirmed?.confirmed_at).not.toBeNull();
    const unused = await kysely()
      .selectFrom('recovery_codes')
      .select('id')
      .where('user_id', '=', ownerId)
      .where('used_at', 'is', null)
      .execute();
    expect(unused).toHaveLength(10);

    // Once saved, the codes are gone from the page and only their count is left.
    await page.locator('[data-testid="recovery-done"]').click();
    await page.locator('[data-testid="two-factor-state"]', { hasText: '有効' }).waitFor();
    expect(await page.locator('[data-testid="recovery-codes"]').count()).toBe(0);
    expect(await page.locator('[data-testid="security-page"]').textContent()).toContain(
      '未使用のリカバリーコード: 10 個',
    );
  });

  it('asks for a code after the password: a wrong or replayed code is refused, a fresh one signs in', async () => {
    const { page, ctx } = owner;
    const refused = expectFailures(/\/api\/v1\/auth\/two-factor$/);
    await signOut(page);
    await enterPassword(page, OWNER.email, OWNER.password);

    // The password was right, yet there is no session until the second step.
    await page.locator('[data-testid="two-factor-submit"]').waitFor();
    expect(await page.locator('h1').textContent()).toBe('確認コードの入力');
    expect((await fetchAs(ctx, 'GET', '/auth/session')).status).toBe(401);

    const valid = [-1, 0, 1].map((s) => totp(totpSecret).generate({ timestamp: serverNow() + s * 30_000 }));
    const wrong = ['123456', '654321', '111111'].find((c) => !valid.includes(c)) ?? '000000';
    expect(await submitCode(page, wrong)).toBe(401);
    await formError(page).waitFor();
    expect(await formError(page).textContent()).toBe('コードが違うか、期限切れか、使用済みです。');

    // The code that turned 2FA on belongs to a step the server has accepted already.
    expect(await submitCode(page, enrolmentCode)).toBe(401);
    expect(await formError(page).textContent()).toBe('コードが違うか、期限切れか、使用済みです。');
    expect(refused()).toBeGreaterThanOrEqual(2);
    const failures = await auditEvents('two-factor.verify-failed');
    expect(failures.map((e) => e.details['reason'])).toEqual(['wrong-code', 'replayed-code']);
    expect((await fetchAs(ctx, 'GET', '/auth/session')).status).toBe(401);

    expect(await submitCode(page, freshCode())).toBe(200);
    await signedIn(page, OWNER.name);
    expect((await fetchAs(ctx, 'GET', '/auth/session')).status).toBe(200);
    const signIns = await auditEvents('user.sign-in', ownerId);
    expect(signIns.at(-1)?.details).toEqual({ twoFactor: 'totp' });
  });

  it('signs in with a recovery code once; the same recovery code is refused the next time', async () => {
    const { page } = owner;
    const refused = expectFailures(/\/api\/v1\/auth\/two-factor$/);
    const recovery = recoveryCodes[0] ?? '';
    await signOut(page);
    await enterPassword(page, OWNER.email, OWNER.password);
    // Typed as it is read off paper: in upper case, a space for the hyphen.
    expect(await submitCode(page, recovery.toUpperCase().replace('-', ' '))).toBe(200);
    await signedIn(page, OWNER.name);
    expect((await auditEvents('user.sign-in', ownerId)).at(-1)?.details).toEqual({ twoFactor: 'recovery-code' });

    await page.goto(url('/account/security'));
    await page.locator('[data-testid="two-factor-state"]', { hasText: '有効' }).waitFor();
    expect(await page.locator('[data-testid="security-page"]').textContent()).toContain(
      '未使用のリカバリーコード: 9 個',
    );

    await signOut(page);
    await enterPassword(page, OWNER.email, OWNER.password);
    expect(await submitCode(page, recovery)).toBe(401);
    await formError(page).waitFor();
    expect(refused()).toBeGreaterThan(0);
    expect((await auditEvents('two-factor.verify-failed')).at(-1)?.details['reason']).toBe('wrong-recovery-code');

    // The same pending sign-in still takes a good code.
    expect(await submitCode(page, freshCode())).toBe(200);
    await signedIn(page, OWNER.name);
  });

  // ---- Re-authentication -------------------------------------------------------------------------------------------

  it('asks for the password and a code again before a sensitive action once the sign-in is 15 minutes old', async () => {
    const { page, ctx } = owner;
    const stale = expectFailures(/\/api\/v1\/orgs\/[^/]+\/security-policy$/);
    const wrong = expectFailures(/\/api\/v1\/auth\/reauthenticate$/);
    skew += 16 * 60_000;

    await page.goto(url(`/orgs/${orgId}/members`));
    const toggle = page.locator('[data-testid="require-two-factor"]');
    await toggle.waitFor();
    expect(await toggle.isChecked()).toBe(false);
    await toggle.click();

    // The server refused the change (403 reauth-required): the dialog asks, with a code field as 2FA is on.
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(stale()).toBeGreaterThan(0);
    expect(await dialog.textContent()).toContain('本人確認');
    const password = dialog.locator('input[type="password"]');
    const code = dialog.getByRole('textbox', { name: '確認コード' });
    await code.waitFor();

    // A wrong password: the dialog stays, says so, and nothing changed.
    await password.fill('not the password at all');
    await code.fill(freshCode());
    await page.locator('[data-testid="reauth-submit"]').click();
    // The message sits under the password field, so it says which entry was wrong.
    await dialog.locator('.mantine-PasswordInput-error', { hasText: '正しくありません' }).waitFor();
    expect(await dialog.getByRole('alert').count()).toBe(0);
    expect(wrong()).toBeGreaterThan(0);
    expect(await dialog.isVisible()).toBe(true);
    await screenshot(page, 'account', 'reauth-wrong-password', { doc: false });
    const policy = () =>
      kysely().selectFrom('org_security_policies').selectAll().where('org_id', '=', orgId).executeTakeFirst();
    expect((await policy())?.require_two_factor ?? 0).toBe(0);

    await password.fill(OWNER.password);
    await code.fill(freshCode());
    await page.waitForTimeout(300);
    await screenshot(page, 'account', 'reauth');
    await page.locator('[data-testid="reauth-submit"]').click();
    await dialog.waitFor({ state: 'detached' });

    // The action ran again after the confirmation, and succeeded.
    await page.locator('[data-testid="require-two-factor"]:checked').waitFor();
    expect((await policy())?.require_two_factor).toBe(1);
    expect(
      (await callAs<{ requireTwoFactor: boolean }>(ctx, 'GET', `/orgs/${orgId}/security-policy`)).requireTwoFactor,
    ).toBe(true);
    const reauth = await auditEvents('session.reauthenticate', ownerId);
    expect(reauth.map((e) => e.outcome)).toEqual(['failure', 'success']);
    expect(reauth.at(-1)?.details).toEqual({ method: 'totp' });
    expect(await auditEvents('org.security-policy-change', ownerId)).toHaveLength(1);

    // Within the next 15 minutes the same session is not asked again.
    await toggle.click();
    await page.locator('[data-testid="require-two-factor"]:not(:checked)').waitFor();
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect((await policy())?.require_two_factor).toBe(0);
  });

  // ---- Passwords ---------------------------------------------------------------------------------------------------

  it('changes the password: a wrong current one and a common one are refused, other sessions end', async () => {
    const { page, ctx } = staff;
    const refused = expectFailures(/\/api\/v1\/account\/password$/);
    // 鈴木 is signed in on a second computer too.
    const other = await browser!.newContext();
    await callAs(other, 'POST', '/auth/sign-in', { email: STAFF.email, password: STAFF.password });
    expect((await fetchAs(other, 'GET', '/auth/session')).status).toBe(200);

    await page.goto(url('/account/password'));
    await page.locator('[data-testid="password-page"]').waitFor();
    const current = page.locator('input[name="currentPassword"]');
    const fresh = page.locator('input[name="password"]');
    const confirm = page.locator('input[name="confirm"]');
    /** The message under a password field (Mantine marks the field data-invalid and writes the error below it). */
    const fieldError = (name: string) =>
      page
        .locator('.mantine-PasswordInput-root', { has: page.locator(`input[name="${name}"][data-invalid]`) })
        .locator('.mantine-PasswordInput-error');

    await current.fill('Not my password at all');
    await fresh.fill(STAFF.changed);
    await confirm.fill(STAFF.changed);
    await page.locator('[data-testid="password-submit"]').click();
    await fieldError('currentPassword').waitFor();
    expect(await fieldError('currentPassword').textContent()).toBe('正しくありません');

    await current.fill(STAFF.password);
    await fresh.fill('Password1234!');
    await confirm.fill('Password1234!');
    await page.locator('[data-testid="password-submit"]').click();
    await fieldError('password').waitFor();
    expect(await fieldError('password').textContent()).toMatch(/^よく使われるパスワードです/);
    expect(await fieldError('currentPassword').count()).toBe(0);
    expect(refused()).toBeGreaterThanOrEqual(2);
    const before = await kysely()
      .selectFrom('users')
      .select('password_hash')
      .where('email', '=', STAFF.email)
      .executeTakeFirstOrThrow();

    await fresh.fill(STAFF.changed);
    await confirm.fill(STAFF.changed);
    await page.locator('[data-testid="password-submit"]').click();
    await page.locator('[data-testid="password-changed"]').waitFor();
    expect(await page.locator('[data-testid="password-changed"]').textContent()).toBe(
      'パスワードを変更しました。ほかのセッション 1 件をサインアウトしました。',
    );
    // The other computer's session ended; this one goes on.
    expect((await fetchAs(other, 'GET', '/auth/session')).status).toBe(401);
    expect((await fetchAs(ctx, 'GET', '/auth/session')).status).toBe(200);
    await other.close();
    // Only the last attempt changed the password; the wrong current one was audited as a failure.
    const after = await kysely()
      .selectFrom('users')
      .select('password_hash')
      .where('email', '=', STAFF.email)
      .executeTakeFirstOrThrow();
    expect(after.password_hash).not.toBe(before.password_hash);
    expect((await auditEvents('user.password-change')).map((e) => [e.outcome, e.details['reason']])).toEqual([
      ['failure', 'current-password-wrong'],
      ['success', undefined],
    ]);

    const badSignIn = expectFailures(/\/api\/v1\/auth\/sign-in$/);
    await signOut(page);
    await enterPassword(page, STAFF.email, STAFF.password);
    await formError(page).waitFor();
    expect(await formError(page).textContent()).toBe('メールアドレスまたはパスワードが違います');
    expect(badSignIn()).toBeGreaterThan(0);
    await enterPassword(page, STAFF.email, STAFF.changed);
    await signedIn(page, STAFF.name);
  });

  it('resets a forgotten password with the mailed single-use link', async () => {
    const { page } = staff;
    const usedLink = expectFailures(/\/api\/v1\/auth\/password-reset\/confirm$/);
    await signOut(page);
    await page.locator('[data-testid="forgot-password"]').click();
    await page.waitForURL('**/password-reset');
    await page.locator('[data-testid="reset-request-submit"]').waitFor();
    await page.locator('input[name="email"]').fill(STAFF.email);
    await page.locator('[data-testid="reset-request-submit"]').click();
    await page.locator('[data-testid="reset-requested"]').waitFor();

    const mail = await kysely()
      .selectFrom('mail_outbox')
      .selectAll()
      .where('kind', '=', 'password-reset')
      .where('to_address', '=', STAFF.email)
      .executeTakeFirstOrThrow();
    expect(mail.body).toContain('パスワードの再設定が依頼されました');
    const link = /(\S+\/password-reset\/confirm#token=[\w-]+)/.exec(mail.body ?? '')?.[1] ?? '';
    expect(link.startsWith(`${server!.url}/`)).toBe(true);

    await page.goto(link);
    await page.locator('input[name="password"]').fill(STAFF.reset);
    await page.locator('input[name="confirm"]').fill(STAFF.reset);
    await page.locator('[data-testid="reset-confirm-submit"]').click();
    await page.locator('[data-testid="reset-done"]').waitFor();
    // The token leaves the address bar once used.
    expect(page.url()).not.toContain('token=');

    await page.goto(url('/sign-in'));
    await enterPassword(page, STAFF.email, STAFF.reset);
    await signedIn(page, STAFF.name);
    expect((await auditEvents('user.password-reset')).map((e) => e.actor_name)).toEqual([
      `${STAFF.name} <${STAFF.email}>`,
    ]);

    // The link works once.
    await page.goto(link);
    await page.locator('input[name="password"]').fill('Yet another passphrase 2026');
    await page.locator('input[name="confirm"]').fill('Yet another passphrase 2026');
    await page.locator('[data-testid="reset-confirm-submit"]').click();
    await page.getByRole('alert').filter({ hasText: 'このリンクは使えません' }).waitFor();
    expect(usedLink()).toBeGreaterThan(0);
    const elsewhere = await browser!.newContext();
    const login = await fetchAs(elsewhere, 'POST', '/auth/sign-in', {
      email: STAFF.email,
      password: 'Yet another passphrase 2026',
    });
    expect(login.status).toBe(401);
    await elsewhere.close();
  });

  // ---- Break-glass -------------------------------------------------------------------------------------------------

  it('uses the sealed break-glass account with a reason; the owner is alerted and rotates it', async () => {
    const { page } = owner;
    await page.goto(url(`/orgs/${orgId}/break-glass`));
    await page.locator('[data-testid="break-glass-state"]', { hasText: '未作成' }).waitFor();
    await page.locator('[data-testid="break-glass-create"]').click();
    const sheet = page.locator('[data-testid="break-glass-sheet"]');
    await sheet.waitFor();
    credential = ((await page.locator('[data-testid="break-glass-credential"]').textContent()) ?? '').trim();
    expect(credential).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{5}){4}$/);
    expect(await sheet.textContent()).toContain(orgId);
    expect(await page.locator('[data-testid="break-glass-state"]').textContent()).toBe('封印中');
    await screenshot(page, 'account', 'break-glass');

    // Someone on the night shift opens the envelope.
    const night = await newPerson('break-glass');
    const useIt = async (secret: string) => {
      await night.page.goto(url('/sign-in'));
      await night.page.locator('[data-testid="break-glass-link"]').click();
      await night.page.waitForURL('**/break-glass');
      await night.page.locator('[data-testid="break-glass-submit"]').waitFor();
      await night.page.locator('input[name="org"]').fill(orgId);
      await night.page.locator('input[name="credential"]').fill(secret);
      await night.page.locator('textarea[name="reason"]').fill(BREAK_GLASS_REASON);
      await night.page.locator('[data-testid="break-glass-submit"]').click();
    };
    // Typed back in lower case, hyphens left out.
    await useIt(credential.toLowerCase().replace(/-/g, ''));
    await night.page.waitForURL(`**/orgs/${orgId}/**`);
    expect(await night.page.locator('[data-testid="user-menu"]').textContent()).toContain('非常時アカウント');
    const session = await callAs<{ memberships: { orgId: string; role: string }[] }>(night.ctx, 'GET', '/auth/session');
    expect(session.memberships).toEqual([expect.objectContaining({ orgId, role: 'editor' })]);

    // The owner is told: the account's page, the bell, the mail, the audit trail.
    await page.reload();
    await page.locator('[data-testid="break-glass-state"]', { hasText: '使用済み (要更新)' }).waitFor();
    expect(await page.locator('[data-testid="break-glass-last-use"]').textContent()).toContain(BREAK_GLASS_REASON);
    await page.locator('[data-testid="notification-count"][data-count="1"]').waitFor();
    await page.locator('[data-testid="notification-bell"]').click();
    await page.locator('[data-testid="notifications-table"]').waitFor();
    expect(await page.locator('[data-testid="notifications-table"]').textContent()).toContain(
      `非常時アカウントが使われました (理由: ${BREAK_GLASS_REASON})`,
    );
    const alertMail = await kysely()
      .selectFrom('mail_outbox')
      .selectAll()
      .where('kind', '=', 'break-glass.used')
      .execute();
    expect(alertMail.map((m) => m.to_address)).toEqual([OWNER.email]);
    expect(alertMail[0]?.body).toContain(`理由: ${BREAK_GLASS_REASON}`);
    const uses = await auditEvents('break-glass.use');
    expect(uses).toHaveLength(1);
    expect(uses[0]).toMatchObject({ org_id: orgId, outcome: 'success' });
    expect(uses[0]?.details['reason']).toBe(BREAK_GLASS_REASON);

    // Used once, it is refused until rotated.
    const refused = expectFailures(/\/api\/v1\/auth\/break-glass$/);
    // A new start on the same computer: the page asks for the session it remembers, and learns it is gone.
    expectFailures(/\/api\/v1\/auth\/session$/);
    await night.ctx.clearCookies();
    await useIt(credential);
    await night.page.locator('[data-testid="break-glass-used"]').waitFor();

    // The owner seals a new credential: the old one is wrong from now on, and the running session ended.
    page.once('dialog', (d) => void d.accept());
    await page.goto(url(`/orgs/${orgId}/break-glass`));
    await page.locator('[data-testid="break-glass-rotate"]').click();
    await sheet.waitFor();
    const rotated = ((await page.locator('[data-testid="break-glass-credential"]').textContent()) ?? '').trim();
    expect(rotated).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{5}){4}$/);
    expect(rotated).not.toBe(credential);
    expect(await page.locator('[data-testid="break-glass-state"]').textContent()).toBe('更新済み・封印中');
    expect((await auditEvents('break-glass.rotate', ownerId)).at(-1)?.details).toMatchObject({ wasUsed: true });

    await useIt(credential);
    await night.page.locator('[data-testid="form-error"]', { hasText: '組織 ID または資格情報が違います' }).waitFor();
    expect(refused()).toBeGreaterThanOrEqual(2);
    expect((await auditEvents('break-glass.use')).map((e) => [e.outcome, e.details['why']])).toEqual([
      ['success', undefined],
      ['failure', 'used'],
      ['failure', 'wrong'],
    ]);
    await night.ctx.close();
  });

  // ---- Activity and the audit trail --------------------------------------------------------------------------------

  it("shows the user's own sign-ins on the activity page, and no one else's", async () => {
    const { page } = owner;
    await page.locator('[data-testid="user-menu"]').click();
    await page.locator('[data-testid="account-activity"]').click();
    await page.locator('[data-testid="activity-table"]').waitFor();
    const rows = page.locator('[data-testid="activity-table"] tbody tr');
    // Everything 佐藤 did: the enrolment is there with the sign-ins, until only sign-ins and sessions are asked for.
    await page.locator('[data-testid="activity-table"] tr[data-action="two-factor.enable"]').waitFor();
    await page.locator('[data-testid="activity-page"]').getByText('サインインとセッション').click();
    await page.locator('[data-testid="activity-table"] tr[data-action="two-factor.enable"]').waitFor({
      state: 'detached',
    });
    const actions = await rows.evaluateAll((trs) =>
      trs.map((tr) => (tr as unknown as { getAttribute(n: string): string | null }).getAttribute('data-action')),
    );
    expect(actions.length).toBeGreaterThan(0);
    for (const a of actions) expect(a).toMatch(/^user\./);
    const own = await auditEvents('user.sign-in', ownerId);
    // One with the password alone, then three with two-factor authentication.
    expect(own.map((e) => e.details['twoFactor'])).toEqual([undefined, 'totp', 'recovery-code', 'totp']);
    expect(actions.filter((a) => a === 'user.sign-in')).toHaveLength(own.length);
    // After the sign-up, and three times in the two-factor tests.
    expect(actions.filter((a) => a === 'user.sign-out')).toHaveLength(4);
    expect((await auditEvents('user.sign-in')).length).toBeGreaterThan(own.length);
  });

  it('filters the organization audit trail by action and day, and exports it as CSV with the Japanese intact', async () => {
    const { page } = owner;
    await page.goto(url(`/orgs/${orgId}/audit`));
    const audit = page.locator('[data-testid="audit-page"]');
    await page.locator('[data-testid="audit-chain"][data-ok="true"]').waitFor();
    await page.locator('[data-testid="audit-table"]').waitFor();
    const rows = page.locator('[data-testid="audit-table"] tbody tr');

    const actionsShown = () =>
      rows.evaluateAll((trs) =>
        trs.map((tr) => (tr as unknown as { getAttribute(n: string): string | null }).getAttribute('data-action')),
      );
    await audit.getByRole('textbox', { name: '操作' }).fill('break-glass.*');
    await page.locator('[data-testid="audit-from"]').fill(jstDay(serverNow() - 3_600_000));
    await page.locator('[data-testid="audit-to"]').fill(jstDay(serverNow()));
    await audit.getByRole('button', { name: '絞り込み' }).click();
    await expect.poll(async () => (await actionsShown()).every((a) => a?.startsWith('break-glass.'))).toBe(true);
    const shown = await actionsShown();
    const stored = await kysely()
      .selectFrom('audit_events')
      .select('action')
      .where('org_id', '=', orgId)
      .where('action', 'like', 'break-glass.%')
      .execute();
    // create, use, the used and the wrong attempt, rotate.
    expect(stored).toHaveLength(5);
    expect(shown).toHaveLength(stored.length);
    expect(await page.locator('[data-testid="audit-table"]').textContent()).toContain(
      `非常時アカウント (break-glass) <${ORG_NAME}>`,
    );

    // The export takes the filters shown.
    await page.locator('[data-testid="audit-export"]').click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-format="csv"]').click()]);
    const path = join(files, 'audit.csv');
    await download.saveAs(path);
    const csv = readFileSync(path);
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = csv.toString('utf8');
    const lines = text.trim().split('\r\n');
    expect(lines).toHaveLength(1 + stored.length);
    expect(text).toContain(BREAK_GLASS_REASON);
    expect(text).toContain(`非常時アカウント (break-glass) <${ORG_NAME}>`);
    expect(text).toContain(`${OWNER.name} <${OWNER.email}>`);
    expect(text).not.toContain('user.sign-in');
    expect(text).not.toContain('\uFFFD');

    // A day before any of it: nothing.
    await page.locator('[data-testid="audit-from"]').fill('2020-01-01');
    await page.locator('[data-testid="audit-to"]').fill('2020-01-31');
    await audit.getByRole('button', { name: '絞り込み' }).click();
    await audit.getByText('記録はありません。').waitFor();
    expect(await rows.count()).toBe(0);
  });

  // ---- English -----------------------------------------------------------------------------------------------------

  it('shows the security page in English after the language switch', async () => {
    const { page } = staff;
    const refused = expectFailures(/\/api\/v1\/account\/two-factor\/totp\/setup$/);
    await page.goto(url('/account/security'));
    await page.locator('[data-testid="two-factor-state"]', { hasText: '無効' }).waitFor();
    await page.locator('[data-testid="language-toggle"]').getByText('English').click();

    await page.locator('h1', { hasText: 'Account security' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.title()).toBe('Account security — OpenMDS');
    expect(await page.locator('[data-testid="two-factor-state"]').textContent()).toBe('Off');
    expect(await page.locator('[data-testid="security-page"]').textContent()).toContain(
      'Sign-in will ask for the 6-digit code of an authenticator app',
    );
    expect(await page.locator('[data-testid="security-page"]').textContent()).not.toMatch(/[\u3040-\u30ff]/);

    const password = enrolPassword(page);
    await password.fill('not my password');
    await page.locator('[data-testid="two-factor-start"]', { hasText: 'Begin setup' }).click();
    await page.locator('[data-testid="security-page"] .mantine-PasswordInput-error', { hasText: 'is wrong' }).waitFor();
    expect(refused()).toBeGreaterThan(0);

    await password.fill(STAFF.reset);
    await page.locator('[data-testid="two-factor-start"]').click();
    await page.getByText('Scan this QR code with your authenticator app.').waitFor();
    await page.locator('[data-testid="two-factor-confirm"]', { hasText: 'Confirm and turn on' }).waitFor();

    // The choice holds after a reload.
    await page.reload();
    await page.locator('h1', { hasText: 'Account security' }).waitFor();
    // Started in English as in Japanese: a secret waits for its first code.
    const pending = await kysely()
      .selectFrom('user_totp as t')
      .innerJoin('users as u', 'u.id', 't.user_id')
      .select('t.confirmed_at')
      .where('u.email', '=', STAFF.email)
      .executeTakeFirst();
    expect(pending).toEqual({ confirmed_at: null });
  });

  it('made no request to another host, and logged no page error', () => {
    expect(offHost).toEqual([]);
    expect(problems).toEqual([]);
  });
});
