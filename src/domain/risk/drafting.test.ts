import { describe, expect, expectTypeOf, it } from 'vitest';
import { generalPacs } from '../../../test/support/statements.js';
import { emptyStatement, type Statement } from '../statement.js';
import { builtinTemplates } from '../templates/registry.js';
import {
  answerText,
  catalogueLookup,
  draftRisks,
  ratingFromFactors,
  riskKey,
  suggestFactors,
  type CatalogueEntry,
  type CatalogueLookup,
  type DraftInput,
} from './drafting.js';
import { builtinCatalogueFor, catalogueEntryFor } from './catalogue.js';
import type {
  CatalogueEntry as CatalogueFileEntry,
  Connection as CatalogueConnection,
  SystemProfile as CatalogueProfile,
} from './catalogue.js';
import type { Connection, SystemProfile } from './profile.js';
import { defaultAssetThreatVulnerability, defaultLikelihoodImpact, score } from './scoring.js';

const mds = builtinTemplates().get('jahis-jira-mds', '2')!;
const mds2 = builtinTemplates().get('nema-mds2', '2019')!;

const entry = (section: string, extra: Partial<CatalogueEntry> = {}): CatalogueEntry => ({
  guidelineSection: section,
  threat: { ja: `${section} の脅威`, en: `threat of ${section}` },
  measure: { ja: `${section} の対策`, en: `measure for ${section}` },
  ...extra,
});

/** A small catalogue: one entry per MDS section, with row 7 (無線LAN) and 6.11 (外部接続) conditional. */
const mdsCatalogue: CatalogueLookup = catalogueLookup([
  { rows: ['7'], ...entry('6.5', { relevantWhen: { connections: ['wireless'] } }) },
  {
    sections: ['6.11'],
    ...entry('6.11', {
      relevantWhen: { connections: ['external', 'remote-maintenance'] },
      irrelevantReason: { ja: '外部との通信・リモート保守を行わないため', en: 'No external or remote connection' },
    }),
  },
  { sections: ['9'], ...entry('9', { relevantWhen: { connections: ['scanning'] } }) },
  ...['6.2', '6.4', '6.5', '6.9', '6.10', '6.12', '7.1', '7.2', '7.3'].map((s) => ({ sections: [s], ...entry(s) })),
]);

const internal: SystemProfile = { patientData: true, connections: ['internal-only'], department: '放射線科' };
const system = { id: 'sys-1', name: 'PACS 本館' };

function draft(statement: Statement, overrides: Partial<DraftInput> = {}) {
  return draftRisks({ template: mds, statement, profile: internal, catalogue: mdsCatalogue, system, ...overrides });
}

/** An MDS statement with only the given answers. */
function mdsStatement(answers: Record<string, string>): Statement {
  const s = emptyStatement({ id: 'jahis-jira-mds', edition: '2' });
  for (const [row, answer] of Object.entries(answers)) s.answers[row] = { answer };
  return s;
}

