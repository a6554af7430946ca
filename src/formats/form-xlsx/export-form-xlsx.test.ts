import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { generalPacs } from '../../../test/support/statements.js';
import { readZipDirectory, readZipEntry } from '../../../test/support/zip.js';
import type { Statement } from '../../domain/statement.js';
import { builtinTemplates } from '../../domain/templates/registry.js';
import { FormatError } from '../errors.js';
import { exportFormXlsx } from './export-form-xlsx.js';

const templates = builtinTemplates();
const mds = templates.get('jahis-jira-mds', '2')!;
const mds2 = templates.get('nema-mds2', '2019')!;
const utf8 = new TextDecoder();

async function load(bytes: Uint8Array): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(bytes) as unknown as ExcelJS.Buffer);
  return wb;
}

function rowOf(ws: ExcelJS.Worksheet, id: string): number {
  let found = 0;
  ws.eachRow((row, r) => {
    if (found === 0 && row.getCell(1).value === id) found = r;
  });
  if (found === 0) throw new Error(`no row ${id}`);
  return found;
}

function unescapeXml(s: string): string {
  return s.replace(
    /&(lt|gt|amp|quot|apos);/g,
    (_m, n: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" })[n] ?? '',
  );
}

/** The workbook's parts as text, read with the zip guard's own reader rather than a spreadsheet library. */
function parts(bytes: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of readZipDirectory(bytes, 'test')) out.set(e.name, utf8.decode(readZipEntry(bytes, e, 'test')));
  return out;
}

/** The cells of the first worksheet as the XML stores them: address → shared string text, or the raw value. */
function firstSheetCells(bytes: Uint8Array): Map<string, { type: string | undefined; text: string }> {
  const p = parts(bytes);
  const strings = [...(p.get('xl/sharedStrings.xml') ?? '').matchAll(/<si>([\s\S]*?)<\/si>/g)].map((m) =>
    [...(m[1] ?? '').matchAll(/<t[^>]*>([\s\S]*?)<\/t>/g)].map((t) => unescapeXml(t[1] ?? '')).join(''),
  );
  const workbook = p.get('xl/workbook.xml') ?? '';
  const firstId = /<sheet [^>]*r:id="([^"]+)"/.exec(workbook)?.[1];
  const rels = p.get('xl/_rels/workbook.xml.rels') ?? '';
  const target = new RegExp(`<Relationship [^>]*Id="${firstId}"[^>]*Target="([^"]+)"`).exec(rels)?.[1] ?? '';
  const sheet = p.get(`xl/${target.replace(/^\/?xl\//, '')}`) ?? '';
  const cells = new Map<string, { type: string | undefined; text: string }>();
  for (const m of sheet.matchAll(/<c r="([A-Z]+\d+)"([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
    const type = /\bt="([^"]+)"/.exec(m[2] ?? '')?.[1];
    const v = /<v>([\s\S]*?)<\/v>/.exec(m[3] ?? '')?.[1];
    if (v === undefined) continue;
    cells.set(m[1] ?? '', { type, text: type === 's' ? (strings[Number(v)] ?? '') : unescapeXml(v) });
  }
  return cells;
}

/** A solid fill's colour, if the cell has one. */
function fillOf(cell: ExcelJS.Cell): string | undefined {
  const fill = cell.fill as ExcelJS.Fill | undefined;
  return fill?.type === 'pattern' && fill.pattern === 'solid' ? fill.fgColor?.argb : undefined;
}

async function exportError(s: Statement): Promise<FormatError> {
  try {
    await exportFormXlsx(s, mds);
  } catch (e) {
    if (e instanceof FormatError) return e;
    throw e;
  }
  throw new Error('the export succeeded');
}

