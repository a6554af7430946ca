import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  SHOTS,
  browserTestsRun,
  launchChromium,
  screenshot,
  watchPage,
  prepareE2e,
  oneScenario,
} from '../support/browser.js';
import { runCli } from '../../src/cli/main.js';
import type { Statement } from '../../src/domain/statement.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { completeMdsStatement, generalPacs } from '../support/statements.js';

const runSpec = browserTestsRun('e2e');

const OWNER = { email: 'sato@xyz.example.jp', displayName: '佐藤 花子', password: 'General-PACS owner 2026!' };
const APPROVER = { email: 'suzuki@xyz.example.jp', displayName: '鈴木 一郎', password: 'Approver of statements 2026' };
const HOSPITAL = { email: 'tanaka@sakura-hp.example.jp', displayName: '田中 実', password: 'Sakura hospital IT 2026!' };

/** Messages a page may log on purpose: none in this scenario but a refused restricted read (404) by an outsider. */
const EXPECTED_CONSOLE = /Failed to load resource: the server responded with a status of (401)/;

interface Json {
  [key: string]: unknown;
}

/**
 * The seed's General-PACS example (its answers, remarks and header) with the rows it leaves open answered, so that
 * it can be submitted: はい, or いいえ where はい would need a remark.
 */
function generalPacsComplete(): Statement {
  const base = generalPacs();
  const filled = completeMdsStatement((row) => base.answers[row]?.answer);
  const answers: Statement['answers'] = {};
  for (const [row, entry] of Object.entries(filled.answers)) {
    const given = base.answers[row];
    // The example cites remarks on some rows it leaves unanswered: they keep their remarks and get the answer.
    const remarks = [...new Set([...(given?.remarks ?? []), ...(entry.remarks ?? [])])];
    answers[row] = { answer: given?.answer ?? entry.answer, ...(remarks.length === 0 ? {} : { remarks }) };
  }
  return { ...base, answers, status: 'draft', revision: 1 };
}

