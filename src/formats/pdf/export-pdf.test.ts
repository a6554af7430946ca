import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generalPacs } from '../../../test/support/statements.js';
import { Applies, type CompiledTemplate } from '../../domain/compiled-template.js';
import { pick } from '../../domain/i18n.js';
import type { Statement } from '../../domain/statement.js';
import type { Template } from '../../domain/template.js';
import { builtinTemplates, TemplateRegistry } from '../../domain/templates/registry.js';
import { FormatError } from '../errors.js';
import { importMds2Xlsx } from '../mds2-xlsx/import-mds2-xlsx.js';
import { exportPdf } from './export-pdf.js';
import { importPdf, looksLikePdf } from './import-pdf.js';

const PDFTOTEXT = '/usr/bin/pdftotext';
const PDFDETACH = '/usr/bin/pdfdetach';
const HAS_POPPLER = existsSync(PDFTOTEXT);
if (!HAS_POPPLER) {
  process.stderr.write(
    `skipping the PDF text-extraction tests: ${PDFTOTEXT} is absent (apt-get install poppler-utils)\n`,
  );
}

const templates = builtinTemplates();
const mds = templates.get('jahis-jira-mds', '2')!;
const mds2 = templates.get('nema-mds2', '2019')!;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'openmds-pdf-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
function save(pdf: Uint8Array): string {
  const file = join(dir, `out-${++fileCount}.pdf`);
  writeFileSync(file, pdf);
  return file;
}

/** pdftotext in content-stream order (-raw), so that the wrapped lines of one cell stay together; one string per page. */
function pdfPages(pdf: Uint8Array): string[] {
  const text = execFileSync(PDFTOTEXT, ['-raw', '-enc', 'UTF-8', save(pdf), '-'], { encoding: 'utf8' });
  return text.split('\f').slice(0, -1);
}

/**
 * Drops white space: the line breaks that wrapping puts inside a cell's text, and the spaces and breaks that
 * pdftotext puts between cells. Nothing else is changed.
 */
const compact = (s: string): string => s.replace(/\s+/gu, '');

const ROWS_HEADER = compact('No. 質問 ガイドライン はい いいえ 対象外 備考 No.');
const REMARKS_HEADER = compact('No. 備考');

/** The footer OpenMDS prints without signature or hash. */
const plainFooter =
  (s: Statement) =>
  (page: number, of: number): string =>
    `${page} / ${of} ページ / ${s.header.product} ${s.header.productVersion} / 第${s.revision}版 未署名`;

/**
 * The text of the pages without their furniture: checks that each page ends with its footer and that every page
 * after the first starts with the repeated table header, and takes both away, so that a cell split across pages
 * reads as one.
 */
function body(pages: readonly string[], footer: (page: number, of: number) => string): string {
  return pages
    .map((page, i) => {
      let p = compact(page);
      const f = compact(footer(i + 1, pages.length));
      expect(p.endsWith(f), `page ${i + 1} ends with "${f}": …${p.slice(-80)}`).toBe(true);
      p = p.slice(0, p.length - f.length);
      if (i === 0) return p;
      const header = [ROWS_HEADER, REMARKS_HEADER].find((h) => p.startsWith(h));
      expect(header, `page ${i + 1} starts with a table header: ${p.slice(0, 80)}…`).toBeDefined();
      return p.slice(header!.length);
    })
    .join('');
}

/** Finds each needle after the previous one; returns the first that is missing or out of order. */
function missingInOrder(haystack: string, needles: readonly string[]): string | undefined {
  let at = 0;
  for (const n of needles) {
    const i = haystack.indexOf(compact(n), at);
    if (i < 0) return n;
    at = i + compact(n).length;
  }
  return undefined;
}

/** What each row prints, in order: its id, its question, its guideline clauses (the cells pdftotext gives in sequence). */
function rowTexts(template: CompiledTemplate, lang: 'ja' | 'en' = 'ja'): string[] {
  return template.rows.map((r) => `${r.row.id}${pick(r.row.text, lang)}${r.row.refs.join('')}`);
}

async function mds2Example(): Promise<Statement> {
  const data = new Uint8Array(
    readFileSync(new URL('../../../examples/nema-mds2-example-worksheet.xlsx', import.meta.url)),
  );
  return (await importMds2Xlsx(data, { templates, now: new Date('2026-11-25T00:00:00Z') })).statement;
}

