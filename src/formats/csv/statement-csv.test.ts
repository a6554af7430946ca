import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generalPacs } from '../../../test/support/statements.js';
import { normalizeStatement } from '../../domain/normalize.js';
import { builtinTemplates } from '../../domain/templates/registry.js';
import { FormatError } from '../errors.js';
import { parseCsv } from './csv-text.js';
import { exportCsv, importCsv } from './statement-csv.js';

const templates = builtinTemplates();
const mds = templates.get('jahis-jira-mds', '2')!;

describe('statement CSV', () => {
  it('round-trips the General-PACS example exactly', () => {
    const s = generalPacs();
    const csv = exportCsv(s, mds);
    expect(csv.startsWith('\uFEFFkind,key,value,remarks,question\r\n')).toBe(true);
    expect(csv).toContain('\r\nanswer,1,はい,1,扱う情報のリストを提示しているか?\r\n');
    expect(csv).toContain('\r\nanswer,13.1,いいえ,15,');
    expect(importCsv(csv, templates)).toEqual(normalizeStatement(s, mds));
  });

  it('is a form to fill in: every answerable row has a line', () => {
    const lines = exportCsv(generalPacs(), mds)
      .split('\r\n')
      .filter((l) => l.startsWith('answer,'));
    expect(lines).toHaveLength(66);
  });

  it('keeps commas, quotes, line breaks and rare kanji in remarks', () => {
    const s = generalPacs();
    s.remarks[1]!.text = '窃視「注意」, "引用"\n二行目 髙 𠮷';
    expect(importCsv(exportCsv(s, mds), templates).remarks[1]?.text).toBe('窃視「注意」, "引用"\n二行目 髙 𠮷');
  });

  it('writes remarks and header fields that look like formulas with a leading apostrophe, and reads them back', () => {
    const s = generalPacs();
    const texts = ['=HYPERLINK("http://x")', '-1+2', '@SUM(A1)', "'=x", '＝全角の等号と 髙 𠮷'];
    texts.forEach((text, i) => (s.remarks[i]!.text = text));
    s.header['manufacturer'] = '+81 3 1234 5678 株式会社';
    const csv = exportCsv(s, mds);
    expect(csv).toContain(`\r\nremark,${s.remarks[0]!.number},"'=HYPERLINK(""http://x"")"\r\n`);
    expect(csv).toContain(`\r\nremark,${s.remarks[1]!.number},'-1+2\r\n`);
    expect(csv).toContain(`\r\nremark,${s.remarks[2]!.number},'@SUM(A1)\r\n`);
    expect(csv).toContain(`\r\nremark,${s.remarks[3]!.number},''=x\r\n`);
    expect(csv).toContain(`\r\nremark,${s.remarks[4]!.number},＝全角の等号と 髙 𠮷\r\n`);
    expect(csv).toContain("\r\nheader,manufacturer,'+81 3 1234 5678 株式会社\r\n");
    // No cell begins with a formula character, quoted or not.
    for (const record of csv.slice(1).split('\r\n')) expect(record).not.toMatch(/(^|,)"?[=+\-@\t\r]/);
    const back = importCsv(csv, templates);
    expect(back).toEqual(normalizeStatement(s, mds));
    expect(back.remarks.slice(0, texts.length).map((r) => r.text)).toEqual(texts);
  });

  it('reads answers typed as labels in either language, values or aliases', () => {
    const csv = [
      'template,jahis-jira-mds,2',
      'answer,1,Yes',
      'answer,2,いいえ',
      'answer,3,N/A',
      'answer,4,ｙｅｓ',
      'answer,5,na',
    ].join('\n');
    const s = importCsv(csv, templates);
    expect(Object.fromEntries(Object.entries(s.answers).map(([k, v]) => [k, v.answer]))).toEqual({
      '1': 'yes',
      '2': 'no',
      '3': 'na',
      '4': 'yes',
      '5': 'na',
    });
  });

  it('names the line of each problem', () => {
    const bad = (csv: string) => () => importCsv(csv, templates);
    expect(bad('template,jahis-jira-mds,2\nanswer,3,たぶん')).toThrow(
      /line 2: row 3: answer "たぶん" is not one of はい, いいえ, 対象外/,
    );
    expect(bad('template,nope,1')).toThrow(/line 1: template nope@1 is not known/);
    expect(bad('answer,1,はい')).toThrow(/line 1: an answer comes before the template line/);
    expect(bad('template,jahis-jira-mds,2\n\nanswer,1,はい,x')).toThrow(/line 3: remark number "x"/);
    expect(bad('template,jahis-jira-mds,2\nwhat,1')).toThrow(/line 2: unknown kind "what"/);
    expect(bad('template,jahis-jira-mds,2\nanswer,1,"はい')).toThrow(/line 2: a quoted field is not closed/);
    expect(bad('template,jahis-jira-mds,2\nanswer,1,はい\nanswer,1,いいえ')).toThrow(/line 3: row 1 is answered twice/);
    expect(bad('')).toThrow(/empty/);
    expect(bad('header,manufacturer,x')).toThrow(/no template line/);
  });

  it('counts lines inside quoted fields', () => {
    const r = parseCsv('a,"x\ny"\r\nb,c\n');
    expect(r).toEqual([
      { line: 1, fields: ['a', 'x\ny'] },
      { line: 3, fields: ['b', 'c'] },
    ]);
  });

  it('arbitrary text ends in a statement or a FormatError', () => {
    const prefix = 'template,jahis-jira-mds,2\n';
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), fc.boolean(), (text, withTemplate) => {
        try {
          importCsv((withTemplate ? prefix : '') + text, templates);
        } catch (e) {
          expect(e).toBeInstanceOf(FormatError);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('arbitrary CSV records end in a statement or a FormatError', () => {
    const field = fc.oneof(
      fc.constantFrom(
        'template',
        'answer',
        'remark',
        'header',
        'status',
        'jahis-jira-mds',
        '2',
        '1',
        'はい',
        '4.1-a',
        'draft',
      ),
      fc.string(),
    );
    fc.assert(
      fc.property(fc.array(fc.array(field, { maxLength: 6 }), { maxLength: 30 }), (records) => {
        const text = records.map((r) => r.map((f) => `"${f.replace(/"/g, '""')}"`).join(',')).join('\r\n');
        try {
          importCsv(text, templates);
        } catch (e) {
          expect(e).toBeInstanceOf(FormatError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
