import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsRun, launchChromium, screenshot, watchPage, prepareE2e, oneScenario } from '../support/browser.js';
import { builtinTemplates } from '../../src/domain/templates/registry.js';
import { startServer, type RunningServer } from '../../src/server/start.js';

const runSpec = browserTestsRun('e2e');

const OWNER = { email: 'sato@xyz.example.jp', name: '佐藤 花子', password: 'General-PACS owner 2026!' };
const APPROVER = { email: 'suzuki@xyz.example.jp', name: '鈴木 一郎', password: 'Approver of statements 2026' };

/** The few browser globals the spec reads inside page.evaluate (the project's tsconfig has no DOM library). */
interface El {
  getAttribute(name: string): string | null;
  querySelector(selector: string): El | null;
  getBoundingClientRect(): { top: number; bottom: number; left: number; right: number };
  closest(selector: string): El | null;
}
interface BrowserGlobals {
  document: {
    querySelector(selector: string): El | null;
    querySelectorAll(selector: string): Iterable<El> & { length: number };
    elementFromPoint(x: number, y: number): El | null;
    activeElement: El | null;
    fonts: { ready: Promise<unknown> };
  };
  innerWidth: number;
  innerHeight: number;
  requestAnimationFrame(fn: () => void): void;
}

/** Messages a page may log on purpose: the browser's line for an answer the UI expects (a 409 conflict, a 423). */
const EXPECTED_CONSOLE = /Failed to load resource: the server responded with a status of (401|409|423)/;