describe.skipIf(!runSpec)('a manufacturer publishes, a hospital requests and collects', () => {
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  let downloads: string;
  let ownerCtx: BrowserContext;
  let approverCtx: BrowserContext;
  let hospitalCtx: BrowserContext;
  let publicCtx: BrowserContext;
  let owner: Page;
  let hospital: Page;
  let visitor: Page;
  const problems: string[] = [];
  const offHost: string[] = [];
  const csrf = new Map<BrowserContext, string>();

  let makerId = '';
  let hospitalId = '';
  let pacsStatementId = '';
  let publicationId = '';
  let signedJsonPath = '';
  let tamperedPath = '';
  let caPath = '';

  const url = (path: string) => `${server!.url}${path}`;

  const watch = (page: Page, who: string) =>
    watchPage(
      page,
      { problems, offHost },
      { who, ignoreConsole: (text) => EXPECTED_CONSOLE.test(text), ignoreResponse: (_, status) => status === 401 },
    );

  const shot = (page: Page, name: string, options: { fullPage?: boolean } = {}) =>
    screenshot(page, 'publish', name, options);

  /** Lets a dialog's opening transition end before a screenshot. */
  const settle = (page: Page) => page.waitForTimeout(400);

  /** The API as the context's user: the context's cookies, and the session's CSRF token on writes. */
  const call = async <T = Json>(ctx: BrowserContext, method: string, path: string, body?: unknown): Promise<T> => {
    const token = csrf.get(ctx);
    const r = await ctx.request.fetch(url(`/api/v1${path}`), {
      method,
      ...(body === undefined ? {} : { data: body }),
      headers: token === undefined ? {} : { 'x-csrf-token': token },
      failOnStatusCode: false,
    });
    if (!r.ok()) throw new Error(`${method} ${path} → ${r.status()} ${await r.text()}`);
    return (r.status() === 204 ? undefined : await r.json()) as T;
  };

  const signUp = async (ctx: BrowserContext, who: typeof OWNER, invitationToken?: string) => {
    const session = await call<{ csrfToken: string }>(ctx, 'POST', '/auth/sign-up', {
      ...who,
      ...(invitationToken === undefined ? {} : { invitationToken }),
    });
    csrf.set(ctx, session.csrfToken);
  };

  /** A finalized statement of a product version: created, filled with `content`, submitted, finalized. */
  const finalizedStatement = async (productName: string, version: string, content: Statement) => {
    const product = await call<{ id: string }>(ownerCtx, 'POST', `/orgs/${makerId}/products`, {
      name: productName,
      category: 'pacs',
    });
    const v = await call<{ id: string }>(ownerCtx, 'POST', `/orgs/${makerId}/products/${product.id}/versions`, {
      version,
    });
    const created = await call<{ id: string; latest: { version: number } }>(
      ownerCtx,
      'POST',
      `/orgs/${makerId}/statements`,
      { productVersionId: v.id, template: { id: 'jahis-jira-mds', edition: '2' } },
    );
    const base = `/orgs/${makerId}/statements/${created.id}/revisions/1`;
    const body = { ...content, header: { ...content.header, product: productName, productVersion: version } };
    const saved = await call<{ version: number }>(ownerCtx, 'PUT', base, {
      expectedVersion: created.latest.version,
      content: body,
    });
    const submitted = await call<{ latest: { version: number } }>(ownerCtx, 'POST', `${base}/submit`, {
      expectedVersion: saved.version,
    });
    await call(approverCtx, 'POST', `${base}/finalize`, { expectedVersion: submitted.latest.version });
    return created.id;
  };

  beforeAll(async () => {
    prepareE2e();
    downloads = mkdtempSync(join(tmpdir(), 'openmds-e2e-exchange-'));
    server = await startTestServer({
      // Cheaper password hashing: three accounts are created in this scenario.
      settings: { passwordHashing: { N: 2 ** 12, r: 8, p: 1, keyLength: 32 } },
    });
    browser = await launchChromium();
    // The size the UI is written for: a 1280×800 office screen.
    const options = {
      viewport: { width: 1280, height: 800 },
      locale: 'ja-JP',
      timezoneId: 'Asia/Tokyo',
      acceptDownloads: true,
    };
    ownerCtx = await browser.newContext(options);
    approverCtx = await browser.newContext(options);
    hospitalCtx = await browser.newContext(options);
    publicCtx = await browser.newContext(options);
    owner = await ownerCtx.newPage();
    hospital = await hospitalCtx.newPage();
    visitor = await publicCtx.newPage();
    for (const [p, who] of [
      [owner, 'owner'],
      [hospital, 'hospital'],
      [visitor, 'visitor'],
    ] as const) {
      p.setDefaultTimeout(15_000);
      watch(p, who);
    }
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (downloads !== undefined) rmSync(downloads, { recursive: true, force: true });
  });

  oneScenario(async () => {
    // What the pages saw, and what they showed, for the step that failed.
    if (problems.length > 0) console.error(problems.join('\n'));
    for (const [page, who] of [
      [owner, 'owner'],
      [hospital, 'hospital'],
      [visitor, 'visitor'],
    ] as const) {
      await page.screenshot({ path: join(SHOTS, `publish-failed-${who}.png`) }).catch(() => undefined);
    }
  });

  // ---- Setting the scene through the API ----------------------------------------------------------------------

  it('sets up XYZ株式会社 with a finalized General-PACS V1.20R00 statement, and 桜総合病院', async () => {
    await signUp(ownerCtx, OWNER);
    makerId = (await call<{ id: string }>(ownerCtx, 'POST', '/orgs', { name: 'XYZ株式会社', kind: 'manufacturer' })).id;
    const invitation = await call<{ url: string }>(ownerCtx, 'POST', `/orgs/${makerId}/invitations`, {
      email: APPROVER.email,
      role: 'approver',
    });
    await signUp(approverCtx, APPROVER, invitation.url.split('/').pop());
    pacsStatementId = await finalizedStatement('General-PACS', 'V1.20R00', generalPacsComplete());

    await signUp(hospitalCtx, HOSPITAL);
    hospitalId = (await call<{ id: string }>(hospitalCtx, 'POST', '/orgs', { name: '桜総合病院', kind: 'hospital' }))
      .id;
  });

  // ---- Publishing ------------------------------------------------------------------------------------------------

  it('publishes the finalized revision in public from the statement page', async () => {
    await owner.goto(url(`/orgs/${makerId}/statements/${pacsStatementId}`));
    await owner.locator('[data-testid="workflow-bar"] [data-status="finalized"]').waitFor();
    // The organization's bar shows a manufacturer's pages.
    const nav = owner.locator('[data-testid="org-nav"]');
    expect(await nav.getAttribute('data-kind')).toBe('manufacturer');
    for (const label of [
      '開示書',
      '製品',
      '公開',
      '受信した依頼',
      'アクセス許可',
      '署名鍵',
      'Webhook',
      'メンバー',
      '通知',
    ]) {
      await nav.getByRole('link', { name: label, exact: true }).waitFor();
    }
    await owner.locator('[data-testid="publish"]').click();
    const dialog = owner.locator('[data-testid="publish-dialog"]');
    await dialog.waitFor();
    expect(await dialog.locator('input[value="public"]').isChecked()).toBe(true);
    await settle(owner);
    await shot(owner, '01-publish-dialog');
    await owner.locator('[data-testid="publish-confirm"]').click();
    await owner.locator('[data-testid="publish-done"]').waitFor();
    await owner.locator('[data-testid="open-publication"]').click();
    await owner.waitForURL(/\/directory\/[^/?]+$/);
    publicationId = owner.url().split('/').pop() ?? '';
    expect(publicationId).not.toBe('');
    await owner.locator('[data-testid="statement-form"]').waitFor();

    // The statement page now tells the publication's state and its stable link.
    await owner.goto(url(`/orgs/${makerId}/statements/${pacsStatementId}`));
    await owner.locator('[data-testid="workflow-bar"] [data-status="published"]').waitFor();
    const link = owner.locator('[data-testid="statement-publications"] [data-testid="public-link"]');
    expect(await link.textContent()).toBe(url(`/directory/${publicationId}`));
  });

  it('lists it in the public directory, found through an answer filter: 4.1-a パスワード認証 = はい', async () => {
    await visitor.goto(url('/directory'));
    const results = visitor.locator('[data-testid="directory-results"]');
    await results.locator(`[data-publication="${publicationId}"]`).waitFor();
    expect(await results.locator(`[data-publication="${publicationId}"]`).textContent()).toContain('XYZ株式会社');

    // The builder: the template (the MDS 2nd edition is the first), a row found by its number, an answer.
    await visitor.locator('[data-testid="filter-row"]').fill('4.1-a');
    await visitor.getByRole('option', { name: /^4\.1-a\s/ }).click();
    await visitor.locator('[data-testid="filter-answer"]').click();
    await visitor.getByRole('option', { name: 'はい', exact: true }).click();
    await visitor.locator('[data-testid="add-answer-filter"]').click();
    await visitor.waitForURL(/answer=4\.1-a%3Ayes/);
    const chip = visitor.locator('[data-testid="answer-filters"] [data-filter="4.1-a:yes"]');
    await chip.waitFor();
    expect(await chip.textContent()).toMatch(/^4\.1-a .+ = はい/);
    await results.locator(`[data-publication="${publicationId}"]`).waitFor();
    expect(await visitor.locator('[data-testid="directory-total"]').textContent()).toContain('1 件中 1–1 件');
    await shot(visitor, '03-directory');

    // A stable link: the same search opened afresh; and an answer General-PACS does not give finds nothing.
    await visitor.goto(url('/directory?template=jahis-jira-mds%402&answer=4.1-a%3Ayes'));
    await results.locator(`[data-publication="${publicationId}"]`).waitFor();
    await visitor.goto(url('/directory?answer=4.1-a%3Ayes&answer=4.1-d%3Ayes'));
    await visitor.locator('[data-testid="directory-total"]', { hasText: '条件に合う開示書はありません' }).waitFor();
    expect(await visitor.locator('[data-testid="answer-filters"] .filter-chip').count()).toBe(2);

    // A manufacturer's name narrows the list to its statements, with a link of its own.
    await visitor.goto(url('/directory'));
    await results.getByRole('link', { name: 'XYZ株式会社' }).click();
    await visitor.waitForURL(/\?manufacturer=/);
    await visitor.locator('.filter-chip', { hasText: '製造業者: XYZ株式会社' }).waitFor();
    await results.locator(`[data-publication="${publicationId}"]`).waitFor();
  });

  it('shows the statement in its paper form with the signature, revisions and downloads', async () => {
    await visitor.goto(url(`/directory/${publicationId}`));
    const form = visitor.locator('[data-testid="statement-form"]');
    await form.waitFor();
    expect(await visitor.locator('[data-testid="publication-title"]').textContent()).toBe('General-PACS V1.20R00');
    expect(await visitor.locator('[data-header-field="manufacturer"]').textContent()).toBe('XYZ株式会社');
    // ○ in the answer's column: 4.1-a はい, 4.1-d いいえ; remark numbers link to the remarks list.
    expect(await form.locator('[data-row-id="4.1-a"]').getAttribute('data-answer')).toBe('yes');
    expect(await form.locator('[data-row-id="4.1-a"] td[data-chosen] .answer-chosen').count()).toBe(1);
    expect(await form.locator('[data-row-id="4.1-d"] td[data-answer="no"][data-chosen]').count()).toBe(1);
    expect(await form.locator('[data-row-id="1"] .row-remarks a').first().getAttribute('href')).toBe('#remark-1');
    expect(await visitor.locator('[data-testid="remarks-list"] [data-remark="1"]').count()).toBe(1);

    const verdict = visitor.locator('[data-testid="signature-verdict"]');
    expect(await verdict.getAttribute('data-verdict')).toBe('valid');
    expect(await verdict.textContent()).toContain('署名は有効です（改ざんなし）');
    expect(await visitor.locator('[data-testid="signer-organization"]').textContent()).toContain('XYZ株式会社');
    expect(await visitor.locator('[data-testid="certificate-fingerprint"]').textContent()).toMatch(
      /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/,
    );
    expect(await visitor.locator('[data-testid="publication-revisions"] tr').count()).toBe(1);
    await shot(visitor, '02-statement-page');

    // The print stylesheet: no application chrome, the form alone.
    await visitor.emulateMedia({ media: 'print' });
    expect(await visitor.locator('header').isVisible()).toBe(false);
    expect(await visitor.locator('[data-testid="downloads"]').isVisible()).toBe(false);
    expect(await form.isVisible()).toBe(true);
    await shot(visitor, '04-print');
    await visitor.emulateMedia({ media: 'screen' });

    const download = async (format: string): Promise<Buffer> => {
      const [dl] = await Promise.all([
        visitor.waitForEvent('download'),
        visitor.locator(`[data-testid="download-${format}"]`).click(),
      ]);
      const path = join(downloads, `general-pacs.${format}`);
      await dl.saveAs(path);
      if (format === 'json') signedJsonPath = path;
      return readFileSync(path);
    };
    expect((await download('pdf')).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    // XLSX is a zip: "PK\x03\x04".
    expect([...(await download('xlsx')).subarray(0, 4)]).toEqual([0x50, 0x4b, 0x03, 0x04]);
    const signed = JSON.parse((await download('json')).toString('utf8')) as { statement: Statement };
    expect(signed.statement.header.product).toBe('General-PACS');
    expect(signed.statement.answers['4.1-a']?.answer).toBe('yes');
  });

  // ---- Verification ----------------------------------------------------------------------------------------------

  /** `openmds verify FILE` in this process: its exit code and what it printed. */
  const verifyCli = async (args: string[]): Promise<{ code: number; out: string }> => {
    let out = '';
    const write = (chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    };
    const spies = [
      vi.spyOn(process.stdout, 'write').mockImplementation(write),
      vi.spyOn(process.stderr, 'write').mockImplementation(write),
    ];
    try {
      const code = await runCli(['verify', ...args]);
      return { code, out };
    } finally {
      for (const s of spies) s.mockRestore();
      process.exitCode = undefined;
    }
  };

  it('passes `openmds verify` on the downloaded JSON, and fails a copy with one character of a remark changed', async () => {
    // Without a trusted root the signature still proves the file intact (exit 0, the signer not confirmed) …
    const intact = await verifyCli([signedJsonPath]);
    expect(intact.code, intact.out).toBe(0);
    // … and with the server's CA certificate (the verify page links it) the signer is confirmed too.
    const ca = await publicCtx.request.get(url('/api/v1/signing/ca.pem'));
    expect(ca.ok()).toBe(true);
    caPath = join(downloads, 'openmds-instance-ca.pem');
    writeFileSync(caPath, await ca.text());
    const good = await verifyCli([signedJsonPath, '--trust', caPath, '--require-trust']);
    expect(good.code, good.out).toBe(0);
    expect(good.out).toMatch(/: VALID/);
    expect(good.out).toContain('XYZ株式会社');

    const doc = JSON.parse(readFileSync(signedJsonPath, 'utf8')) as { statement: Statement };
    const remark = doc.statement.remarks[0]!;
    remark.text = `${remark.text.slice(0, -1)}${remark.text.endsWith('。') ? '.' : '。'}`;
    tamperedPath = join(downloads, 'general-pacs.tampered.json');
    writeFileSync(tamperedPath, `${JSON.stringify(doc, null, 2)}\n`);
    const bad = await verifyCli([tamperedPath, '--trust', caPath]);
    expect(bad.code, bad.out).toBe(1);
    expect(bad.out).toMatch(/altered|改ざん/i);
  });

  it('gives the same verdicts on the verify page', async () => {
    await visitor.goto(url('/verify'));
    const input = visitor.locator('[data-testid="verify-input"]');
    await input.setInputFiles(signedJsonPath);
    const result = visitor.locator('[data-testid="verify-result"]');
    await result.waitFor();
    expect(await visitor.locator('[data-testid="signature-verdict"]').getAttribute('data-verdict')).toBe('valid');
    expect(await visitor.locator('[data-testid="verdict-text"]').textContent()).toBe('署名は有効です（改ざんなし）');
    expect(await visitor.locator('[data-testid="signer-organization"]').textContent()).toContain('XYZ株式会社');
    expect(await visitor.locator('[data-testid="verify-publication"] a').getAttribute('href')).toBe(
      `/directory/${publicationId}`,
    );
    await shot(visitor, '05-verify-valid');

    await input.setInputFiles(tamperedPath);
    await visitor.locator('[data-testid="signature-verdict"][data-verdict="altered"]').waitFor();
    expect(await visitor.locator('[data-testid="verdict-text"]').textContent()).toBe('改ざんされています');
    expect(await visitor.locator('[data-testid="signature-problems"]').textContent()).toMatch(/変更|改ざん/);
    await shot(visitor, '06-verify-altered');
  });

  // ---- A hospital asks for a restricted statement ----------------------------------------------------------------

  it('lets the hospital ask XYZ株式会社 for the statement of General-Viewer V2.0', async () => {
    await finalizedStatement('General-Viewer', 'V2.0', generalPacsComplete());
    await hospital.goto(url(`/orgs/${hospitalId}`));
    await hospital.waitForURL(/\/dashboard$/);
    const nav = hospital.locator('[data-testid="org-nav"]');
    expect(await nav.getAttribute('data-kind')).toBe('hospital');
    expect(await nav.getByRole('link', { name: '公開', exact: true }).count()).toBe(0);
    // A hospital starts on its dashboard; the requests are one click away in the organization bar.
    await nav.getByRole('link', { name: '開示書の依頼', exact: true }).click();
    await hospital.waitForURL(/\/requests$/);

    await hospital.locator('[data-testid="new-request"]').click();
    await hospital.locator('[data-testid="new-request-dialog"]').waitFor();
    await hospital.locator('[data-testid="request-manufacturer"]').fill('XYZ');
    await hospital.getByRole('option', { name: 'XYZ株式会社' }).click();
    await hospital.locator('[data-testid="request-product"]').click();
    await hospital.getByRole('option', { name: 'General-Viewer', exact: true }).click();
    await hospital.locator('[data-testid="request-version"]').fill('V2.0');
    await hospital.locator('[data-testid="request-message"]').fill('導入検討のため、開示書をお送りください。');
    await settle(hospital);
    await shot(hospital, '07-request');
    await hospital.locator('[data-testid="request-submit"]').click();
    const row = hospital.locator('[data-testid="requests-table"] tbody tr').first();
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('open');
    expect(await row.textContent()).toContain('General-Viewer V2.0');
  });

  it('lets the manufacturer answer from the inbox by publishing the finalized revision, restricted', async () => {
    await owner.goto(url(`/orgs/${makerId}/inbox`));
    const row = owner.locator('[data-testid="inbox-table"] tbody tr').first();
    await row.waitFor();
    expect(await row.textContent()).toContain('桜総合病院');
    expect(await row.getAttribute('data-status')).toBe('open');
    await shot(owner, '08-inbox');
    await row.locator('[data-testid="answer-request"]').click();
    const dialog = owner.locator('[data-testid="answer-dialog"]');
    await dialog.waitFor();
    await owner.locator('[data-testid="answer-how"]').getByText('確定した版を公開して回答').click();
    await owner.locator('[data-testid="answer-statement"]').click();
    await owner.getByRole('option', { name: /General-Viewer V2\.0/ }).click();
    expect(await dialog.locator('input[value="restricted"]').isChecked()).toBe(true);
    await settle(owner);
    await shot(owner, '09-answer');
    await owner.locator('[data-testid="answer-confirm"]').click();
    await dialog.waitFor({ state: 'detached' });
    await owner.locator('[data-testid="inbox-table"] tbody tr[data-status="answered"]').waitFor();

    // The publications page lists both, the new one restricted, held by one organization.
    await owner.goto(url(`/orgs/${makerId}/publications`));
    const pubs = owner.locator('[data-testid="publications-table"] tbody tr');
    await pubs.first().waitFor();
    expect(await pubs.count()).toBe(2);
    expect(await owner.locator('[data-testid="publications-table"] [data-visibility="restricted"]').count()).toBe(1);
  });

  it('puts the statement in the hospital collection, where it opens in the form layout', async () => {
    // The bell counts the answer (the page asks for the count when it loads).
    await hospital.goto(url(`/orgs/${hospitalId}/requests`));
    await hospital.locator('[data-testid="requests-table"] tbody tr[data-status="answered"]').waitFor();
    await hospital.locator('[data-testid="notification-count"]:not([data-count="0"])').waitFor();

    await hospital.locator('[data-testid="org-nav"]').getByRole('link', { name: '受領した開示書' }).click();
    const item = hospital.locator('[data-testid="collection-table"] tbody tr').first();
    await item.waitFor();
    expect(await item.textContent()).toContain('General-Viewer V2.0');
    expect(await item.locator('[data-visibility="restricted"]').count()).toBe(1);
    await shot(hospital, '10-collection');
    await item.locator('[data-testid="collection-item-link"]').click();
    await hospital.locator('[data-testid="collection-item"]').waitFor();
    const form = hospital.locator('[data-testid="statement-form"]');
    await form.waitFor();
    expect(await hospital.locator('[data-testid="publication-title"]').textContent()).toBe('General-Viewer V2.0');
    expect(await form.locator('[data-row-id="4.1-a"]').getAttribute('data-answer')).toBe('yes');
    expect(await hospital.locator('[data-testid="signature-verdict"]').getAttribute('data-verdict')).toBe('valid');
    await shot(hospital, '11-collection-item');

    // A visitor without access sees what is known of it, not its answers.
    const pubs = await call<{ id: string; visibility: string }[]>(ownerCtx, 'GET', `/orgs/${makerId}/publications`);
    const restricted = pubs.find((p) => p.visibility === 'restricted');
    expect(restricted).toBeDefined();
    await visitor.goto(url(`/directory/${restricted!.id}`));
    await visitor.locator('[data-testid="publication-metadata"]').waitFor();
    expect(await visitor.locator('[data-testid="statement-form"]').count()).toBe(0);
  });

  it('tells the hospital in its language, from the notification kind', async () => {
    await hospital.locator('[data-testid="notification-bell"]').click();
    const table = hospital.locator('[data-testid="notifications-table"]');
    await table.waitFor();
    const answered = table.locator('[data-notification="request.answered"]').first();
    expect(await answered.textContent()).toContain('XYZ株式会社');
    await shot(hospital, '12-notifications');
    // The same notification in English: the UI words it, not the server.
    await hospital.locator('[data-testid="language-toggle"]').getByText('English').click();
    await table.locator('[data-notification="request.answered"]', { hasText: 'answered your request' }).waitFor();
    await hospital.locator('[data-testid="language-toggle"]').getByText('日本語').click();
    await hospital.locator('[data-testid="mark-all-read"]').click();
    await hospital.locator('[data-testid="notification-count"][data-count="0"]').waitFor();
  });

  it('lets the hospital invite a manufacturer not on the server; the single-use link is claimed for an organization', async () => {
    await hospital.goto(url(`/orgs/${hospitalId}/requests`));
    await hospital.locator('[data-testid="new-request"]').click();
    await hospital.locator('[data-testid="request-mode"]').getByText('製造業者を招待').click();
    await hospital.locator('[data-testid="invite-manufacturer-name"]').fill('ABCメディカル株式会社');
    await hospital.locator('[data-testid="invite-manufacturer-email"]').fill('info@abc-medical.example.jp');
    await hospital.locator('[data-testid="request-product-name"]').fill('ABC-RIS');
    await hospital.locator('[data-testid="request-submit"]').click();
    const link = hospital.locator('[data-testid="request-invitation-link"]');
    await link.waitFor();
    const invitation = await link.inputValue();
    expect(invitation).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/requests\/invite\/.+/);
    await settle(hospital);
    await shot(hospital, '13-invitation-link');

    // In this scenario the owner of XYZ株式会社 holds the link (a manufacturer's owner or approver claims it).
    await owner.goto(invitation);
    await owner.locator('[data-testid="request-invitation"]').waitFor();
    expect(await owner.locator('[data-testid="request-invitation"]').textContent()).toContain('桜総合病院');
    await shot(owner, '14-claim');
    await owner.locator('[data-testid="claim-request"]').click();
    await owner.waitForURL(/\/inbox\?request=/);
    const claimed = owner.locator('[data-testid="inbox-table"] tr.highlight-row');
    await claimed.waitFor();
    expect(await claimed.textContent()).toContain('ABC-RIS');
    // The link works once.
    await owner.goto(invitation);
    await owner.locator('[data-testid="request-invitation-used"]').waitFor();
  });

  it('shows the manufacturer its signing certificate, the grant the answer made, and a webhook secret once', async () => {
    await owner.goto(url(`/orgs/${makerId}/signing-key`));
    await owner.locator('[data-testid="current-key"]').waitFor();
    expect(await owner.locator('[data-testid="key-subject"]').textContent()).toContain('XYZ株式会社');
    expect(await owner.locator('[data-testid="key-fingerprint"]').textContent()).toMatch(
      /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/,
    );
    await shot(owner, '15-signing-key');

    await owner.goto(url(`/orgs/${makerId}/grants`));
    const grant = owner.locator('[data-testid="grants-table"] [data-grantee="桜総合病院"]');
    await grant.waitFor();
    expect(await grant.textContent()).toContain('General-Viewer');
    // A grant by hand: the hospital found by part of its name, for all products.
    await owner.locator('[data-testid="grant-hospital"]').fill('桜');
    await owner.getByRole('option', { name: '桜総合病院' }).click();
    await owner.locator('[data-testid="grant-submit"]').click();
    await owner
      .locator('[data-testid="grants-table"] [data-grantee="桜総合病院"]', { hasText: 'すべての製品' })
      .waitFor();

    await owner.goto(url(`/orgs/${makerId}/webhooks`));
    await owner.locator('[data-testid="webhook-url"]').fill(`${server!.url}/hook`);
    await owner.locator('[data-testid="webhook-add"]').click();
    expect(await owner.locator('[data-testid="webhook-secret"]').inputValue()).toMatch(/^whsec_/);
    const row = owner.locator(`[data-testid="webhooks-table"] [data-webhook="${server!.url}/hook"]`);
    await row.locator('[data-testid="webhook-test"]').click();
    await owner.locator('[data-testid="deliveries-table"] [data-delivery="ping"]').waitFor();
    await owner.reload();
    await owner.locator('[data-testid="webhooks-table"]').waitFor();
    // The secret is not shown again.
    expect(await owner.locator('[data-testid="webhook-secret"]').count()).toBe(0);
  });

  it('keeps a restricted statement out of the public directory', async () => {
    await visitor.goto(url('/directory'));
    const results = visitor.locator('[data-testid="directory-results"] tbody tr');
    await results.first().waitFor();
    expect(await results.count()).toBe(1);
  });

  it('withdraws the public statement with a reason: delisted, and its page says why', async () => {
    await owner.goto(url(`/orgs/${makerId}/publications`));
    await owner
      .locator(`[data-testid="publications-table"] [data-publication="${publicationId}"] [data-testid="withdraw"]`)
      .click();
    await owner.locator('[data-testid="withdraw-reason"]').fill('第2版の公開に伴い取り下げます。');
    await settle(owner);
    await shot(owner, '16-withdraw');
    await owner.locator('[data-testid="withdraw-confirm"]').click();
    await owner
      .locator(
        `[data-testid="publications-table"] [data-publication="${publicationId}"] [data-testid="withdrawn-badge"]`,
      )
      .waitFor();

    await visitor.goto(url('/directory'));
    await visitor.locator('[data-testid="directory-total"]', { hasText: '条件に合う開示書はありません' }).waitFor();
    // The checkbox changes the address; the page follows it.
    await visitor.locator('[data-testid="directory-withdrawn"]').click();
    await visitor.waitForURL(/withdrawn=true/);
    await visitor
      .locator(
        `[data-testid="directory-results"] [data-publication="${publicationId}"] [data-testid="withdrawn-badge"]`,
      )
      .waitFor();
    await visitor.goto(url(`/directory/${publicationId}`));
    const banner = visitor.locator('[data-testid="withdrawn-banner"]');
    await banner.waitFor();
    expect(await visitor.locator('[data-testid="withdrawn-reason"]').textContent()).toContain(
      '第2版の公開に伴い取り下げます。',
    );
    await shot(visitor, '17-withdrawn');
  });

  it('fits a narrow screen: the page never scrolls sideways, the form scrolls within itself', async () => {
    await visitor.setViewportSize({ width: 390, height: 844 });
    for (const path of ['/directory', '/verify', `/directory/${publicationId}`]) {
      await visitor.goto(url(path));
      await visitor.locator('main h1').first().waitFor();
      const overflow = await visitor.evaluate(() => {
        const w = globalThis as unknown as {
          innerWidth: number;
          document: { documentElement: { scrollWidth: number } };
        };
        return w.document.documentElement.scrollWidth - w.innerWidth;
      });
      expect(overflow, path).toBeLessThanOrEqual(0);
      // The header keeps its controls on screen: the language switch is the rightmost.
      const box = await visitor.locator('[data-testid="language-toggle"]').boundingBox();
      expect((box?.x ?? 0) + (box?.width ?? 0), path).toBeLessThanOrEqual(390);
    }
    await shot(visitor, '18-narrow');
    await visitor.setViewportSize({ width: 1280, height: 800 });

    // Signed in, the header keeps the organization, the bell and the user menu; the rest moves into that menu.
    await hospital.setViewportSize({ width: 390, height: 844 });
    await hospital.goto(url(`/orgs/${hospitalId}/collection`));
    await hospital.locator('[data-testid="collection-table"]').waitFor();
    const menu = await hospital.locator('[data-testid="user-menu"]').boundingBox();
    expect((menu?.x ?? 0) + (menu?.width ?? 0)).toBeLessThanOrEqual(390);
    await hospital.setViewportSize({ width: 1280, height: 800 });
  });

  it('made no request to another host, and logged no page error', () => {
    expect(offHost).toEqual([]);
    expect(problems).toEqual([]);
  });
});
