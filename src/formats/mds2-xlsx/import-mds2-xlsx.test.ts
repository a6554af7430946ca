import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeZip } from '../../../test/support/zip.js';
import type { AnswerEntry } from '../../domain/statement.js';
import { builtinTemplates, TemplateRegistry } from '../../domain/templates/registry.js';
import { validateStatement } from '../../domain/validation.js';
import { FormatError, LIMITS } from '../errors.js';
import { readZipDirectory, readZipEntry } from '../xlsx-guard.js';
import { detectMds2Workbook } from './detect-mds2.js';
import { importMds2Xlsx } from './import-mds2-xlsx.js';

const examplePath = new URL('../../../examples/nema-mds2-example-worksheet.xlsx', import.meta.url);
const example = new Uint8Array(readFileSync(examplePath));
const templates = builtinTemplates();
const now = new Date('2026-11-25T01:02:03.000Z');

async function formatError(p: Promise<unknown>): Promise<FormatError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof FormatError) return e;
    throw e;
  }
  throw new Error('the import succeeded');
}

async function bytesOf(wb: ExcelJS.Workbook): Promise<Uint8Array> {
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

async function loadExample(): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(readFileSync(examplePath) as unknown as ExcelJS.Buffer);
  return wb;
}

type Row = (ExcelJS.CellValue | undefined)[];

interface FormSpec {
  /** Values of DOC-1 … DOC-7, in order. */
  doc?: ExcelJS.CellValue[];
  /** Question rows: id, text, answer, note column. */
  questions?: [string, string, ExcelJS.CellValue, ExcelJS.CellValue][];
  notes?: [string, ExcelJS.CellValue][];
  other?: string;
  /** Empty rows and columns before the form, as a later NEMA revision might have. */
  rowOffset?: number;
  columnOffset?: number;
}

const DOC_LABELS = [
  'Manufacturer Name',
  'Device Description',
  'Device Model',
  'Document ID',
  'Manufacturer Contact Information',
  'Intended use of device in network-connected environment:',
  'Document Release Date',
];
const REF_LABELS = ['IEC TR 80001-2-2:2012', 'NIST SP 800-53 Rev. 4', 'ISO 27002:2013'];

/** An MDS2 form laid out as NEMA's workbook lays it out, written by exceljs. */
async function mds2Form(spec: FormSpec): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('mds2-form');
  let r = 1 + (spec.rowOffset ?? 0);
  const put = (values: Row): void => {
    values.forEach((v, i) => {
      if (v !== undefined) ws.getCell(r, 1 + (spec.columnOffset ?? 0) + i).value = v;
    });
    r++;
  };
  put(['Manufacturer Disclosure Statement for Medical Device Security -- MDS2']);
  put([]);
  put(['Question ID', 'Question', undefined, 'See note', ...REF_LABELS]);
  (spec.doc ?? []).forEach((v, i) => put([`DOC-${i + 1}`, DOC_LABELS[i], v, '__']));
  put([]);
  put([undefined, undefined, 'Yes, No, \nN/A, or \nSee Note', 'Note #']);
  put([undefined, 'AUTOMATIC LOGOFF (ALOF)', undefined, undefined, ...REF_LABELS]);
  put([
    undefined,
    "The device's ability to prevent access and misuse by unauthorized users if device is left idle for a period of time.",
  ]);
  for (const [id, text, answer, note] of spec.questions ?? [])
    put([id, text, answer, note, 'Section 5.1, ALOF', 'AC-12', 'None']);
  put([undefined, 'OTHER SECURITY CONSIDERATIONS (OTHR)', undefined, undefined, ...REF_LABELS]);
  if (spec.other !== undefined) put([' ', spec.other]);
  put([undefined, 'Notes:']);
  for (const [n, text] of spec.notes ?? []) put([n, text]);
  return bytesOf(wb);
}

/** The example read cell by cell with exceljs, not with the importer's parser: what the import must reproduce. */
interface Expected {
  answers: Record<string, AnswerEntry>;
  notes: { number: number; text: string }[];
  answered: number;
  citations: number;
}
let expected: Expected;

const text = (v: ExcelJS.CellValue): string =>
  typeof v === 'string' ? v.trim() : v !== null && typeof v === 'object' && 'hyperlink' in v ? String(v.text) : '';

