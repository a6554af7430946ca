import { join } from 'node:path';

import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHOTS, browserTestsRun, launchChromium, prepareE2e } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';

/** The few browser globals the spec reads inside page.evaluate (the project's tsconfig has no DOM library). */
interface BrowserGlobals {
  document: {
    fonts: { ready: Promise<unknown>; check(font: string, text: string): boolean } & Iterable<{
      family: string;
      status: string;
    }>;
    querySelector(selector: string): object | null;
  };
  getComputedStyle(element: object): { fontFamily: string };
}

const runSpec = browserTestsRun('e2e');

describe.skipIf(!runSpec)('templates in the browser', () => {
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const offHost: string[] = [];
  const pageErrors: string[] = [];
  const fontRequests: string[] = [];

  beforeAll(async () => {
    prepareE2e();
    server = await startTestServer();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP' });
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.protocol === 'data:' || url.protocol === 'blob:') return;
      if (url.hostname !== '127.0.0.1') offHost.push(request.url());
      if (url.pathname.endsWith('.woff2')) fontRequests.push(url.pathname);
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const rowTextX = async (id: string): Promise<number> => {
    const box = await page.locator(`[data-row-id="${id}"] .row-text`).boundingBox();
    if (box === null) throw new Error(`row ${id} is not visible`);
    return box.x;
  };

  it('lists the templates in Japanese and opens the MDS 2nd edition as a form', async () => {
    await page.goto(`${server!.url}/`);
    const link = page.locator('[data-template="jahis-jira-mds@2"] a');
    await link.waitFor();
    expect(await link.textContent()).toContain('製造業者による医療情報セキュリティ開示書');
    expect(await page.locator('html').getAttribute('lang')).toBe('ja');

    await link.click();
    await page.waitForURL('**/templates/jahis-jira-mds/2');
    await page.locator('[data-testid="template-form"]').waitFor();

    expect(await page.locator('[data-row-id]').count()).toBe(68);
    expect(await page.locator('[data-testid="header-fields"]').textContent()).toMatch(
      /製造メーカー.*製品名称.*バージョン.*作成日/,
    );
    expect(await page.locator('[data-testid="template-form"] thead').textContent()).toMatch(
      /No\..*質問.*ガイドライン.*はい.*いいえ.*対象外.*備考/,
    );
    expect(await page.locator('[data-section-id="6.5"]').textContent()).toContain('技術的安全対策 (6.5)');
    expect(await rowTextX('12.3.1')).toBeGreaterThan(await rowTextX('12.3'));
    expect(await rowTextX('12.3')).toBeGreaterThan(await rowTextX('12'));
    expect(await page.locator('[data-row-id="4.1-a"] .row-text').textContent()).toBe('・パスワード認証');
    expect(await page.locator('[data-row-id="4.1.1"] [data-note="applies-when"]').textContent()).toBe(
      '4.1-a が「はい」の場合',
    );
    expect(await page.locator('[data-row-id="17"] [data-note="applies-when"]').textContent()).toBe(
      '16 が「いいえ」の場合',
    );
    expect(await page.locator('[data-row-id="4.1-e"] [data-note="remark-required"]').textContent()).toBe(
      'はいの場合は備考必須',
    );
    // The group heading spans the three answer columns.
    expect(await page.locator('[data-row-id="4.1"] td.group-span').getAttribute('colspan')).toBe('3');
  });

  it('renders with the bundled Noto Sans JP, fetched from this server only', async () => {
    const font = await page.evaluate(async () => {
      const w = globalThis as unknown as BrowserGlobals;
      const document = w.document;
      await document.fonts.ready;
      const faces = [...document.fonts].filter((f) => f.family.replace(/["']/g, '') === 'Noto Sans JP');
      const text = document.querySelector('[data-row-id="4"] .row-text');
      return {
        check: document.fonts.check('16px "Noto Sans JP"', 'あ'),
        loaded: faces.filter((f) => f.status === 'loaded').length,
        family: text === null ? '' : w.getComputedStyle(text).fontFamily,
      };
    });
    expect(font.check).toBe(true);
    expect(font.loaded).toBeGreaterThan(0);
    expect(font.family).toMatch(/^["']?Noto Sans JP/);
    expect(fontRequests.length).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'templates-ja.png'), fullPage: true });
  });

  it('switches the form to English and keeps the choice', async () => {
    await page.getByText('English', { exact: true }).click();
    await page
      .locator('[data-row-id="4"] .row-text', { hasText: 'Does it have access management functions?' })
      .waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.locator('[data-section-id="6.5"]').textContent()).toContain('Technical safety measures (6.5)');
    expect(await page.locator('[data-row-id="4.1.1"] [data-note="applies-when"]').textContent()).toBe(
      'Applies when 4.1-a is Yes',
    );
    expect(await page.locator('[data-testid="template-form"] thead').textContent()).toMatch(/Question.*Yes.*No.*N\/A/);
    await page.evaluate(() => (globalThis as unknown as BrowserGlobals).document.fonts.ready);
    await page.screenshot({ path: join(SHOTS, 'templates-en.png'), fullPage: true });

    await page.reload();
    await page
      .locator('[data-row-id="4"] .row-text', { hasText: 'Does it have access management functions?' })
      .waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
  });

  it('shows a not-found page for an unknown address', async () => {
    await page.goto(`${server!.url}/no/such/page`);
    await page.locator('[data-testid="not-found"]').waitFor();
    expect(await page.locator('[data-testid="not-found"] h1').textContent()).toBe('Page not found');
  });

  it('made no request to any host but the test server, and logged no page error', () => {
    expect(offHost).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
