import { describe, expect, it } from 'vitest';
import type { CompiledTemplate } from '../compiled-template.js';
import { builtinTemplates } from '../templates/registry.js';
import {
  BUILTIN_CATALOGUE_DATA,
  CONNECTIONS,
  CatalogueLoadError,
  builtinCatalogueFor,
  builtinCatalogues,
  catalogueEntryFor,
  checkCatalogue,
  loadCatalogue,
  type CatalogueEntry,
  type CatalogueProblemCode,
  type RiskCatalogue,
} from './catalogue.js';
import { relevance, type SystemProfile } from './profile.js';

const templates = builtinTemplates();
const mdsTemplate = templates.get('jahis-jira-mds', '2')!;
const mds2Template = templates.get('nema-mds2', '2019')!;
const mds = builtinCatalogueFor({ id: 'jahis-jira-mds', edition: '2' })!;
const mds2 = builtinCatalogueFor({ id: 'nema-mds2', edition: '2019' })!;

/** A deep copy to break on purpose. */
const copy = (c: RiskCatalogue): RiskCatalogue => structuredClone(c);
const codes = (c: RiskCatalogue, t: CompiledTemplate): CatalogueProblemCode[] =>
  checkCatalogue(c, t).map((p) => p.code);
const entryOf = (c: RiskCatalogue, key: string): CatalogueEntry => {
  const e = c.entries.find((x) => [...(x.rows ?? []), ...(x.sections ?? [])].includes(key));
  if (e === undefined) throw new Error(`no entry for ${key}`);
  return e;
};

describe('built-in risk catalogues', () => {
  it('load and pass their checks against the built-in templates', () => {
    expect(builtinCatalogues()).toHaveLength(BUILTIN_CATALOGUE_DATA.length);
    expect(checkCatalogue(mds, mdsTemplate)).toEqual([]);
    expect(checkCatalogue(mds2, mds2Template)).toEqual([]);
  });

  it('cover every answerable row of the MDS 2nd edition exactly once', () => {
    const covered = mds.entries.flatMap((e) => e.rows ?? []);
    const answerable = mdsTemplate.rows.filter((r) => r.answerable).map((r) => r.row.id);
    expect([...covered].sort()).toEqual([...answerable].sort());
    expect(new Set(covered).size).toBe(covered.length);
    expect(mds.entries.every((e) => e.sections === undefined)).toBe(true);
  });

  it('cover every NEMA MDS2 section with questions exactly once', () => {
    const covered = mds2.entries.flatMap((e) => e.sections ?? []);
    const sections = mds2Template.template.sections
      .map((s) => s.id)
      .filter((id) => mds2Template.rows.some((r) => r.answerable && r.row.section === id));
    expect([...covered].sort()).toEqual([...sections].sort());
    expect(new Set(covered).size).toBe(covered.length);
    expect(mds2.entries.every((e) => e.rows === undefined)).toBe(true);
  });

  it('write every text in both languages, without repeating a threat or a measure', () => {
    for (const c of [mds, mds2]) {
      for (const e of c.entries) {
        for (const text of [e.threat, e.measure, ...(e.irrelevantReason === undefined ? [] : [e.irrelevantReason])]) {
          expect(text.ja.trim()).not.toBe('');
          expect(text.en.trim()).not.toBe('');
        }
        expect(e.guidelineSection.trim()).not.toBe('');
      }
      for (const field of ['threat', 'measure'] as const) {
        for (const lang of ['ja', 'en'] as const) {
          const texts = c.entries.map((e) => e[field][lang]);
          expect(new Set(texts).size, `${c.template.id} ${field}.${lang}`).toBe(texts.length);
        }
      }
    }
  });

  it('state relevance only in the vocabulary, always with the reason shown when filtered out', () => {
    for (const c of [mds, mds2]) {
      for (const e of c.entries) {
        if (e.relevantWhen === undefined) {
          expect(e.irrelevantReason).toBeUndefined();
          continue;
        }
        expect(e.irrelevantReason).toBeDefined();
        for (const conn of e.relevantWhen.connections ?? []) expect(CONNECTIONS).toContain(conn);
        if (e.relevantWhen.patientData !== undefined) expect(e.relevantWhen.patientData).toBe(true);
      }
    }
  });

  it('tie wireless, remote-maintenance and scanning rows to those connections', () => {
    expect(entryOf(mds, '7').relevantWhen).toEqual({ connections: ['wireless'] });
    expect(entryOf(mds, '12.4').relevantWhen).toEqual({ connections: ['remote-maintenance'] });
    expect(entryOf(mds, '12.4.1').relevantWhen).toEqual({ connections: ['remote-maintenance'] });
    for (const id of ['30', '30.1', '30.2'])
      expect(entryOf(mds, id).relevantWhen).toEqual({ connections: ['scanning'] });
    expect(entryOf(mds2, 'RMOT').relevantWhen).toEqual({ connections: ['remote-maintenance'] });
  });

  it('name the guideline clause the MDS row cites', () => {
    expect(entryOf(mds, '4.1-d').guidelineSection).toBe('6.5 C-1');
    expect(entryOf(mds, '4.1.1').guidelineSection).toBe('6.5 C-10');
    expect(entryOf(mds, '30').guidelineSection).toBe('9.1 C-1, 9.4');
  });
});

