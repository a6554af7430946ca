import { describe, expect, it } from 'vitest';
import { completeMdsStatement, generalPacs, repoFile } from '../../test/support/statements.js';
import { carryForward } from './carry-forward.js';
import { checkMapping, mappingByRowId, type EditionMapping } from './edition-mapping.js';
import { builtinTemplates, TemplateRegistry } from './templates/registry.js';
import { validateStatement } from './validation.js';

const registry = new TemplateRegistry();
for (const t of builtinTemplates().list()) registry.add(t);
const next = registry.add(JSON.parse(repoFile('test/fixtures/jahis-jira-mds-3-synthetic.json')), 'synthetic');
const second = registry.get('jahis-jira-mds', '2')!;
const mapping = (): EditionMapping =>
  JSON.parse(repoFile('test/fixtures/jahis-jira-mds-2-to-3-synthetic.mapping.json')) as EditionMapping;
const AT = '2026-11-25T00:00:00.000Z';

describe('carry-forward to a synthetic next edition', () => {
  const run = () => {
    const r = carryForward(generalPacs(), second, next, mapping(), AT);
    if (!r.ok) throw new Error(r.problems.join('; '));
    return r;
  };

  it('carries kept and renumbered answers with their remarks', () => {
    const { statement, report } = run();
    expect(statement.template).toEqual({ id: 'jahis-jira-mds', edition: '3-synthetic' });
    expect(statement.answers['1']).toEqual({ answer: 'yes', remarks: [1] });
    // 13.5 became 13.4.
    expect(statement.answers['13.4']).toEqual({ answer: 'no', remarks: [15] });
    // 30.1 became 31.1 (unanswered in the example, its remark citation survives).
    expect(statement.answers['31.1']).toEqual({ remarks: [23] });
    expect(report.carried).toContainEqual({ from: '13.5', to: '13.4' });
  });

  it('reports the rows that need a new answer, and why', () => {
    const { statement, report } = run();
    const why = Object.fromEntries(report.needsAnswer.map((n) => [n.row, n.reason]));
    expect(why).toEqual({
      '4.3': 'added',
      '9-a': 'split',
      '9-b': 'split',
      '12.2': 'reworded',
      '13.3': 'merged',
      '30': 'added',
    });
    // A split row's old answer is a hint, not an answer.
    expect(statement.answers['9-a']).toEqual({ remarks: [11] });
    expect(report.needsAnswer.find((n) => n.row === '9-a')?.from).toEqual([{ row: '9', answer: 'no' }]);
    // A reworded row loses its answer.
    expect(statement.answers['12.2']).toBeUndefined();
    // Merged rows that agreed (13.3 and 13.4 were both いいえ) carry the answer, to be confirmed.
    expect(statement.answers['13.3']).toEqual({ answer: 'no', remarks: [15] });
  });

  it('never drops a remark silently', () => {
    const { statement, report } = run();
    expect(statement.remarks).toEqual(generalPacs().remarks);
    // 28 is removed; it had no answer or remark in the example, so nothing is dropped with it.
    expect(report.dropped).toEqual([]);
    const s = generalPacs();
    s.answers['28'] = { answer: 'yes', remarks: [24] };
    s.remarks.push({ number: 24, text: '媒体移行ツールを提供しています。' });
    const r = carryForward(s, second, next, mapping(), AT);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.report.dropped).toEqual([{ row: '28', answer: 'yes', remarks: [24] }]);
    expect(r.report.uncitedRemarks).toEqual([24]);
    expect(r.statement.remarks.find((x) => x.number === 24)?.text).toBe('媒体移行ツールを提供しています。');
  });

  it('leaves a merged row unanswered when the old rows disagreed', () => {
    const s = generalPacs();
    s.answers['13.4'] = { answer: 'yes' };
    const r = carryForward(s, second, next, mapping(), AT);
    expect(r.ok && r.statement.answers['13.3']?.answer).toBeUndefined();
    expect(r.ok && r.report.needsAnswer.find((n) => n.row === '13.3')?.reason).toBe('merged-disagree');
  });

  it('makes a valid draft on the new edition, provenance recorded, date cleared', () => {
    const { statement, report } = run();
    const v = validateStatement(statement, registry);
    expect(v.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(statement.status).toBe('draft');
    expect(statement.revision).toBe(1);
    expect(statement.header.date).toBeUndefined();
    expect(report.notes[0]).toContain('date cleared');
    expect(statement.provenance).toEqual([
      { kind: 'carried-forward', template: { id: 'jahis-jira-mds', edition: '2' }, revision: 1, at: AT },
    ]);
  });

  it('a complete statement needs only the changed rows answered to be final again', () => {
    const r = carryForward(completeMdsStatement(), second, next, mapping(), AT);
    if (!r.ok) throw new Error(r.problems.join());
    const missing = validateStatement(r.statement, registry, { final: true })
      .issues.filter((i) => i.code === 'missing-answer')
      .map((i) => i.row);
    expect(missing.sort()).toEqual(['12.2', '30', '4.3', '9-a', '9-b']);
  });
});

describe('edition mappings', () => {
  it('must cover every row of both editions and name real rows', () => {
    const m = mapping();
    m.rows = m.rows.filter((c) => !(c.change === 'removed' && c.from === '28'));
    m.rows.push({ change: 'added', to: '77' });
    const p = checkMapping(m, second, next);
    expect(p).toContain('row 28 of jahis-jira-mds@2 is not in the mapping (from side)');
    expect(p.some((x) => x.includes('row 77 is not in jahis-jira-mds@3-synthetic'))).toBe(true);
    const r = carryForward(generalPacs(), second, next, m, AT);
    expect(r.ok).toBe(false);
  });

  it('rejects a statement on another edition', () => {
    const s = { ...generalPacs(), template: { id: 'jahis-jira-mds', edition: '3-synthetic' } };
    const r = carryForward(s, second, next, mapping(), AT);
    expect(r.ok ? [] : r.problems).toEqual(['the statement answers jahis-jira-mds@3-synthetic, not jahis-jira-mds@2']);
  });

  it('can be derived by row id when no mapping is published', () => {
    const m = mappingByRowId(second, next);
    expect(checkMapping(m, second, next)).toEqual([]);
    expect(m.rows).toContainEqual({ change: 'removed', from: '13.5' });
    expect(m.rows).toContainEqual({ change: 'added', to: '31' });
  });
});
