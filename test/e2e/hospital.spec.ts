import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import ExcelJS from 'exceljs';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinTemplates } from '../../src/domain/templates/registry.js';
import { exportStatement } from '../../src/formats/index.js';
import {
  ROOT,
  SHOTS,
  browserTestsRun,
  launchChromium,
  screenshot,
  watchPage,
  prepareE2e,
  oneScenario,
} from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { generalPacs } from '../support/statements.js';

const runSpec = browserTestsRun('e2e');

const OFFICER = { email: 'tanaka@sakura-hp.example.jp', name: '田中 実', password: 'Sakura hospital IT 2026!' };
const MEASURE = '保守用 VPN の接続元を製造業者の保守拠点に限定し、接続の都度、情報システム課が承認して記録を残す。';

/** The few browser globals the spec reads inside page.evaluate (the project's tsconfig has no DOM library). */
interface BrowserGlobals {
  getComputedStyle(e: unknown): { backgroundColor: string };
  scrollBy(x: number, y: number): void;
}

interface Json {
  [key: string]: unknown;
}

interface RiskView {
  id: string;
  systemName: string;
  record: { treatment: string | null; status: string };
}

describe.skipIf(!runSpec)('a hospital collects statements, keeps its inventory and assesses its risks', () => {
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  let files: string;
  let ctx: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const offHost: string[] = [];
  /** Failures the scenario causes on purpose (the broken file's upload): an address pattern, seen how often. */
  const expected = new Map<RegExp, number>();
  let csrf = '';

  let orgId = '';
  let pacsId = '';
  let glucoseId = '';
  let assessmentId = '';

  const url = (path: string) => `${server!.url}${path}`;
  const isExpected = (address: string) => {
    for (const [pattern, seen] of expected) {
      if (pattern.test(address)) {
        expected.set(pattern, seen + 1);
        return true;
      }
    }
    return false;
  };

  const watch = (p: Page) =>
    watchPage(
      p,
      { problems, offHost },
      {
        // A failed request is logged by the browser with the address it went to.
        ignoreConsole: (text, address) => /Failed to load resource/.test(text) && isExpected(address),
        ignoreResponse: (address) => isExpected(address),
      },
    );

  const shot = (name: string, options: { fullPage?: boolean } = {}) => screenshot(page, 'hospital', name, options);

  /** Lets a dialog's or drawer's opening transition end before a screenshot. */
  const settle = () => page.waitForTimeout(400);

  /** The API as the signed-in officer: the browser's cookies, and the session's CSRF token on writes. */
  const call = async <T = Json>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await ctx.request.fetch(url(`/api/v1${path}`), {
      method,
      ...(body === undefined ? {} : { data: body }),
      headers: method === 'GET' ? {} : { 'x-csrf-token': csrf },
      failOnStatusCode: false,
    });
    if (!r.ok()) throw new Error(`${method} ${path} → ${r.status()} ${await r.text()}`);
    return (r.status() === 204 ? undefined : await r.json()) as T;
  };

  /** Clicks a download button and saves what it gives. */
  const download = async (testId: string, name: string): Promise<Buffer> => {
    const [dl] = await Promise.all([page.waitForEvent('download'), page.locator(`[data-testid="${testId}"]`).click()]);
    const path = join(files, name);
    await dl.saveAs(path);
    return readFileSync(path);
  };

  /** Picks an option of a Mantine Select by its text. */
  const choose = async (testId: string, option: string | RegExp) => {
    await page.locator(`[data-testid="${testId}"]`).click();
    await page.getByRole('option', { name: option }).first().click();
  };

  beforeAll(async () => {
    prepareE2e();
    files = mkdtempSync(join(tmpdir(), 'openmds-e2e-hospital-'));
    // The files the officer has received from the vendors: General-PACS in the paper form's XLSX layout, NEMA's
    // MDS2 example workbook, and a file that only claims to be a workbook.
    const templates = builtinTemplates();
    writeFileSync(
      join(files, '1-general-pacs.xlsx'),
      await exportStatement({ ...generalPacs(), status: 'draft', revision: 1 }, 'xlsx', templates),
    );
    // A damaged download: a zip's signature and nothing readable after it.
    writeFileSync(join(files, '2-broken.xlsx'), 'PK\u0003\u0004 this is not a workbook');
    copyFileSync(join(ROOT, 'examples', 'nema-mds2-example-worksheet.xlsx'), join(files, '3-nema-mds2.xlsx'));

    server = await startTestServer({ settings: { passwordHashing: { N: 2 ** 12, r: 8, p: 1, keyLength: 32 } } });
    browser = await launchChromium();
    ctx = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      locale: 'ja-JP',
      timezoneId: 'Asia/Tokyo',
      acceptDownloads: true,
    });
    page = await ctx.newPage();
    page.setDefaultTimeout(15_000);
    watch(page);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (files !== undefined) rmSync(files, { recursive: true, force: true });
  });

  oneScenario(async () => {
    if (problems.length > 0) console.error(problems.join('\n'));
    await page.screenshot({ path: join(SHOTS, 'hospital-failed.png') }).catch(() => undefined);
  });

  // ---- Sign-up and the organization ------------------------------------------------------------------------------

  it('signs the officer up and creates the hospital organization 桜総合病院', async () => {
    await page.goto(url('/sign-up'));
    await page.locator('input[name="email"]').fill(OFFICER.email);
    await page.locator('input[name="displayName"]').fill(OFFICER.name);
    await page.locator('input[name="password"]').fill(OFFICER.password);
    await page.locator('input[name="confirm"]').fill(OFFICER.password);
    await page.locator('[data-testid="sign-up-submit"]').click();

    await page.waitForURL('**/orgs/new');
    await page.locator('input[name="orgName"]').fill('桜総合病院');
    await page.locator('[data-testid="org-kind"]').getByText('医療機関').click();
    expect(await page.locator('[data-testid="org-kind"] input[value="hospital"]').isChecked()).toBe(true);
    await shot('01-create-org');
    await page.locator('[data-testid="create-org"]').click();

    // A hospital starts on its dashboard; its bar shows the hospital's pages.
    await page.waitForURL(/\/orgs\/[^/]+\/dashboard$/);
    orgId = /\/orgs\/([^/]+)\/dashboard$/.exec(page.url())?.[1] ?? '';
    expect(orgId).not.toBe('');
    const nav = page.locator('[data-testid="org-nav"]');
    expect(await nav.getAttribute('data-kind')).toBe('hospital');
    for (const label of [
      'ダッシュボード',
      '機器台帳',
      '取得した開示書',
      '取得状況',
      '製品比較',
      'リスクアセスメント',
      '開示書の依頼',
      '受領した開示書',
    ]) {
      await nav.getByRole('link', { name: label, exact: true }).waitFor();
    }
    // The session's CSRF token, for the few writes this spec makes through the API (see the bulk step below).
    csrf = (await call<{ csrfToken: string }>('GET', '/auth/session')).csrfToken;
    expect(csrf).not.toBe('');
  });

  // ---- Statements ----------------------------------------------------------------------------------------------

  it('uploads three files at once: a broken one fails on its own, the two statements are imported', async () => {
    await page.locator('[data-testid="org-nav"]').getByRole('link', { name: '取得した開示書' }).click();
    await page.waitForURL(/\/sources$/);
    await page.locator('[data-testid="sources-empty"]').waitFor();

    // The broken file's refusal is the one failed request this scenario expects.
    const brokenUpload = /\/sources\/import\?file=2-broken\.xlsx$/;
    expected.set(brokenUpload, 0);
    await page
      .locator('[data-testid="upload-input"]')
      .setInputFiles(['1-general-pacs.xlsx', '2-broken.xlsx', '3-nema-mds2.xlsx'].map((f) => join(files, f)));
    await page.locator('[data-testid="upload-progress"][data-done="3"][data-total="3"]').waitFor();
    const result = (name: string) => page.locator(`[data-testid="upload-result"][data-name="${name}"]`);
    expect(await result('1-general-pacs.xlsx').getAttribute('data-state')).toBe('imported');
    expect(await result('2-broken.xlsx').getAttribute('data-state')).toBe('error');
    expect(await result('3-nema-mds2.xlsx').getAttribute('data-state')).toBe('imported');
    // The failure says why, per file; the files after it were imported all the same.
    expect(await result('2-broken.xlsx').locator('[data-testid="upload-error"]').textContent()).toMatch(
      /XLSX workbook/,
    );
    // Files without a signature are imported and marked as such.
    expect(await result('1-general-pacs.xlsx').textContent()).toContain('署名なし');
    expect(expected.get(brokenUpload)).toBeGreaterThan(0);

    const rows = page.locator('[data-testid="sources-table"] [data-testid="source-row"]');
    await rows.nth(1).waitFor();
    expect(await rows.count()).toBe(2);
    const table = page.locator('[data-testid="sources-table"]');
    expect(await table.textContent()).toContain('General-PACS V1.20R00');
    expect(await table.textContent()).toContain('XLSX（様式）');
    expect(await table.textContent()).toContain('NEMA MDS2 ワークブック');
    expect(await page.locator('[data-testid="source-row"][data-signature="unsigned"]').count()).toBe(2);
    await shot('02-upload', { fullPage: true });
  });

  // ---- The inventory ---------------------------------------------------------------------------------------------

  const addSystem = async (fields: Record<string, string>, connections: string[], patientData: boolean) => {
    await page.locator('[data-testid="new-system"]').click();
    const form = page.locator('[data-testid="system-form"]');
    await form.waitFor();
    for (const [field, value] of Object.entries(fields)) {
      await page.locator(`[data-testid="system-${field}"]`).fill(value);
    }
    if (!patientData) await form.getByText('患者情報を扱う', { exact: true }).click();
    for (const label of connections) {
      await page.locator('[data-testid="system-connections"]').getByLabel(label, { exact: true }).check();
    }
  };

  it('adds the PACS with remote maintenance, and a second system, to the inventory', async () => {
    await page.locator('[data-testid="org-nav"]').getByRole('link', { name: '機器台帳' }).click();
    await page.locator('[data-testid="systems-empty"]').waitFor();

    await addSystem(
      {
        name: 'PACS（放射線部）',
        manufacturer: 'XYZ株式会社',
        product: 'General-PACS',
        productVersion: 'V1.20R00',
        department: '放射線部',
        location: '本館 B1 サーバー室',
        owner: '放射線部 技師長',
      },
      ['外部接続', 'リモート保守'],
      true,
    );
    await settle();
    await shot('03-system-form');
    await page.locator('[data-testid="system-save"]').click();
    await page.locator('[data-testid="system-form"]').waitFor({ state: 'detached' });

    await addSystem(
      {
        name: '血糖測定器連携（検査部）',
        manufacturer: 'Hidden',
        product: 'Handheld Blood Glucose Monitor',
        department: '検査部',
        owner: '臨床検査技師長',
      },
      ['院内ネットワークのみ', '外部記録媒体'],
      true,
    );
    await page.locator('[data-testid="system-save"]').click();
    await page.locator('[data-testid="system-form"]').waitFor({ state: 'detached' });

    const rows = page.locator('[data-testid="systems-table"] [data-testid="system-row"]');
    await rows.nth(1).waitFor();
    expect(await rows.count()).toBe(2);
    // Neither relies on a statement yet.
    expect(await page.locator('[data-testid="systems-table"] td[data-count="0"]').count()).toBe(2);
    pacsId = (await rows.filter({ hasText: 'PACS（放射線部）' }).getAttribute('data-id')) ?? '';
    glucoseId = (await rows.filter({ hasText: '血糖測定器連携' }).getAttribute('data-id')) ?? '';
    expect(pacsId).not.toBe('');
    expect(glucoseId).not.toBe('');
  });

  it('links each system to its statement on the system page', async () => {
    await page.goto(url(`/orgs/${orgId}/inventory/${pacsId}`));
    await page.locator('[data-testid="system-statements-empty"]').waitFor();
    await choose('link-source-select', /General-PACS/);
    await page.locator('[data-testid="link-source"]').click();
    await page.locator('[data-testid="system-statement-row"]').waitFor();
    expect(await page.locator('[data-testid="system-profile"]').textContent()).toContain('リモート保守');
    // The coverage box follows the link.
    await page
      .locator('[data-testid="system-coverage"] [data-status]')
      .first()
      .waitFor()
      .catch(() => undefined);
    await shot('04-system-page', { fullPage: true });

    await page.goto(url(`/orgs/${orgId}/inventory/${glucoseId}`));
    await page.locator('[data-testid="system-statements-empty"]').waitFor();
    await choose('link-source-select', /Hidden/);
    await page.locator('[data-testid="link-source"]').click();
    await page.locator('[data-testid="system-statement-row"]').waitFor();

    await page.locator('[data-testid="org-nav"]').getByRole('link', { name: '機器台帳' }).click();
    await page.locator('[data-testid="systems-table"] td[data-count="1"]').nth(1).waitFor();
    await shot('05-inventory');
  });

  it('shows the coverage of every system, with the reasons', async () => {
    await page.locator('[data-testid="org-nav"]').getByRole('link', { name: '取得状況' }).click();
    const rows = page.locator('[data-testid="coverage-table"] [data-testid="coverage-row"]');
    await rows.nth(1).waitFor();
    expect(await rows.count()).toBe(2);
    // Each system has a statement: none of them is 'none'.
    for (const id of [pacsId, glucoseId]) {
      const status = await page.locator(`[data-testid="coverage-row"][data-id="${id}"]`).getAttribute('data-status');
      expect(['current', 'outdated']).toContain(status);
      expect(await page.locator(`[data-testid="coverage-row"][data-id="${id}"] [data-source]`).count()).toBeGreaterThan(
        0,
      );
    }
    await shot('06-coverage');
  });

  // ---- Comparison ------------------------------------------------------------------------------------------------

  it('compares both products: coloured answers, MDS2 through the cross-reference, a cell without counterpart', async () => {
    await page.locator('[data-testid="org-nav"]').getByRole('link', { name: '製品比較' }).click();
    // Choose the products explicitly: both statements held.
    await page.locator('[data-testid="choose-sources"]').click();
    await page.locator('[data-testid="source-picker"]').waitFor();
    await page.locator('[data-testid="apply-sources"]').click();
    const matrix = page.locator('[data-testid="comparison-matrix"]');
    await matrix.waitFor();
    expect(await matrix.getAttribute('data-cols')).toBe('2');
    expect(Number(await matrix.getAttribute('data-rows'))).toBeGreaterThan(50);

    // はい green, いいえ red: the cells carry their category and are coloured differently.
    const yes = matrix.locator('td.cmp-yes').first();
    const no = matrix.locator('td.cmp-no').first();
    await yes.waitFor();
    await no.waitFor();
    const colour = (l: typeof yes) =>
      l.evaluate((e) => (globalThis as unknown as BrowserGlobals).getComputedStyle(e).backgroundColor);
    const [green, red] = [await colour(yes), await colour(no)];
    expect(green).not.toBe(red);
    expect(green).not.toMatch(/rgba\(0, 0, 0, 0\)|transparent/);
    // The MDS2 column answers MDS rows through the cross-reference; some rows have no counterpart in it.
    expect(await matrix.locator('td[data-kind="counterparts"]').count()).toBeGreaterThan(0);
    const none = matrix.locator('td[data-kind="no-counterpart"]').first();
    await none.waitFor();
    expect(await none.getAttribute('title')).not.toBe('');
    await shot('07-comparison');

    await none.click();
    const detail = page.locator('[data-testid="cell-no-counterpart"]');
    await detail.waitFor();
    expect((await detail.textContent())?.length).toBeGreaterThan(0);
    await settle();
    await shot('08-comparison-detail');
    await page.keyboard.press('Escape');
    await detail.waitFor({ state: 'detached' });

    const xlsx = await download('comparison-xlsx', 'comparison.xlsx');
    expect([...xlsx.subarray(0, 4)]).toEqual([0x50, 0x4b, 0x03, 0x04]);
  });

  // ---- Risk assessment -------------------------------------------------------------------------------------------

  it('starts a facility risk assessment: risks drafted from the gaps, rows left out with their reasons', async () => {
    await page.locator('[data-testid="org-nav"]').getByRole('link', { name: 'リスクアセスメント' }).click();
    await page.locator('[data-testid="assessments-empty"]').waitFor();
    await page.locator('[data-testid="new-assessment"]').click();
    const dialog = page.locator('[data-testid="new-assessment-dialog"]');
    await dialog.waitFor();
    await page.locator('[data-testid="assessment-title"]').fill('2026年度 施設全体リスクアセスメント');
    expect(await page.locator('[data-testid="assessment-scope"] input[value="facility"]').isChecked()).toBe(true);
    expect(
      await page.locator('[data-testid="assessment-method"] input[value="asset-threat-vulnerability"]').isChecked(),
    ).toBe(true);
    await settle();
    await shot('09-new-assessment');
    await dialog.locator('button[type="submit"]').click();

    await page.waitForURL(/\/assessments\/[^/?]+$/);
    assessmentId = page.url().split('/').pop() ?? '';
    const risks = page.locator('[data-testid="risks-table"] [data-testid="risk-row"]');
    await risks.first().waitFor();
    expect(await risks.count()).toBeGreaterThan(0);
    const table = await page.locator('[data-testid="risks-table"]').textContent();
    // Both systems have risks: General-PACS's いいえ, and the MDS2 device's gaps through the cross-reference.
    expect(table).toContain('PACS（放射線部）');
    expect(table).toContain('血糖測定器連携（検査部）');
    expect(await page.locator('[data-testid="heat-cell"]').count()).toBeGreaterThan(0);
    await shot('10-assessment');

    // The rows the systems' profiles make irrelevant are left out, each with the reason.
    const filtered = page.locator('[data-testid="filtered-rows"]');
    await filtered.locator('summary').click();
    const rows = filtered.locator('[data-testid="filtered-row"]');
    await rows.first().waitFor();
    expect(await rows.count()).toBeGreaterThan(0);
    const reason = await rows.first().locator('td').last().textContent();
    expect(reason?.trim().length).toBeGreaterThan(0);
    // The PACS is not on a wireless network: the wireless LAN row is left out, and the table says so.
    expect(await rows.filter({ hasText: 'PACS（放射線部）' }).filter({ hasText: '無線LANを使用しない' }).count()).toBe(
      1,
    );
    // Its heading at the top of the screen, below the sticky header.
    await filtered.evaluate((e) => {
      (e as { scrollIntoView(o: unknown): void }).scrollIntoView({ block: 'start' });
      (globalThis as unknown as BrowserGlobals).scrollBy(0, -110);
    });
    await shot('11-filtered-rows');
    await filtered.locator('summary').click();
  });

  it('records one risk in the editor: ratings, 低減, the measure, owner, due date, 対応済 and the residual rating', async () => {
    // A risk of the PACS on its external connections (12.x: remote maintenance, routing), else its first one.
    const pacsRows = (rows: string) =>
      page
        .locator(`[data-testid="risks-table"] [data-testid="risk-row"]${rows}`)
        .filter({ hasText: 'PACS（放射線部）' });
    const network = pacsRows('[data-row-id^="12."]');
    const row = (await network.count()) > 0 ? network.first() : pacsRows('').first();
    const riskId = (await row.getAttribute('data-id')) ?? '';
    await row.locator('[data-testid="open-risk"]').click();
    const form = page.locator(`[data-testid="risk-form"][data-id="${riskId}"]`);
    await form.waitFor();
    expect(await page.locator('[data-testid="risk-facts"]').textContent()).toContain('PACS（放射線部）');

    const segment = (testId: string, label: string) =>
      page.locator(`[data-testid="${testId}"]`).getByText(label, { exact: true }).click();
    await segment('field-rating-asset', '3 高');
    await segment('field-rating-threat', '2 中');
    await segment('field-rating-vulnerability', '3 高');
    await segment('field-treatment', '低減');
    await page.locator('[data-testid="field-measure"]').fill(MEASURE);
    await page.locator('[data-testid="field-owner"]').fill('情報システム課 山本');
    await page.locator('[data-testid="field-due-date"]').fill('2027-03-31');
    await choose('field-status', '対応済');
    await page.locator('[data-testid="field-has-residual"]').check();
    await segment('field-residual-asset', '3 高');
    await segment('field-residual-threat', '1 低');
    await segment('field-residual-vulnerability', '1 低');
    await settle();
    await shot('12-risk-editor');
    await page.locator('[data-testid="risk-save"]').click();
    await form.waitFor({ state: 'detached' });

    const saved = page.locator(`[data-testid="risk-row"][data-id="${riskId}"]`);
    await page.locator(`[data-testid="risk-row"][data-id="${riskId}"][data-status="done"]`).waitFor();
    // 3 × 2 × 3 = 18: 高.
    expect(await saved.getAttribute('data-level')).toBe('high');
  });

  it('accepts the assessment once every risk is treated; it is read-only afterwards', async () => {
    // Acceptance needs a treatment on every risk, and a reason for a residual risk above the threshold
    // (acceptAssessment in src/features/assessments/assessments.service.ts). Recording dozens of risks one by one
    // in the drawer would show nothing new: the rest are accepted through the API, with the page's session and
    // CSRF token, as a hospital's bulk import would.
    const detail = await call<{ riskList: RiskView[] }>('GET', `/orgs/${orgId}/assessments/${assessmentId}`);
    const open = detail.riskList.filter((r) => r.record.treatment === null);
    expect(open.length).toBeGreaterThan(0);

    // Until then the accept dialog says how many risks have no treatment yet.
    await page.locator('[data-testid="accept-button"]').click();
    await page.locator('[data-testid="accept-untreated"]').waitFor();
    expect(await page.locator('[data-testid="accept-untreated"]').textContent()).toContain(String(open.length));
    expect(await page.locator('[data-testid="accept-confirm"]').isDisabled()).toBe(true);
    await page.locator('[data-testid="accept-dialog"]').getByRole('button', { name: 'キャンセル' }).click();
    await page.locator('[data-testid="accept-dialog"]').waitFor({ state: 'detached' });

    for (const r of open) {
      await call('PATCH', `/orgs/${orgId}/assessments/${assessmentId}/risks/${r.id}`, {
        treatment: 'accept',
        status: 'accepted',
        acceptanceReason: '製造業者の次期バージョンで対応予定。それまでは院内の運用で監視する。',
      });
    }
    await page.reload();
    await page.locator('[data-testid="risks-table"]').waitFor();
    expect(await page.locator('[data-testid="risk-row"][data-status="open"]').count()).toBe(0);

    await page.locator('[data-testid="accept-button"]').click();
    const dialog = page.locator('[data-testid="accept-dialog"]');
    await dialog.waitFor();
    expect(await page.locator('[data-testid="accept-untreated"]').count()).toBe(0);
    await page.locator('[data-testid="accept-note"]').fill('情報セキュリティ委員会（2026年11月）で承認。');
    await page.locator('[data-testid="accept-understood"]').check();
    await settle();
    await shot('13-accept-dialog');
    await page.locator('[data-testid="accept-confirm"]').click();
    await dialog.waitFor({ state: 'detached' });

    await page.locator('[data-testid="acceptance"]').waitFor();
    expect(await page.locator('[data-testid="accepted-by"]').textContent()).toContain(OFFICER.name);
    expect(await page.locator('[data-testid="content-hash"]').getAttribute('data-hash')).toMatch(/[0-9a-f]{16,}/i);
    await page.locator('[data-testid="read-only-note"]').waitFor();
    expect(await page.locator('[data-testid="accept-button"]').count()).toBe(0);
    expect(await page.locator('[data-testid="redraft"]').count()).toBe(0);
    await shot('14-accepted');

    // A risk opens read-only: no save button, the fields cannot be changed.
    await page.locator('[data-testid="risk-row"][data-status="done"] [data-testid="open-risk"]').first().click();
    await page.locator('[data-testid="risk-form"]').waitFor();
    expect(await page.locator('[data-testid="risk-save"]').count()).toBe(0);
    expect(await page.locator('[data-testid="field-measure"]').getAttribute('readonly')).not.toBeNull();
    expect(await page.locator('[data-testid="field-measure"]').inputValue()).toBe(MEASURE);
    await page.keyboard.press('Escape');
    await page.locator('[data-testid="risk-form"]').waitFor({ state: 'detached' });
  });

  it('downloads the risk register (XLSX, PDF) and the 運用管理規程 draft', async () => {
    const xlsx = await download('download-register-xlsx', 'register.xlsx');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx as unknown as ArrayBuffer);
    const texts: string[] = [];
    book.eachSheet((sheet) =>
      sheet.eachRow((row) =>
        row.eachCell((cell) => {
          texts.push(cell.text);
        }),
      ),
    );
    expect(texts.some((x) => x.includes(MEASURE))).toBe(true);
    expect(texts.some((x) => x.includes('PACS（放射線部）'))).toBe(true);

    expect((await download('download-register-pdf', 'register.pdf')).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const rules = (await download('download-rules-md', 'rules.md')).toString('utf8');
    expect(rules).toContain('運用管理規程');
    expect(rules).toContain(MEASURE);
  });

  it('shows the facility on the dashboard', async () => {
    await page.locator('[data-testid="org-nav"]').getByRole('link', { name: 'ダッシュボード' }).click();
    await page.locator('[data-testid="dashboard-page"]').waitFor();
    await page.locator('[data-testid="tile-systems"][data-value="2"]').waitFor();
    expect(await page.locator('[data-testid="tile-without-statement"]').getAttribute('data-value')).toBe('0');
    expect(await page.locator('[data-testid="tile-assessments"]').getAttribute('data-value')).toBe('1');
    await page.locator('[data-testid="dashboard-summary"]').waitFor();
    expect(await page.locator('[data-testid="heat-cell"]').count()).toBeGreaterThan(0);
    await shot('15-dashboard');
  });

  it('made no request to another host, and logged no page error', () => {
    expect(offHost).toEqual([]);
    expect(problems).toEqual([]);
  });
});