describe('draftRisks on the seed’s General-PACS', () => {
  const result = draft(generalPacs());

  it('drafts every いいえ and every applicable unanswered row, in template order', () => {
    expect(result.drafts.map((d) => d.rowId)).toEqual([
      '2',
      '4.1.1',
      '4.2.1',
      '8',
      '9',
      '11',
      '13.1',
      '13.2',
      '13.3',
      '13.4',
      '13.5',
      '14',
      '15',
      '16',
      '18',
      '19',
      '20',
      '21',
      '22',
      '23',
      '24',
      '25',
      '26',
      '27',
      '28',
      '29',
    ]);
    expect(result.drafts.filter((d) => d.answer.kind === 'no')).toHaveLength(11);
  });

  it('filters the rows the profile makes irrelevant, with the reason', () => {
    expect(result.filtered.map((f) => [f.rowId, f.cause, f.reason.ja])).toEqual([
      ['7', 'irrelevant', '無線LANを使用しないため（システムの接続: 院内のみ）'],
      ['12.3', 'irrelevant', '外部との通信・リモート保守を行わないため'],
      ['30', 'irrelevant', 'スキャナによる電子化を使用しないため（システムの接続: 院内のみ）'],
    ]);
    expect(result.filtered[0]?.answer).toEqual({ kind: 'no', value: 'no', label: { ja: 'いいえ', en: 'No' } });
  });

  it('carries the row, the vendor’s answer and remarks, the catalogue’s threat and measure, and a rating', () => {
    expect(result.drafts[0]).toEqual({
      key: 'sys-1:jahis-jira-mds:2',
      systemId: 'sys-1',
      systemName: 'PACS 本館',
      template: { id: 'jahis-jira-mds', edition: '2', key: 'jahis-jira-mds@2' },
      statementRevision: 1,
      rowId: '2',
      number: '2',
      section: '6.4',
      sectionTitle: { ja: '物理的安全対策', en: 'Physical safety measures' },
      text: { ja: '窃視防止の機能があるか?', en: 'Does it have a function to prevent shoulder surfing (peeping)?' },
      refs: ['6.4.C5'],
      guidelineSection: '6.4',
      answer: { kind: 'no', value: 'no', label: { ja: 'いいえ', en: 'No' } },
      remarks: [{ number: 2, text: generalPacs().remarks.find((r) => r.number === 2)?.text }],
      threat: { ja: '6.4 の脅威', en: 'threat of 6.4' },
      measure: { ja: '6.4 の対策', en: 'measure for 6.4' },
      factors: { asset: 3, threat: 2, vulnerability: 3 },
      suggested: {
        rating: { asset: 3, threat: 2, vulnerability: 3 },
        score: { value: 18, level: 'high', acceptable: false },
      },
    });
  });

  it('cites the remarks of an unanswered row and rates it as a lesser vulnerability', () => {
    const d23 = result.drafts.find((d) => d.rowId === '23');
    expect(d23?.answer).toEqual({ kind: 'unanswered', value: null, label: null });
    expect(d23?.remarks.map((r) => r.number)).toEqual([8]);
    expect(d23?.factors).toEqual({ asset: 3, threat: 2, vulnerability: 2 });
    expect(d23?.suggested.score).toEqual({ value: 12, level: 'medium', acceptable: false });
  });

  it('drafts nothing for はい, 対象外, rows that do not apply, or children of unanswered rows', () => {
    const reasons = new Map(result.covered.map((c) => [c.rowId, c.reason]));
    expect(reasons.get('1')).toBe('answered-yes');
    expect(reasons.get('10')).toBe('answered-na');
    expect(reasons.get('12.3.1')).toBe('does-not-apply');
    expect(reasons.get('12.3.2')).toBe('does-not-apply');
    expect(reasons.get('14.1')).toBe('undetermined');
    // 17 applies when 16 is いいえ, and 16 is unanswered.
    expect(reasons.get('17')).toBe('undetermined');
    expect(reasons.get('21.1-a')).toBe('undetermined');
    expect(reasons.get('21.1')).toBe('undetermined');
    expect(result.covered.find((c) => c.rowId === '4.1')).toMatchObject({
      reason: 'answered-yes',
      by: ['4.1-a', '4.1-b'],
    });
    const drafted = new Set([...result.drafts, ...result.filtered].map((d) => d.rowId));
    for (const id of reasons.keys()) expect(drafted.has(id)).toBe(false);
  });

  it('lets いいえ on one multi-select item stand when another item is はい', () => {
    expect(result.covered.filter((c) => c.reason === 'covered-by-alternative')).toEqual([
      {
        key: 'sys-1:jahis-jira-mds:4.1-c',
        rowId: '4.1-c',
        reason: 'covered-by-alternative',
        answer: 'no',
        by: ['4.1-a', '4.1-b'],
      },
      {
        key: 'sys-1:jahis-jira-mds:4.1-d',
        rowId: '4.1-d',
        reason: 'covered-by-alternative',
        answer: 'no',
        by: ['4.1-a', '4.1-b'],
      },
      {
        key: 'sys-1:jahis-jira-mds:4.1-e',
        rowId: '4.1-e',
        reason: 'covered-by-alternative',
        answer: 'no',
        by: ['4.1-a', '4.1-b'],
      },
    ]);
  });

  it('accounts for every answerable row exactly once', () => {
    const seen = [
      ...result.drafts.map((d) => d.rowId),
      ...result.filtered.map((f) => f.rowId),
      ...result.covered.map((c) => c.rowId),
    ];
    expect(new Set(seen).size).toBe(seen.length);
    const answerable = mds.rows.filter((r) => r.answerable).map((r) => r.row.id);
    expect(seen.filter((id) => answerable.includes(id))).toHaveLength(answerable.length);
  });

  it('is deterministic', () => {
    expect(draft(generalPacs())).toEqual(result);
  });
});

