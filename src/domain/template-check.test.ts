import { describe, expect, it } from 'vitest';
import { repoFile } from '../../test/support/statements.js';
import { loadTemplate } from './template-check.js';
import { builtinTemplates, TemplateRegistry } from './templates/registry.js';
import type { Template } from './template.js';

const mds = (): Template => JSON.parse(repoFile('src/domain/templates/builtin/jahis-jira-mds-2.json')) as Template;
const problems = (data: unknown): string[] => {
  const r = loadTemplate(data);
  return r.ok ? [] : r.problems.map((p) => `${p.where}: ${p.message}`);
};

describe('the built-in MDS 2nd edition', () => {
  const t = builtinTemplates().get('jahis-jira-mds', '2');

  it('has 68 rows: 66 answerable and two groups', () => {
    expect(t?.rows).toHaveLength(68);
    expect(t?.answerableCount).toBe(66);
    expect(t?.rows.filter((r) => !r.answerable).map((r) => r.row.id)).toEqual(['4.1', '21.1']);
  });

  it('carries the repaired numbering 11, 12, 13 and the verbatim texts and refs', () => {
    const row = (id: string) => t?.byId.get(id)?.row;
    expect(row('11')?.text.ja).toBe('非常時機能又は、非常時アカウントを持っているか?');
    expect(row('12.3.1')?.parent).toBe('12.3');
    expect(row('13.5')?.refs).toEqual(['6.12.C(2)']);
    expect(row('4')?.refs).toEqual(['6.5.C1', '6.5.C5']);
    expect(row('4.1.1')?.refs).toEqual(['6.5.C10-1〜6.5.C10-3']);
    expect(row('4.1-e')?.remarkRequiredWhen).toEqual(['yes']);
    expect(row('21.1-d')?.remarkRequiredWhen).toEqual(['yes']);
    expect(row('4.1.1')?.appliesWhen).toEqual({ row: '4.1-a', is: ['yes'] });
    expect(row('17')?.appliesWhen).toEqual({ row: '16', is: ['no'] });
    expect(t?.rows.map((r) => r.row.section).filter((s, i, a) => a.indexOf(s) === i)).toEqual([
      '6.2',
      '6.4',
      '6.5',
      '6.9',
      '6.10',
      '6.11',
      '6.12',
      '7.1',
      '7.2',
      '7.3',
      '9',
    ]);
  });

  it('lists the IoT and MHLW templates too', () => {
    const keys = builtinTemplates()
      .list()
      .map((x) => `${x.id}@${x.edition}`);
    expect(keys).toEqual(expect.arrayContaining(['iot-security-guideline@1.0-seed', 'mhlw-cyber-notice@2015']));
    expect(builtinTemplates().get('mhlw-cyber-notice', '2015')?.answerableCount).toBe(3);
    expect(builtinTemplates().get('iot-security-guideline', '1.0-seed')?.answerableCount).toBe(17);
  });
});

describe('a broken template', () => {
  it('gets a clear error naming the row, never a crash', () => {
    const t = mds();
    t.rows[5]!.parent = '99';
    expect(problems(t)).toEqual([`rows/${t.rows[5]!.id}: parent "99" must be a row listed before it`]);
  });

  it('names an undefined answer set, section, rule row and rule value', () => {
    const t = mds();
    t.rows[0]!.answerSet = 'nope';
    t.rows[1]!.section = '8.8';
    t.rows[2]!.appliesWhen = { row: '30', is: ['yes'] };
    t.rows[3]!.appliesWhen = { all: [{ row: '1', is: ['perhaps'] }] };
    const p = problems(t);
    expect(p).toContain('rows/1: answer set "nope" is not defined');
    expect(p).toContain('rows/2: section "8.8" is not defined');
    expect(p).toContain('rows/3: appliesWhen refers to row "30", which must be a row listed before it');
    expect(p).toContain('rows/4: appliesWhen: "perhaps" is not an answer of row "1"');
  });

  it('names duplicate ids and a remark rule outside the answer set', () => {
    const t = mds();
    t.rows[1]!.id = '1';
    t.rows[0]!.remarkRequiredWhen = ['sometimes'];
    const p = problems(t);
    expect(p).toContain('rows/1: duplicate row id');
    expect(p).toContain('rows/1: remarkRequiredWhen names "sometimes", which is not in the row\'s answer set');
  });

  it('reports shape errors by field', () => {
    const t = mds() as unknown as Record<string, unknown>;
    delete t['rows'];
    t['edition'] = 3;
    const p = problems(t);
    expect(p).toContain('rows: is required');
    expect(p.some((x) => x.startsWith('edition:'))).toBe(true);
    for (const v of [null, [], 'x', 1]) expect(loadTemplate(v).ok).toBe(false);
  });

  it('throws a TemplateLoadError naming its source from the registry', () => {
    const t = mds();
    t.rows[0]!.kind = 'group';
    expect(() => new TemplateRegistry().add(t, 'custom.json')).toThrow(
      /custom\.json: rows\/1: a group row takes no answers/,
    );
  });
});
