import { describe, expect, it } from 'vitest';
import { completeMdsStatement, generalPacs } from '../../test/support/statements.js';
import type { Statement } from './statement.js';
import { builtinTemplates } from './templates/registry.js';
import { validateAnswers, validateStatement, type IssueCode } from './validation.js';

const templates = builtinTemplates();
const codes = (s: unknown, final = false): IssueCode[] =>
  validateStatement(s, templates, { final }).issues.map((i) => i.code);
const issue = (s: unknown, code: IssueCode, final = false) =>
  validateStatement(s, templates, { final }).issues.find((i) => i.code === code);

describe('the General-PACS worked example', () => {
  it('is a valid draft with the counts of the seed: 15 はい, 16 いいえ, 1 対象外', () => {
    const r = validateStatement(generalPacs(), templates);
    expect(r.issues).toEqual([]);
    expect(r.valid).toBe(true);
    expect(r.counts).toMatchObject({ yes: 15, no: 16, na: 1, other: 0 });
    // 12.3.1 and 12.3.2 are skipped because 12.3 is いいえ.
    expect(r.counts.skipped).toBe(2);
    expect(r.counts.yes + r.counts.no + r.counts.na + r.counts.unanswered + r.counts.skipped).toBe(66);
  });

  it('cites all 23 remarks verbatim, one remark serving several rows', () => {
    const s = generalPacs();
    expect(s.remarks.map((r) => r.number)).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));
    expect(s.remarks[2]?.text).toBe('離席時にはワンボタンで画面ロックする機能があります。');
    expect(s.answers['6']?.remarks).toEqual([8]);
    expect(s.answers['23']?.remarks).toEqual([8]);
    for (const row of ['13.1', '13.2', '13.3', '13.4', '13.5', '30.2']) expect(s.answers[row]?.remarks).toEqual([15]);
  });

  it('is not final: the rows whose marks were lost are named as missing', () => {
    const r = validateStatement(generalPacs(), templates, { final: true });
    expect(r.valid).toBe(false);
    const missing = r.issues.filter((i) => i.code === 'missing-answer').map((i) => i.row);
    expect(missing).toContain('14');
    expect(missing).toContain('30');
    expect(missing).not.toContain('12.3.1');
    // Children of unanswered rows are not reported on their own.
    expect(missing).not.toContain('14.1');
  });
});

