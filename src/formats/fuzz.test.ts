import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { deflatedEntry, rawZip } from '../../test/support/hostile.js';
import { generalPacs } from '../../test/support/statements.js';
import { readZipDirectory, readZipEntry } from '../../test/support/zip.js';
import { validateStatement, type IssueCode } from '../domain/validation.js';
import { builtinTemplates } from '../domain/templates/registry.js';
import { FormatError } from './errors.js';
import { exportStatement, importStatement } from './index.js';

/*
 * Property-based fuzzing of every importer and of validation. An importer given any damaged file must return a
 * statement or throw FormatError, nothing else (no TypeError from deep inside a parser, no hang, no crash).
 *
 * Runs are random but reproducible: on a failure fast-check prints the seed and the shrunk path. Replay with
 *   OPENMDS_FUZZ_SEED=<seed> npx vitest run src/formats/fuzz.test.ts
 * and OPENMDS_FUZZ_RUNS=<n> runs longer (the suite keeps 50–200 runs a property, so it stays fast).
 */
const seedText = process.env['OPENMDS_FUZZ_SEED'];
const runsText = process.env['OPENMDS_FUZZ_RUNS'];
const params = (numRuns: number): fc.Parameters<unknown> => ({
  numRuns: runsText === undefined || runsText === '' ? numRuns : Number(runsText),
  ...(seedText === undefined || seedText === '' ? {} : { seed: Number(seedText) }),
});

const templates = builtinTemplates();
const mds = templates.get('jahis-jira-mds', '2')!;

/** Every issue code, checked complete by the compiler: a new code fails typecheck here until it is listed. */
const KNOWN_CODES: Record<IssueCode, true> = {
  'invalid-structure': true,
  'unknown-template': true,
  'unknown-edition': true,
  'missing-header': true,
  'invalid-header': true,
  'unknown-row': true,
  'not-answerable': true,
  'invalid-answer': true,
  'answer-not-applicable': true,
  'missing-answer': true,
  'undefined-remark': true,
  'duplicate-citation': true,
  'missing-remark': true,
  'duplicate-remark': true,
  'empty-remark': true,
  'unused-remark': true,
};

/** Imports bytes; passes when a statement comes back or a FormatError with a message is thrown. */
async function importsOrRefuses(data: Uint8Array, file: string): Promise<void> {
  try {
    const r = await importStatement(data, { file, templates });
    expect(r.statement.format).toBe('openmds-statement');
  } catch (e) {
    if (!(e instanceof FormatError)) throw e;
    expect(e.message.trim()).not.toBe('');
  }
}

/** Random damage to a file: flipped bytes, a cut, inserted bytes, or replaced by random bytes altogether. */
function damaged(base: Uint8Array): fc.Arbitrary<Uint8Array> {
  const n = base.length;
  return fc.oneof(
    fc.array(fc.tuple(fc.nat(n - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 }).map((flips) => {
      const b = Buffer.from(base);
      for (const [at, x] of flips) b[at] = (b[at] ?? 0) ^ x;
      return new Uint8Array(b);
    }),
    fc.nat(n).map((cut) => base.subarray(0, cut)),
    fc
      .tuple(fc.nat(n), fc.uint8Array({ minLength: 1, maxLength: 64 }))
      .map(([at, bytes]) => new Uint8Array(Buffer.concat([base.subarray(0, at), bytes, base.subarray(at)]))),
    fc.uint8Array({ maxLength: 2048 }),
  );
}

/** Damage to the text of one XML part of a workbook, re-zipped with a correct checksum so exceljs reads it. */
function damagedPart(xlsx: Uint8Array): fc.Arbitrary<Uint8Array> {
  const parts = readZipDirectory(xlsx, 'xlsx').map((e) => ({ name: e.name, data: readZipEntry(xlsx, e, 'xlsx') }));
  const xmlParts = parts.filter((p) => /^xl\/.*\.xml$/.test(p.name)).map((p) => p.name);
  return fc
    .tuple(
      fc.constantFrom(...xmlParts),
      fc.oneof(
        fc.tuple(fc.nat(), fc.nat({ max: 64 }), fc.string({ maxLength: 32 })),
        fc.tuple(
          fc.nat(),
          fc.nat({ max: 64 }),
          fc.constantFrom('<', '>', '"', '&', '</c>', '<c r="ZZZ0">', 't="s"', '<v>99999</v>', '<v>-1</v>', 'r="A0"'),
        ),
      ),
    )
    .map(([name, [at, remove, insert]]) =>
      rawZip(
        parts.map((p) => {
          if (p.name !== name) return deflatedEntry(p.name, p.data);
          const text = Buffer.from(p.data).toString('utf8');
          const i = at % (text.length + 1);
          return deflatedEntry(p.name, text.slice(0, i) + insert + text.slice(i + remove));
        }),
      ),
    );
}

const bases: Record<string, Uint8Array> = {};

beforeAll(async () => {
  const gp = generalPacs();
  bases['statement.json'] = await exportStatement(gp, 'json', templates);
  bases['statement.csv'] = await exportStatement(gp, 'csv', templates);
  bases['statement.html'] = await exportStatement(gp, 'html', templates);
  bases['statement.pdf'] = await exportStatement(gp, 'pdf', templates);
  bases['statement.xlsx'] = await exportStatement(gp, 'xlsx', templates);
  bases['mds2.xlsx'] = new Uint8Array(
    readFileSync(new URL('../../examples/nema-mds2-example-worksheet.xlsx', import.meta.url)),
  );
});

describe('importers under random damage', () => {
  it.each([
    ['statement.json', 300],
    ['statement.csv', 300],
    ['statement.html', 200],
    ['statement.pdf', 200],
    ['statement.xlsx', 100],
    ['mds2.xlsx', 100],
  ])('%s, damaged, imports or throws FormatError', async (file, runs) => {
    const base = bases[file]!;
    await importsOrRefuses(base, file);
    await fc.assert(
      fc.asyncProperty(damaged(base), (data) => importsOrRefuses(data, file)),
      params(runs),
    );
  });

  it.each([
    ['statement.xlsx', 60],
    ['mds2.xlsx', 60],
  ])('%s with a damaged XML part imports or throws FormatError', async (file, runs) => {
    await fc.assert(
      fc.asyncProperty(damagedPart(bases[file]!), (data) => importsOrRefuses(data, file)),
      params(runs),
    );
  });
});

// ---- Random values of the statement's shape -------------------------------------------------------------------

const rowIds = mds.rows.map((r) => r.row.id);
const answerValues = [...new Set(mds.rows.flatMap((r) => [...r.options.keys()]))];

/** Anything JSON can hold, small. */
const json: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 3 });