describe('draftRisks rules', () => {
  it('takes a group’s catalogue entry from its first item when the catalogue is keyed by answerable rows', () => {
    const byItem = catalogueLookup([
      { rows: ['4.1-b'], ...entry('6.5 C-1 生体認証') },
      { rows: ['4.1-c', '4.1-d'], ...entry('6.5 C-1 物理媒体・二要素') },
    ]);
    const r = draft(mdsStatement({ '4': 'yes', '4.1-a': 'no', '4.1-b': 'no' }), { catalogue: byItem });
    expect(r.drafts.find((d) => d.rowId === '4.1')?.guidelineSection).toBe('6.5 C-1 生体認証');
  });

  it('drafts a multi-select group once, on the group row, when no item is はい', () => {
    const s = mdsStatement({ '4': 'yes', '4.1-a': 'no', '4.1-b': 'no', '4.1-c': 'na', '4.1-d': 'no', '4.1-e': 'no' });
    s.answers['4.1-d'] = { answer: 'no', remarks: [1] };
    s.remarks = [{ number: 1, text: '二要素認証は次期版で対応予定' }];
    const r = draft(s);
    const group = r.drafts.find((d) => d.rowId === '4.1');
    expect(group?.key).toBe('sys-1:jahis-jira-mds:4.1');
    expect(group?.answer).toEqual({ kind: 'no', value: null, label: null });
    expect(group?.items?.map((i) => [i.rowId, i.value, i.category])).toEqual([
      ['4.1-a', 'no', 'no'],
      ['4.1-b', 'no', 'no'],
      ['4.1-c', 'na', 'na'],
      ['4.1-d', 'no', 'no'],
      ['4.1-e', 'no', 'no'],
    ]);
    expect(group?.remarks).toEqual([{ number: 1, text: '二要素認証は次期版で対応予定' }]);
    expect(r.drafts.some((d) => d.rowId.startsWith('4.1-'))).toBe(false);
    // 4.1.1 applies only when パスワード認証 is はい.
    expect(r.covered.find((c) => c.rowId === '4.1.1')?.reason).toBe('does-not-apply');
  });

  it('counts a group with an unanswered item as unanswered, and one all 対象外 as covered', () => {
    const partly = draft(mdsStatement({ '4': 'yes', '4.1-a': 'no' }));
    expect(partly.drafts.find((d) => d.rowId === '4.1')?.answer.kind).toBe('unanswered');
    const allNa = draft(
      mdsStatement({ '4': 'yes', '4.1-a': 'na', '4.1-b': 'na', '4.1-c': 'na', '4.1-d': 'na', '4.1-e': 'na' }),
    );
    expect(allNa.drafts.some((d) => d.rowId === '4.1')).toBe(false);
    expect(allNa.covered.filter((c) => c.rowId.startsWith('4.1')).map((c) => [c.rowId, c.reason])).toEqual([
      ['4.1', 'answered-na'],
      ['4.1-a', 'answered-na'],
      ['4.1-b', 'answered-na'],
      ['4.1-c', 'answered-na'],
      ['4.1-d', 'answered-na'],
      ['4.1-e', 'answered-na'],
      ['4.1.1', 'does-not-apply'], // パスワード認証 is not はい
    ]);
  });

  it('drafts nothing under a group whose parent is いいえ: the parent is the gap', () => {
    const r = draft(mdsStatement({ '4': 'no' }));
    expect(r.drafts.filter((d) => d.rowId.startsWith('4')).map((d) => d.rowId)).toEqual(['4']);
  });

  it('treats an answer outside the row’s options as no answer', () => {
    const r = draft(mdsStatement({ '2': 'maybe' }));
    expect(r.drafts.find((d) => d.rowId === '2')?.answer).toEqual({ kind: 'unanswered', value: null, label: null });
  });

  it('keeps a row answered いいえ while its parent is unanswered', () => {
    const r = draft(mdsStatement({ '12.3.1': 'no' }));
    expect(r.filtered.find((f) => f.rowId === '12.3.1')?.answer.kind).toBe('no');
    // 12.3.1 is filtered with the rest of 6.11 for an internal system, so look with an external one.
    const ext = draft(mdsStatement({ '12.3.1': 'no' }), { profile: { patientData: true, connections: ['external'] } });
    expect(ext.drafts.find((d) => d.rowId === '12.3.1')?.answer.kind).toBe('no');
    // The unanswered parents carry their own gap; 12.3 depends on the unanswered 12.
    expect(ext.drafts.find((d) => d.rowId === '12')?.answer.kind).toBe('unanswered');
    expect(ext.covered.find((c) => c.rowId === '12.3')?.reason).toBe('undetermined');
  });

  it('drafts rows without a catalogue entry without threat, or filters them on request', () => {
    const s = mdsStatement({ '1': 'no' });
    const none: CatalogueLookup = () => undefined;
    const drafted = draft(s, { catalogue: none }).drafts.find((d) => d.rowId === '1');
    expect(drafted).toMatchObject({ threat: null, measure: null, guidelineSection: '6.2' });
    const filtered = draft(s, { catalogue: none, options: { uncatalogued: 'filter' } });
    expect(filtered.drafts).toEqual([]);
    expect(filtered.filtered.find((f) => f.rowId === '1')).toMatchObject({
      cause: 'uncatalogued',
      reason: { ja: 'リスクカタログに行 1（6.2）の項目がないため' },
    });
  });

  it('asks the catalogue by row and section', () => {
    const queries: string[] = [];
    draft(mdsStatement({ '1': 'no' }), {
      catalogue: (q) => {
        queries.push(`${q.templateKey} ${q.rowId} ${q.section}`);
        return undefined;
      },
    });
    expect(queries[0]).toBe('jahis-jira-mds@2 1 6.2');
  });

  it('throws for a statement on another template', () => {
    expect(() => draft(emptyStatement({ id: 'jahis-jira-mds', edition: '3' }))).toThrow(RangeError);
  });

  it('gives the suggested rating in the method asked for', () => {
    const r = draft(mdsStatement({ '2': 'no' }), { options: { method: defaultLikelihoodImpact() } });
    expect(r.drafts.find((d) => d.rowId === '2')?.suggested).toEqual({
      rating: { likelihood: 4, impact: 5 },
      score: { value: 20, level: 'extreme', acceptable: false },
    });
  });
});

