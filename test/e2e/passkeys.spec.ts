import { join } from 'node:path';
import { type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

const runSpec = browserTestsRun('e2e');

const USER = { email: 'suzuki@vendor.example.jp', name: '鈴木 一郎', password: 'Vendor security 2026!' };
const MINUTE = 60_000;

/**
 * Passkeys in a real browser: Chromium's virtual authenticator (DevTools protocol, WebAuthn domain) stands in for
 * Windows Hello or Touch ID, so registration, passwordless sign-in, the second step after a password and the
 * re-authentication dialog run through navigator.credentials exactly as for a user.
 */
describe.skipIf(!runSpec)('passkeys in the browser', () => {
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  let ctx: BrowserContext;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId = '';
  const problems: string[] = [];
  const offHost: string[] = [];
  /** The server's clock runs this far ahead of the real one: the re-authentication step moves it. */
  let skew = 0;
  /** Failures the scenario causes on purpose, by address. */
  const expected: RegExp[] = [];
  const SESSION_PROBE = /\/api\/v1\/auth\/session$/;

  // WebAuthn needs a domain for its RP ID: localhost, not 127.0.0.1.
  const url = (path: string) => `${server!.url.replace('127.0.0.1', 'localhost')}${path}`;
  const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);

  async function session(): Promise<{ user: { email: string } } | null> {
    const r = await ctx.request.get(url('/api/v1/auth/session'), { failOnStatusCode: false });
    return r.ok() ? ((await r.json()) as { user: { email: string } }) : null;
  }

  async function credentials(): Promise<{ credentialId: string; signCount: number; isResidentCredential: boolean }[]> {
    const r = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })) as {
      credentials: { credentialId: string; signCount: number; isResidentCredential: boolean }[];
    };
    return r.credentials;
  }

  /** Ends the browser's session, as closing it at the end of the day would. */
  async function signOut(): Promise<void> {
    // Signed out, the app's probe of the session answers 401: expected from here on.
    if (!expected.includes(SESSION_PROBE)) expected.push(SESSION_PROBE);
    // Leave the signed-in page first: a request it still makes after the cookies go would answer 401.
    await page.goto('about:blank');
    await ctx.clearCookies();
    await page.goto(url('/sign-in'));
    await byTestId('sign-in-submit').waitFor();
  }

  beforeAll(async () => {
    prepareE2e();
    server = await startTestServer({
      settings: {
        passwordHashing: { N: 2 ** 12, r: 8, p: 1, keyLength: 32 },
        now: () => new Date(Date.now() + skew),
      },
    });
    browser = await launchChromium();
    ctx = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      locale: 'ja-JP',
      timezoneId: 'Asia/Tokyo',
    });
    page = await ctx.newPage();
    page.setDefaultTimeout(15_000);
    watchPage(
      page,
      { problems, offHost },
      {
        ignoreConsole: (text, address) => /Failed to load resource/.test(text) && expected.some((e) => e.test(address)),
        ignoreResponse: (address) => expected.some((e) => e.test(address)),
        serverHosts: ['localhost'],
      },
    );
    cdp = await ctx.newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    const added = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    authenticatorId = added.authenticatorId;
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  oneScenario(async () => {
    if (problems.length > 0) console.error(problems.join('\n'));
    await page.screenshot({ path: join(SHOTS, 'passkeys-failed.png') }).catch(() => undefined);
  });

  it('registers a passkey on the security page and shows the recovery codes that come with the first', async () => {
    await page.goto(url('/sign-up'));
    await page.locator('input[name="email"]').fill(USER.email);
    await page.locator('input[name="displayName"]').fill(USER.name);
    await page.locator('input[name="password"]').fill(USER.password);
    await page.locator('input[name="confirm"]').fill(USER.password);
    await byTestId('sign-up-submit').click();
    await page.waitForURL('**/orgs/new');

    await page.goto(url('/account/security'));
    await byTestId('passkeys-none').waitFor();
    expect(await byTestId('two-factor-state').textContent()).toBe('無効');
    const name = byTestId('passkey-name-input');
    expect(await name.inputValue()).toMatch(/Chrome/);
    await name.fill('業務用PC の Windows Hello');
    await byTestId('passkey-add').click();

    // The first second factor brings ten recovery codes, shown once.
    const codes = byTestId('recovery-codes');
    await codes.waitFor();
    expect(await codes.locator('code').count()).toBe(10);
    await byTestId('recovery-done').click();

    await byTestId('passkey-row').waitFor();
    expect(await byTestId('passkey-name').textContent()).toBe('業務用PC の Windows Hello');
    expect(await byTestId('two-factor-state').textContent()).toBe('有効');
    // The authenticator holds one discoverable credential: it can sign in without a name or password.
    const held = await credentials();
    expect(held).toHaveLength(1);
    expect(held[0]?.isResidentCredential).toBe(true);
    await screenshot(page, 'account', 'passkeys');
  });

  it('renames the passkey in place', async () => {
    await page.getByRole('button', { name: '名前を変更' }).click();
    await byTestId('passkey-name-edit').fill('業務用PC (情報システム課)');
    await page.getByRole('button', { name: '保存' }).click();
    await page.getByText('業務用PC (情報システム課)').waitFor();
  });

  it('signs in with the passkey alone, without email or password', async () => {
    await signOut();
    expect(await session()).toBeNull();
    const before = (await credentials())[0]?.signCount ?? 0;
    await byTestId('passkey-sign-in').click();
    await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
    expect((await session())?.user.email).toBe(USER.email);
    expect((await credentials())[0]?.signCount).toBeGreaterThan(before);
  });

  it('asks for the passkey after the password, as the second step', async () => {
    await signOut();
    await page.locator('input[name="email"]').fill(USER.email);
    await page.locator('input[name="password"]').fill(USER.password);
    await byTestId('sign-in-submit').click();
    // Passkey-only: the code field takes recovery codes, and the passkey button comes first.
    await byTestId('two-factor-passkey').waitFor();
    await page.getByText('パスキーが使えないときは、リカバリーコードを入力してください').waitFor();
    await byTestId('two-factor-passkey').click();
    await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
    expect((await session())?.user.email).toBe(USER.email);
  });

  it('tells the user when the device refuses to verify them, and signs nobody in', async () => {
    await signOut();
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
    try {
      await byTestId('passkey-sign-in').click();
      await page.getByText('パスキーの操作は取り消されたか、時間切れになりました。').waitFor();
      expect(await session()).toBeNull();
    } finally {
      await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: true });
    }
  });

  it('confirms a sensitive action with the passkey in the re-authentication dialog', async () => {
    await byTestId('passkey-sign-in').click();
    await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
    await page.goto(url('/account/security'));
    await byTestId('passkey-row').waitFor();
    // Sixteen minutes later, removing the passkey needs the user again.
    skew += 16 * MINUTE;
    // The first attempt answers 403 reauth-required: that is what opens the dialog.
    expected.push(/\/api\/v1\/account\/passkeys\/[^/]+$/);
    page.once('dialog', (d) => void d.accept());
    await byTestId('passkey-remove').click();
    const modal = page.getByRole('dialog');
    await byTestId('reauth-passkey').waitFor();
    await screenshot(page, 'account', 'reauth-passkey');
    await byTestId('reauth-passkey').click();
    await modal.waitFor({ state: 'hidden' });
    await byTestId('passkeys-none').waitFor();
    expect(await byTestId('two-factor-state').textContent()).toBe('無効');
  });

  it('left the browser and the server without unexpected errors', () => {
    expect(problems).toEqual([]);
    expect(offHost).toEqual([]);
  });
});
