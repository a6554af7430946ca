import { Type, type Static } from '@sinclair/typebox';
import type { CompiledTemplate } from '../compiled-template.js';
import { schemaCheck, type SchemaCheck, type SchemaProblem } from '../schema-check.js';
import { RowIdSchema, templateKey, type TemplateRef } from '../template.js';
import { builtinTemplates } from '../templates/registry.js';
import { CONNECTIONS, type Connection, type SystemProfile } from './profile.js';
import mds2nd from './data/jahis-jira-mds-2.json' with { type: 'json' };
import nemaMds2 from './data/nema-mds2-2019.json' with { type: 'json' };

/**
 * The relevance vocabulary is the system profile's (profile.ts): a condition names only connections a hospital can
 * record for a system.
 */
export const ConnectionSchema = Type.Union(CONNECTIONS.map((c) => Type.Literal(c)));
export { CONNECTIONS };
export type { Connection, SystemProfile };

/** Text the catalogue always carries in both languages (unlike template text, nothing here is a form's wording). */
export const BilingualTextSchema = Type.Object(
  { ja: Type.String({ minLength: 1 }), en: Type.String({ minLength: 1 }) },
  { additionalProperties: false },
);
export type BilingualText = Static<typeof BilingualTextSchema>;

/**
 * When an entry matters. Every condition given must hold; `connections` holds when the system has any of the
 * listed connections (profile.ts's `relevance` applies it). `patientData` is only ever true: no measure here is
 * for systems without patient information alone.
 */
export const RelevanceSchema = Type.Object(
  {
    patientData: Type.Optional(Type.Literal(true)),
    connections: Type.Optional(Type.Array(ConnectionSchema, { minItems: 1, uniqueItems: true })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type Relevance = Static<typeof RelevanceSchema>;

/**
 * Which answer to a question is the gap. Most questions ask for a protection, so いいえ / "No" is the gap; some ask
 * about an exposure ("Can patient data be viewed during the remote session?"), where "Yes" is; descriptive questions
 * ("Does the device maintain personally identifiable information?") have no gap whatever the answer.
 */
export const GAP_WHEN = ['no', 'yes', 'never'] as const;
export type GapWhen = (typeof GAP_WHEN)[number];

/** A question's polarity, with the reason shown to the hospital when it is not the default ('no'). */
export const QuestionPolaritySchema = Type.Object(
  {
    gapWhen: Type.Union(GAP_WHEN.map((g) => Type.Literal(g))),
    reason: BilingualTextSchema,
  },
  { additionalProperties: false },
);
export type QuestionPolarity = Static<typeof QuestionPolaritySchema>;

export const CatalogueEntrySchema = Type.Object(
  {
    /** The template rows the entry answers for (row-keyed catalogues, e.g. the MDS). */
    rows: Type.Optional(Type.Array(RowIdSchema, { minItems: 1, uniqueItems: true })),
    /** The template sections the entry answers for (section-keyed catalogues, e.g. NEMA MDS2: "AUTH"). */
    sections: Type.Optional(Type.Array(RowIdSchema, { minItems: 1, uniqueItems: true })),
    /** The 安全管理GL clause the rows check, e.g. "6.5 C-1". */
    guidelineSection: Type.String({ minLength: 1, maxLength: 200 }),
    /** What can go wrong for the hospital when the product does not provide this. */
    threat: BilingualTextSchema,
    /** The operational measure the hospital adopts instead, worded as a rule for its 運用管理規程. */
    measure: BilingualTextSchema,
    /** The 安全管理GL clauses the measure follows, e.g. ["6.5 C-10", "6.4 C-2"]. */
    measureRefs: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 1 })),
    relevantWhen: Type.Optional(RelevanceSchema),
    /** Shown instead of the entry when the system's profile filters it out. */
    irrelevantReason: Type.Optional(BilingualTextSchema),
    /**
     * Questions of the entry whose gap is not いいえ / "No", by row id ("MPII-2": 'never', "RMOT-1.3": 'yes'). A row
     * not listed has the default, 'no'.
     */
    questions: Type.Optional(Type.Record(Type.String({ minLength: 1 }), QuestionPolaritySchema)),
  },
  { additionalProperties: false },
);
export type CatalogueEntry = Static<typeof CatalogueEntrySchema>;