describe('draftRisks on NEMA MDS2', () => {
  const mds2Catalogue = catalogueLookup([
    { sections: ['AUTH'], ...entry('Section 5.3, AUTH') },
    { sections: ['RMOT'], ...entry('RMOT', { relevantWhen: { connections: ['remote-maintenance'] } }) },
  ]);
  const s = emptyStatement({ id: 'nema-mds2', edition: '2019' });
  s.answers['AUTH-1'] = { answer: 'see-note', remarks: [1] };
  s.answers['AUTH-2'] = { answer: 'yes' };
  s.answers['RMOT-1'] = { answer: 'no' };
  s.remarks = [{ number: 1, text: 'Login is required on the service console only.' }];
  const r = draftRisks({
    template: mds2,
    statement: s,
    profile: { patientData: true, connections: ['external'] },
    catalogue: mds2Catalogue,
    system: { id: 'ct-3', name: 'CT 3' },
  });

  it('drafts "See Note" as an "other" answer, with the note, from the section’s catalogue entry', () => {
    const d = r.drafts.find((x) => x.rowId === 'AUTH-1');
    expect(d).toMatchObject({
      key: 'ct-3:nema-mds2:AUTH-1',
      answer: { kind: 'other', value: 'see-note', label: { ja: '備考参照', en: 'See Note' } },
      remarks: [{ number: 1, text: 'Login is required on the service console only.' }],
      guidelineSection: 'Section 5.3, AUTH',
      threat: { en: 'threat of Section 5.3, AUTH' },
      factors: { asset: 3, threat: 2, vulnerability: 2 },
    });
    expect(r.covered.find((c) => c.rowId === 'AUTH-2')?.reason).toBe('answered-yes');
  });

  it('filters a section the profile makes irrelevant', () => {
    expect(r.filtered.find((f) => f.rowId === 'RMOT-1')?.reason.en).toBe(
      'The system uses no remote maintenance (its connections: external network connections)',
    );
  });

  it('drafts every unanswered MDS2 row (all of them apply)', () => {
    const answered = new Set(Object.keys(s.answers));
    const unanswered = r.drafts.filter((d) => d.answer.kind === 'unanswered');
    expect(unanswered.length + r.filtered.length).toBe(
      mds2.rows.filter((x) => x.answerable && !answered.has(x.row.id)).length + 1,
    );
  });
});

