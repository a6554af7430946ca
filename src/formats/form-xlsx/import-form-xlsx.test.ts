import ExcelJS from 'exceljs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generalPacs } from '../../../test/support/statements.js';
import { makeZip, readZipDirectory, readZipEntry } from '../../../test/support/zip.js';
import type { CompiledTemplate } from '../../domain/compiled-template.js';
import { normalizeStatement } from '../../domain/normalize.js';
import type { Statement } from '../../domain/statement.js';
import { builtinTemplates, TemplateRegistry } from '../../domain/templates/registry.js';
import type { TemplateLookup } from '../../domain/validation.js';
import { FormatError } from '../errors.js';
import { exportFormXlsx } from './export-form-xlsx.js';
import { importFormXlsx, type FormXlsxImportResult } from './import-form-xlsx.js';
import { MAX_MERGED_CELLS, MAX_VALIDATED_CELLS } from '../xlsx-range-guard.js';

const templates = builtinTemplates();
const mds = templates.get('jahis-jira-mds', '2')!;
const now = new Date('2026-11-25T01:02:03.000Z');
const utf8 = new TextDecoder();

// General-PACS in Japanese: header rows 2–5 (values in B, template/edition/status/revision in D), the table heading in
// row 7, answers in D (はい), E (いいえ), F (対象外), remark numbers in G.

async function load(bytes: Uint8Array): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(bytes) as unknown as ExcelJS.Buffer);
  return wb;
}

/** Exports a statement, lets a test change the workbook as a person would in Excel, and returns the saved bytes. */
async function edited(
  change: (ws: ExcelJS.Worksheet, wb: ExcelJS.Workbook) => void,
  statement: Statement = generalPacs(),
  template: CompiledTemplate = mds,
): Promise<Uint8Array> {
  const wb = await load(await exportFormXlsx(statement, template));
  change(wb.worksheets[0]!, wb);
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

function rowOf(ws: ExcelJS.Worksheet, id: string): number {
  let found = 0;
  ws.eachRow((row, r) => {
    if (found === 0 && row.getCell(1).value === id) found = r;
  });
  if (found === 0) throw new Error(`no row ${id}`);
  return found;
}

/** Sets the answer cells (D, E, F) of a row. */
function answerCells(
  ws: ExcelJS.Worksheet,
  id: string,
  values: [ExcelJS.CellValue, ExcelJS.CellValue, ExcelJS.CellValue],
) {
  const r = rowOf(ws, id);
  values.forEach((v, i) => (ws.getCell(r, 4 + i).value = v));
  return r;
}

function read(bytes: Uint8Array, lookup: TemplateLookup = templates): Promise<FormXlsxImportResult> {
  return importFormXlsx(bytes, { templates: lookup, file: 'edited.xlsx', now });
}

async function formatError(p: Promise<unknown>): Promise<FormatError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof FormatError) return e;
    throw e;
  }
  throw new Error('the import succeeded');
}

/** Rebuilds the exported zip with a worksheet part changed, for XML no spreadsheet library would write. */
async function withSheetXml(change: (xml: string) => string): Promise<Uint8Array> {
  const bytes = await exportFormXlsx(generalPacs(), mds);
  return makeZip(
    readZipDirectory(bytes, 'test').map((e) => {
      const data = readZipEntry(bytes, e, 'test');
      return { name: e.name, data: e.name === 'xl/worksheets/sheet1.xml' ? change(utf8.decode(data)) : data };
    }),
  );
}

function withoutProvenance(s: Statement): Omit<Statement, 'provenance'> {
  const { provenance: _provenance, ...rest } = s;
  return rest;
}