describe('validation', () => {
  it('accepts a complete statement as final', () => {
    const r = validateStatement(completeMdsStatement(), templates, { final: true });
    expect(r.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(r.valid).toBe(true);
    expect(r.counts.unanswered).toBe(0);
  });

  it('rejects an unknown template, and an unknown edition of a known one, naming the known editions', () => {
    const s = generalPacs();
    expect(codes({ ...s, template: { id: 'no-such', edition: '1' } })).toEqual(['unknown-template']);
    const e = issue({ ...s, template: { id: 'jahis-jira-mds', edition: '9' } }, 'unknown-edition');
    expect(e?.field).toBe('template/edition');
    expect(e?.message.en).toContain('known: 2');
  });

  it('rejects a row the template does not have, naming it', () => {
    const s = generalPacs();
    s.answers['99.9'] = { answer: 'yes' };
    const i = issue(s, 'unknown-row');
    expect(i?.row).toBe('99.9');
    expect(i?.severity).toBe('error');
  });

  it('rejects an answer outside the row answer set and lists the allowed answers', () => {
    const s = generalPacs();
    s.answers['1'] = { answer: 'maybe', remarks: [1] };
    const i = issue(s, 'invalid-answer');
    expect(i?.row).toBe('1');
    expect(i?.message.ja).toContain('はい');
    expect(i?.message.en).toContain('"maybe"');
  });

  it('rejects an answer on a row that does not apply (12.3.1 while 12.3 is いいえ)', () => {
    const s = generalPacs();
    s.answers['12.3.1'] = { answer: 'yes' };
    expect(issue(s, 'answer-not-applicable')?.row).toBe('12.3.1');
  });

  it('applies 4.1.1 only when パスワード認証 (4.1-a) is はい', () => {
    const s = generalPacs();
    s.answers['4.1-a'] = { answer: 'no' };
    expect(issue(s, 'answer-not-applicable')?.row).toBe('4.1.1');
  });

  it('applies 17 only when 16 is いいえ', () => {
    const yes = completeMdsStatement();
    expect(yes.answers['17']).toBeUndefined();
    yes.answers['17'] = { answer: 'yes' };
    expect(issue(yes, 'answer-not-applicable', true)?.row).toBe('17');
    const no = completeMdsStatement((row) => (row === '16' ? 'no' : undefined));
    expect(no.answers['17']).toEqual({ answer: 'yes' });
    delete no.answers['17'];
    expect(issue(no, 'missing-answer', true)?.row).toBe('17');
  });

  it('shows the 4.1 items only when 4 is はい', () => {
    const s = completeMdsStatement();
    s.answers['4'] = { answer: 'no' };
    const rows = validateStatement(s, templates)
      .issues.filter((i) => i.code === 'answer-not-applicable')
      .map((i) => i.row);
    expect(rows).toEqual(expect.arrayContaining(['4.1-a', '4.1-e', '4.1.1', '4.2', '4.2.2']));
  });

  it('rejects an answer on a group row', () => {
    const s = generalPacs();
    s.answers['4.1'] = { answer: 'yes' };
    expect(issue(s, 'not-answerable')?.row).toBe('4.1');
  });

  it('requires every applicable row when final, not in a draft', () => {
    const s = completeMdsStatement();
    delete s.answers['12.4.1'];
    expect(codes(s)).not.toContain('missing-answer');
    expect(issue(s, 'missing-answer', true)?.row).toBe('12.4.1');
  });

  it('rejects the citation of an undefined remark', () => {
    const s = generalPacs();
    s.answers['2'] = { answer: 'no', remarks: [2, 24] };
    const i = issue(s, 'undefined-remark');
    expect(i?.row).toBe('2');
    expect(i?.message.en).toContain('24');
  });

  it('warns of a remark no row cites, without making the statement invalid', () => {
    const s = generalPacs();
    s.remarks.push({ number: 24, text: '未使用の備考' });
    const r = validateStatement(s, templates);
    expect(r.valid).toBe(true);
    expect(r.issues).toEqual([
      expect.objectContaining({ code: 'unused-remark', severity: 'warning', field: 'remarks/24' }),
    ]);
  });

  it('requires a remark when その他 is はい (4.1-e, 21.1-d)', () => {
    const s = completeMdsStatement();
    s.answers['4.1-e'] = { answer: 'yes' };
    s.answers['21.1-d'] = { answer: 'yes', remarks: [1] };
    const r = validateStatement(s, templates, { final: true });
    expect(r.issues.filter((i) => i.code === 'missing-remark').map((i) => i.row)).toEqual(['4.1-e']);
    expect(r.valid).toBe(false);
    // A remark whose text is empty does not count.
    s.answers['4.1-e'] = { answer: 'yes', remarks: [2] };
    s.remarks.push({ number: 2, text: ' ' });
    expect(codes(s, true)).toContain('missing-remark');
  });

  it('names missing and malformed header fields', () => {
    const s = generalPacs();
    s.header = { manufacturer: 'XYZ株式会社', product: '', date: '2016-02-30' };
    const r = validateStatement(s, templates, { final: true });
    expect(r.issues.filter((i) => i.code === 'missing-header').map((i) => i.field)).toEqual([
      'header/product',
      'header/productVersion',
    ]);
    expect(r.issues.find((i) => i.code === 'invalid-header')?.field).toBe('header/date');
    // In a draft a missing header field is a warning.
    expect(validateStatement({ ...s, header: { ...s.header, date: '2016-01-26' } }, templates).valid).toBe(true);
  });

  it('rejects duplicate remark numbers', () => {
    const s = generalPacs();
    s.remarks.push({ number: 3, text: 'again' });
    expect(codes(s)).toContain('duplicate-remark');
  });

  it('reports structural problems by field instead of throwing', () => {
    const bad = { ...generalPacs(), answers: { '1': { answer: 1 } }, revision: 0 } as unknown;
    const r = validateStatement(bad, templates);
    expect(r.valid).toBe(false);
    const fields = r.issues.map((i) => i.field);
    expect(fields).toContain('answers/1/answer');
    expect(fields).toContain('revision');
    expect(r.issues.find((i) => i.field === 'answers/1/answer')?.row).toBe('1');
    for (const v of [null, 42, 'text', [], {}]) expect(validateStatement(v, templates).valid).toBe(false);
  });

  it('gives every message in Japanese and English', () => {
    const s: Statement = generalPacs();
    s.answers['1'] = { answer: 'x' };
    for (const i of validateStatement(s, templates, { final: true }).issues) {
      expect(i.message.ja).not.toBe('');
      expect(i.message.en).not.toBe('');
    }
  });
});

describe('validateAnswers', () => {
  it('gives the same result as validateStatement for a statement of the right shape, without the schema check', () => {
    const compiled = templates.get('jahis-jira-mds', '2')!;
    const s: Statement = generalPacs();
    s.answers['4.1-e'] = { answer: 'yes' };
    for (const final of [false, true]) {
      expect(validateAnswers(s, compiled, { final })).toEqual(validateStatement(s, templates, { final }));
    }
    expect(validateAnswers(s, compiled).issues.find((i) => i.row === '4.1-e')?.code).toBe('missing-remark');
  });
});