describe('exportPdf', () => {
  it('writes a PDF whose bytes depend only on its input', async () => {
    const a = await exportPdf(generalPacs(), mds);
    const b = await exportPdf(generalPacs(), mds);
    expect(looksLikePdf(a)).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const changed = generalPacs();
    changed.remarks[0]!.text += '。';
    expect(Buffer.from(await exportPdf(changed, mds)).equals(Buffer.from(a))).toBe(false);
  });

  it('refuses a statement of another template, and footer values too long for a footer', async () => {
    await expect(exportPdf(generalPacs(), mds2)).rejects.toThrow(/answers jahis-jira-mds@2, not nema-mds2@2019/);
    const long = { signer: 'x'.repeat(501), signedAt: '2026-11-25T10:00:00Z' };
    await expect(exportPdf(generalPacs(), mds, { signature: long })).rejects.toBeInstanceOf(FormatError);
  });

  it('records the statement date as the creation date, and the template and product in the document info', async () => {
    const text = Buffer.from(await exportPdf(generalPacs(), mds)).toString('latin1');
    // pdfkit writes the document info's values as indirect objects.
    expect(text).toMatch(/\/CreationDate (\d+) 0 R/);
    expect(text).toContain(`${/\/CreationDate (\d+) 0 R/.exec(text)![1]} 0 obj\n(D:20160126000000Z)`);
    expect(text).toContain('(jahis-jira-mds@2)');
    expect(text).toContain('(OpenMDS)');
  });
});

