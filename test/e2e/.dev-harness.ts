// Temporary development harness (not a spec): a server with a statement ready, then runs /tmp/mds/steps.ts.
import { chromium } from 'playwright-core';
import { startTestServer } from '../support/server.js';

const server = await startTestServer();
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const ctx = await browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' });
const page = await ctx.newPage();
page.on('console', (m) => console.log('console', m.type(), m.text()));
page.on('pageerror', (e) => console.log('pageerror', e.message));
const api = async (method: string, path: string, body?: unknown, csrf?: string) => {
  const r = await page.request.fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json', origin: server.url, ...(csrf ? { 'x-csrf-token': csrf } : {}) },
    data: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok()) throw new Error(`${method} ${path} ${r.status()} ${text}`);
  return text === '' ? undefined : JSON.parse(text);
};
const session = await api('POST', '/auth/sign-up', { email: 'sato@xyz.example.jp', displayName: '佐藤 花子', password: 'General-PACS owner 2026!' });
const csrf = session.csrfToken as string;
const org = await api('POST', '/orgs', { name: 'XYZ株式会社', kind: 'manufacturer' }, csrf);
const product = await api('POST', `/orgs/${org.id}/products`, { name: 'General-PACS', category: 'pacs' }, csrf);
const version = await api('POST', `/orgs/${org.id}/products/${product.id}/versions`, { version: 'V1.20R00' }, csrf);
const tpl = process.env.TPL ?? 'jahis-jira-mds@2';
const [id, edition] = tpl.split('@');
const st = await api('POST', `/orgs/${org.id}/statements`, { productVersionId: version.id, template: { id, edition } }, csrf);
const env = { server, page, ctx, browser, api, csrf, org, product, version, st, url: `${server.url}/orgs/${org.id}/statements/${st.id}` };
try {
  const steps = await import('/tmp/mds/steps.ts');
  await steps.default(env);
} finally {
  await browser.close();
  await server.close();
}