describe('question polarity of the built-in MDS2 catalogue', () => {
  const polarity = (row: string) => catalogueEntryFor(mds2, row, mds2Template)?.questions?.[row];

  it.each([
    ['MPII-2', 'never', /maintain|keeps patient information/],
    ['MPII-2.2', 'never', /keeps patient information/],
    ['CSUP-2.2', 'never', /who applies updates/],
    ['CONN-1.1.1', 'never', /means of connection/],
    ['RMOT-1', 'never', /offers remote connections/],
    ['RMOT-1.3', 'yes', /viewed during a remote session/],
    ['PAUT-13', 'yes', /Group authentication/],
    ['SAHD-12', 'yes', /without tools/],
    ['AUDT-1.2', 'yes', /audit trail/],
  ])('marks %s as %s, with its reason', (row, gapWhen, reason) => {
    const p = polarity(row);
    expect(p?.gapWhen).toBe(gapWhen);
    expect(p?.reason.en).toMatch(reason);
    expect(p?.reason.ja.length).toBeGreaterThan(10);
  });

  it.each(['AUTH-1', 'RMOT-1.1', 'RMOT-1.2', 'STCF-1', 'TXCF-2', 'CSUP-2.1', 'MPII-2.5'])(
    'leaves %s at the default: No is the gap',
    (row) => {
      expect(polarity(row)).toBeUndefined();
    },
  );

  it('states a reason in both languages for every question it turns around', () => {
    const all = mds2.entries.flatMap((e) => Object.entries(e.questions ?? {}));
    expect(all.length).toBeGreaterThan(50);
    for (const [, p] of all) {
      expect(p.gapWhen).not.toBe('no');
      expect(p.reason.ja.trim()).not.toBe('');
      expect(p.reason.en.trim()).not.toBe('');
    }
  });
});

describe('catalogueEntryFor', () => {
  it('finds an MDS entry by row id', () => {
    expect(catalogueEntryFor(mds, '4.1-d')?.threat.ja).toContain('なりすまし');
  });

  it('finds an MDS2 entry by section code, and by row id through the template', () => {
    expect(catalogueEntryFor(mds2, 'AUTH')?.sections).toEqual(['AUTH']);
    expect(catalogueEntryFor(mds2, 'AUTH-1', mds2Template)?.sections).toEqual(['AUTH']);
    expect(catalogueEntryFor(mds2, 'AUTH-1')).toBeUndefined();
  });

  it('answers undefined for ids it does not know, and for group rows', () => {
    expect(catalogueEntryFor(mds, '99')).toBeUndefined();
    expect(catalogueEntryFor(mds, '4.1')).toBeUndefined();
  });
});