/** Answers for the MDS 2nd edition: mostly real rows and real options, with some unknown rows and odd values. */
const answersArb = fc.dictionary(
  fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...rowIds) },
    { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
  ),
  fc.oneof(
    {
      weight: 8,
      arbitrary: fc.record(
        {
          answer: fc.oneof(fc.constantFrom(...answerValues), fc.string({ maxLength: 8 })),
          remarks: fc.array(fc.integer({ min: -1, max: 6 }), { maxLength: 4 }),
        },
        { requiredKeys: ['answer'] },
      ),
    },
    { weight: 1, arbitrary: json },
  ),
  { maxKeys: 60 },
);

const remarksArb = fc.array(
  fc.oneof(
    { weight: 8, arbitrary: fc.record({ number: fc.integer({ min: 0, max: 6 }), text: fc.string({ maxLength: 20 }) }) },
    { weight: 1, arbitrary: json },
  ),
  { maxLength: 6 },
);

const headerArb = fc.record(
  {
    manufacturer: fc.string({ maxLength: 20 }),
    product: fc.string({ maxLength: 20 }),
    productVersion: fc.string({ maxLength: 10 }),
    date: fc.oneof(fc.constant('2026-11-25'), fc.constant('2026-02-30'), fc.string({ maxLength: 12 })),
  },
  { requiredKeys: [] },
);

const statementArb = fc.record(
  {
    format: fc.oneof({ weight: 9, arbitrary: fc.constant('openmds-statement') }, { weight: 1, arbitrary: json }),
    formatVersion: fc.oneof({ weight: 9, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: json }),
    template: fc.oneof(
      { weight: 9, arbitrary: fc.constant({ id: 'jahis-jira-mds', edition: '2' }) },
      { weight: 1, arbitrary: fc.record({ id: fc.string(), edition: fc.string() }) },
      { weight: 1, arbitrary: json },
    ),
    header: fc.oneof({ weight: 9, arbitrary: headerArb }, { weight: 1, arbitrary: json }),
    answers: fc.oneof({ weight: 9, arbitrary: answersArb }, { weight: 1, arbitrary: json }),
    remarks: fc.oneof({ weight: 9, arbitrary: remarksArb }, { weight: 1, arbitrary: json }),
    status: fc.oneof(fc.constantFrom('draft', 'final'), json),
    revision: fc.oneof(fc.integer({ min: 0, max: 3 }), json),
  },
  { requiredKeys: ['format', 'template', 'answers'] },
);

describe('statement-shaped values', () => {
  it('import as JSON to a statement or a FormatError, never anything else', async () => {
    await fc.assert(
      fc.asyncProperty(statementArb, (value) =>
        importsOrRefuses(new TextEncoder().encode(JSON.stringify(value)), 'statement.json'),
      ),
      params(300),
    );
  });

  it('validate without throwing, reporting only known codes, and rows that exist or were given', () => {
    fc.assert(
      fc.property(statementArb, fc.boolean(), (value, final) => {
        const result = validateStatement(value, templates, { final });
        const given = new Set(
          typeof value.answers === 'object' && value.answers !== null ? Object.keys(value.answers) : [],
        );
        for (const issue of result.issues) {
          expect(KNOWN_CODES[issue.code], issue.code).toBe(true);
          expect(['error', 'warning']).toContain(issue.severity);
          if (issue.row === null) continue;
          // A row named in an issue is a row of the template, or the unknown one the statement gave.
          if (!rowIds.includes(issue.row)) expect(given.has(issue.row), `${issue.code} ${issue.row}`).toBe(true);
          if (!rowIds.includes(issue.row)) expect(['unknown-row', 'invalid-structure']).toContain(issue.code);
        }
        expect(result.valid).toBe(!result.issues.some((i) => i.severity === 'error'));
      }),
      params(300),
    );
  });
});
