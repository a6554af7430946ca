import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generalPacs, repoFile } from '../../../test/support/statements.js';
import { builtinTemplates } from '../../domain/templates/registry.js';
import { validateStatement } from '../../domain/validation.js';
import { FormatError } from '../errors.js';
import { exportJson, importJson, parseJsonText } from './json-format.js';

const mds = builtinTemplates().get('jahis-jira-mds', '2');

describe('canonical JSON', () => {
  it('the shipped example is already in canonical form', () => {
    const text = repoFile('examples/general-pacs-v1.20R00.json');
    const s = importJson(text, mds);
    expect(exportJson(s, mds)).toBe(`${JSON.stringify({ ...generalPacs(), $schema: undefined }, null, 2)}\n`);
  });

  it('round-trips Japanese text exactly, including 髙, 𠮷 and combining marks normalized to NFC', () => {
    const s = generalPacs();
    s.header.manufacturer = '髙橋𠮷野メディカル株式会社 🏥';
    s.remarks[0]!.text = 'ガ (NFD: ガ) と「」、改行\n二行目';
    const back = importJson(new TextEncoder().encode(exportJson(s, mds)), mds);
    expect(back.header.manufacturer).toBe('髙橋𠮷野メディカル株式会社 🏥');
    expect(back.remarks[0]?.text).toBe('ガ (NFD: ガ) と「」、改行\n二行目'.normalize('NFC'));
    expect(importJson(exportJson(back, mds), mds)).toEqual(back);
  });

  it('names the line and column of a syntax error', () => {
    expect(() => importJson('{\n  "format": "openmds-statement",\n  "x": tru\n}')).toThrow(
      /line 3, column \d+: invalid JSON/,
    );
  });

  it('rejects what is not a statement, naming the field', () => {
    expect(() => importJson('[]')).toThrow(/format: not an OpenMDS statement/);
    const s = { ...generalPacs(), answers: { '1': { answer: 'yes', remarks: 'one' } } };
    expect(() => importJson(JSON.stringify(s))).toThrow(/answers\/1\/remarks: must be array/);
  });

  it('limits depth and size', () => {
    expect(() => parseJsonText('['.repeat(40) + ']'.repeat(40))).toThrow(/nesting deeper than 32 levels/);
    expect(() => parseJsonText(new Uint8Array(11 * 1024 * 1024))).toThrow(/larger than/);
    expect(() => parseJsonText(new Uint8Array([0x7b, 0xff, 0x7d]))).toThrow(/not valid UTF-8/);
  });

  it('arbitrary JSON ends in a statement or a FormatError, and validation never throws', () => {
    const templates = builtinTemplates();
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const text = JSON.stringify(value);
        try {
          importJson(text);
        } catch (e) {
          expect(e).toBeInstanceOf(FormatError);
        }
        const r = validateStatement(value, templates, { final: true });
        expect(typeof r.valid).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });

  it('statements with arbitrary answers and remarks validate without throwing', () => {
    const templates = builtinTemplates();
    const rowIds = mds!.rows.map((r) => r.row.id);
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.oneof(fc.constantFrom(...rowIds), fc.string()),
          fc.record(
            {
              answer: fc.oneof(fc.constantFrom('yes', 'no', 'na'), fc.string()),
              remarks: fc.array(fc.integer({ min: -2, max: 30 })),
            },
            { requiredKeys: [] },
          ),
        ),
        fc.array(fc.record({ number: fc.integer({ min: 0, max: 30 }), text: fc.string() })),
        (answers, remarks) => {
          const s = { ...generalPacs(), answers, remarks };
          const r = validateStatement(s, templates, { final: true });
          if (r.valid) expect(r.issues.every((i) => i.severity === 'warning')).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('JSON syntax errors', () => {
  it.each([
    ['{"a": 1,}', 1, 9, 'expected a property name'],
    ['{\n  "a": [1, 2\n}', 3, 1, 'expected "," or "]"'],
    ['{"a": "x\ny"}', 1, 9, 'control character'],
    ['{"a" 1}', 1, 6, 'expected ":"'],
    ['[1] 2', 1, 5, 'after the end of the document'],
    ['', 1, 1, 'unexpected end of input'],
  ])('%j is reported at line %i, column %i', (text, line, column, reason) => {
    let message = '';
    try {
      parseJsonText(text);
    } catch (e) {
      message = e instanceof FormatError ? e.message : 'not a FormatError';
    }
    expect(message.startsWith(`line ${line}, column ${column}: invalid JSON: `)).toBe(true);
    expect(message).toContain(reason);
  });
});
