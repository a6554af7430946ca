import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

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