export const RiskCatalogueSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    format: Type.Literal('openmds-risk-catalogue'),
    formatVersion: Type.Literal(1),
    template: Type.Object(
      { id: Type.String({ minLength: 1 }), edition: Type.String({ minLength: 1 }) },
      { additionalProperties: false },
    ),
    entries: Type.Array(CatalogueEntrySchema, { minItems: 1 }),
  },
  { additionalProperties: false },
);
export type RiskCatalogue = Static<typeof RiskCatalogueSchema>;

export type CatalogueProblemCode =
  /** The catalogue names another template than the one it is checked against. */
  | 'template-mismatch'
  /** An entry names neither rows nor sections, or both, or keys differently from the other entries. */
  | 'bad-key'
  | 'unknown-row'
  /** A group row: it takes no answer, so nothing can be missing from the product there. */
  | 'not-answerable'
  | 'duplicate-row'
  | 'missing-row'
  | 'unknown-section'
  | 'duplicate-section'
  | 'missing-section'
  | 'empty-text'
  | 'bad-condition'
  /** The entry's guidelineSection does not name the 安全管理GL chapter its rows cite. */
  | 'guideline-mismatch'
  /**
   * A question polarity that cannot apply: a row that is not in the template, not answerable, not covered by this
   * entry, or an item of a multi-select group (drafted as one question on the group row); or a gapWhen outside
   * 'no' | 'yes' | 'never'.
   */
  | 'bad-polarity';

/** A problem in a catalogue, naming the entry (or the row no entry covers). */
export interface CatalogueProblem {
  code: CatalogueProblemCode;
  where: string;
  message: string;
}

export class CatalogueLoadError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly { where: string; message: string }[],
  ) {
    super(`${source}: ${problems.map((p) => `${p.where}: ${p.message}`).join('; ')}`);
    this.name = 'CatalogueLoadError';
  }
}

// Compiled on first use, not at import, like the statement schema: ajv compiles with `new Function`.
let shapeCheck: SchemaCheck<RiskCatalogue> | undefined;
const catalogueShape = (): SchemaCheck<RiskCatalogue> =>
  (shapeCheck ??= schemaCheck<RiskCatalogue>(RiskCatalogueSchema));

/** "entries/3 [4.1-d]": an entry named by position and by the rows or sections it covers. */
function entryLabel(index: number, entry: unknown): string {
  const keys: unknown[] = [];
  if (typeof entry === 'object' && entry !== null) {
    const { rows, sections } = entry as { rows?: unknown; sections?: unknown };
    for (const list of [rows, sections]) if (Array.isArray(list)) keys.push(...(list as unknown[]));
  }
  const names = keys.filter((k): k is string => typeof k === 'string');
  return names.length > 0 ? `entries/${index} [${names.join(', ')}]` : `entries/${index}`;
}

function nameEntryInPath(data: unknown, p: SchemaProblem): { where: string; message: string } {
  const m = /^entries\/(\d+)(\/.*)?$/.exec(p.path);
  if (m === null) return { where: p.path, message: p.message };
  const index = Number(m[1]);
  const entries = (data as { entries?: unknown }).entries;
  const entry = Array.isArray(entries) ? (entries as unknown[])[index] : undefined;
  return { where: `${entryLabel(index, entry)}${m[2] ?? ''}`, message: p.message };
}

/** Checks a catalogue's shape; throws CatalogueLoadError, naming each entry at fault. */
export function loadCatalogue(data: unknown, source = 'risk catalogue'): RiskCatalogue {
  const check = catalogueShape();
  if (check.is(data)) return data;
  throw new CatalogueLoadError(
    source,
    check.problems(data).map((p) => nameEntryInPath(data, p)),
  );
}

/** The chapter of a template ref: "6.5.C1" → "6.5", "9.4" → "9.4", "7.1.C(1)a-1" → "7.1". */
function refChapter(ref: string): string | undefined {
  return /^\d+(?:\.\d+)?/.exec(ref)?.[0];
}

function mentionsChapter(guidelineSection: string, chapter: string): boolean {
  const escaped = chapter.replace(/\./g, '\\.');
  return new RegExp(`(?:^|[\\s,、/;(])${escaped}(?=$|[\\s,、/;)]|\\.?C)`).test(guidelineSection);
}

const blank = (s: string | undefined): boolean => s === undefined || s.trim() === '';

/**
 * Checks a catalogue against the template it is written for: every answerable row (or every section with an
 * answerable row) is covered exactly once, ids exist, texts are not blank, conditions use the vocabulary.
 */
