import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterEach, beforeEach } from 'vitest';

/** Debian's Chromium, driven through playwright-core; nothing is downloaded. */
export const CHROMIUM = '/usr/bin/chromium';
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const WEB_INDEX = join(ROOT, 'web', 'dist', 'index.html');
/** Screenshots of every browser run. */
export const SHOTS = join(ROOT, 'test-results', 'e2e');
export const DOC_IMAGES = join(ROOT, 'docs', 'images');
/** `UPDATE_DOC_IMAGES=1 npx vitest run --project e2e` refreshes the guides' screenshots in docs/images. */
export const UPDATE_DOC_IMAGES = process.env.UPDATE_DOC_IMAGES === '1';

export const hasChromium = existsSync(CHROMIUM);

/**
 * Whether browser tests run: locally a missing browser skips them with the reason printed; in CI they run (and
 * fail), because CI must install it.
 */
export function browserTestsRun(what: string): boolean {
  const run = hasChromium || process.env.CI !== undefined;
  if (!run) console.warn(`${what} skipped: chromium not installed: apt-get install chromium fonts-noto-cjk`);
  return run;
}

/** Launches Chromium headless with the project's flags. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Before an e2e spec: the browser and the built web UI must be there; the screenshot folders are made. */
export function prepareE2e(): void {
  if (!hasChromium) throw new Error(`chromium not installed at ${CHROMIUM}: CI must apt-get install chromium`);
  if (!existsSync(WEB_INDEX)) throw new Error(`${WEB_INDEX} is missing: run npm run build:web first`);
  mkdirSync(SHOTS, { recursive: true });
  if (UPDATE_DOC_IMAGES) mkdirSync(DOC_IMAGES, { recursive: true });
}

/** What a spec's pages did that they should not: collected by watchPage, asserted empty at the end. */
export interface PageWatch {
  problems: string[];
  /** Requests to any host but the test server's (the UI must never fetch from elsewhere). */
  offHost: string[];
}

export interface WatchOptions {
  /** Prefixes each problem: whose page it was. */
  who?: string;
  /** A console error the scenario causes on purpose (the browser logs every failed request), by text and address. */
  ignoreConsole?: (text: string, url: string) => boolean;
  /** A failed response (400 and up) the scenario causes on purpose. */
  ignoreResponse?: (url: string, status: number) => boolean;
  /** The test server's host names (default 127.0.0.1; WebAuthn needs a domain, so passkey specs use localhost). */
  serverHosts?: readonly string[];
}

/**
 * Watches a page for script errors, console errors, failed responses (a 5xx with its body, which says what broke)
 * and requests that leave the test server.
 */
export function watchPage(page: Page, watch: PageWatch, options: WatchOptions = {}): void {
  const who = options.who === undefined ? '' : `${options.who} `;
  page.on('pageerror', (e) => watch.problems.push(`${who}pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error' || options.ignoreConsole?.(m.text(), m.location().url) === true) return;
    watch.problems.push(`${who}console: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() < 400 || options.ignoreResponse?.(r.url(), r.status()) === true) return;
    const line = `${who}${r.request().method()} ${r.url()} → ${r.status()}`;
    watch.problems.push(line);
    if (r.status() >= 500)
      void r.text().then(
        (body) => watch.problems.push(`${line}: ${body}`),
        () => undefined,
      );
  });
  page.on('request', (r) => {
    const u = new URL(r.url());
    const hosts = options.serverHosts ?? ['127.0.0.1'];
    if (u.protocol !== 'data:' && u.protocol !== 'blob:' && !hosts.includes(u.hostname)) watch.offHost.push(r.url());
  });
}

/**
 * Saves a screenshot as SHOTS/`prefix-name`.png once the fonts are in, and copies it to the guides' images when
 * UPDATE_DOC_IMAGES is set (unless `doc` is false). A full page is taken from its top: scrolled, the sticky header
 * would be drawn in its middle.
 */
export async function screenshot(
  page: Page,
  prefix: string,
  name: string,
  options: { fullPage?: boolean; doc?: boolean } = {},
): Promise<void> {
  // Sent as text: the project's tsconfig has no DOM library.
  await page.evaluate('document.fonts.ready.then(() => undefined)');
  if (options.fullPage === true) await page.evaluate('window.scrollTo(0, 0)');
  const path = join(SHOTS, `${prefix}-${name}.png`);
  await page.screenshot({ path, fullPage: options.fullPage ?? false });
  if (options.doc !== false && UPDATE_DOC_IMAGES) copyFileSync(path, join(DOC_IMAGES, `${prefix}-${name}.png`));
}

/**
 * Makes the tests of the calling `describe` one scenario: once a step fails, the later ones cannot mean anything, so
 * they are skipped rather than timed out. `onFailure` runs after the failing step (the problems the pages saw,
 * screenshots), with the step's name.
 */
export function oneScenario(onFailure: (step: string) => Promise<void>): void {
  let broken = false;
  beforeEach((c) => {
    if (broken) c.skip();
  });
  afterEach(async (c) => {
    if (c.task.result?.state !== 'fail') return;
    broken = true;
    await onFailure(c.task.name);
  });
}
