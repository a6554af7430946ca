import { describe, expect, it } from 'vitest';
import { generalPacs } from '../../../test/support/statements.js';
import type { Statement } from '../statement.js';
import { builtinTemplates } from '../templates/registry.js';
import { compareDrafts, openRisk, summarize, validateRiskUpdate, type Risk } from './assessment.js';
import { catalogueLookup, draftRisks, type CatalogueEntry, type DraftResult } from './drafting.js';
import type { SystemProfile } from './profile.js';
import {
  defaultAssetThreatVulnerability,
  defaultLikelihoodImpact,
  formatFieldError,
  type Rating,
  type ScoringMethod,
} from './scoring.js';

const mds = builtinTemplates().get('jahis-jira-mds', '2')!;
const atv = defaultAssetThreatVulnerability();
const li = defaultLikelihoodImpact();

const entry = (section: string, extra: Partial<CatalogueEntry> = {}): CatalogueEntry => ({
  guidelineSection: section,
  threat: { ja: `${section} の脅威`, en: `threat of ${section}` },
  measure: { ja: `${section} の対策`, en: `measure for ${section}` },
  ...extra,
});
const catalogue = catalogueLookup([
  { rows: ['7'], ...entry('6.5', { relevantWhen: { connections: ['wireless'] } }) },
  ...['6.2', '6.4', '6.5', '6.9', '6.10', '6.11', '6.12', '7.1', '7.2', '7.3', '9'].map((s) => ({
    sections: [s],
    ...entry(s),
  })),
]);
const profile: SystemProfile = { patientData: true, connections: ['external', 'wireless'] };

function draftOf(statement: Statement, p: SystemProfile = profile): DraftResult {
  return draftRisks({ template: mds, statement, profile: p, catalogue, system: { id: 'pacs', name: 'PACS' } });
}

/** A risk as recorded from General-PACS, optionally with the person's work on it. */
function recorded(rowId: string, patch: Partial<Risk> = {}): Risk {
  const d = draftOf(generalPacs()).drafts.find((x) => x.rowId === rowId);
  if (d === undefined) throw new Error(`General-PACS has no draft on row ${rowId}`);
  return { ...openRisk(d), ...patch };
}

function errorsOf(risk: Risk, update: unknown, method: ScoringMethod = atv): string[] {
  const r = validateRiskUpdate(risk, update, method);
  return r.ok ? [] : r.errors.map((e) => formatFieldError(e));
}

describe('openRisk', () => {
  it('opens a risk rated as suggested, keeping what it was drafted from', () => {
    const r = recorded('2');
    expect(r).toMatchObject({
      key: 'pacs:jahis-jira-mds:2',
      rating: { asset: 3, threat: 2, vulnerability: 3 },
      status: 'open',
      treatment: null,
      measure: '',
      basis: {
        templateKey: 'jahis-jira-mds@2',
        statementRevision: 1,
        answer: { kind: 'no', value: 'no' },
        remarks: [{ number: 2 }],
      },
    });
  });
});

