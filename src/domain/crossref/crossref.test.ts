import { describe, expect, it } from 'vitest';
import { builtinTemplates } from '../templates/registry.js';
import {
  BUILTIN_CROSSREF_DATA,
  CrossrefLoadError,
  builtinCrossref,
  builtinCrossrefs,
  checkCrossref,
  counterparts,
  loadCrossref,
  reverseCounterparts,
  type Crossref,
  type CrossrefLine,
  type CrossrefProblemCode,
} from './crossref.js';

const templates = builtinTemplates();
const mds2 = templates.get('nema-mds2', '2019')!;
const mds = templates.get('jahis-jira-mds', '2')!;
const xref = builtinCrossref('nema-mds2@2019', 'jahis-jira-mds@2')!;

const copy = (c: Crossref): Crossref => structuredClone(c);
const codes = (c: Crossref): CrossrefProblemCode[] => checkCrossref(c, templates).map((p) => p.code);
const lineOf = (c: Crossref, from: string): CrossrefLine => {
  const line = c.lines.find((l) => l.from === from);
  if (line === undefined) throw new Error(`no line for ${from}`);
  return line;
};

describe('the built-in NEMA MDS2 → MDS 2nd edition cross-reference', () => {
  it('loads and passes its checks against the built-in templates', () => {
    expect(builtinCrossrefs()).toHaveLength(BUILTIN_CROSSREF_DATA.length);
    expect(checkCrossref(xref, templates)).toEqual([]);
  });

  it('has one line for every answerable MDS2 row, in the form’s order', () => {
    const answerable = mds2.rows.filter((r) => r.answerable).map((r) => r.row.id);
    expect(xref.lines.map((l) => l.from)).toEqual(answerable);
  });

  it('points only at answerable rows of the MDS 2nd edition', () => {
    for (const l of xref.lines)
      for (const id of l.to) expect(mds.byId.get(id)?.answerable, `${l.from} → ${id}`).toBe(true);
  });

  it('gives a reason in both languages on every line, and says so when there is no counterpart', () => {
    for (const l of xref.lines) {
      expect(l.reason.ja.trim(), l.from).not.toBe('');
      expect(l.reason.en.trim(), l.from).not.toBe('');
      expect(l.relation === 'none', l.from).toBe(l.to.length === 0);
    }
    const reasons = xref.lines.map((l) => l.reason.en);
    expect(new Set(reasons).size).toBe(reasons.length);
  });

  it('repeats exactly the ISO/IEC 27002 controls the MDS2 workbook gives', () => {
    expect(lineOf(xref, 'AUTH-1').iso27002).toEqual(['A.9.2.1']);
    expect(lineOf(xref, 'ALOF-2').iso27002).toEqual(['A.11.2.8', 'A.11.2.9']);
    expect(lineOf(xref, 'ALOF-1').iso27002).toBeUndefined();
    const withIso = mds2.rows.filter((r) => (r.row.xrefs ?? []).some((x) => x.scheme === 'iso-27002-2013'));
    expect(xref.lines.filter((l) => l.iso27002 !== undefined)).toHaveLength(withIso.length);
  });

  it('maps the authentication methods one to one', () => {
    expect(counterparts(xref, 'PAUT-8')).toMatchObject({ to: ['4.1-d'], relation: 'equivalent' });
    expect(counterparts(xref, 'PAUT-11')).toMatchObject({ to: ['4.1-b'], relation: 'equivalent' });
    expect(counterparts(xref, 'PAUT-12')).toMatchObject({ to: ['4.1-c'], relation: 'equivalent' });
    expect(counterparts(xref, 'EMRG-1')).toMatchObject({ to: ['11'], relation: 'equivalent' });
    expect(counterparts(xref, 'RMOT-1')).toMatchObject({ to: ['12.4'], relation: 'equivalent' });
  });
});