export function checkCatalogue(catalogue: RiskCatalogue, template: CompiledTemplate): CatalogueProblem[] {
  const problems: CatalogueProblem[] = [];
  const add = (code: CatalogueProblemCode, where: string, message: string): void => {
    problems.push({ code, where, message });
  };
  const t = template.template;
  if (catalogue.template.id !== t.id || catalogue.template.edition !== t.edition) {
    add(
      'template-mismatch',
      'template',
      `the catalogue is for ${templateKey(catalogue.template)}, not ${template.key}`,
    );
    return problems;
  }

  const bySections = catalogue.entries.some((e) => e.sections !== undefined && e.rows === undefined);
  const sectionIds = new Set(t.sections.map((s) => s.id));
  const covered = new Map<string, number>();
  const vocabulary = new Set<string>(CONNECTIONS);
  const groupItems = new Set<string>();
  for (const r of template.rows) {
    if (r.row.kind !== 'group') continue;
    for (const id of r.children) {
      const c = template.byId.get(id);
      if (c !== undefined && c.answerable && c.row.number === '') groupItems.add(id);
    }
  }

  catalogue.entries.forEach((entry, i) => {
    const where = entryLabel(i, entry);
    if ((entry.rows === undefined) === (entry.sections === undefined)) {
      add('bad-key', where, 'an entry names either rows or sections, not both and not neither');
    } else if ((entry.sections !== undefined) !== bySections) {
      add('bad-key', where, `this catalogue keys its entries by ${bySections ? 'sections' : 'rows'}`);
    }

    for (const id of entry.rows ?? []) {
      const row = template.byId.get(id);
      if (row === undefined) add('unknown-row', where, `row "${id}" is not in ${template.key}`);
      else if (!row.answerable) add('not-answerable', where, `row "${id}" is a group and takes no answer`);
      else if (covered.has(id)) {
        add('duplicate-row', where, `row "${id}" is already covered by entries/${covered.get(id)}`);
      } else covered.set(id, i);
    }
    for (const id of entry.sections ?? []) {
      if (!sectionIds.has(id)) add('unknown-section', where, `section "${id}" is not in ${template.key}`);
      else if (covered.has(id)) {
        add('duplicate-section', where, `section "${id}" is already covered by entries/${covered.get(id)}`);
      } else covered.set(id, i);
    }

    if (blank(entry.guidelineSection)) add('empty-text', `${where}/guidelineSection`, 'is blank');
    for (const field of ['threat', 'measure', 'irrelevantReason'] as const) {
      const text = entry[field];
      if (text === undefined) continue;
      for (const lang of ['ja', 'en'] as const) {
        if (blank(text[lang])) add('empty-text', `${where}/${field}/${lang}`, 'is blank');
      }
    }
    for (const [j, ref] of (entry.measureRefs ?? []).entries()) {
      if (blank(ref)) add('empty-text', `${where}/measureRefs/${j}`, 'is blank');
    }

    const when = entry.relevantWhen as Record<string, unknown> | undefined;
    if (when !== undefined) {
      const known = ['patientData', 'connections'];
      for (const key of Object.keys(when)) {
        if (!known.includes(key)) add('bad-condition', `${where}/relevantWhen/${key}`, 'is not a known condition');
      }
      if (Object.keys(when).length === 0) add('bad-condition', `${where}/relevantWhen`, 'names no condition');
      if ('patientData' in when && when.patientData !== true) {
        add('bad-condition', `${where}/relevantWhen/patientData`, 'can only be true');
      }
      if ('connections' in when) {
        const list = Array.isArray(when.connections) ? (when.connections as unknown[]) : [];
        if (list.length === 0) add('bad-condition', `${where}/relevantWhen/connections`, 'names no connection');
        const seen = new Set<unknown>();
        for (const c of list) {
          if (typeof c !== 'string' || !vocabulary.has(c)) {
            add(
              'bad-condition',
              `${where}/relevantWhen/connections`,
              `"${String(c)}" is not one of ${CONNECTIONS.join(', ')}`,
            );
          } else if (seen.has(c)) add('bad-condition', `${where}/relevantWhen/connections`, `"${c}" is listed twice`);
          seen.add(c);
        }
      }
      if (entry.irrelevantReason === undefined) {
        add('bad-condition', `${where}/irrelevantReason`, 'is required when relevantWhen is given');
      }
    } else if (entry.irrelevantReason !== undefined) {
      add('bad-condition', `${where}/irrelevantReason`, 'is given but relevantWhen is not');
    }

    for (const [id, polarity] of Object.entries(entry.questions ?? {})) {
      const at = `${where}/questions/${id}`;
      const row = template.byId.get(id);
      if (row === undefined) add('bad-polarity', at, `row "${id}" is not in ${template.key}`);
      else if (!row.answerable) add('bad-polarity', at, `row "${id}" is a group and takes no answer`);
      else if (!(entry.rows ?? []).includes(id) && !(entry.sections ?? []).includes(row.row.section)) {
        add('bad-polarity', at, `row "${id}" is not covered by this entry`);
      } else if (groupItems.has(id)) {
        add('bad-polarity', at, `row "${id}" is an item of a multi-select group, drafted as one question`);
      }
      if (!(GAP_WHEN as readonly string[]).includes(polarity.gapWhen)) {
        add('bad-polarity', `${at}/gapWhen`, `"${String(polarity.gapWhen)}" is not one of ${GAP_WHEN.join(', ')}`);
      }
      for (const lang of ['ja', 'en'] as const) {
        if (blank(polarity.reason?.[lang])) add('empty-text', `${at}/reason/${lang}`, 'is blank');
      }
    }

    // Only rows carry guideline refs (the MDS's "6.5.C1"); MDS2 sections have none to compare with.
    for (const id of entry.rows ?? []) {
      for (const ref of template.byId.get(id)?.row.refs ?? []) {
        const chapter = refChapter(ref);
        if (chapter !== undefined && !mentionsChapter(entry.guidelineSection, chapter)) {
          add(
            'guideline-mismatch',
            `${where}/guidelineSection`,
            `"${entry.guidelineSection}" does not name ${chapter}, which row "${id}" cites (${ref})`,
          );
        }
      }
    }
  });

  if (bySections) {
    for (const s of t.sections) {
      const answerable = template.rows.some((r) => r.answerable && r.row.section === s.id);
      if (answerable && !covered.has(s.id)) add('missing-section', `sections/${s.id}`, 'no entry covers this section');
    }
  } else {
    for (const r of template.rows) {
      if (r.answerable && !covered.has(r.row.id)) {
        add('missing-row', `rows/${r.row.id}`, 'no entry covers this answerable row');
      }
    }
  }
  return problems;
}