beforeAll(async () => {
  const ws = (await loadExample()).getWorksheet('mds2-form')!;
  const answerValue: Record<string, string> = { Yes: 'yes', No: 'no', 'N/A': 'na', 'See Notes': 'see-note' };
  expected = { answers: {}, notes: [], answered: 0, citations: 0 };
  ws.eachRow((row) => {
    const a = text(row.getCell('A').value);
    const note = /^Note (\d+)$/.exec(a);
    if (note !== null) expected.notes.push({ number: Number(note[1]), text: text(row.getCell('B').value) });
    if (!/^[A-Z]+-\d/.test(a) || /^DOC-[1-7]$/.test(a)) return;
    const entry: AnswerEntry = {};
    const c = text(row.getCell('C').value);
    if (c !== '') {
      entry.answer = answerValue[c] ?? `unexpected ${c}`;
      expected.answered++;
    }
    const cited = /Note (\d+)/.exec(text(row.getCell('D').value));
    if (cited !== null) {
      entry.remarks = [Number(cited[1])];
      expected.citations++;
    }
    if (entry.answer !== undefined || entry.remarks !== undefined) {
      expected.answers[a === 'SHAD-15' ? 'SAHD-15' : a] = entry;
    }
  });
});

describe("importMds2Xlsx on NEMA's example workbook", () => {
  it('imports every answer and every note', async () => {
    const { statement, warnings } = await importMds2Xlsx(example, {
      templates,
      file: 'Example-MDS2-Worksheet.xlsx',
      now,
    });
    expect(warnings).toEqual([]);
    expect(expected.answered).toBe(232);
    expect(expected.citations).toBe(8);
    expect(expected.notes).toHaveLength(8);
    expect(statement.answers).toEqual(expected.answers);
    expect(Object.keys(statement.answers)).toEqual(templates.get('nema-mds2', '2019')!.rows.map((r) => r.row.id));
    expect(statement.remarks).toEqual(expected.notes);
  });

  it('spot-checks answers, citations and notes', async () => {
    const { statement } = await importMds2Xlsx(example, { templates, now });
    expect(statement.answers['DOC-10']).toEqual({ remarks: [1] });
    expect(statement.answers['DOC-11.1']).toEqual({ answer: 'na' });
    expect(statement.answers['SAHD-15']).toEqual({ answer: 'yes' });
    expect(statement.answers['SAHD-16']).toEqual({ answer: 'see-note', remarks: [6] });
    expect(statement.answers['EMRG-1']).toEqual({ answer: 'na', remarks: [2] });
    expect(statement.answers['MLDP-3']).toEqual({ answer: 'yes', remarks: [4] });
    expect(statement.remarks[4]).toEqual({ number: 5, text: 'Proprietary serial interface cable.' });
    expect(statement.remarks[7]).toEqual({ number: 8, text: 'www.companywebsite.com/support/thisdevice' });
  });

  it('reads the DOC items into the header: dates as YYYY-MM-DD, hyperlinks as their text', async () => {
    const { statement } = await importMds2Xlsx(example, { templates, file: 'x.xlsx', now });
    expect(statement.header).toEqual({
      manufacturer: 'Hidden',
      product: 'Hidden',
      date: '2019-10-09',
      deviceDescription: 'Handheld Blood Glucose Monitor',
      documentId: 'Hidden',
      contact: 'sales@company.com',
      intendedUse: 'Upload glucose measurement history to patient records',
      otherConsiderations: 'NONE',
    });
    expect(statement).toMatchObject({
      format: 'openmds-statement',
      formatVersion: 1,
      template: { id: 'nema-mds2', edition: '2019' },
      status: 'draft',
      revision: 1,
      provenance: [{ kind: 'imported', format: 'mds2-xlsx', file: 'x.xlsx', at: '2026-11-25T01:02:03.000Z' }],
    });
  });

  it('gives a statement that validates without errors', async () => {
    const { statement } = await importMds2Xlsx(example, { templates });
    const result = validateStatement(statement, templates);
    expect(result.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(result.valid).toBe(true);
    expect(result.counts).toEqual({ yes: 29, no: 112, na: 90, other: 1, unanswered: 1, skipped: 0 });
  });

  it('names the cell of an answer that is not an MDS2 answer', async () => {
    const wb = await loadExample();
    wb.getWorksheet('mds2-form')!.getCell('C56').value = 'Maybe';
    const e = await formatError(importMds2Xlsx(await bytesOf(wb), { templates }));
    expect(e.format).toBe('mds2-xlsx');
    expect(e.message).toBe('cell C56: answer "Maybe" for AUDT-1 is not Yes, No, N/A or See Note');
  });

  it('needs the template', async () => {
    const e = await formatError(importMds2Xlsx(example, { templates: new TemplateRegistry() }));
    expect(e.message).toBe('template nema-mds2@2019 is not available');
  });

  it('is recognised by detectMds2Workbook, and other files are not', async () => {
    expect(detectMds2Workbook(example)).toBe(true);
    const plain = new ExcelJS.Workbook();
    plain.addWorksheet('x').getCell('A1').value = 'Question ID';
    expect(detectMds2Workbook(await bytesOf(plain))).toBe(false);
    plain.getWorksheet('x')!.getCell('A2').value = 'DOC-1';
    expect(detectMds2Workbook(await bytesOf(plain))).toBe(true);
    expect(detectMds2Workbook(new TextEncoder().encode('Question ID,DOC-1'))).toBe(false);
    expect(detectMds2Workbook(makeZip([{ name: 'a.txt', data: '>Question ID< >DOC-1<' }]))).toBe(false);
  });
});

describe('importMds2Xlsx on other MDS2 workbooks', () => {
  const doc = [
    '製造元 髙橋医療機器株式会社 𠮷',
    '携帯型血糖測定器',
    '𠮷野 GX-100',
    'MDS2-０１',
    '〒100-0001\n東京都千代田区千代田1-1\nsecurity@example.jp',
    '院内ネットワークで測定履歴を電子カルテへ送信する',
    new Date(Date.UTC(2026, 10, 25)),
  ];

  it('carries Japanese header and notes through exactly', async () => {
    const notes: [string, string][] = [
      ['Note 1', 'ファームウェアは専用ケーブルでのみ更新できます。\n髙・𠮷・①・ｶﾞ・二重  空白はそのまま'],
      ['Note 2', '緊急時アクセス機能はありません（English mixed）'],
    ];
    const data = await mds2Form({
      doc,
      questions: [
        ['ALOF-1', 'Can the device be configured to force reauthorization?', 'はい', 'See Note 1'],
        ['ALOF-2', 'Is the length of inactivity time configurable?', 'See Note', 'See Note 2'],
      ],
      notes,
      other: 'その他：なし',
    });
    const { statement, warnings } = await importMds2Xlsx(data, { templates, now });
    expect(warnings).toEqual([]);
    expect(statement.header).toEqual({
      manufacturer: doc[0],
      product: doc[2],
      date: '2026-11-25',
      deviceDescription: doc[1],
      documentId: doc[3],
      contact: doc[4],
      intendedUse: doc[5],
      otherConsiderations: 'その他：なし',
    });
    expect(statement.answers).toEqual({
      'ALOF-1': { answer: 'yes', remarks: [1] },
      'ALOF-2': { answer: 'see-note', remarks: [2] },
    });
    expect(statement.remarks).toEqual(notes.map(([n, t]) => ({ number: Number(n.slice(5)), text: t })));
    expect(validateStatement(statement, templates).valid).toBe(true);
  });

  it('stores text in NFC', async () => {
    const decomposed = 'か\u3099ffe\u0301'; // が and é, decomposed
    const data = await mds2Form({
      doc: [decomposed],
      notes: [['Note 1', decomposed]],
      questions: [['ALOF-1', 'q', 'Yes', 'See Note 1']],
    });
    const { statement } = await importMds2Xlsx(data, { templates });
    expect(statement.header.manufacturer).toBe('がffé');
    expect(statement.remarks[0]?.text).toBe('がffé');
  });

  it('finds the form by its labels when rows and columns are shifted', async () => {
    const data = await mds2Form({
      doc: ['M', 'D', 'P'],
      questions: [['ALOF-1', 'q', 'No', '__'], ['ALOF-2', 'q', 'N/A', 'See Notes 1, 3']],
      notes: [['Note 1', 'one'], ['Note 3', 'three']],
      rowOffset: 7,
      columnOffset: 2,
    }); // prettier-ignore
    const { statement, warnings } = await importMds2Xlsx(data, { templates });
    expect(warnings).toEqual([]);
    expect(statement.header).toEqual({ manufacturer: 'M', product: 'P', deviceDescription: 'D' });
    expect(statement.answers).toEqual({ 'ALOF-1': { answer: 'no' }, 'ALOF-2': { answer: 'na', remarks: [1, 3] } });
    expect(statement.remarks).toEqual([
      { number: 1, text: 'one' },
      { number: 3, text: 'three' },
    ]);
  });

  it('warns about a question id the template does not know, naming the cell', async () => {
    const data = await mds2Form({
      questions: [
        ['ALOF-1', 'q', 'Yes', '__'],
        ['ALOF-9', 'new question', 'No', '__'],
      ],
    });
    const { statement, warnings } = await importMds2Xlsx(data, { templates });
    expect(warnings).toEqual([
      'cell A9: question ALOF-9 is not in template nema-mds2@2019; its answer was not imported',
    ]);
    expect(statement.answers).toEqual({ 'ALOF-1': { answer: 'yes' } });
  });

  it('reads "See Note 4" written in the answer column as See Note citing note 4', async () => {
    const data = await mds2Form({ questions: [['ALOF-1', 'q', 'See Note 4', '']], notes: [['Note 4', 'four']] });
    const { statement } = await importMds2Xlsx(data, { templates });
    expect(statement.answers).toEqual({ 'ALOF-1': { answer: 'see-note', remarks: [4] } });
  });

  it('warns about a cited note the workbook does not have, and about a citation without a number', async () => {
    const data = await mds2Form({
      questions: [
        ['ALOF-1', 'q', 'Yes', 'See Note 7'],
        ['ALOF-2', 'q', 'No', 'see below'],
      ],
    });
    const { statement, warnings } = await importMds2Xlsx(data, { templates });
    expect(warnings).toEqual([
      'cell D9: "see below" for ALOF-2 names no note number; nothing cited',
      'cell D8: note 7 is cited but the workbook has no "Note 7" row',
    ]);
    expect(statement.answers['ALOF-1']).toEqual({ answer: 'yes', remarks: [7] });
    expect(validateStatement(statement, templates).issues.map((i) => i.code)).toContain('undefined-remark');
  });

  it('reads a date typed as text, and keeps (with a warning) one it cannot read', async () => {
    const us = await importMds2Xlsx(await mds2Form({ doc: ['M', '', 'P', '', '', '', '10/9/2019'], questions: [['ALOF-1', 'q', 'Yes', '']] }), { templates });
    expect(us.statement.header.date).toBe('2019-10-09');
    const odd = await importMds2Xlsx(await mds2Form({ doc: ['M', '', 'P', '', '', '', 'Q4 2019'], questions: [['ALOF-1', 'q', 'Yes', '']] }), { templates });
    expect(odd.statement.header.date).toBe('Q4 2019');
    expect(odd.warnings).toEqual(['cell C10: DOC-7 "Q4 2019" is not a date; kept as written']);
  }); // prettier-ignore

  it('rejects a question or a note that appears twice', async () => {
    const twice = await mds2Form({ questions: [['ALOF-1', 'q', 'Yes', ''], ['ALOF-1', 'q', 'No', '']] });
    expect((await formatError(importMds2Xlsx(twice, { templates }))).message).toBe('cell A9: question ALOF-1 appears twice (first in cell A8)');
    const notes = await mds2Form({ questions: [['ALOF-1', 'q', 'Yes', 'See Note 1']], notes: [['Note 1', 'a'], ['Note 1', 'b']] });
    expect((await formatError(importMds2Xlsx(notes, { templates }))).message).toBe('cell A12: note 1 appears twice (first in cell A11)');
  }); // prettier-ignore
});

describe('importMds2Xlsx on bad input', () => {
  it('rejects truncated bytes', async () => {
    const e = await formatError(importMds2Xlsx(example.subarray(0, example.length - 100), { templates }));
    expect(e.message).toMatch(/^not (an|a readable) XLSX workbook/);
  });

  it('rejects random bytes', async () => {
    const random = new Uint8Array(5000).map((_, i) => (i * 7919 + 13) % 251);
    expect((await formatError(importMds2Xlsx(random, { templates }))).message).toBe(
      'not an XLSX workbook: the file is not a zip archive',
    );
  });

  it('rejects a zip that is not a workbook', async () => {
    const zip = makeZip([{ name: 'mimetype', data: 'application/vnd.oasis.opendocument.spreadsheet' }]);
    expect((await formatError(importMds2Xlsx(zip, { templates }))).message).toBe(
      'not an XLSX workbook: the zip archive has no xl/workbook.xml',
    );
  });

  it('rejects a zip whose declared size is over the limit', async () => {
    const zip = makeZip([
      { name: 'xl/workbook.xml', data: '<workbook/>' },
      { name: 'xl/worksheets/sheet1.xml', data: '<worksheet/>', declaredSize: LIMITS.maxUnzippedBytes + 1 },
    ]);
    expect((await formatError(importMds2Xlsx(zip, { templates }))).message).toMatch(
      /unpacks to more than 52428800 bytes/,
    );
  });

  it("rejects a workbook whose XML is broken, without the library's stack", async () => {
    const zip = makeZip([
      { name: '[Content_Types].xml', data: '<Types/>' },
      { name: 'xl/workbook.xml', data: '<workbook><sheets><sheet name="a"/></wrong></workbook>' },
    ]);
    const e = await formatError(importMds2Xlsx(zip, { templates }));
    expect(e.message).toMatch(/^not a readable XLSX workbook: malformed XML \(line 1, column \d+: .+\)$/);
    expect(e.message).not.toMatch(/\n|at .*\.js/);
  });

  it('rejects a workbook without an MDS2 form', async () => {
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('Sheet1').getCell('A1').value = 'Manufacturer';
    expect((await formatError(importMds2Xlsx(await bytesOf(wb), { templates }))).message).toBe(
      'not an MDS2 workbook: no worksheet has a "Question ID" header cell',
    );
  });
});

describe('importMds2Xlsx under arbitrary input (property)', () => {
  /** Success or FormatError; anything else (a TypeError, an unhandled rejection) fails the property. */
  async function onlyFormatErrors(data: Uint8Array): Promise<void> {
    try {
      await importMds2Xlsx(data, { templates });
    } catch (e) {
      if (!(e instanceof FormatError)) throw e;
    }
  }

  it('arbitrary bytes', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), onlyFormatErrors), { numRuns: 200 });
  });

  it('arbitrary bytes behind a zip signature', async () => {
    const zipLike = fc.uint8Array({ minLength: 22, maxLength: 2048 }).map((b) => {
      b.set([0x50, 0x4b, 0x03, 0x04]);
      b.set([0x50, 0x4b, 0x05, 0x06], b.length - 22);
      return b;
    });
    await fc.assert(fc.asyncProperty(zipLike, onlyFormatErrors), { numRuns: 200 });
  });

  it('the example with bytes changed or cut', async () => {
    const edits = fc.record({
      changes: fc.array(fc.tuple(fc.nat({ max: example.length - 1 }), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 8,
      }),
      cut: fc.option(fc.nat({ max: example.length }), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(edits, async ({ changes, cut }) => {
        const data = example.slice(0, cut);
        for (const [at, byte] of changes) if (at < data.length) data[at] = byte;
        await onlyFormatErrors(data);
      }),
      { numRuns: 150 },
    );
  });

  it('the example with one part changed inside an intact zip (so exceljs sees it)', async () => {
    const parts = readZipDirectory(example, 'xlsx').map((e) => ({
      name: e.name,
      data: readZipEntry(example, e, 'xlsx'),
    }));
    const edit = fc.record({
      part: fc.constantFrom(
        ...parts.map((p) => p.name).filter((n) => n.startsWith('xl/') || n.includes('Content_Types')),
      ),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
      insert: fc.oneof(
        fc.constantFrom('<', '</x>', '"', '&', '<c r="A1" t="s"><v>99999</v></c>', '\u0000'),
        fc.string({ maxLength: 8 }),
      ),
      cut: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(edit, async ({ part, at, insert, cut }) => {
        const files = parts.map((p) => {
          if (p.name !== part) return p;
          const text = Buffer.from(p.data).toString('latin1');
          const i = Math.floor(at * text.length);
          return {
            name: p.name,
            data: Buffer.from(cut ? text.slice(0, i) : text.slice(0, i) + insert + text.slice(i), 'latin1'),
          };
        });
        await onlyFormatErrors(makeZip(files));
      }),
      { numRuns: 80 },
    );
  });
});