describe('relevance of the entries, as profile.ts applies it', () => {
  const standalone: SystemProfile = { patientData: true, connections: [] };
  const relevant = (e: CatalogueEntry, p: SystemProfile): boolean => relevance(p, e).relevant;

  it('keeps entries without conditions for every system', () => {
    expect(relevant(entryOf(mds, '4.1-d'), { patientData: false, connections: [] })).toBe(true);
  });

  it('drops the wireless LAN row for a system without wireless, with the catalogue’s reason', () => {
    expect(relevance(standalone, entryOf(mds, '7'))).toEqual({
      relevant: false,
      reason: {
        ja: '無線LANを使用しないシステムのため対象外',
        en: 'Not applicable: the system does not use wireless LAN.',
      },
    });
    expect(relevant(entryOf(mds, '7'), { patientData: true, connections: ['internal-only', 'wireless'] })).toBe(true);
  });

  it('drops patient-data rows for a system without patient information', () => {
    expect(relevant(entryOf(mds, '2'), { patientData: false, connections: ['internal-only'] })).toBe(false);
    expect(relevant(entryOf(mds, '2'), standalone)).toBe(true);
  });

  it('keeps external-exchange rows when any listed connection is present', () => {
    expect(relevant(entryOf(mds, '12.2'), { patientData: true, connections: ['remote-maintenance'] })).toBe(true);
    expect(relevant(entryOf(mds, '12.2'), { patientData: true, connections: ['internal-only'] })).toBe(false);
  });

  it('keeps network-only MDS2 sections out of a stand-alone system', () => {
    expect(relevant(entryOf(mds2, 'NAUT'), standalone)).toBe(false);
    expect(relevant(entryOf(mds2, 'NAUT'), { patientData: true, connections: ['internal-only'] })).toBe(true);
  });
});

describe('loadCatalogue', () => {
  it('rejects an empty threat, naming the entry by its rows', () => {
    const bad = copy(mds);
    entryOf(bad, '4.1-d').threat.ja = '';
    expect(() => loadCatalogue(bad, 'test')).toThrow(CatalogueLoadError);
    expect(() => loadCatalogue(bad, 'test')).toThrow(/entries\/\d+ \[4\.1-d\]\/threat\/ja/);
  });

  it('rejects a connection outside the vocabulary', () => {
    const bad = copy(mds) as unknown as { entries: { relevantWhen?: { connections?: string[] } }[] };
    bad.entries[0]!.relevantWhen = { connections: ['bluetooth'] };
    expect(() => loadCatalogue(bad, 'test')).toThrow(/entries\/0 \[1\]\/relevantWhen\/connections\/0/);
  });

  it('rejects an unknown format', () => {
    expect(() => loadCatalogue({ ...mds, format: 'something-else' })).toThrow(/format/);
  });
});