describe('suggested rating heuristic', () => {
  const wireless = entry('6.5', { relevantWhen: { connections: ['wireless', 'removable-media'] } });
  const media = entry('6.9', { relevantWhen: { connections: ['removable-media'] } });
  it.each([
    ['いいえ, patient data', 'no', { patientData: true, connections: ['internal-only'] }, undefined, [3, 2, 3]],
    ['unanswered, patient data', 'unanswered', { patientData: true, connections: [] }, undefined, [3, 2, 2]],
    ['See Note, no patient data', 'other', { patientData: false, connections: [] }, undefined, [1, 2, 2]],
    [
      'いいえ on an exposed connection the system has',
      'no',
      { patientData: true, connections: ['wireless'] },
      wireless,
      [3, 3, 3],
    ],
    [
      'いいえ on a condition met by a local connection only',
      'no',
      { patientData: true, connections: ['removable-media'] },
      wireless,
      [3, 2, 3],
    ],
    [
      'いいえ on removable media',
      'no',
      { patientData: false, connections: ['removable-media', 'external'] },
      media,
      [1, 2, 3],
    ],
  ] as const)('%s', (_, kind, profile, e, [asset, threat, vulnerability]) => {
    expect(suggestFactors(kind, profile, e)).toEqual({ asset, threat, vulnerability });
  });

  it.each([
    [5, { asset: 3, threat: 2, vulnerability: 3 }, { likelihood: 4, impact: 5 }],
    [5, { asset: 1, threat: 2, vulnerability: 2 }, { likelihood: 3, impact: 1 }],
    [5, { asset: 3, threat: 3, vulnerability: 3 }, { likelihood: 5, impact: 5 }],
    [3, { asset: 3, threat: 2, vulnerability: 3 }, { likelihood: 3, impact: 3 }],
    [3, { asset: 1, threat: 2, vulnerability: 2 }, { likelihood: 2, impact: 1 }],
    [4, { asset: 3, threat: 2, vulnerability: 2 }, { likelihood: 3, impact: 4 }],
  ])('maps factors to a matrix of size %i', (size, factors, expected) => {
    const m = { ...defaultLikelihoodImpact(), size };
    expect(ratingFromFactors(m, factors)).toEqual(expected);
  });

  it('keeps the factors as they are for 資産価値 × 脅威 × 脆弱性', () => {
    const f = { asset: 1, threat: 3, vulnerability: 2 };
    expect(ratingFromFactors(defaultAssetThreatVulnerability(), f)).toEqual(f);
    expect(score(defaultAssetThreatVulnerability(), f).acceptable).toBe(true);
  });
});