const index = new WeakMap<RiskCatalogue, Map<string, CatalogueEntry>>();

/**
 * The entry for a row or a section. A row of a section-keyed catalogue (MDS2 "AUTH-1") is found through its
 * section when the template is given.
 */
export function catalogueEntryFor(
  catalogue: RiskCatalogue,
  rowOrSection: string,
  template?: CompiledTemplate,
): CatalogueEntry | undefined {
  let byKey = index.get(catalogue);
  if (byKey === undefined) {
    byKey = new Map();
    for (const e of catalogue.entries) for (const k of [...(e.rows ?? []), ...(e.sections ?? [])]) byKey.set(k, e);
    index.set(catalogue, byKey);
  }
  const direct = byKey.get(rowOrSection);
  if (direct !== undefined || template === undefined) return direct;
  const section = template.byId.get(rowOrSection)?.row.section;
  return section === undefined ? undefined : byKey.get(section);
}

/** The catalogues that ship with OpenMDS, one per built-in template they are written for. */
export const BUILTIN_CATALOGUE_DATA: readonly unknown[] = [mds2nd, nemaMds2];

let builtin: RiskCatalogue[] | undefined;

/** The built-in catalogues, checked against the built-in templates once per process; throws when one is broken. */
export function builtinCatalogues(): RiskCatalogue[] {
  if (builtin === undefined) {
    const templates = builtinTemplates();
    builtin = BUILTIN_CATALOGUE_DATA.map((data, i) => {
      const source = `built-in risk catalogue #${i + 1}`;
      const catalogue = loadCatalogue(data, source);
      const template = templates.get(catalogue.template.id, catalogue.template.edition);
      if (template === undefined) {
        throw new CatalogueLoadError(source, [
          { where: 'template', message: `${templateKey(catalogue.template)} is not a built-in template` },
        ]);
      }
      const problems = checkCatalogue(catalogue, template);
      if (problems.length > 0) throw new CatalogueLoadError(source, problems);
      return catalogue;
    });
  }
  return builtin;
}

/** The built-in catalogue written for a template edition, if there is one. */
export function builtinCatalogueFor(ref: TemplateRef): RiskCatalogue | undefined {
  return builtinCatalogues().find((c) => c.template.id === ref.id && c.template.edition === ref.edition);
}