describe('validateRiskUpdate', () => {
  const risk = recorded('2'); // 3 × 2 × 3 = 18, above the threshold 8

  it('applies a valid plan to reduce', () => {
    const r = validateRiskUpdate(
      risk,
      {
        treatment: 'reduce',
        status: 'in-progress',
        measure: '端末の設置場所を来院者の動線から外し、覗き見防止フィルタを貼付する',
        owner: ' 医療情報部 ',
        dueDate: '2026-03-31',
      },
      atv,
    );
    expect(r.ok && r.value).toMatchObject({ treatment: 'reduce', status: 'in-progress', owner: '医療情報部' });
  });

  it.each([
    ['a due date that is not a date', { dueDate: '2026-02-30' }, ['dueDate: must be a date as YYYY-MM-DD']],
    ['a due date in another format', { dueDate: '2026/03/31' }, ['dueDate: must be a date as YYYY-MM-DD']],
    ['an unknown treatment', { treatment: 'ignore' }, ['treatment: must be one of reduce, accept, avoid, transfer']],
    ['an unknown status', { status: 'closed' }, ['status: must be one of open, in-progress, done, accepted']],
    ['a rating out of range', { rating: { asset: 3, threat: 4, vulnerability: 1 } }, ['rating/threat: must be 1–3']],
    [
      'a residual rating of the other method',
      { residualRating: { likelihood: 1, impact: 1 } },
      [
        'residualRating/asset: must be 1–3',
        'residualRating/threat: must be 1–3',
        'residualRating/vulnerability: must be 1–3',
        'residualRating/likelihood: is not a known field',
        'residualRating/impact: is not a known field',
      ],
    ],
    ['an empty owner', { owner: '  ' }, ['owner: must be a string of 1–200 characters']],
    ['a field that is fixed', { key: 'x', rowId: '3' }, ['key: cannot be changed', 'rowId: cannot be changed']],
    ['an unknown field', { priority: 1 }, ['priority: is not a known field']],
  ])('rejects %s', (_, update, expected) => {
    expect(errorsOf(risk, update)).toEqual(expected);
  });

  it('requires an acceptance reason to accept a risk above the threshold', () => {
    expect(errorsOf(risk, { treatment: 'accept', status: 'accepted' })).toEqual([
      'acceptanceReason: is required to accept a risk above the acceptance threshold (or give a residual rating within it)',
    ]);
    expect(
      errorsOf(risk, { treatment: 'accept', status: 'accepted', acceptanceReason: '読影室は関係者以外立入禁止のため' }),
    ).toEqual([]);
    expect(
      errorsOf(risk, {
        treatment: 'accept',
        status: 'accepted',
        residualRating: { asset: 3, threat: 1, vulnerability: 2 },
      }),
    ).toEqual([]);
    expect(
      errorsOf(risk, {
        treatment: 'accept',
        status: 'accepted',
        residualRating: { asset: 3, threat: 2, vulnerability: 2 },
      }),
    ).toHaveLength(1);
  });

  it('accepts a risk within the threshold without a reason', () => {
    const low = recorded('2', { rating: { asset: 1, threat: 2, vulnerability: 3 } });
    expect(errorsOf(low, { treatment: 'accept', status: 'accepted' })).toEqual([]);
  });

  it('ties status and treatment together', () => {
    expect(errorsOf(risk, { status: 'accepted', treatment: 'reduce', measure: 'x' })).toEqual([
      'status: can be accepted only with the accept treatment',
    ]);
    expect(errorsOf(risk, { status: 'in-progress' })).toEqual([
      'treatment: is required when the status is in-progress',
    ]);
    expect(errorsOf(risk, { status: 'done', treatment: 'transfer' })).toEqual([
      'measure: is required when the status is done',
      'residualRating: is required when the status is done',
    ]);
    expect(
      errorsOf(risk, {
        treatment: 'accept',
        status: 'done',
        acceptanceReason: '理由',
      }),
    ).toEqual(['status: must be open or accepted for an accepted risk']);
  });

  it('requires a reason when a done reduction leaves a risk above the threshold', () => {
    const done = { status: 'done', treatment: 'reduce', measure: '覗き見防止フィルタ' };
    expect(errorsOf(risk, { ...done, residualRating: { asset: 3, threat: 2, vulnerability: 2 } })).toEqual([
      'acceptanceReason: is required when the residual risk is above the acceptance threshold',
    ]);
    expect(errorsOf(risk, { ...done, residualRating: { asset: 3, threat: 1, vulnerability: 2 } })).toEqual([]);
  });

  it('clears optional fields with null', () => {
    const planned = recorded('2', { owner: '情報部', dueDate: '2026-01-01' });
    const r = validateRiskUpdate(planned, { owner: null, dueDate: null }, atv);
    expect(r.ok && [r.value.owner, r.value.dueDate]).toEqual([null, null]);
  });

  it('asks for a new rating when the hospital changed its method', () => {
    expect(errorsOf(risk, { owner: '情報部' }, li)).toEqual([
      'rating: must be rated again under the current likelihood-impact method',
    ]);
    expect(errorsOf(risk, { owner: '情報部', rating: { likelihood: 2, impact: 5 } }, li)).toEqual([]);
  });

  it('answers in Japanese too', () => {
    const r = validateRiskUpdate(risk, { dueDate: 'soon' }, atv);
    expect(r.ok ? '' : formatFieldError(r.errors[0]!, 'ja')).toBe('dueDate: YYYY-MM-DD 形式の日付にしてください');
  });
});