describe('checkCatalogue', () => {
  it('catches an unknown row', () => {
    const bad = copy(mds);
    entryOf(bad, '4.1-d').rows = ['4.1-d', '4.1-z'];
    expect(codes(bad, mdsTemplate)).toEqual(['unknown-row']);
  });

  it('catches a missing row, naming it', () => {
    const bad = copy(mds);
    bad.entries = bad.entries.filter((e) => !(e.rows ?? []).includes('12.3.2'));
    expect(checkCatalogue(bad, mdsTemplate)).toEqual([
      { code: 'missing-row', where: 'rows/12.3.2', message: 'no entry covers this answerable row' },
    ]);
  });

  it('catches a row covered twice', () => {
    const bad = copy(mds);
    entryOf(bad, '4.1-c').rows = ['4.1-c', '4.1-d'];
    expect(codes(bad, mdsTemplate)).toEqual(['duplicate-row']);
  });

  it('catches a group row, which takes no answer', () => {
    const bad = copy(mds);
    entryOf(bad, '21').rows = ['21', '21.1'];
    expect(codes(bad, mdsTemplate)).toEqual(['not-answerable']);
  });

  it('catches blank text that the schema lets through', () => {
    const bad = copy(mds);
    entryOf(bad, '5').measure.en = '   ';
    expect(checkCatalogue(bad, mdsTemplate)).toEqual([
      expect.objectContaining({ code: 'empty-text', where: expect.stringMatching(/\[5\]\/measure\/en$/) as string }),
    ]);
  });

  it('catches a condition outside the vocabulary, and a condition without its reason', () => {
    const bad = copy(mds);
    (entryOf(bad, '9') as { relevantWhen?: unknown }).relevantWhen = { connections: ['usb'] };
    expect(codes(bad, mdsTemplate)).toEqual(['bad-condition', 'bad-condition']);
    const noReason = copy(mds);
    delete entryOf(noReason, '7').irrelevantReason;
    expect(codes(noReason, mdsTemplate)).toEqual(['bad-condition']);
  });

  it('catches an empty condition and a reason without a condition', () => {
    const bad = copy(mds);
    (entryOf(bad, '7') as { relevantWhen?: unknown }).relevantWhen = { connections: [] };
    expect(codes(bad, mdsTemplate)).toEqual(['bad-condition']);
    const stray = copy(mds);
    entryOf(stray, '4.1-d').irrelevantReason = { ja: '対象外', en: 'Not applicable.' };
    expect(codes(stray, mdsTemplate)).toEqual(['bad-condition']);
  });

  it('catches a guideline section that does not name the chapter the row cites', () => {
    const bad = copy(mds);
    entryOf(bad, '4.1-d').guidelineSection = '6.4 C-5';
    expect(codes(bad, mdsTemplate)).toEqual(['guideline-mismatch']);
  });

  it('catches an unknown section, a missing section and a mix of rows and sections', () => {
    const unknown = copy(mds2);
    entryOf(unknown, 'AUTH').sections = ['AUTH', 'OTHR'];
    expect(codes(unknown, mds2Template)).toEqual(['unknown-section']);
    const missing = copy(mds2);
    missing.entries = missing.entries.filter((e) => !(e.sections ?? []).includes('SBOM'));
    expect(checkCatalogue(missing, mds2Template)).toEqual([
      { code: 'missing-section', where: 'sections/SBOM', message: 'no entry covers this section' },
    ]);
    const mixed = copy(mds2);
    entryOf(mixed, 'PLOK').rows = ['PLOK-1'];
    expect(codes(mixed, mds2Template)).toContain('bad-key');
  });

  it('catches a question polarity on a row the entry does not cover, or that is not in the template', () => {
    const bad = copy(mds2);
    const reason = { ja: '理由', en: 'reason' };
    entryOf(bad, 'AUTH').questions = {
      'RMOT-1.3': { gapWhen: 'yes', reason },
      'AUTH-99': { gapWhen: 'never', reason },
    };
    expect(checkCatalogue(bad, mds2Template)).toEqual([
      {
        code: 'bad-polarity',
        where: 'entries/4 [AUTH]/questions/RMOT-1.3',
        message: 'row "RMOT-1.3" is not covered by this entry',
      },
      {
        code: 'bad-polarity',
        where: 'entries/4 [AUTH]/questions/AUTH-99',
        message: 'row "AUTH-99" is not in nema-mds2@2019',
      },
    ]);
  });

  it('catches a polarity outside no, yes and never, and a blank reason', () => {
    const bad = copy(mds2);
    entryOf(bad, 'AUTH').questions = {
      'AUTH-3': { gapWhen: 'maybe' as 'never', reason: { ja: ' ', en: 'descriptive' } },
    };
    expect(checkCatalogue(bad, mds2Template).map((p) => `${p.code} ${p.where}`)).toEqual([
      'bad-polarity entries/4 [AUTH]/questions/AUTH-3/gapWhen',
      'empty-text entries/4 [AUTH]/questions/AUTH-3/reason/ja',
    ]);
    expect(() => loadCatalogue(bad)).toThrow(/questions\/AUTH-3\/gapWhen/);
  });

  it('catches a polarity on a group row or a multi-select item, which are drafted as one question', () => {
    const bad = copy(mds);
    const reason = { ja: '理由', en: 'reason' };
    entryOf(bad, '4.1-a').questions = { '4.1-a': { gapWhen: 'yes', reason }, '4.1': { gapWhen: 'never', reason } };
    expect(checkCatalogue(bad, mdsTemplate).map((p) => p.message)).toEqual([
      'row "4.1-a" is an item of a multi-select group, drafted as one question',
      'row "4.1" is a group and takes no answer',
    ]);
  });

  it('refuses to check a catalogue against another template', () => {
    expect(codes(mds, mds2Template)).toEqual(['template-mismatch']);
  });
});
