/// <reference lib="dom" />
// The comparison page in Debian's Chromium: a hospital holding 50 statements (49 MDS 2nd edition with varied
// answers, some rows left blank, and one NEMA MDS2 workbook lined up through the cross-reference) opens the
// 50-product matrix. The figure is the time from the navigation (in the page, the data cached as after a first
// visit) to the matrix laid out with every cell; the baseline, measured in the same page and run, is the same
// navigation to a 1-product matrix. The first, cold visit (fetching the matrix) is reported too.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultWebRoot } from '../src/server/paths.js';
import { CHROMIUM, launchChromium } from '../test/support/browser.js';
import { startTestServer } from '../test/support/server.js';
import { completeMdsStatement } from '../test/support/statements.js';
import type { BenchResult } from './validate.bench.js';

const PRODUCTS = 50;
const ROUNDS = 7;
const TARGET_MS = 500;

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};

/** 49 MDS statements whose answers differ from product to product, and the example MDS2 workbook. */
function statementFiles(): { name: string; data: Uint8Array }[] {
  const answers = ['yes', 'no', 'na', 'yes', 'no', 'yes'];
  const files: { name: string; data: Uint8Array }[] = [];
  for (let i = 0; i < PRODUCTS - 1; i++) {
    const s = completeMdsStatement((row) =>
      row.length > 1 ? answers[(i + row.length * 7 + row.charCodeAt(0)) % answers.length] : undefined,
    );
    if (i % 4 === 0) for (const row of ['5', '14', '22', '27']) delete s.answers[row];
    s.header.manufacturer = `計測医療機器${i % 9}株式会社`;
    s.header.product = `比較製品 ${String(i).padStart(2, '0')}`;
    s.header.productVersion = `V${1 + (i % 5)}.${i}`;
    files.push({ name: `product-${i}.json`, data: new TextEncoder().encode(JSON.stringify(s)) });
  }
  files.push({
    name: 'nema-mds2-example-worksheet.xlsx',
    data: new Uint8Array(readFileSync(new URL('../examples/nema-mds2-example-worksheet.xlsx', import.meta.url))),
  });
  return files;
}