describe('compareDrafts', () => {
  const before = draftOf(generalPacs());
  const risks = before.drafts.map(openRisk);

  function revised(change: (s: Statement) => void): DraftResult {
    const s = generalPacs();
    s.revision = 2;
    change(s);
    return draftOf(s);
  }

  it('finds every risk unchanged when the new revision changes nothing', () => {
    const c = compareDrafts(
      risks,
      revised(() => undefined),
    );
    expect(c.unchanged).toHaveLength(risks.length);
    expect([c.changed, c.added, c.removed]).toEqual([[], [], []]);
  });

  it('sorts a revision’s changes into changed, added and removed, each with its reason', () => {
    const work = risks.map((r) =>
      r.rowId === '9' ? { ...r, status: 'done' as const, treatment: 'reduce' as const, measure: 'USB 無効化' } : r,
    );
    const next = revised((s) => {
      s.answers['2'] = { answer: 'yes', remarks: [2] }; // now covered
      s.answers['9'] = { remarks: [11] }; // いいえ → unanswered
      s.answers['8'] = { answer: 'no', remarks: [10, 3] }; // another remark cited
      s.answers['10'] = { answer: 'no' }; // 対象外 → いいえ: a new gap
      s.answers['4'] = { answer: 'no' }; // 4.1.1 and 4.2.1 no longer apply; 4 itself is a gap
    });
    const c = compareDrafts(work, next);

    expect(c.changed.map((x) => [x.risk.rowId, x.reasons.map((r) => r.code), x.reopen])).toEqual([
      ['8', ['remarks-changed'], false],
      ['9', ['answer-changed'], true],
    ]);
    expect(c.changed[1]?.reasons[0]?.message).toEqual({
      ja: '回答が「いいえ」から「未回答」に変わりました',
      en: 'The answer changed from "No" to "unanswered"',
    });
    expect(c.added.map((x) => [x.draft.rowId, x.reason.ja])).toEqual([
      ['4', '第2版で「いいえ」と回答されています'],
      ['10', '第2版で「いいえ」と回答されています'],
    ]);
    expect(c.removed.map((x) => [x.risk.rowId, x.code, x.reason.en])).toEqual([
      ['2', 'answered-yes', 'The product now covers the row (Yes)'],
      ['4.1.1', 'does-not-apply', 'The row no longer applies, given the answers to other rows'],
      ['4.2.1', 'does-not-apply', 'The row no longer applies, given the answers to other rows'],
    ]);
    expect(c.unchanged).toHaveLength(risks.length - 5);
  });

  it('does not reopen a risk that is still open', () => {
    const next = revised((s) => {
      s.answers['9'] = {};
    });
    expect(compareDrafts(risks, next).changed.map((x) => [x.risk.rowId, x.reopen])).toEqual([['9', false]]);
  });

  it('reports the change of an item of a multi-select group on the group', () => {
    const allNo = (s: Statement): void => {
      for (const id of ['4.1-a', '4.1-b', '4.1-c', '4.1-d', '4.1-e']) s.answers[id] = { answer: 'no' };
    };
    const first = revised(allNo);
    const groupRisk = first.drafts.filter((d) => d.rowId === '4.1').map(openRisk);
    expect(groupRisk).toHaveLength(1);
    const next = revised((s) => {
      allNo(s);
      s.answers['4.1-e'] = { answer: 'na' };
    });
    const c = compareDrafts(groupRisk, next);
    expect(c.changed[0]?.reasons.map((r) => r.message.en)).toEqual(['The answers to the items of the group changed']);
    const covered = revised((s) => {
      allNo(s);
      s.answers['4.1-d'] = { answer: 'yes' };
    });
    expect(compareDrafts(groupRisk, covered).removed.map((x) => [x.risk.rowId, x.code])).toEqual([
      ['4.1', 'answered-yes'],
    ]);
  });

  it('gives the profile’s reason when a risk becomes irrelevant, and notes rows a template lacks', () => {
    const seven = risks.find((r) => r.rowId === '7');
    expect(seven).toBeDefined();
    const ghost: Risk = { ...risks[0]!, key: 'pacs:jahis-jira-mds:99', rowId: '99' };
    const c = compareDrafts([seven!, ghost], draftOf(generalPacs(), { patientData: true, connections: ['external'] }));
    expect(c.removed.map((x) => [x.risk.rowId, x.code, x.reason.ja])).toEqual([
      ['7', 'irrelevant', '無線LANを使用しないため（システムの接続: 外部ネットワーク接続）'],
      ['99', 'row-not-in-template', '行 99 はテンプレート jahis-jira-mds@2 にありません'],
    ]);
  });

  it('flags a row whose wording changed in a new edition', () => {
    const old = { ...risks[0]!, basis: { ...risks[0]!.basis, rowText: { ja: '旧い文言' } } };
    const c = compareDrafts([old], before);
    expect(c.changed[0]?.reasons.map((r) => r.code)).toEqual(['row-text-changed']);
    expect(c.changed[0]?.reopen).toBe(false);
  });
});