describe('importFormXlsx reads what people type', () => {
  it('reads はい / いいえ / 対象外 (or Yes, N/A, aliases, full width) typed in any answer cell instead of ○', async () => {
    const bytes = await edited((ws) => {
      answerCells(ws, '1', [null, null, 'いいえ']);
      answerCells(ws, '2', ['はい', null, null]);
      answerCells(ws, '3', ['N/A', null, null]);
      answerCells(ws, '5', [null, ' Yes ', null]);
      answerCells(ws, '6', ['非該当', null, null]);
      answerCells(ws, '7', ['ｎｏ', null, null]);
    });
    const { statement } = await read(bytes);
    expect(statement.answers['1']).toEqual({ answer: 'no', remarks: [1] });
    expect(statement.answers['2']).toEqual({ answer: 'yes', remarks: [2] });
    expect(statement.answers['3']).toEqual({ answer: 'na', remarks: [3] });
    expect(statement.answers['5']).toEqual({ answer: 'yes', remarks: [7] });
    expect(statement.answers['6']).toEqual({ answer: 'na', remarks: [8] });
    expect(statement.answers['7']).toEqual({ answer: 'no', remarks: [9] });
  });

  it('accepts ✓, ✔, 〇 (U+3007), ◯ (U+25EF), ●, o, O and a ticked check box as the mark of a column', async () => {
    const marks: [string, ExcelJS.CellValue][] = [
      ['2', '✓'],
      ['4.1-c', '✔'],
      ['4.1-d', '\u3007'],
      ['4.1-e', '\u25EF'],
      ['4.1.1', '●'],
      ['4.2.1', 'o'],
      ['7', 'O'],
      ['8', true],
    ];
    const bytes = await edited((ws) => {
      for (const [id, mark] of marks) answerCells(ws, id, [false, mark, null]);
    });
    const { statement } = await read(bytes);
    const input = normalizeStatement(generalPacs(), mds);
    expect(withoutProvenance(statement)).toStrictEqual(withoutProvenance(input));
  });

  it('reads remark numbers however they are listed', async () => {
    const bytes = await edited((ws) => {
      ws.getCell(`G${rowOf(ws, '1')}`).value = 1;
      ws.getCell(`G${rowOf(ws, '2')}`).value = '備考2、備考３';
      ws.getCell(`G${rowOf(ws, '3')}`).value = 'See Notes 3 and 4';
      ws.getCell(`G${rowOf(ws, '4')}`).value = '1 2;3/4 #5 ※6';
    });
    const { statement } = await read(bytes);
    expect(statement.answers['1']?.remarks).toEqual([1]);
    expect(statement.answers['2']?.remarks).toEqual([2, 3]);
    expect(statement.answers['3']?.remarks).toEqual([3, 4]);
    expect(statement.answers['4']?.remarks).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('reads dashes and blanks as no answer', async () => {
    const bytes = await edited((ws) => {
      answerCells(ws, '1', ['—', '-', 'ー']);
      answerCells(ws, '2', ['  ', '○', '―']);
    });
    const { statement } = await read(bytes);
    expect(statement.answers['1']).toEqual({ remarks: [1] });
    expect(statement.answers['2']).toEqual({ answer: 'no', remarks: [2] });
  });

  it("reads a formula's cached result and joins the runs of rich text", async () => {
    const bytes = await edited((ws, wb) => {
      answerCells(ws, '1', [{ formula: 'IF(TRUE,"○","")', result: '○' }, null, null]);
      answerCells(ws, '2', [null, { richText: [{ text: 'いい' }, { text: 'え', font: { bold: true } }] }, null]);
      ws.getCell('B2').value = { richText: [{ text: 'XYZ' }, { text: '株式会社', font: { italic: true } }] };
      wb.getWorksheet('備考')!.getCell('B2').value = {
        richText: [{ text: 'DICOM ' }, { text: 'CONFORMANCE STATEMENT', font: { bold: true } }, { text: ' 参照' }],
      };
    });
    const { statement } = await read(bytes);
    expect(statement.answers['1']).toEqual({ answer: 'yes', remarks: [1] });
    expect(statement.answers['2']).toEqual({ answer: 'no', remarks: [2] });
    expect(statement.header.manufacturer).toBe('XYZ株式会社');
    expect(statement.remarks[0]).toEqual({ number: 1, text: 'DICOM CONFORMANCE STATEMENT 参照' });
  });

  it('matches row numbers Excel turned into numbers against the template', async () => {
    const bytes = await edited((ws) => {
      ws.getCell(`A${rowOf(ws, '1')}`).value = 1;
      ws.getCell(`A${rowOf(ws, '12.1')}`).value = 12.1;
      ws.getCell(`A${rowOf(ws, '4.2')}`).value = 4.2;
      ws.getCell(`A${rowOf(ws, '5')}`).value = '５';
    });
    const { statement } = await read(bytes);
    expect(withoutProvenance(statement)).toStrictEqual(withoutProvenance(normalizeStatement(generalPacs(), mds)));
  });

  it('tells row 2.10 from 2.1 by the number format, and asks for text when nothing tells them apart', async () => {
    const registry = new TemplateRegistry();
    const numbered = registry.add({
      format: 'openmds-template',
      id: 'numbered',
      edition: '1',
      title: { ja: '番号のテスト' },
      publisher: { ja: 'OpenMDS' },
      languages: ['ja'],
      remarkStyle: 'remarks',
      answerSets: {
        yn: [
          { value: 'yes', label: { ja: 'はい' }, countsAs: 'yes' },
          { value: 'no', label: { ja: 'いいえ' }, countsAs: 'no' },
        ],
      },
      headerFields: mds.template.headerFields,
      sections: [{ id: 's2', title: { ja: '第2節' } }],
      rows: ['2.1', '2.10'].map((id) => ({
        id,
        number: id,
        section: 's2',
        kind: 'question',
        text: { ja: `質問 ${id}` },
        refs: [],
        answerSet: 'yn',
      })),
    });
    const statement: Statement = {
      format: 'openmds-statement',
      formatVersion: 1,
      template: { id: 'numbered', edition: '1' },
      header: {},
      answers: { '2.1': { answer: 'yes' }, '2.10': { answer: 'no' } },
      remarks: [],
      status: 'draft',
      revision: 1,
    };
    const formatted = await edited(
      (ws) => {
        const cell = ws.getCell(`A${rowOf(ws, '2.10')}`);
        cell.value = 2.1;
        cell.numFmt = '0.00';
      },
      statement,
      numbered,
    );
    expect((await read(formatted, registry)).statement.answers).toEqual(statement.answers);

    const plain = await edited((ws) => (ws.getCell(`A${rowOf(ws, '2.10')}`).value = 2.1), statement, numbered);
    const e = await formatError(read(plain, registry));
    expect(e.location).toMatch(/^cell A\d+$/);
    expect(e.message).toMatch(/the number 2\.1 could be row 2\.1 or 2\.10; type the row number as text/);
  });

  it('reads a date typed into 作成日, an edition Excel turned into a number, and status labels in either language', async () => {
    for (const [status, want] of [
      ['In review', 'in-review'],
      ['確定', 'finalized'],
      ['published', 'published'],
    ] as const) {
      const bytes = await edited((ws) => {
        ws.getCell('B5').value = new Date(Date.UTC(2016, 0, 26));
        ws.getCell('D3').value = 2;
        ws.getCell('D4').value = status;
        ws.getCell('D5').value = '4';
      });
      const { statement } = await read(bytes);
      expect(statement.header.date).toBe('2016-01-26');
      expect(statement.template).toEqual({ id: 'jahis-jira-mds', edition: '2' });
      expect(statement.status).toBe(want);
      expect(statement.revision).toBe(4);
    }
  });

  it('keeps a header field a person added, and passes over an unmerged section heading and notes under the table', async () => {
    const bytes = await edited((ws) => {
      ws.getCell('A6').value = '社内管理番号';
      ws.getCell('B6').value = 'QA-2026-001';
      let heading = 0;
      ws.eachRow((row, r) => {
        if (row.getCell(1).value === '6.5 技術的安全対策') heading = r;
      });
      ws.unMergeCells(`A${heading}:G${heading}`);
      ws.getCell(`B${ws.rowCount + 2}`).value = 'メモ: 次回改訂で見直す';
    });
    const { statement, warnings } = await read(bytes);
    expect((statement.header as Record<string, string | undefined>)['社内管理番号']).toBe('QA-2026-001');
    expect(Object.keys(statement.answers)).toHaveLength(Object.keys(generalPacs().answers).length);
    expect(warnings).toEqual([]);
  });

  it('works without the metadata sheet, from the header cells alone', async () => {
    const bytes = await edited((_ws, wb) => wb.removeWorksheet(wb.getWorksheet('_openmds')!.id));
    const { statement, warnings } = await read(bytes);
    expect(withoutProvenance(statement)).toStrictEqual(withoutProvenance(normalizeStatement(generalPacs(), mds)));
    expect(statement.provenance).toEqual([
      { kind: 'imported', format: 'form-xlsx', file: 'edited.xlsx', at: now.toISOString() },
    ]);
    expect(warnings).toEqual([]);
  });

  it('falls back on the metadata when the header cells are gone, and warns when the two disagree', async () => {
    const gone = await edited((ws) => ['C2', 'D2', 'C3', 'D3'].forEach((a) => (ws.getCell(a).value = null)));
    expect((await read(gone)).statement.template).toEqual({ id: 'jahis-jira-mds', edition: '2' });

    const other = await edited((_ws, wb) => (wb.getWorksheet('_openmds')!.getCell('B4').value = '3'));
    const { statement, warnings } = await read(other);
    expect(statement.template).toEqual({ id: 'jahis-jira-mds', edition: '2' });
    expect(warnings).toEqual([
      "cell D2: the form names template jahis-jira-mds@2, its metadata jahis-jira-mds@3; the form's cells win",
    ]);
  });

  it('keeps the provenance the metadata carries, and warns about what it cannot read there', async () => {
    const earlier = { kind: 'imported' as const, format: 'csv', file: 'old.csv', at: '2026-01-02T03:04:05.000Z' };
    const bytes = await edited(
      (_ws, wb) => {
        const meta = wb.getWorksheet('_openmds')!;
        meta.getCell('B2').value = 2;
        meta.addRow(['provenance', '{"kind":"teleported"}']);
      },
      { ...generalPacs(), provenance: [earlier] },
    );
    const { statement, warnings } = await read(bytes);
    expect(statement.provenance).toEqual([
      earlier,
      { kind: 'imported', format: 'form-xlsx', file: 'edited.xlsx', at: now.toISOString() },
    ]);
    expect(warnings).toEqual([
      'sheet _openmds: written by a newer OpenMDS (format version 2); read as version 1',
      'sheet _openmds, cell B7: not a provenance entry; dropped',
    ]);
  });

  it('needs no remarks sheet when no row cites a remark', async () => {
    const s: Statement = { ...generalPacs(), answers: { '1': { answer: 'yes' } }, remarks: [] };
    const bytes = await edited((_ws, wb) => wb.removeWorksheet(wb.getWorksheet('備考')!.id), s);
    expect((await read(bytes)).statement.answers).toEqual({ '1': { answer: 'yes' } });
  });
});

describe('importFormXlsx errors name the cell', () => {
  async function errorOf(change: (ws: ExcelJS.Worksheet, wb: ExcelJS.Workbook) => void): Promise<FormatError> {
    const e = await formatError(read(await edited(change)));
    expect(e.format).toBe('form-xlsx');
    return e;
  }

  it('rejects two marks in one row, naming both cells and the row', async () => {
    let r = 0;
    const e = await errorOf((ws) => (r = answerCells(ws, '1', ['○', '○', null])));
    expect(e.location).toBe(`cell E${r}`);
    expect(e.message).toBe(`cell E${r}: row 1 has 2 answers ("○" in cell D${r}, "○" in cell E${r}); keep one`);
    const typed = await errorOf((ws) => (r = answerCells(ws, '2', ['はい', null, 'いいえ'])));
    expect(typed.message).toBe(
      `cell F${r}: row 2 has 2 answers ("はい" in cell D${r}, "いいえ" in cell F${r}); keep one`,
    );
  });

  it('rejects a cell that is neither a mark nor an answer', async () => {
    let r = 0;
    const e = await errorOf((ws) => (r = answerCells(ws, '1', ['たぶん', null, null])));
    expect(e.message).toBe(
      `cell D${r}: "たぶん" for row 1 is not an answer: put ○ in the column of the answer, or write はい, いいえ or 対象外`,
    );
  });

  it('rejects an answer on a group row', async () => {
    let r = 0;
    const e = await errorOf((ws) => (r = answerCells(ws, '4.1', ['○', null, null])));
    expect(e.message).toBe(`cell D${r}: row 4.1 is a group heading and takes no answer`);
  });

  it('rejects a remark number that the remarks sheet does not define, and one that is no number', async () => {
    let r = 0;
    const missing = await errorOf((ws) => {
      r = rowOf(ws, '1');
      ws.getCell(`G${r}`).value = '1, 99';
    });
    expect(missing.message).toBe(`cell G${r}: remark 99 is cited, but sheet 備考 has no remark 99`);
    const bad = await errorOf((ws) => (ws.getCell(`G${rowOf(ws, '1')}`).value = '1, x'));
    expect(bad.message).toBe(`cell G${r}: remark number "x" is not a whole number from 1 to 9999`);
    const gone = await errorOf((ws, wb) => {
      r = rowOf(ws, '1');
      wb.removeWorksheet(wb.getWorksheet('備考')!.id);
    });
    expect(gone.message).toBe(`cell G${r}: remark 1 is cited, but the workbook has no 備考 (Remarks) sheet`);
  });

  it('rejects a row number the template does not know, a row given twice, and an answer without a row number', async () => {
    let r = 0;
    const unknown = await errorOf((ws) => {
      r = rowOf(ws, '1');
      ws.getCell(`A${r}`).value = '99';
    });
    expect(unknown.message).toBe(`cell A${r}: row 99 is not in template jahis-jira-mds@2`);
    let first = 0;
    const twice = await errorOf((ws) => {
      first = rowOf(ws, '1');
      r = rowOf(ws, '2');
      ws.getCell(`A${r}`).value = '1';
    });
    expect(twice.message).toBe(`cell A${r}: row 1 appears twice (first in cell A${first})`);
    const unnumbered = await errorOf((ws) => {
      r = rowOf(ws, '1');
      ws.getCell(`A${r}`).value = null;
    });
    expect(unnumbered.message).toBe(`cell A${r}: an answer in a row without a row number`);
  });

  it('rejects an unknown template or edition, naming the header cell, and a form that names none', async () => {
    const template = await errorOf((ws) => (ws.getCell('D2').value = 'no-such-template'));
    expect(template.message).toBe('cell D2: template no-such-template@2 is not known');
    const edition = await errorOf((ws) => (ws.getCell('D3').value = '9'));
    expect(edition.message).toBe('cell D3: template jahis-jira-mds@9 is not known (editions of jahis-jira-mds: 2)');
    const none = await errorOf((ws, wb) => {
      ws.getCell('D2').value = null;
      ws.getCell('D3').value = null;
      wb.removeWorksheet(wb.getWorksheet('_openmds')!.id);
    });
    expect(none.message).toMatch(/^the header names no template/);
  });

  it('refuses a formula without a computed value, or with an error, in an answer column', async () => {
    let r = 0;
    const uncomputed = await errorOf((ws) => (r = answerCells(ws, '1', [{ formula: 'IF(TRUE,"○","")' }, null, null])));
    expect(uncomputed.message).toBe(
      `cell D${r}: a formula without a computed value; open and save the file in Excel, or type the value instead`,
    );
    const failing = await errorOf(
      (ws) => (r = answerCells(ws, '1', [{ formula: 'NA()', result: { error: '#N/A' } }, null, null])),
    );
    expect(failing.message).toBe(`cell D${r}: the cell holds the error value #N/A`);
  });

  it('rejects a bad status, a header field given twice, and bad rows on the remarks sheet', async () => {
    expect((await errorOf((ws) => (ws.getCell('D4').value = 'done'))).message).toMatch(
      /^cell D4: status "done" is not 下書き \(draft\), /,
    );
    const twice = await errorOf((ws) => {
      ws.getCell('A6').value = '製品名称:';
      ws.getCell('B6').value = 'Other-PACS';
    });
    expect(twice.message).toBe('cell A6: "製品名称:" appears twice (first in cell A3)');
    const duplicate = await errorOf((_ws, wb) => (wb.getWorksheet('備考')!.getCell('A3').value = 1));
    expect(duplicate.message).toBe('sheet 備考, cell A3: remark 1 appears twice (first in cell A2)');
    const unnumbered = await errorOf((_ws, wb) => (wb.getWorksheet('備考')!.getCell('A3').value = null));
    expect(unnumbered.message).toBe('sheet 備考, cell B3: a remark without a number (cell A3 is empty)');
    const zero = await errorOf((_ws, wb) => (wb.getWorksheet('備考')!.getCell('A3').value = 0));
    expect(zero.message).toBe('sheet 備考, cell A3: remark number "0" is not a whole number from 1 to 9999');
  });

  it('rejects a workbook without the checklist table', async () => {
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('Sheet1').getCell('A1').value = 'hello';
    const e = await formatError(read(new Uint8Array(await wb.xlsx.writeBuffer())));
    expect(e.message).toMatch(/^not a checklist workbook: no sheet "チェックリスト"/);
    const headless = await errorOf((ws) => (ws.getRow(7).values = []));
    expect(headless.message).toBe(
      'sheet チェックリスト: no table heading: no row has both a "No." and a "質問" (Question) cell',
    );
  });
});

describe('importFormXlsx refuses hostile files', () => {
  it('rejects bytes that are not a zip archive', async () => {
    const e = await formatError(read(new TextEncoder().encode('No.,質問\n1,はい\n')));
    expect(e.message).toBe('not an XLSX workbook: the file is not a zip archive');
  });

  it('rejects a zip bomb before unpacking it', async () => {
    const bomb = makeZip([{ name: 'xl/workbook.xml', data: new Uint8Array(60 * 1024 * 1024) }]);
    expect(bomb.length).toBeLessThan(200_000);
    expect((await formatError(read(bomb))).message).toMatch(/unpacks to more than/);
    const liar = makeZip([{ name: 'xl/workbook.xml', data: new Uint8Array(1024 * 1024), declaredSize: 100 }]);
    expect((await formatError(read(liar))).message).toMatch(/unpacks to more than its declared size/);
  });

  it('rejects merged cells or data validation covering more cells than exceljs can expand', async () => {
    const merged = await withSheetXml((xml) =>
      xml.replace('</mergeCells>', '<mergeCell ref="A300:XFD1048576"/></mergeCells>'),
    );
    const m = await formatError(read(merged));
    expect(m.location).toBe('zip entry "xl/worksheets/sheet1.xml"');
    expect(m.message).toMatch(new RegExp(`merged cells cover more than ${MAX_MERGED_CELLS} cells`));
    const validated = await withSheetXml((xml) =>
      xml.replace(
        /<dataValidations count="\d+">/,
        (open) => `${open}<dataValidation type="list" sqref="A1:XFD1048576"><formula1>"○"</formula1></dataValidation>`,
      ),
    );
    expect((await formatError(read(validated))).message).toMatch(
      new RegExp(`data validation covers more than ${MAX_VALIDATED_CELLS} cells`),
    );
  });
});

describe('importFormXlsx under arbitrary input (property)', () => {
  /** Success or FormatError; anything else (a TypeError, an unhandled rejection) fails the property. */
  async function onlyFormatErrors(data: Uint8Array): Promise<void> {
    try {
      await read(data);
    } catch (e) {
      if (!(e instanceof FormatError)) throw e;
    }
  }

  it('arbitrary bytes, bare or behind a zip signature', async () => {
    const zipLike = fc.uint8Array({ minLength: 22, maxLength: 2048 }).map((b) => {
      b.set([0x50, 0x4b, 0x03, 0x04]);
      b.set([0x50, 0x4b, 0x05, 0x06], b.length - 22);
      return b;
    });
    await fc.assert(fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 4096 }), zipLike), onlyFormatErrors), {
      numRuns: 200,
    });
  });

  it('an exported form with one part changed inside an intact zip (so exceljs sees it)', async () => {
    const bytes = await exportFormXlsx(generalPacs(), mds);
    const parts = readZipDirectory(bytes, 'test').map((e) => ({ name: e.name, data: readZipEntry(bytes, e, 'test') }));
    const edit = fc.record({
      part: fc.constantFrom(...parts.map((p) => p.name).filter((n) => n.startsWith('xl/'))),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
      insert: fc.oneof(
        fc.constantFrom(
          '<',
          '</x>',
          '"',
          '&',
          '<c r="A9" t="s"><v>99999</v></c>',
          '<mergeCell ref="A9:B9"/>',
          '\u0000',
        ),
        fc.string({ maxLength: 8 }),
      ),
      cut: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(edit, async ({ part, at, insert, cut }) => {
        const files = parts.map((p) => {
          if (p.name !== part) return p;
          const text = utf8.decode(p.data);
          const i = Math.floor(at * text.length);
          return { name: p.name, data: cut ? text.slice(0, i) : text.slice(0, i) + insert + text.slice(i) };
        });
        await onlyFormatErrors(makeZip(files));
      }),
      { numRuns: 80 },
    );
  });

  it('an exported form with whatever a person might type into its cells', async () => {
    const bytes = await exportFormXlsx(generalPacs(), mds);
    const value: fc.Arbitrary<ExcelJS.CellValue> = fc.oneof(
      fc.constantFrom<ExcelJS.CellValue>(
        null,
        '○',
        'はい',
        'いいえ',
        '—',
        '1, 2',
        '4.1-a',
        '99',
        'jahis-jira-mds',
        true,
      ),
      fc.string({ maxLength: 12 }),
      fc.double(),
      fc.date({ noInvalidDate: true }),
      fc.constantFrom<ExcelJS.CellValue>(
        { formula: 'A1', result: 7 },
        { formula: 'B2' } as ExcelJS.CellFormulaValue,
        { richText: [{ text: 'は' }, { text: 'い' }] },
        { text: 'link', hyperlink: 'https://example.com' },
        { error: '#REF!' } as ExcelJS.CellErrorValue,
      ),
    );
    const edits = fc.array(fc.tuple(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 9 }), value), {
      minLength: 1,
      maxLength: 6,
    });
    await fc.assert(
      fc.asyncProperty(edits, fc.boolean(), async (changes, remarksSheet) => {
        const wb = await load(bytes);
        const ws = wb.worksheets[remarksSheet ? 1 : 0]!;
        for (const [r, c, v] of changes) ws.getCell(r, c).value = v;
        await onlyFormatErrors(new Uint8Array(await wb.xlsx.writeBuffer()));
      }),
      { numRuns: 60 },
    );
  });
});
