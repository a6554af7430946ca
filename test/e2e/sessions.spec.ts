import { join } from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHOTS, browserTestsRun, launchChromium, prepareE2e, watchPage, oneScenario } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';

const runSpec = browserTestsRun('e2e');

const USER = { email: 'tanaka@vendor.example.jp', name: '田中 花子', password: 'Vendor sessions 2026!' };

/**
 * "Where you are signed in": two browsers (contexts, each its own cookie jar) signed in as the same user. The first
 * lists both sessions on the security page and ends the other; the other browser's next page lands on sign-in.
 */
describe.skipIf(!runSpec)('your sessions in the browser', () => {
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  let office: { ctx: BrowserContext; page: Page } | undefined;
  let laptop: { ctx: BrowserContext; page: Page } | undefined;
  const problems: string[] = [];
  const offHost: string[] = [];
  /** Failures the scenario causes on purpose (the ended browser's requests answer 401), by address. */
  const expected: RegExp[] = [];

  const url = (path: string) => `${server!.url}${path}`;
  const byTestId = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`);

  async function open(who: string): Promise<{ ctx: BrowserContext; page: Page }> {
    const ctx = await browser!.newContext({
      viewport: { width: 1280, height: 900 },
      locale: 'ja-JP',
      timezoneId: 'Asia/Tokyo',
    });
    const page = await ctx.newPage();
    page.setDefaultTimeout(15_000);
    watchPage(
      page,
      { problems, offHost },
      {
        who,
        ignoreConsole: (text, address) => /Failed to load resource/.test(text) && expected.some((e) => e.test(address)),
        ignoreResponse: (address, status) => status === 401 && expected.some((e) => e.test(address)),
      },
    );
    return { ctx, page };
  }

  beforeAll(async () => {
    prepareE2e();
    server = await startTestServer({ settings: { passwordHashing: { N: 2 ** 12, r: 8, p: 1, keyLength: 32 } } });
    browser = await launchChromium();
    office = await open('office');
    laptop = await open('laptop');
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  oneScenario(async () => {
    if (problems.length > 0) console.error(problems.join('\n'));
    await office?.page.screenshot({ path: join(SHOTS, 'sessions-failed-office.png') }).catch(() => undefined);
    await laptop?.page.screenshot({ path: join(SHOTS, 'sessions-failed-laptop.png') }).catch(() => undefined);
  });

  it('signs the same user in from two browsers', async () => {
    const { page } = office!;
    await page.goto(url('/sign-up'));
    await page.locator('input[name="email"]').fill(USER.email);
    await page.locator('input[name="displayName"]').fill(USER.name);
    await page.locator('input[name="password"]').fill(USER.password);
    await page.locator('input[name="confirm"]').fill(USER.password);
    await byTestId(page, 'sign-up-submit').click();
    await page.waitForURL('**/orgs/new');

    const other = laptop!.page;
    await other.goto(url('/sign-in'));
    await other.locator('input[name="email"]').fill(USER.email);
    await other.locator('input[name="password"]').fill(USER.password);
    await byTestId(other, 'sign-in-submit').click();
    await other.waitForURL('**/orgs/new');
  });

  it('lists both sessions on the security page, this one marked', async () => {
    const { page } = office!;
    await page.goto(url('/account/security'));
    const rows = byTestId(page, 'session-row');
    await expect.poll(() => rows.count()).toBe(2);
    const current = page.locator('[data-testid="session-row"][data-current="true"]');
    expect(await current.count()).toBe(1);
    expect(await current.locator('[data-testid="session-current"]').textContent()).toBe('この端末');
    expect(await current.locator('[data-testid="session-revoke"]').count()).toBe(0);
    expect(await byTestId(page, 'session-device').first().textContent()).toMatch(/Chrome/);
    expect(await byTestId(page, 'sessions-revoke-others').textContent()).toBe('ほかの端末をすべてサインアウト');
  });

  it('ends the other session after confirming, leaving only this one', async () => {
    const { page } = office!;
    const revoke = page.locator('[data-testid="session-row"]:not([data-current]) [data-testid="session-revoke"]');
    expect(await revoke.textContent()).toBe('サインアウトさせる');
    await revoke.click();
    await byTestId(page, 'sessions-confirm-dialog').waitFor();
    await byTestId(page, 'sessions-confirm').click();
    await expect.poll(() => byTestId(page, 'session-row').count()).toBe(1);
    await byTestId(page, 'sessions-no-others').waitFor();
  });

  it('sends the other browser to sign-in at its next navigation', async () => {
    // Its session is gone: the app's probe of it, and the page's own request, answer 401.
    expected.push(/\/api\/v1\/(auth\/session|account\/)/);
    const { page } = laptop!;
    await page.goto(url('/account/security'));
    await page.waitForURL('**/sign-in**');
    await byTestId(page, 'sign-in-submit').waitFor();
    // The first browser is still signed in.
    await office!.page.reload();
    await expect.poll(() => byTestId(office!.page, 'session-row').count()).toBe(1);
  });

  it('made no unexpected request failure, console error or off-host request', () => {
    expect(problems).toEqual([]);
    expect(offHost).toEqual([]);
  });
});
