import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvField, csvLine, neutralizeCell, parseCsv, restoreCell } from './csv-text.js';

/** Text that often begins with apostrophes and formula characters, then anything. */
const formulaLike = fc
  .tuple(fc.string({ unit: fc.constantFrom("'", '=', '+', '-', '@', '\t', '\r', ' ', 'a'), maxLength: 4 }), fc.string())
  .map(([head, tail]) => head + tail);
const anyText = fc.oneof(formulaLike, fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }));

describe('CSV cells and formula injection', () => {
  it('writes a cell a spreadsheet would run as a formula with a leading apostrophe', () => {
    expect(csvField('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvField('-1+2')).toBe("'-1+2");
    expect(csvField('+81 3 1234 5678')).toBe("'+81 3 1234 5678");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('\t=1')).toBe("'\t=1");
    expect(csvField('\r=1')).toBe(`"'\r=1"`);
    expect(csvLine(['a', '=1+1', '佐藤'])).toBe("a,'=1+1,佐藤");
  });

  it('leaves other text as it is, Japanese and full-width signs included', () => {
    for (const text of ['', '1', 'a=b', "it's", "'quoted'", '佐藤 花子', '＝全角', '－1', 'パスワード認証 -- 任意'])
      expect(csvField(text)).toBe(text);
  });

  it('also prefixes text that already begins with apostrophes before a formula character, so it reads back', () => {
    expect(neutralizeCell("'=x")).toBe("''=x");
    expect(neutralizeCell("''=x")).toBe("'''=x");
    expect(restoreCell("''=x")).toBe("'=x");
    expect(restoreCell("'=x")).toBe('=x');
    expect(restoreCell("'x")).toBe("'x");
    expect(parseCsv(csvLine(["'=x", "''-1", "'x", '=x']))[0]?.fields).toEqual(["'=x", "''-1", "'x", '=x']);
  });

  it('reads back every text exactly as written', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(restoreCell(neutralizeCell(text))).toBe(text);
        expect(parseCsv(csvLine(['x', text]))[0]?.fields).toEqual(['x', text]);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads back every record of a file exactly as written', () => {
    const record = fc.array(anyText, { minLength: 2, maxLength: 6 });
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 10 }), (records) => {
        const text = `${records.map(csvLine).join('\r\n')}\r\n`;
        expect(parseCsv(text).map((r) => r.fields)).toEqual(records);
      }),
      { numRuns: 500 },
    );
  });

  it('never writes a cell that begins with a formula character', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const cell = parseCsvRaw(csvField(text));
        expect(cell).not.toMatch(/^[=+\-@\t\r]/);
      }),
      { numRuns: 2000 },
    );
  });
});

/** The cell's text as a spreadsheet sees it: the CSV quoting undone, the apostrophe kept. */
function parseCsvRaw(field: string): string {
  return field.startsWith('"') ? field.slice(1, -1).replace(/""/g, '"') : field;
}