export async function benchComparisonBrowser(): Promise<BenchResult> {
  const name = `comparison page: ${PRODUCTS}-product matrix in Chromium`;
  if (!existsSync(CHROMIUM) || !existsSync(join(defaultWebRoot(), 'index.html'))) {
    return {
      name,
      figure: 'not run (needs /usr/bin/chromium and npm run build:web)',
      ratio: NaN,
      target: `p50 < ${TARGET_MS} ms`,
      ok: true,
    };
  }
  const server = await startTestServer({
    webRoot: defaultWebRoot(),
    settings: { passwordHashing: { N: 2 ** 12, r: 8, p: 1, keyLength: 32 } },
  });
  const browser = await launchChromium();
  try {
    const base = server.url;
    const signUp = await fetch(`${base}/api/v1/auth/sign-up`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: base },
      body: JSON.stringify({
        email: 'bench@example.jp',
        displayName: 'ベンチ 計測',
        password: 'benchmark-password-2026',
      }),
    });
    const cookie = (signUp.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const { csrfToken } = (await signUp.json()) as { csrfToken: string };
    const call = async (method: string, path: string, body?: unknown, raw?: Uint8Array): Promise<unknown> => {
      const res = await fetch(`${base}/api/v1${path}`, {
        method,
        headers: {
          'content-type': raw === undefined ? 'application/json' : 'application/octet-stream',
          cookie,
          'x-csrf-token': csrfToken,
          origin: base,
        },
        body: raw === undefined ? (body === undefined ? undefined : JSON.stringify(body)) : Buffer.from(raw),
      });
      if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
      return res.status === 204 ? undefined : res.json();
    };
    const org = (await call('POST', '/orgs', { name: '計測病院', kind: 'hospital' })) as { id: string };
    const ids: string[] = [];
    for (const f of statementFiles()) {
      const s = (await call(
        'POST',
        `/orgs/${org.id}/sources/import?file=${encodeURIComponent(f.name)}`,
        undefined,
        f.data,
      )) as {
        id: string;
        duplicate: boolean;
      };
      if (s.duplicate) throw new Error(`${f.name} was taken for a duplicate: vary the statements`);
      ids.push(s.id);
    }

    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const [cookieName, cookieValue] = cookie.split('=');
    await context.addCookies([{ name: cookieName ?? '', value: cookieValue ?? '', url: base }]);
    const page = await context.newPage();
    const all = `/orgs/${org.id}/comparison`;
    const one = `${all}?sources=${ids[0] ?? ''}`;

    // Cold: the page loads, asks for the session, the sources and the matrix, and draws it.
    const coldStart = Date.now();
    await page.goto(`${base}${all}`);
    await page.waitForSelector(`[data-testid="comparison-matrix"][data-cols="${PRODUCTS}"]`, { timeout: 60_000 });
    const cold = Date.now() - coldStart;
    const rows = Number(await page.getAttribute('[data-testid="comparison-matrix"]', 'data-rows'));
    await page.goto(`${base}${one}`);
    await page.waitForSelector('[data-testid="comparison-matrix"][data-cols="1"]', { timeout: 60_000 });

    // Warm: a navigation inside the app (as following a link), timed until the matrix has every cell and a frame
    // has been laid out.
    // Sent as text: tsx would wrap the inner functions of a compiled callback in a helper the page does not have.
    const navigate = (url: string, cols: number): Promise<[number, number]> =>
      page.evaluate(`(async () => {
        const t0 = performance.now();
        window.history.pushState({ usr: null, key: 'b' + t0, idx: 0 }, '', ${JSON.stringify(url)});
        window.dispatchEvent(new PopStateEvent('popstate', { state: window.history.state }));
        // Checked on every change of the page, so the figure ends when React commits the last cell, not a frame later.
        await new Promise((resolve) => {
          const done = () => {
            const m = document.querySelector('[data-testid="comparison-matrix"][data-cols="${cols}"]');
            return m !== null && m.querySelectorAll('td[data-col]').length === ${rows * cols};
          };
          if (done()) return resolve();
          const observer = new MutationObserver(() => {
            if (done()) {
              observer.disconnect();
              resolve();
            }
          });
          observer.observe(document.body, { childList: true, subtree: true, attributeFilter: ['data-cols'] });
        });
        const rendered = performance.now() - t0;
        // Force style and layout of the new table, as the next frame would.
        document.querySelector('[data-testid="comparison-matrix"]').getBoundingClientRect();
        return [performance.now() - t0, rendered];
      })()`);
    const times50: number[] = [];
    const commits50: number[] = [];
    const times1: number[] = [];
    await navigate(all, PRODUCTS);
    await navigate(one, 1);
    for (let i = 0; i < ROUNDS; i++) {
      const [t50, c50] = await navigate(all, PRODUCTS);
      times50.push(t50);
      commits50.push(c50);
      times1.push((await navigate(one, 1))[0]);
    }
    const p50 = quantile(times50, 0.5);
    const p95 = quantile(times50, 0.95);
    const b50 = quantile(times1, 0.5);
    return {
      name,
      figure:
        `${PRODUCTS} products × ${rows} rows: p50 ${p50.toFixed(1)} ms (React commit ${quantile(commits50, 0.5).toFixed(1)} ms, then layout), p95 ${p95.toFixed(1)} ms; ` +
        `1 product p50 ${b50.toFixed(1)} ms; cold page load with the ${PRODUCTS}-product matrix ${cold} ms`,
      // 50 products over 1: how the matrix grows with the columns (50 would be linear in the cells).
      ratio: p50 / b50,
      target: `p50 < ${TARGET_MS} ms`,
      ok: p50 < TARGET_MS,
    };
  } finally {
    await browser.close();
    await server.close();
  }
}