describe('the catalogue module', () => {
  it('speaks the same vocabulary as drafting (checked by the type checker)', () => {
    expectTypeOf<CatalogueFileEntry>().toExtend<CatalogueEntry>();
    expectTypeOf<CatalogueConnection>().toEqualTypeOf<Connection>();
    expectTypeOf<SystemProfile>().toExtend<CatalogueProfile>();
  });
});

describe('keys and labels', () => {
  it('builds the key from system, template id and row, not the edition', () => {
    expect(riskKey('a:b', 'jahis-jira-mds', '4.1-a')).toBe('a:b:jahis-jira-mds:4.1-a');
  });

  it('words the vendor’s answer', () => {
    expect(answerText({ kind: 'unanswered', value: null, label: null })).toEqual({ ja: '未回答', en: 'unanswered' });
    expect(answerText({ kind: 'other', value: 'see-note', label: { en: 'See Note' } })).toEqual({
      ja: 'See Note',
      en: 'See Note',
    });
  });
});

describe('question polarity (the catalogue’s gapWhen)', () => {
  const never = { ja: '記述的な設問のため', en: 'A descriptive question' };
  const exposure = { ja: 'はいが欠如にあたるため', en: 'Yes is the gap' };
  const catalogue = catalogueLookup([
    { sections: ['MPII'], ...entry('MPII', { questions: { 'MPII-2': { gapWhen: 'never', reason: never } } }) },
    { sections: ['RMOT'], ...entry('RMOT', { questions: { 'RMOT-1.3': { gapWhen: 'yes', reason: exposure } } }) },
    { sections: ['AUDT'], ...entry('AUDT') },
  ]);
  const run = (answers: Record<string, string>) => {
    const s = emptyStatement({ id: 'nema-mds2', edition: '2019' });
    for (const [row, answer] of Object.entries(answers)) s.answers[row] = { answer };
    return draftRisks({
      template: mds2,
      statement: s,
      profile: { patientData: true, connections: ['remote-maintenance'] },
      catalogue,
      system: { id: 'us-1', name: 'US 1' },
    });
  };
  const outcome = (r: ReturnType<typeof run>, row: string) => ({
    draft: r.drafts.find((d) => d.rowId === row)?.answer.kind,
    covered: r.covered.find((c) => c.rowId === row)?.reason,
    filtered: r.filtered.find((f) => f.rowId === row)?.cause,
  });

  it.each(['yes', 'no', 'see-note', undefined])(
    "never drafts a 'never' question (answer %s): it is filtered as informational with the catalogue's reason",
    (answer) => {
      const r = run(answer === undefined ? {} : { 'MPII-2': answer });
      expect(outcome(r, 'MPII-2')).toEqual({ draft: undefined, covered: undefined, filtered: 'informational' });
      expect(r.filtered.find((f) => f.rowId === 'MPII-2')).toMatchObject({
        key: 'us-1:nema-mds2:MPII-2',
        reason: { ja: '記述的な設問のため', en: 'A descriptive question' },
        answer: answer === undefined ? { kind: 'unanswered' } : { value: answer },
      });
    },
  );

  it("drafts a 'yes' question answered Yes, as a definite gap worded はい", () => {
    const r = run({ 'RMOT-1.3': 'yes' });
    const d = r.drafts.find((x) => x.rowId === 'RMOT-1.3');
    expect(d).toMatchObject({
      answer: { kind: 'yes', value: 'yes', label: { ja: 'はい', en: 'Yes' } },
      threat: { en: 'threat of RMOT' },
      factors: { vulnerability: 3 },
    });
    expect(answerText(d!.answer)).toEqual({ ja: 'はい', en: 'Yes' });
  });

  it("covers a 'yes' question answered No, and still drafts it unanswered or See Note", () => {
    expect(outcome(run({ 'RMOT-1.3': 'no' }), 'RMOT-1.3')).toEqual({
      draft: undefined,
      covered: 'answered-no',
      filtered: undefined,
    });
    expect(outcome(run({}), 'RMOT-1.3').draft).toBe('unanswered');
    expect(outcome(run({ 'RMOT-1.3': 'see-note' }), 'RMOT-1.3').draft).toBe('other');
  });

  it('keeps the default for questions the catalogue does not list: No is the gap, Yes covers', () => {
    expect(outcome(run({ 'AUDT-1': 'no' }), 'AUDT-1').draft).toBe('no');
    expect(outcome(run({ 'AUDT-1': 'yes' }), 'AUDT-1').covered).toBe('answered-yes');
    expect(outcome(run({ 'RMOT-1.1': 'no' }), 'RMOT-1.1').draft).toBe('no');
  });

  it('words a Yes gap without a label as はい', () => {
    expect(answerText({ kind: 'yes', value: 'yes', label: null })).toEqual({ ja: 'はい', en: 'Yes' });
  });
});