describe.skipIf(!runSpec)('a manufacturer writes, reviews and revises a statement', () => {
  let server: RunningServer | undefined;
  let dataDir: string | undefined;
  let browser: Browser | undefined;
  let ownerCtx: BrowserContext;
  let approverCtx: BrowserContext;
  let owner: Page;
  let approver: Page;
  const problems: string[] = [];
  const offHost: string[] = [];
  let invitationLink = '';
  let statementUrl = '';

  const watch = (page: Page, who: string) =>
    watchPage(
      page,
      { problems, offHost },
      {
        who,
        ignoreConsole: (text) => EXPECTED_CONSOLE.test(text),
        ignoreResponse: (_, status) => status === 409 || status === 423 || status === 401,
      },
    );

  const shot = (page: Page, name: string, options: { fullPage?: boolean; doc?: boolean } = {}) =>
    screenshot(page, 'manufacturer', name, { ...options, doc: options.doc === true });

  beforeAll(async () => {
    prepareE2e();
    // The real server as `openmds serve` starts it: a fresh SQLite file, migrated, with the one-time setup link.
    dataDir = mkdtempSync(join(tmpdir(), 'openmds-e2e-'));
    server = await startServer({
      port: 0,
      host: '127.0.0.1',
      dataDir,
      templates: builtinTemplates(),
      logger: false,
      handleSignals: false,
      // Cheaper password hashing: four accounts are created in this scenario.
      settings: { passwordHashing: { N: 2 ** 12, r: 8, p: 1, keyLength: 32 } },
    });
    browser = await launchChromium();
    const options = { viewport: { width: 1360, height: 900 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' };
    ownerCtx = await browser.newContext(options);
    approverCtx = await browser.newContext(options);
    owner = await ownerCtx.newPage();
    approver = await approverCtx.newPage();
    for (const p of [owner, approver]) p.setDefaultTimeout(15_000);
    watch(owner, 'owner');
    watch(approver, 'approver');
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  // One scenario: once a step fails, the later ones cannot mean anything; they are skipped, not timed out.
  oneScenario(() => Promise.resolve());

  const url = (path: string) => `${server!.url}${path}`;

  // ---- Accounts and the organization ----------------------------------------------------------------------------

  it('creates the operator account from the one-time setup link', async () => {
    expect(server!.setupUrl).toMatch(/\/setup#token=/);
    const ctx = await browser!.newContext({ viewport: { width: 1360, height: 900 }, locale: 'ja-JP' });
    const page = await ctx.newPage();
    watch(page, 'operator');
    await page.goto(server!.setupUrl!);
    await page.locator('input[name="email"]').fill('operator@hospital-it.example.jp');
    await page.locator('input[name="displayName"]').fill('運用 管理者');
    await page.locator('input[name="password"]').fill('Operator of this server 2026');
    await page.locator('input[name="confirm"]').fill('Operator of this server 2026');
    await shot(page, '00-setup');
    await page.locator('[data-testid="setup-submit"]').click();
    await page.waitForURL('**/orgs/new');
    // The link works once.
    await page.goto(server!.setupUrl!);
    await page.locator('[data-testid="setup-done"]').waitFor();
    await ctx.close();
  });

  it('signs the owner up and creates a manufacturer organization', async () => {
    await owner.goto(url('/sign-up'));
    await owner.locator('input[name="email"]').fill(OWNER.email);
    await owner.locator('input[name="displayName"]').fill(OWNER.name);
    await owner.locator('input[name="password"]').fill(OWNER.password);
    await owner.locator('input[name="confirm"]').fill(OWNER.password);
    await shot(owner, '01-sign-up', { doc: true });
    await owner.locator('[data-testid="sign-up-submit"]').click();

    await owner.waitForURL('**/orgs/new');
    await owner.locator('input[name="orgName"]').fill('XYZ株式会社');
    expect(await owner.locator('[data-testid="org-kind"] input[value="manufacturer"]').isChecked()).toBe(true);
    await shot(owner, '02-create-org', { doc: true });
    await owner.locator('[data-testid="create-org"]').click();
    await owner.waitForURL(/\/orgs\/[^/]+\/products$/);
    await owner.locator('[data-testid="org-switcher"]', { hasText: 'XYZ株式会社' }).waitFor();
    expect(await owner.locator('[data-testid="org-switcher"]').textContent()).toContain('管理者');
  });

  it('invites an approver and shows the one-time link', async () => {
    await owner.getByRole('link', { name: 'メンバー' }).click();
    await owner.locator('[data-testid="members-table"]').waitFor();
    expect(await owner.locator(`[data-member="${OWNER.email}"]`).textContent()).toContain(OWNER.name);
    await owner.locator('input[name="inviteEmail"]').fill(APPROVER.email);
    await owner.locator('[data-testid="invite-role"]').click();
    await owner.getByRole('option', { name: '承認者' }).click();
    await owner.locator('[data-testid="invite-submit"]').click();
    const link = owner.locator('[data-testid="invite-link"]');
    await link.waitFor();
    invitationLink = await link.inputValue();
    expect(invitationLink).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/invite\/.+/);
    await owner.locator('[data-testid="invitations-table"]', { hasText: APPROVER.email }).waitFor();
    await shot(owner, '03-invite', { doc: true });
  });

  it('lets the approver sign up through the link and join as 承認者', async () => {
    await approver.goto(invitationLink);
    await approver.locator('[data-testid="invitation-info"]').waitFor();
    expect(await approver.locator('[data-testid="invitation-info"]').textContent()).toContain('XYZ株式会社');
    expect(await approver.locator('[data-testid="invitation-role"]').textContent()).toBe('承認者');
    await shot(approver, '04-invitation', { doc: true });
    await approver.locator('[data-testid="invite-sign-up"]').click();
    await approver.waitForURL('**/sign-up?invitation=**');
    expect(await approver.locator('input[name="email"]').inputValue()).toBe(APPROVER.email);
    await approver.locator('input[name="displayName"]').fill(APPROVER.name);
    await approver.locator('input[name="password"]').fill(APPROVER.password);
    await approver.locator('input[name="confirm"]').fill(APPROVER.password);
    await approver.locator('[data-testid="sign-up-submit"]').click();
    await approver.waitForURL(/\/orgs\/[^/]+\/statements$/);
    await approver.locator('[data-testid="org-switcher"]', { hasText: '承認者' }).waitFor();

    await owner.reload();
    await owner.locator(`[data-member="${APPROVER.email}"]`).waitFor();
    expect(await owner.locator(`[data-member="${APPROVER.email}"] input:not([type="hidden"])`).inputValue()).toBe(
      '承認者',
    );
  });

  // ---- Product, version, statement ---------------------------------------------------------------------------

  it('adds the product General-PACS (PACS) with version V1.20R00 and creates an MDS 2nd-edition statement', async () => {
    await owner.getByRole('link', { name: '製品' }).click();
    await owner.locator('[data-testid="add-product"]').click();
    await owner.locator('input[name="productName"]').fill('General-PACS');
    expect(await owner.locator('[data-testid="product-category"]').inputValue()).toBe('PACS (医用画像管理)');
    await owner.locator('[data-testid="add-product-submit"]').click();
    const card = owner.locator('[data-product="General-PACS"]');
    await card.waitFor();
    await card.locator('input[name="version"]').fill('V1.20R00');
    await card.locator('[data-testid="add-version"]').click();
    await card.locator('[data-version="V1.20R00"]').waitFor();
    await card.locator('[data-testid="add-version"][data-loading]').waitFor({ state: 'detached' });
    await shot(owner, '05-products', { doc: true });

    await card.locator('[data-version="V1.20R00"] [data-testid="new-statement"]').click();
    const dialog = owner.locator('[data-testid="create-statement"]');
    await dialog.waitFor();
    expect(await owner.locator('[data-testid="template-select"]').inputValue()).toContain(
      '製造業者による医療情報セキュリティ開示書',
    );
    await owner.locator('[data-testid="create-statement-submit"]').click();
    await owner.waitForURL(/\/orgs\/[^/]+\/statements\/[^/]+$/);
    statementUrl = owner.url();
    await owner.locator('[data-testid="editor"] [data-row-id="1"]').waitFor();
    expect(await owner.locator('[data-testid="editor"] .erow').count()).toBe(68);
    expect(await owner.locator('[data-header-field="manufacturer"]').inputValue()).toBe('XYZ株式会社');
    expect(await owner.locator('[data-header-field="product"]').inputValue()).toBe('General-PACS');
    expect(await owner.locator('[data-header-field="productVersion"]').inputValue()).toBe('V1.20R00');
  });

  // ---- The editor ----------------------------------------------------------------------------------------------

  const row = (id: string) => owner.locator(`[data-testid="editor"] [data-row-id="${id}"]`);
  const answerOf = (id: string) => row(id).getAttribute('data-answer');
  const focusedRow = () =>
    owner.evaluate(
      () =>
        (globalThis as unknown as BrowserGlobals).document
          .querySelector('.erow[data-focused="true"]')
          ?.getAttribute('data-row-id') ?? null,
    );

  it('answers with the keyboard and the mouse; a parent いいえ greys its children at once', async () => {
    expect(await focusedRow()).toBe('1');
    await owner.keyboard.press('1');
    expect(await answerOf('1')).toBe('yes');
    await owner.keyboard.press('Enter');
    expect(await focusedRow()).toBe('2');
    await owner.keyboard.press('2');
    expect(await answerOf('2')).toBe('no');
    // The mouse: はい on row 3.
    await row('3').locator('button[data-value="yes"]').click();
    expect(await answerOf('3')).toBe('yes');
    expect(await focusedRow()).toBe('3');
    // j / k move; 0 clears.
    await owner.keyboard.press('j');
    expect(await focusedRow()).toBe('4');
    await owner.keyboard.press('1');
    await owner.keyboard.press('k');
    expect(await focusedRow()).toBe('3');
    await owner.keyboard.press('0');
    expect(await answerOf('3')).toBe('');
    await owner.keyboard.press('1');
    expect(await answerOf('3')).toBe('yes');

    // 12 いいえ: its children do not apply, greyed at once; はい brings them back.
    expect(await row('12.1').getAttribute('data-applies')).toBe('unknown');
    await row('12').locator('button[data-value="no"]').click();
    for (const id of ['12.1', '12.2', '12.3', '12.3.1', '12.4', '12.4.1']) {
      expect(await row(id).getAttribute('data-applies')).toBe('no');
    }
    await row('12').locator('button[data-value="yes"]').click();
    expect(await row('12.1').getAttribute('data-applies')).toBe('yes');
    expect(await row('12.3.1').getAttribute('data-applies')).toBe('unknown');

    expect(await owner.locator('[data-testid="progress"]').textContent()).toMatch(/回答 5 \/ \d+/);
    await owner.locator('[data-testid="save-status"][data-state="saved"]').waitFor();
  });

  it('adds a remark cited by two rows, and shows which rows cite it', async () => {
    await row('1').locator('[data-testid="cite-remark"]').click();
    await owner.locator('[data-testid="cite-menu"] [data-testid="new-remark"]').click();
    const text = owner.locator('[data-testid="remark-text-1"]');
    await text.waitFor();
    await text.fill('取り扱う情報の一覧は取扱説明書の付録に記載しています。');
    await row('2').locator('.erow-text').click();
    await row('2').locator('[data-testid="cite-remark"]').click();
    await owner.locator('[data-testid="cite-menu"] [data-remark="1"]').click();
    expect(await row('1').locator('[data-remark="1"]').count()).toBe(1);
    expect(await row('2').locator('[data-remark="1"]').count()).toBe(1);
    const citedBy = owner.locator('.remark-item[data-remark="1"] [data-testid="remark-cited-by"]');
    expect(await citedBy.locator('[data-row]').allTextContents()).toEqual(['1', '2']);
  });

  it('shows a validation message on the row at once: 4.1-e その他 はい needs a remark', async () => {
    // Row 4 is はい (answered above), so its items apply.
    expect(await row('4.1-e').getAttribute('data-applies')).toBe('yes');
    await row('4.1-e').locator('.erow-text').click();
    await owner.keyboard.press('1');
    const issue = row('4.1-e').locator('[data-code="missing-remark"]');
    await issue.waitFor();
    expect(await issue.textContent()).toContain('備考の記入が必要');
    expect(await row('4.1-e').getAttribute('data-issues')).toBe('warning');
    await row('4.1-e').scrollIntoViewIfNeeded();
    await shot(owner, '07-validation', { doc: true });
    // A remark with text clears it.
    await row('4.1-e').locator('[data-testid="cite-remark"]').click();
    await owner.locator('[data-testid="cite-menu"] [data-testid="new-remark"]').click();
    await owner.locator('[data-testid="remark-text-2"]').fill('ICカードと暗証番号による認証にも対応しています。');
    await issue.waitFor({ state: 'detached' });
    expect(await row('4.1-e').getAttribute('data-issues')).toBeNull();
  });

  it('completes every applicable row from the keyboard', async () => {
    await row('4.1-a').locator('.erow-text').click();
    // "Fill" loop: Enter jumps to the next unanswered applicable row; はい, or いいえ where はい would need a remark.
    for (let i = 0; i < 120; i++) {
      const state = await owner.evaluate(() => {
        const doc = (globalThis as unknown as BrowserGlobals).document;
        const el = doc.querySelector('.erow[data-focused="true"]');
        return {
          answered: el?.getAttribute('data-answer') !== '',
          remark: el?.querySelector('[data-note="remark-required"]') !== null,
          open: doc.querySelectorAll(
            '.erow[data-kind="question"][data-applies]:not([data-applies="no"])[data-answer=""]',
          ).length,
        };
      });
      if (state.open === 0) break;
      if (state.answered) await owner.keyboard.press('Enter');
      else await owner.keyboard.press(state.remark ? '2' : '1');
    }
    const progress = await owner.locator('[data-testid="progress"]').textContent();
    const m = /回答 (\d+) \/ (\d+) \(100%\)/.exec(progress ?? '');
    expect(m, progress ?? '').not.toBeNull();
    expect(m?.[1]).toBe(m?.[2]);
    await owner.locator('[data-testid="save-status"][data-state="saved"]').waitFor();
    await owner.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    await shot(owner, '06-editor', { doc: true });
    await row('12.3').scrollIntoViewIfNeeded();
    await row('12').locator('.erow-text').click();
    await shot(owner, '08-editor-rows', { doc: true });
  });

  it('never overwrites a newer save silently: a 409 shows what changed, and "keep mine" re-saves', async () => {
    // The same person in a second tab changes row 5 and saves first.
    const other = await ownerCtx.newPage();
    watch(other, 'owner tab 2');
    await other.goto(statementUrl);
    const otherRow5 = other.locator('[data-testid="editor"] [data-row-id="5"]');
    await otherRow5.locator('button[data-value="no"]').click();
    await other.locator('[data-testid="save-status"][data-state="saved"]').waitFor();

    await row('6').locator('button[data-value="no"]').click();
    const dialog = owner.locator('[data-testid="conflict-changes"]');
    await dialog.waitFor();
    const changed = await dialog
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => (tr as unknown as El).getAttribute('data-row')));
    expect(changed).toEqual(['5', '6']);
    expect(await dialog.locator('[data-row="5"]').textContent()).toMatch(/はい.*いいえ/);
    await shot(owner, '13-conflict', { doc: true });
    await owner.locator('[data-testid="conflict-keep-mine"]').click();
    await owner.locator('[data-testid="save-status"][data-state="saved"]').waitFor();
    expect(await answerOf('5')).toBe('yes');
    expect(await answerOf('6')).toBe('no');

    // The server now holds this tab's version.
    await other.reload();
    await otherRow5.waitFor();
    expect(await otherRow5.getAttribute('data-answer')).toBe('yes');
    await other.close();
  });

  it('lists the keyboard shortcuts in the help popover', async () => {
    await owner.locator('[data-testid="shortcuts-help"]').click();
    const table = owner.locator('[data-testid="shortcuts-table"]');
    await table.waitFor();
    expect(await table.textContent()).toContain('次の未回答の行へ');
    await shot(owner, '09-shortcuts');
    await owner.keyboard.press('Escape');
    await table.waitFor({ state: 'detached' });
  });

  // ---- Review and finalization -------------------------------------------------------------------------------

  it('submits the statement for review', async () => {
    await owner.locator('[data-testid="submit-for-review"]').click();
    await owner.locator('[data-testid="submit-dialog"]').waitFor();
    expect(await owner.locator('[data-testid="final-issues"]').count()).toBe(0);
    await owner.locator('[data-testid="submit-confirm"]').click();
    await owner.locator('[data-testid="workflow-bar"] [data-status="in-review"]').waitFor();
    expect(await owner.locator('[data-testid="editor"]').getAttribute('data-editable')).toBe('false');
  });

  it('lets the approver finalize it, showing 作成責任者, 承認者, 確定日時 and the content hash', async () => {
    await approver.goto(statementUrl);
    await approver.locator('[data-testid="workflow-bar"] [data-status="in-review"]').waitFor();
    expect(await approver.locator('[data-testid="editor"]').getAttribute('data-editable')).toBe('false');
    await approver.locator('[data-testid="finalize"]').click();
    await approver.locator('[data-testid="finalize-confirm"]').click();
    const info = approver.locator('[data-testid="finalization-info"]');
    await info.waitFor();
    const text = (await info.textContent()) ?? '';
    expect(text).toContain(OWNER.name);
    expect(text).toContain(APPROVER.name);
    expect(text).toMatch(/\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} JST/);
    expect(await approver.locator('[data-testid="content-hash"]').textContent()).toMatch(/[0-9a-f]{16,}/);
    await shot(approver, '10-finalized', { doc: true });
  });

  it('starts revision 2, changes one answer, and the history shows that change', async () => {
    await owner.reload();
    await owner.locator('[data-testid="new-revision"]').click();
    await owner.locator('[data-testid="workflow-bar"] [data-status="draft"]').waitFor();
    await owner.locator('[data-testid="editor"][data-editable="true"]').waitFor();
    expect(await answerOf('2')).toBe('no');
    await row('2').locator('button[data-value="yes"]').click();
    expect(await answerOf('2')).toBe('yes');
    await owner.locator('[data-testid="save-status"][data-state="saved"]').waitFor();

    await owner.getByRole('link', { name: '履歴' }).click();
    await owner.locator('[data-testid="revisions-table"] [data-revision="2"]').waitFor();
    const diffRow = owner.locator('[data-testid="diff-rows"] [data-row="2"]');
    await diffRow.waitFor();
    expect(await diffRow.locator('[data-side="before"]').textContent()).toBe('いいえ');
    expect(await diffRow.locator('[data-side="after"]').textContent()).toBe('はい');
    expect(await owner.locator('[data-testid="diff-rows"] tbody tr').count()).toBe(1);
    await shot(owner, '11-history', { doc: true });
  });

  // ---- Screen lock -------------------------------------------------------------------------------------------

  it('blanks the whole screen with one click on 画面ロック and unlocks with the password', async () => {
    await owner.locator('[data-testid="screen-lock"]').click();
    const overlay = owner.locator('[data-testid="lock-overlay"]');
    await overlay.waitFor();
    // Every point of the window belongs to the overlay: nothing of the statement shows through.
    const covered = await owner.evaluate(() => {
      const w = globalThis as unknown as BrowserGlobals;
      const points = [
        [5, 5],
        [w.innerWidth / 2, 70],
        [w.innerWidth - 5, w.innerHeight - 5],
        [w.innerWidth / 4, w.innerHeight / 2],
      ];
      return points.every(
        ([x, y]) => (w.document.elementFromPoint(x!, y!)?.closest('[data-testid="lock-overlay"]') ?? null) !== null,
      );
    });
    expect(covered).toBe(true);
    await shot(owner, '12-screen-lock', { doc: true });
    await owner.locator('[data-testid="unlock-password"]').fill('not the password');
    await owner.locator('[data-testid="unlock-submit"]').click();
    await overlay.getByRole('alert').waitFor();
    await owner.locator('[data-testid="unlock-password"]').fill(OWNER.password);
    await owner.locator('[data-testid="unlock-submit"]').click();
    await overlay.waitFor({ state: 'detached' });
    await owner.locator('[data-testid="diff-rows"]').waitFor();
  });

  it('serves a bundle that never compiles code at run time (the CSP has no unsafe-eval)', async () => {
    const html = await (await fetch(url('/'))).text();
    const js = /src="(\/assets\/index-[^"]+\.js)"/.exec(html)?.[1];
    expect(js).toBeDefined();
    const code = await (await fetch(url(js!))).text();
    expect(code).not.toMatch(/new Function|\beval\(/);
  });

  it('made no request to another host, and logged no page error', () => {
    expect(offHost).toEqual([]);
    expect(problems).toEqual([]);
  });
});