describe('counterparts and reverseCounterparts', () => {
  it('answer the line of an MDS2 row, and undefined for a row the cross-reference does not have', () => {
    expect(counterparts(xref, 'AUDT-6')?.to).toEqual(['4.2.1']);
    expect(counterparts(xref, 'SBOM-1')).toMatchObject({ to: [], relation: 'none' });
    expect(counterparts(xref, 'NOPE-1')).toBeUndefined();
  });

  it('find every MDS2 row that points at an MDS row', () => {
    expect(reverseCounterparts(xref, '4.1.1').map((l) => l.from)).toEqual([
      'PAUT-5',
      'PAUT-6',
      'PAUT-7',
      'PAUT-14.1',
      'SGUD-3.1',
    ]);
    expect(reverseCounterparts(xref, '4.1-d').map((l) => l.from)).toEqual(['PAUT-8']);
  });

  it('answer an empty list for an MDS row no MDS2 row asks about', () => {
    expect(reverseCounterparts(xref, '19.2')).toEqual([]);
    expect(reverseCounterparts(xref, '4.1')).toEqual([]);
  });
});

describe('loadCrossref', () => {
  it('rejects an empty reason, naming the line by its MDS2 row', () => {
    const bad = copy(xref);
    lineOf(bad, 'AUTH-1').reason.en = '';
    expect(() => loadCrossref(bad, 'test')).toThrow(CrossrefLoadError);
    expect(() => loadCrossref(bad, 'test')).toThrow(/lines\/\d+ \[AUTH-1\]\/reason\/en/);
  });

  it('rejects an unknown relation', () => {
    const bad = copy(xref) as unknown as { lines: { relation: string }[] };
    bad.lines[0]!.relation = 'similar';
    expect(() => loadCrossref(bad)).toThrow(/lines\/0 \[DOC-8\]\/relation/);
  });
});

describe('checkCrossref', () => {
  it('catches an unknown template', () => {
    expect(codes({ ...copy(xref), to: { id: 'jahis-jira-mds', edition: '9' } })).toEqual(['unknown-template']);
  });

  it('catches an MDS2 row that does not exist and an MDS row that does not exist', () => {
    const bad = copy(xref);
    lineOf(bad, 'AUTH-1').from = 'AUTH-99';
    lineOf(bad, 'AUTH-2').to = ['14.9'];
    expect(codes(bad)).toEqual(expect.arrayContaining(['unknown-row', 'unknown-row', 'missing-row']));
    expect(checkCrossref(bad, templates)).toContainEqual({
      code: 'missing-row',
      where: 'rows/AUTH-1',
      message: 'no line covers this row',
    });
  });

  it('catches a group row as a target', () => {
    const bad = copy(xref);
    lineOf(bad, 'PAUT-8').to = ['4.1'];
    expect(codes(bad)).toEqual(['not-answerable']);
  });

  it('catches a row on two lines', () => {
    const bad = copy(xref);
    bad.lines.push({ ...lineOf(bad, 'PAUT-8') });
    expect(codes(bad)).toEqual(['duplicate-row']);
  });

  it('catches a relation that disagrees with the targets', () => {
    const none = copy(xref);
    lineOf(none, 'SBOM-1').to = ['1'];
    expect(codes(none)).toEqual(['bad-relation']);
    const partial = copy(xref);
    lineOf(partial, 'PAUT-8').to = [];
    expect(codes(partial)).toEqual(['bad-relation']);
  });

  it('catches a blank reason the schema lets through', () => {
    const bad = copy(xref);
    lineOf(bad, 'SBOM-1').reason.ja = '  ';
    expect(codes(bad)).toEqual(['empty-reason']);
  });

  it('catches ISO/IEC 27002 references the workbook does not give', () => {
    const invented = copy(xref);
    lineOf(invented, 'ALOF-1').iso27002 = ['A.11.2.8'];
    expect(codes(invented)).toEqual(['iso27002-mismatch']);
    const dropped = copy(xref);
    delete lineOf(dropped, 'AUTH-1').iso27002;
    expect(codes(dropped)).toEqual(['iso27002-mismatch']);
  });
});