describe.skipIf(!HAS_POPPLER)('text extracted with pdftotext (poppler-utils)', () => {
  it('gives back every row (id, question, guideline) and every remark of General-PACS exactly, in order', async () => {
    const s = generalPacs();
    const all = body(pdfPages(await exportPdf(s, mds)), plainFooter(s));
    expect(missingInOrder(all, rowTexts(mds))).toBeUndefined();
    expect(
      missingInOrder(
        all,
        s.remarks.map((r) => `${r.number}${r.text}`),
      ),
    ).toBeUndefined();
    for (const [k, v] of Object.entries(s.header)) expect(all, k).toContain(compact(v));
  });

  it('gives back every row and note of the NEMA MDS2 example exactly, in order', async () => {
    const s = await mds2Example();
    expect(s.remarks.length).toBeGreaterThan(0);
    const pages = pdfPages(await exportPdf(s, mds2));
    const all = compact(pages.join(''));
    expect(missingInOrder(all, rowTexts(mds2))).toBeUndefined();
    expect(
      missingInOrder(
        all,
        s.remarks.map((r) => `${r.number}${r.text}`),
      ),
    ).toBeUndefined();
    // MDS2's own answer options are the columns.
    expect(all).toContain(compact('No.質問ガイドラインはいいいえ対象外備考参照備考 No.'));
  });

  it('prints the rows in English with lang en', async () => {
    const all = compact(pdfPages(await exportPdf(generalPacs(), mds, { lang: 'en' })).join(''));
    expect(missingInOrder(all, rowTexts(mds, 'en'))).toBeUndefined();
    expect(all).toContain(compact('No. Question Guideline Yes No N/A Remark No.'));
  });

  it('keeps characters exact where the font shares glyphs or has none, and splits a long remark across pages', async () => {
    const s = generalPacs();
    s.header.manufacturer = '髙橋𠮷野メディカル株式会社';
    s.remarks[0]!.text = '受付 9時〜17時 (Mac) と 9時～17時 (Windows)、−1 と －1、⾧ と 長、🏥、(括弧) と \\ と ) と (';
    // About four pages of remark, with line breaks of its own.
    const long = Array.from({ length: 400 }, (_, i) => `第${i + 1}項: 𠮷野家の髙橋さんが〜確認済み。`).join('');
    s.remarks[1]!.text = `${long}\n改行の後\r\nもう一行 ${'English words that wrap at spaces '.repeat(40)}`;
    const pages = pdfPages(await exportPdf(s, mds));
    const first = pages.findIndex((p) => compact(p).includes('第1項:'));
    const last = pages.findIndex((p) => compact(p).includes('第400項:'));
    expect(last - first).toBeGreaterThanOrEqual(2);
    // With the page furniture taken away, the pieces of the split remark join up: nothing lost, nothing repeated.
    const all = body(pages, plainFooter(s));
    expect(all).toContain(compact(`1${s.remarks[0]!.text}`));
    expect(all).toContain(compact(`2${s.remarks[1]!.text}3${s.remarks[2]!.text}`));
    expect(all).toContain('髙橋𠮷野メディカル株式会社');
  });

  it('puts a footer with page x / n, the revision, the hash and the signature on every page', async () => {
    const s = { ...generalPacs(), revision: 3 };
    const hash = 'ab'.repeat(32);
    const pages = pdfPages(
      await exportPdf(s, mds, {
        contentHash: hash,
        signature: {
          signer: '髙橋 一郎',
          issuer: 'OpenMDS テスト CA',
          signedAt: '2026-11-25T10:00:00Z',
          certificateSha256: 'cd'.repeat(32),
        },
      }),
    );
    expect(pages.length).toBeGreaterThan(1);
    pages.forEach((page, i) => {
      const p = compact(page);
      expect(p).toContain(compact(`${i + 1} / ${pages.length} ページ`));
      expect(p).toContain('第3版');
      expect(p).toContain(hash);
      expect(p).toContain(compact('署名: 髙橋 一郎 (発行者: OpenMDS テスト CA) / 署名日時: 2026-11-25T10:00:00Z'));
      expect(p).toContain('cd'.repeat(32));
      expect(p).not.toContain('未署名');
    });
  });

  it('says 未署名 on every page when there is no signature', async () => {
    const pages = pdfPages(await exportPdf(generalPacs(), mds));
    for (const page of pages) expect(page).toContain('未署名');
  });

  it('repeats the table header on every page of rows and of remarks', async () => {
    const pages = pdfPages(await exportPdf(generalPacs(), mds)).map(compact);
    expect(pages.length).toBeGreaterThan(2);
    expect(pages[0]).toContain(ROWS_HEADER);
    expect(pages.slice(1).every((p) => p.startsWith(ROWS_HEADER) || p.startsWith(REMARKS_HEADER))).toBe(true);
    expect(pages.some((p) => p.startsWith(REMARKS_HEADER))).toBe(true);
  });

  it('prints withdrawal prominently with its reason, and on every page', async () => {
    const s = { ...generalPacs(), status: 'withdrawn' as const };
    const reason = '脆弱性 CVE-2026-0001 の修正版 (V1.21) に置き換えました。';
    const pages = pdfPages(await exportPdf(s, mds, { withdrawn: { at: '2026-12-01T09:00:00Z', reason } }));
    expect(compact(pages[0]!)).toContain(compact(reason));
    for (const page of pages)
      expect(compact(page)).toContain(compact('取り下げ済み / 取り下げ日時: 2026-12-01T09:00:00Z'));
  });

  it('greys rows that do not apply with —, and marks each answer in its own column', async () => {
    const s = generalPacs();
    const applies = mds.evaluate((id) => s.answers[id]?.answer);
    const skipped = mds.rows.filter((r) => r.answerable && applies[r.index] === Applies.No);
    expect(skipped.length).toBeGreaterThan(0);
    const pdf = await exportPdf(s, mds);
    const all = compact(pdfPages(pdf).join(''));
    for (const r of skipped) {
      expect(all).toContain(compact(`${r.row.id}${pick(r.row.text, 'ja')}${r.row.refs.join('')}———`));
    }

    // Where each ○ is: its column, told by the header labels' positions (pdftotext -bbox gives words with boxes).
    const html = execFileSync(PDFTOTEXT, ['-bbox', save(pdf), '-'], { encoding: 'utf8' });
    const words = [
      ...html.matchAll(/<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)<\/word>/g),
    ].map((m) => ({ x: (Number(m[1]) + Number(m[2])) / 2, text: m[3]! }));
    const column = (label: string): number => words.find((w) => w.text === label)!.x;
    const columns = { yes: column('はい'), no: column('いいえ'), na: column('対象外') };
    const marks = { yes: 0, no: 0, na: 0 };
    for (const w of words.filter((w) => w.text === '○')) {
      const [nearest] = Object.entries(columns).sort((a, b) => Math.abs(a[1] - w.x) - Math.abs(b[1] - w.x));
      marks[nearest![0] as keyof typeof marks]++;
    }
    const expected = { yes: 0, no: 0, na: 0 };
    for (const e of Object.values(s.answers)) if (e.answer !== undefined) expected[e.answer as keyof typeof expected]++;
    expect(marks).toEqual(expected);
  });

  it('labels each answer cell when rows have different answer sets', async () => {
    const data = structuredClone<Template>(mds.template);
    data.id = 'two-sets';
    data.answerSets['yes-no'] = data.answerSets['yes-no-na']!.slice(0, 2);
    data.rows.find((r) => r.id === '2')!.answerSet = 'yes-no';
    const custom = new TemplateRegistry().add(data);
    const s = { ...generalPacs(), template: { id: 'two-sets', edition: '2' } };
    const all = compact(pdfPages(await exportPdf(s, custom)).join(''));
    expect(all).toContain(compact('No. 質問 ガイドライン 回答 備考 No.'));
    expect(all).toContain(compact('1 扱う情報のリストを提示しているか? 6.2.C1 ○ はい いいえ 対象外 1'));
    expect(all).toContain(compact('2 窃視防止の機能があるか? 6.4.C5 はい ○ いいえ 2'));
  });

  it('lists answers to rows the template does not have rather than dropping them', async () => {
    const s = generalPacs();
    s.answers['99.9'] = { answer: 'yes', remarks: [1] };
    const all = compact(pdfPages(await exportPdf(s, mds)).join(''));
    expect(all).toContain(compact('テンプレートにない行への回答'));
    expect(all).toContain(compact('99.9 yes 1'));
  });
});

describe.skipIf(!existsSync(PDFDETACH))('the embedded statement, with standard tools (poppler-utils)', () => {
  it('pdfdetach lists statement.json and saves it byte for byte', async () => {
    const data = JSON.stringify({ ...generalPacs(), header: { manufacturer: '髙橋𠮷野' } }, null, 2);
    const file = save(await exportPdf(generalPacs(), mds, { attachment: { name: 'statement.json', data } }));
    expect(execFileSync(PDFDETACH, ['-list', file], { encoding: 'utf8' })).toMatch(/1: statement\.json/);
    const out = mkdtempSync(join(dir, 'detach-'));
    execFileSync(PDFDETACH, ['-saveall', '-o', out, file]);
    expect(readFileSync(join(out, 'statement.json'), 'utf8')).toBe(data);
    expect(importPdf(readFileSync(file))).toBe(data);
  });
});
