import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { completeMdsStatement, generalPacs } from '../../../test/support/statements.js';
import type { CompiledTemplate } from '../../domain/compiled-template.js';
import { normalizeStatement } from '../../domain/normalize.js';
import type { AnswerEntry, Statement } from '../../domain/statement.js';
import { builtinTemplates } from '../../domain/templates/registry.js';
import { exportJson } from '../json/json-format.js';
import { importMds2Xlsx } from '../mds2-xlsx/import-mds2-xlsx.js';
import { exportFormXlsx } from './export-form-xlsx.js';
import { importFormXlsx } from './import-form-xlsx.js';

const templates = builtinTemplates();
const mds = templates.get('jahis-jira-mds', '2')!;
const mds2 = templates.get('nema-mds2', '2019')!;
const now = new Date('2026-11-25T01:02:03.000Z');
const LANGS = ['ja', 'en'] as const;

function withoutProvenance(s: Statement): Omit<Statement, 'provenance'> {
  const { provenance: _provenance, ...rest } = s;
  return rest;
}

async function roundTrip(s: Statement, t: CompiledTemplate, lang: 'ja' | 'en' = 'ja') {
  const bytes = await exportFormXlsx(s, t, { lang });
  return importFormXlsx(bytes, { templates, file: 'form.xlsx', now });
}

/** Expects the import to equal the input in normal form, byte for byte as JSON, with one provenance entry more. */
function expectSame(imported: Statement, input: Statement, t: CompiledTemplate): void {
  const want = normalizeStatement(input, t);
  expect(withoutProvenance(imported)).toStrictEqual(withoutProvenance(want));
  expect(exportJson(withoutProvenance(imported) as Statement, t)).toBe(
    exportJson(withoutProvenance(want) as Statement, t),
  );
  expect(imported.provenance).toStrictEqual([
    ...(want.provenance ?? []),
    { kind: 'imported', format: 'form-xlsx', file: 'form.xlsx', at: now.toISOString() },
  ]);
}

async function nemaExample(): Promise<Statement> {
  const data = new Uint8Array(
    readFileSync(new URL('../../../examples/nema-mds2-example-worksheet.xlsx', import.meta.url)),
  );
  return (await importMds2Xlsx(data, { templates, file: 'nema.xlsx', now })).statement;
}

describe('form XLSX round trip', () => {
  for (const lang of LANGS) {
    it(`brings General-PACS back unchanged (${lang})`, async () => {
      const input = generalPacs();
      const { statement, warnings } = await roundTrip(input, mds, lang);
      expectSame(statement, input, mds);
      expect(warnings).toEqual([]);
    });

    it(`brings a complete MDS statement back unchanged, 髙 and 𠮷 included (${lang})`, async () => {
      const input = completeMdsStatement((row) => (row === '2' ? 'na' : row === '3' ? 'no' : undefined));
      const { statement, warnings } = await roundTrip(input, mds, lang);
      expectSame(statement, input, mds);
      expect(statement.header.manufacturer).toBe('髙橋医療機器株式会社');
      expect(statement.header.product).toBe('𠮷野 PACS');
      expect(warnings).toEqual([]);
    });

    it(`brings NEMA's MDS2 example back unchanged, See Note answers and notes included (${lang})`, async () => {
      const input = await nemaExample();
      expect(Object.keys(input.answers).length).toBeGreaterThan(200);
      const { statement, warnings } = await roundTrip(input, mds2, lang);
      expectSame(statement, input, mds2);
      expect(statement.provenance).toHaveLength(2);
      expect(warnings).toEqual([]);
    });
  }

  it('keeps text exactly: line breaks, CR LF, edge spaces, control characters, escapes, an empty remark', async () => {
    const base = generalPacs();
    const texts: Record<number, string> = {
      1: '一行目\n二行目\n',
      2: '  前後に空白  ',
      3: 'Windows の改行\r\nです\r',
      4: '_x0041_ is not A, and _x005F_ is not _',
      5: 'tab\tbell\u0007 nul\u0000 del\u007f \uFFFE\uFFFF',
      6: '',
      7: '=SUM(A1:A2)',
      8: '𠮷野家の髙島屋 👨‍👩‍👧 e\u0301',
      9: 'lone \uD800 and \uDC00 surrogates',
    };
    const input: Statement = {
      ...base,
      header: {
        ...base.header,
        manufacturer: ' XYZ株式会社 ',
        社内管理番号: 'MDS-2026-001',
        'note\nfield': 'a\rb',
      } as Statement['header'],
      remarks: base.remarks.map((r) => ({ number: r.number, text: texts[r.number] ?? r.text })),
      status: 'in-review',
      revision: 3,
      provenance: [{ kind: 'imported', format: 'csv', file: 'old.csv', at: '2026-01-02T03:04:05.000Z' }],
    };
    for (const lang of LANGS) {
      const { statement } = await roundTrip(input, mds, lang);
      expectSame(statement, input, mds);
      expect(statement.remarks.find((r) => r.number === 3)?.text).toBe('Windows の改行\r\nです\r');
      expect(statement.remarks.find((r) => r.number === 8)?.text).toBe('𠮷野家の髙島屋 👨‍👩‍👧 é');
    }
  });

  it('round-trips random answers, citations and Unicode text (property)', async () => {
    const rows = mds.rows.filter((r) => r.answerable).map((r) => r.row.id);
    const text = fc.string({
      unit: fc.oneof(
        { weight: 4, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
        { weight: 4, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
        {
          weight: 1,
          arbitrary: fc.constantFrom('\r', '\n', ' ', '\t', '_x0041_', '_x', '\uD800', '\uDFFF', '𠮷', '髙'),
        },
      ),
      maxLength: 60,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.record({ number: fc.integer({ min: 1, max: 9999 }), text }), {
          selector: (r) => r.number,
          maxLength: 6,
        }),
        fc.uniqueArray(fc.constantFrom(...rows), { maxLength: 25 }),
        fc.array(fc.constantFrom<string | undefined>('yes', 'no', 'na', undefined), { minLength: 25, maxLength: 25 }),
        fc.array(fc.array(fc.nat(), { maxLength: 3 }), { minLength: 25, maxLength: 25 }),
        fc.record({ manufacturer: text, product: text, productVersion: text, date: text }),
        fc.constantFrom(...LANGS),
        async (remarks, answered, values, citations, header, lang) => {
          const answers: Record<string, AnswerEntry> = {};
          answered.forEach((id, i) => {
            const entry: AnswerEntry = {};
            const answer = values[i];
            if (answer !== undefined) entry.answer = answer;
            const cited =
              remarks.length === 0 ? [] : (citations[i] ?? []).map((n) => remarks[n % remarks.length]!.number);
            if (cited.length > 0) entry.remarks = cited;
            answers[id] = entry;
          });
          const input: Statement = {
            format: 'openmds-statement',
            formatVersion: 1,
            template: { id: 'jahis-jira-mds', edition: '2' },
            header,
            answers,
            remarks,
            status: 'draft',
            revision: 1,
          };
          const { statement } = await roundTrip(input, mds, lang);
          expectSame(statement, input, mds);
        },
      ),
      { numRuns: 40 },
    );
  });
});