describe('the built-in MDS2 catalogue’s polarity', () => {
  const catalogue = builtinCatalogueFor({ id: 'nema-mds2', edition: '2019' })!;
  const lookup: CatalogueLookup = (q) => catalogueEntryFor(catalogue, q.rowId, mds2);
  const run = (answer: (row: string) => string | undefined) => {
    const s = emptyStatement({ id: 'nema-mds2', edition: '2019' });
    for (const r of mds2.rows) {
      const a = r.answerable ? answer(r.row.id) : undefined;
      if (a !== undefined) s.answers[r.row.id] = { answer: a };
    }
    return draftRisks({
      template: mds2,
      statement: s,
      profile: { patientData: true, connections: ['external', 'remote-maintenance', 'wireless'] },
      catalogue: lookup,
      system: { id: 'pacs', name: 'PACS' },
    });
  };
  const polarities = catalogue.entries.flatMap((e) => Object.entries(e.questions ?? {}));
  const neverRows = polarities.filter(([, p]) => p.gapWhen === 'never').map(([id]) => id);
  const yesRows = polarities.filter(([, p]) => p.gapWhen === 'yes').map(([id]) => id);

  it('drafts no risk from descriptive questions of an unanswered statement', () => {
    const r = run(() => undefined);
    const answerable = mds2.rows.filter((x) => x.answerable).length;
    expect(neverRows).toEqual(expect.arrayContaining(['MPII-2', 'MPII-2.2', 'CSUP-2.2', 'CONN-1.1']));
    expect(r.drafts).toHaveLength(answerable - neverRows.length);
    expect(r.drafts.map((d) => d.rowId)).not.toContain('MPII-2');
    expect(r.filtered.filter((f) => f.cause === 'informational').map((f) => f.rowId)).toEqual(
      mds2.rows.filter((x) => neverRows.includes(x.row.id)).map((x) => x.row.id),
    );
  });

  it('drafts a risk from every exposure question answered Yes, and none when it is answered No', () => {
    expect(yesRows).toEqual(expect.arrayContaining(['RMOT-1.3', 'PAUT-13', 'SAHD-12', 'AUDT-1.2']));
    const allYes = run(() => 'yes');
    expect(allYes.drafts.map((d) => d.rowId)).toEqual(
      mds2.rows.filter((x) => yesRows.includes(x.row.id)).map((x) => x.row.id),
    );
    expect(allYes.drafts.every((d) => d.answer.kind === 'yes')).toBe(true);
    const allNo = run(() => 'no');
    expect(allNo.drafts.filter((d) => yesRows.includes(d.rowId))).toEqual([]);
    expect(
      allNo.covered
        .filter((c) => c.reason === 'answered-no')
        .map((c) => c.rowId)
        .sort(),
    ).toEqual([...yesRows].sort());
  });

  it("shows the catalogue's reason for MPII-2, whatever the answer", () => {
    const f = run(() => 'no').filtered.find((x) => x.rowId === 'MPII-2');
    expect(f?.cause).toBe('informational');
    expect(f?.reason.en).toMatch(/Describes where the device keeps patient information/);
    expect(f?.reason.ja).toMatch(/記述的な設問/);
  });
});
