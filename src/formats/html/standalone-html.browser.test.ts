import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsRun, launchChromium } from '../../../test/support/browser.js';
import { generalPacs } from '../../../test/support/statements.js';
import type { Statement } from '../../domain/statement.js';
import { builtinTemplates } from '../../domain/templates/registry.js';
import { signForTest } from '../../signing/test-pki.js';
import { exportStandaloneHtml, type StandaloneHtmlOptions } from './export-standalone-html.js';

/**
 * The standalone page's own verification, run in Chromium from a file:// URL as a reader would open it. It lives
 * next to the exporter (and runs with the unit tests) because it needs no server: only the browser.
 */
const run = browserTestsRun('standalone HTML browser test');

interface BrowserDocument {
  querySelector(selector: string): { textContent: string | null } | null;
}

describe.skipIf(!run)('the standalone page verifies its own signature in the browser', () => {
  let browser: Browser | undefined;
  let dir = '';
  const template = builtinTemplates().get('jahis-jira-mds', '2')!;
  const problems: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'openmds-html-'));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  async function open(name: string, html: string): Promise<Page> {
    const file = join(dir, name);
    writeFileSync(file, html);
    const page = await browser!.newPage();
    page.on('pageerror', (e) => problems.push(`${name} pageerror: ${e.message}`));
    // A CSP violation (the script's hash not matching) shows as a console error.
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${name} console: ${m.text()}`);
    });
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) problems.push(`${name} request: ${r.url()}`);
    });
    await page.goto(pathToFileURL(file).href);
    return page;
  }

  async function verifyOn(page: Page): Promise<{ title: string; text: string }> {
    await page.click('#openmds-verify');
    await page.waitForSelector('#openmds-verify-result.valid, #openmds-verify-result.failed', { timeout: 10_000 });
    return page.evaluate(() => {
      const d = (globalThis as unknown as { document: BrowserDocument }).document;
      return {
        title: d.querySelector('#openmds-verify-result .verify-title')?.textContent ?? '',
        text: d.querySelector('#openmds-verify-result')?.textContent ?? '',
      };
    });
  }

  async function signedPage(s: Statement, options: StandaloneHtmlOptions = {}): Promise<string> {
    return exportStandaloneHtml(s, template, { ...options, signed: await signForTest(s) });
  }

  it('says the signature is valid, with the signer, issuer and time', async () => {
    const s = generalPacs();
    s.remarks[0]!.text = '𠮷野家の髙橋: <script>alert(1)</script>\n二行目';
    const page = await open('valid.html', await signedPage(s));
    const r = await verifyOn(page);
    expect(r.title).toBe('署名は有効です（改ざんなし）');
    expect(r.text).toContain('XYZ株式会社');
    expect(r.text).toContain('CN=Example OpenMDS instance CA');
    expect(r.text).toContain('2026-01-26T09:00:00Z');
    expect(r.text).toContain('openmds verify');
    await page.close();
    expect(problems).toEqual([]);
  });

  it('fails when one character of a remark in the embedded data is changed', async () => {
    const html = await signedPage(generalPacs());
    const original = '窃視される危険性の無い環境でご利用下さい。';
    const start = html.indexOf('<script type="application/json"');
    const at = html.indexOf(original, start);
    expect(at).toBeGreaterThan(start);
    const tampered = `${html.slice(0, at)}窃視される危険性の有る環境でご利用下さい。${html.slice(at + original.length)}`;
    const page = await open('tampered-data.html', tampered);
    const r = await verifyOn(page);
    expect(r.title).toBe('検証に失敗しました');
    expect(r.text).toContain('署名が内容と一致しません');
    await page.close();
  });

  it('fails when the table shown is changed but the embedded data is not', async () => {
    const html = await signedPage(generalPacs());
    // Move row 2's ○ from いいえ to はい in the visible table.
    const row = html.indexOf('<tr data-row-id="2"');
    const end = html.indexOf('</tr>', row);
    const moved = html
      .slice(row, end)
      .replace('data-option="yes" title="はい">', 'data-option="yes" title="はい"><span class="answer-mark">○</span>')
      .replace('title="いいえ"><span class="answer-mark">○</span>', 'title="いいえ">');
    const page = await open('tampered-table.html', html.slice(0, row) + moved + html.slice(end));
    const r = await verifyOn(page);
    expect(r.title).toBe('検証に失敗しました');
    expect(r.text).toContain('表示されている内容が署名されたデータと一致しません: 回答');
    await page.close();
  });

  it('speaks English on an English page', async () => {
    const page = await open('valid-en.html', await signedPage(generalPacs(), { lang: 'en' }));
    expect((await verifyOn(page)).title).toBe('The signature is valid (not altered)');
    await page.close();
  });

  it('made no request and logged no error on any page', () => {
    expect(problems).toEqual([]);
  });
});