describe('summarize', () => {
  const now = new Date('2026-04-01T00:30:00+09:00'); // 2026-03-31 in UTC, 2026-04-01 in Tokyo

  function risk(key: string, rating: Rating, patch: Partial<Risk> = {}): Risk {
    return { ...recorded('2'), key, rowId: key, rating, ...patch };
  }

  const risks: Risk[] = [
    risk('a', { asset: 3, threat: 2, vulnerability: 3 }, { guidelineSection: '6.5' }), // 18 high
    risk(
      'b',
      { asset: 3, threat: 2, vulnerability: 3 },
      {
        guidelineSection: '6.10',
        status: 'in-progress',
        treatment: 'reduce',
        dueDate: '2026-03-31',
        owner: '情報部',
      },
    ),
    risk('c', { asset: 3, threat: 2, vulnerability: 2 }, { guidelineSection: '6.5', dueDate: '2026-04-01' }), // 12 medium, due today
    risk('d', { asset: 1, threat: 2, vulnerability: 3 }, { guidelineSection: '7.1', dueDate: '2026-01-01' }), // 6 low
    risk(
      'e',
      { asset: 3, threat: 3, vulnerability: 3 },
      {
        guidelineSection: '6.9',
        status: 'done',
        treatment: 'reduce',
        dueDate: '2025-12-01',
        residualRating: { asset: 3, threat: 1, vulnerability: 2 },
      },
    ),
    risk('f', { likelihood: 2, impact: 3 }, { guidelineSection: '6.9' }), // rated under another method
  ];
  const s = summarize(risks, atv, now);

  it('counts by level, status and treatment, leaving out ratings of another method', () => {
    expect(s.total).toBe(6);
    expect(s.byLevel).toEqual({ low: 1, medium: 1, high: 3, extreme: 0 });
    expect(s.residualByLevel).toEqual({ low: 1, medium: 0, high: 0, extreme: 0 });
    expect(s.acceptable).toBe(2);
    expect(s.byStatus).toEqual({ open: 4, 'in-progress': 1, done: 1, accepted: 0 });
    expect(s.byTreatment).toEqual({ reduce: 2, accept: 0, avoid: 0, transfer: 0, none: 4 });
    expect(s.unscored).toEqual(['f']);
  });

  it('lists what is overdue in the hospital’s time zone, the longest overdue first', () => {
    expect(s.overdue.map((o) => [o.key, o.daysOverdue])).toEqual([
      ['d', 90],
      ['b', 1],
    ]);
    // In UTC it is still 31 March: b is due today, not overdue.
    expect(summarize(risks, atv, now, { timeZone: 'UTC' }).overdue.map((o) => o.key)).toEqual(['d']);
  });

  it('groups by guideline section in numeric order', () => {
    expect(s.bySection.map((x) => [x.guidelineSection, x.total, x.unresolved])).toEqual([
      ['6.5', 2, 2],
      ['6.9', 2, 1],
      ['6.10', 1, 1],
      ['7.1', 1, 1],
    ]);
    expect(s.bySection[0]?.byLevel).toEqual({ low: 0, medium: 1, high: 1, extreme: 0 });
  });

  it('lays the 資産価値 × 脅威 × 脆弱性 heat map out as asset rows and threat-vulnerability columns', () => {
    const h = s.heatMap;
    expect(h.counts).toHaveLength(3);
    expect(h.counts[0]).toHaveLength(9);
    expect(h.columns.labels[5]).toEqual({ ja: '脅威中・脆弱性高', en: 'threat Medium, vulnerability High' });
    expect(h.counts[2]?.[5]).toBe(2); // a and b: asset 3, threat 2, vulnerability 3
    expect(h.counts[2]?.[4]).toBe(1);
    expect(h.counts[0]?.[5]).toBe(1);
    expect(h.counts[2]?.[8]).toBe(1);
    expect(h.counts.flat().reduce((x, y) => x + y, 0)).toBe(5);
    expect(h.levels[2]?.[8]).toBe('high');
    expect(h.levels[0]?.[5]).toBe('low');
  });

  it('lays the likelihood × impact heat map out as the method’s matrix', () => {
    const m = summarize(risks, li, now);
    expect(m.unscored).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(m.heatMap.counts[1]?.[2]).toBe(1);
    expect(m.heatMap.levels).toEqual(li.cells);
    expect(m.heatMap.rows.labels).toEqual(li.likelihood.steps);
    expect(m.byLevel).toEqual({ low: 0, medium: 1, high: 0, extreme: 0 });
  });

  it('summarizes nothing as zeros', () => {
    const empty = summarize([], atv, now);
    expect(empty.total).toBe(0);
    expect(empty.heatMap.counts.flat().every((n) => n === 0)).toBe(true);
    expect(empty.bySection).toEqual([]);
  });
});