describe('exportFormXlsx', () => {
  let bytes: Uint8Array;
  let wb: ExcelJS.Workbook;
  let ws: ExcelJS.Worksheet;

  beforeAll(async () => {
    bytes = await exportFormXlsx(generalPacs(), mds);
    wb = await load(bytes);
    ws = wb.worksheets[0]!;
  });

  it('writes ○ in the answered column of the sheet XML: row 4.1-a under はい, row 2 under いいえ, row 10 under 対象外', () => {
    const cells = firstSheetCells(bytes);
    const rowNumber = (id: string): string => {
      for (const [address, cell] of cells) if (/^A\d+$/.test(address) && cell.text === id) return address.slice(1);
      throw new Error(`no row ${id} in the sheet XML`);
    };
    expect(cells.get('D7')?.text).toBe('はい');
    expect(cells.get('E7')?.text).toBe('いいえ');
    expect(cells.get('F7')?.text).toBe('対象外');
    const marks = (id: string): string[] => ['D', 'E', 'F'].map((c) => cells.get(`${c}${rowNumber(id)}`)?.text ?? '');
    expect(marks('4.1-a')).toEqual(['○', '', '']);
    expect(marks('2')).toEqual(['', '○', '']);
    expect(marks('10')).toEqual(['', '', '○']);
    expect(marks('16.1')).toEqual(['', '', '']);
    expect(cells.get(`G${rowNumber('13.1')}`)?.text).toBe('15');
  });

  it('stores row numbers and remark numbers as text cells, so that 2.10 never becomes 2.1', () => {
    const cells = firstSheetCells(bytes);
    const ids = [...cells].filter(([a, c]) => /^A\d+$/.test(a) && /^\d+(\.\d+)*$/.test(c.text));
    expect(ids.length).toBeGreaterThan(50);
    for (const [, c] of ids) expect(c.type).toBe('s');
    const remarkNumbers = [...cells].filter(([a, c]) => /^G\d+$/.test(a) && /^\d+$/.test(c.text));
    expect(remarkNumbers.length).toBeGreaterThan(10);
    for (const [, c] of remarkNumbers) expect(c.type).toBe('s');
  });

  it('puts the header cells at the top: fields on the left, template, edition, status and revision beside them', () => {
    const values = (r: number): unknown[] => [1, 2, 3, 4].map((c) => ws.getCell(r, c).value);
    expect(ws.getCell('A1').value).toBe('製造業者による医療情報セキュリティ開示書 チェックリスト 第2版');
    expect(values(2)).toEqual(['製造メーカー', 'XYZ株式会社', 'テンプレート', 'jahis-jira-mds']);
    expect(values(3)).toEqual(['製品名称', 'General-PACS', '版', '2']);
    expect(values(4)).toEqual(['バージョン', 'V1.20R00', '状態', '下書き']);
    expect(values(5)).toEqual(['作成日', '2016-01-26', '改訂', 1]);
    expect([1, 2, 3, 4, 5, 6, 7].map((c) => ws.getCell(7, c).value)).toEqual([
      'No.',
      '質問',
      '安全管理GL',
      'はい',
      'いいえ',
      '対象外',
      '備考 No.',
    ]);
  });

  it('adds a list validation allowing only ○ to every answer cell, with a Japanese error message', async () => {
    const read = (await load(bytes)).worksheets[0]!;
    const model = (
      read as unknown as { dataValidations: { model: Record<string, ExcelJS.DataValidation | undefined> } }
    ).dataValidations.model;
    for (const id of ['1', '4.1-a', '12.3.1', '30.2']) {
      const r = rowOf(read, id);
      for (const c of ['D', 'E', 'F']) {
        const v = model[`${c}${r}`];
        expect(v?.type).toBe('list');
        expect(v?.formulae).toEqual(['"○"']);
        expect(v?.allowBlank).toBe(true);
        expect(v?.showErrorMessage).toBe(true);
        expect(v?.errorStyle).toBe('stop');
        expect(v?.error).toMatch(/○ を入力するか、空欄に/);
      }
      expect(model[`A${r}`]).toBeUndefined();
      expect(model[`G${r}`]).toBeUndefined();
    }
    // Group rows take no answer, so their answer cells have no validation.
    expect(model[`D${rowOf(read, '4.1')}`]).toBeUndefined();
  });

  it('shades rows that do not apply and marks their answer cells —', () => {
    const r = rowOf(ws, '12.3.1');
    expect(['D', 'E', 'F'].map((c) => ws.getCell(`${c}${r}`).value)).toEqual(['—', '—', '—']);
    for (const c of ['A', 'B', 'D', 'G']) expect(fillOf(ws.getCell(`${c}${r}`))).toBe('FFD9D9D9');
    const applies = rowOf(ws, '12.4');
    for (const c of ['A', 'B', 'D', 'G']) expect(fillOf(ws.getCell(`${c}${applies}`))).toBeUndefined();
    expect(ws.getCell(`D${applies}`).value).toBe('○');
    expect(ws.getCell(`E${applies}`).value).toBeNull();
  });

  it('writes each section as one merged, shaded row', () => {
    let heading = 0;
    ws.eachRow((row, r) => {
      if (row.getCell(1).value === '6.5 技術的安全対策') heading = r;
    });
    expect(heading).toBeGreaterThan(7);
    expect(ws.getCell(`G${heading}`).master.address).toBe(`A${heading}`);
    expect(ws.getCell(`A${heading}`).fill).toMatchObject({ type: 'pattern' });
    expect(ws.getCell(`A${heading + 1}`).value).toBe('3');
  });

  it('prints the bullet rows as bullets under their group', () => {
    expect(ws.getCell(`B${rowOf(ws, '4.1-a')}`).value).toBe('・パスワード認証');
  });

  it('freezes the panes under the table heading, prints on A4 fitted to the width, and protects nothing', () => {
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 7 });
    expect(ws.pageSetup).toMatchObject({ paperSize: 9, fitToPage: true, fitToWidth: 1, fitToHeight: 0 });
    expect(parts(bytes).get('xl/workbook.xml')).toContain(
      '<definedName name="_xlnm.Print_Titles" localSheetId="0">&apos;チェックリスト&apos;!$7:$7</definedName>',
    );
    for (const [name, xml] of parts(bytes))
      if (name.startsWith('xl/worksheets/')) expect(xml).not.toMatch(/sheetProtection/);
    expect(ws.getColumn(2).width).toBeGreaterThan(40);
    expect(ws.getCell('B9').alignment).toMatchObject({ wrapText: true });
  });

  it('writes the remarks sheet and a hidden metadata sheet', () => {
    const remarks = wb.getWorksheet('備考')!;
    expect([remarks.getCell('A1').value, remarks.getCell('B1').value]).toEqual(['No.', '備考']);
    expect(remarks.getCell('A2').value).toBe(1);
    expect(remarks.getCell('B2').value).toBe(generalPacs().remarks[0]?.text);
    expect(remarks.rowCount).toBe(24);
    const meta = wb.getWorksheet('_openmds')!;
    expect(meta.state).toBe('hidden');
    expect([meta.getCell('A1').value, meta.getCell('B1').value]).toEqual(['format', 'openmds-form-xlsx']);
    expect([meta.getCell('B3').value, meta.getCell('B4').value]).toEqual(['jahis-jira-mds', '2']);
  });

  it("uses the template's own options as columns: MDS2 adds 備考参照 / See Note", async () => {
    const empty: Statement = {
      format: 'openmds-statement',
      formatVersion: 1,
      template: { id: 'nema-mds2', edition: '2019' },
      header: {},
      answers: { 'ALOF-1': { answer: 'see-note', remarks: [1] } },
      remarks: [{ number: 1, text: 'Configurable.' }],
      status: 'draft',
      revision: 1,
    };
    for (const [lang, labels] of [
      ['ja', ['はい', 'いいえ', '対象外', '備考参照', '備考 No.']],
      ['en', ['Yes', 'No', 'N/A', 'See Note', 'Note No.']],
    ] as const) {
      const sheet = (await load(await exportFormXlsx(empty, mds2, { lang }))).worksheets[0]!;
      let heading = 0;
      sheet.eachRow((row, r) => {
        if (heading === 0 && row.getCell(2).value === (lang === 'ja' ? '質問' : 'Question')) heading = r;
      });
      expect([4, 5, 6, 7, 8].map((c) => sheet.getCell(heading, c).value)).toEqual(labels);
      const r = rowOf(sheet, 'ALOF-1');
      expect([4, 5, 6, 7, 8].map((c) => sheet.getCell(r, c).value)).toEqual([null, null, null, '○', '1']);
    }
  });

  it('gives a remark that a row cites but the statement lacks an empty row on the remarks sheet', async () => {
    const s = generalPacs();
    const draft: Statement = { ...s, answers: { ...s.answers, '2': { answer: 'no', remarks: [2, 30] } } };
    const sheet = (await load(await exportFormXlsx(draft, mds))).getWorksheet('備考')!;
    expect(sheet.rowCount).toBe(25);
    expect([sheet.getCell('A25').value, sheet.getCell('B25').value]).toEqual([30, '']);
  });

  it('refuses what the form cannot hold: an unknown row, an answer outside the options, another template', async () => {
    const s = generalPacs();
    expect((await exportError({ ...s, answers: { ...s.answers, '99': { answer: 'yes' } } })).message).toBe(
      'answers/99: row 99 is not in template jahis-jira-mds@2',
    );
    expect((await exportError({ ...s, answers: { ...s.answers, '1': { answer: 'maybe' } } })).message).toBe(
      'answers/1: answer "maybe" is not an option of row 1',
    );
    expect((await exportError({ ...s, answers: { ...s.answers, '4.1': { answer: 'yes' } } })).message).toBe(
      'answers/4.1: row 4.1 is a group heading and takes no answer',
    );
    expect((await exportError({ ...s, template: { id: 'nema-mds2', edition: '2019' } })).location).toBe('template');
    expect((await exportError({ ...s, remarks: [...s.remarks, { number: 1, text: 'again' }] })).message).toBe(
      'remarks/1: remark 1 is defined twice',
    );
    expect((await exportError({ ...s, header: { ...s.header, 状態: 'x' } as Statement['header'] })).location).toBe(
      'header/状態',
    );
  });
});
