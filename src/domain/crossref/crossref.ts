import { Type, type Static } from '@sinclair/typebox';
import { schemaCheck, type SchemaCheck, type SchemaProblem } from '../schema-check.js';
import { RowIdSchema, templateKey } from '../template.js';
import { builtinTemplates } from '../templates/registry.js';
import type { TemplateLookup } from '../validation.js';
import nemaToMds from './data/nema-mds2-2019__jahis-jira-mds-2.json' with { type: 'json' };

/** How much of the question the target rows ask. */
export const RelationSchema = Type.Union([
  /** The target rows ask the same thing: an answer to one answers the other. */
  Type.Literal('equivalent'),
  /** The target rows ask part of it, or a wider or narrower question: read both answers. */
  Type.Literal('partial'),
  /** No row of the target template asks it; the reason says why and where the nearest topic is. */
  Type.Literal('none'),
]);
export type Relation = Static<typeof RelationSchema>;

const TemplateRefSchema = Type.Object(
  { id: Type.String({ minLength: 1 }), edition: Type.String({ minLength: 1 }) },
  { additionalProperties: false },
);

export const CrossrefLineSchema = Type.Object(
  {
    from: RowIdSchema,
    /** The target template's rows; empty exactly when the relation is "none". */
    to: Type.Array(RowIdSchema, { uniqueItems: true }),
    relation: RelationSchema,
    /** Why the rows correspond, or why there is no counterpart. */
    reason: Type.Object(
      { ja: Type.String({ minLength: 1 }), en: Type.String({ minLength: 1 }) },
      { additionalProperties: false },
    ),
    /** ISO/IEC 27002:2013 controls as the source form gives them for the row (the MDS2 workbook's column). */
    iso27002: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { minItems: 1 })),
  },
  { additionalProperties: false },
);
export type CrossrefLine = Static<typeof CrossrefLineSchema>;

export const CrossrefSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    format: Type.Literal('openmds-crossref'),
    formatVersion: Type.Literal(1),
    from: TemplateRefSchema,
    to: TemplateRefSchema,
    lines: Type.Array(CrossrefLineSchema, { minItems: 1 }),
  },
  { additionalProperties: false },
);
export type Crossref = Static<typeof CrossrefSchema>;

export type CrossrefProblemCode =
  /** `from` or `to` names a template the registry does not have. */
  | 'unknown-template'
  | 'unknown-row'
  /** A group row: it takes no answer, so nothing can correspond to it. */
  | 'not-answerable'
  | 'duplicate-row'
  | 'missing-row'
  /** "none" with target rows, or "equivalent"/"partial" without any. */
  | 'bad-relation'
  | 'empty-reason'
  /** iso27002 differs from the references the source template row carries. */
  | 'iso27002-mismatch';

/** A problem in a cross-reference, naming the line (or the row no line covers). */
export interface CrossrefProblem {
  code: CrossrefProblemCode;
  where: string;
  message: string;
}

export class CrossrefLoadError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly { where: string; message: string }[],
  ) {
    super(`${source}: ${problems.map((p) => `${p.where}: ${p.message}`).join('; ')}`);
    this.name = 'CrossrefLoadError';
  }
}

/** The template scheme whose ids a line's iso27002 repeats. */
const ISO_27002_SCHEME = 'iso-27002-2013';

let shapeCheck: SchemaCheck<Crossref> | undefined;
const crossrefShape = (): SchemaCheck<Crossref> => (shapeCheck ??= schemaCheck<Crossref>(CrossrefSchema));

function lineLabel(index: number, line: unknown): string {
  const from = typeof line === 'object' && line !== null ? (line as { from?: unknown }).from : undefined;
  return typeof from === 'string' ? `lines/${index} [${from}]` : `lines/${index}`;
}

function nameLineInPath(data: unknown, p: SchemaProblem): { where: string; message: string } {
  const m = /^lines\/(\d+)(\/.*)?$/.exec(p.path);
  if (m === null) return { where: p.path, message: p.message };
  const index = Number(m[1]);
  const lines = (data as { lines?: unknown }).lines;
  const line = Array.isArray(lines) ? (lines as unknown[])[index] : undefined;
  return { where: `${lineLabel(index, line)}${m[2] ?? ''}`, message: p.message };
}

/** Checks a cross-reference's shape; throws CrossrefLoadError, naming each line at fault. */
export function loadCrossref(data: unknown, source = 'cross-reference'): Crossref {
  const check = crossrefShape();
  if (check.is(data)) return data;
  throw new CrossrefLoadError(
    source,
    check.problems(data).map((p) => nameLineInPath(data, p)),
  );
}

const sameList = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Checks a cross-reference against the two templates it joins: every answerable row of the source appears on
 * exactly one line, every id exists and takes an answer, the relation agrees with the targets, reasons are not
 * blank, and ISO/IEC 27002 references are the source row's own.
 */
export function checkCrossref(crossref: Crossref, registry: Pick<TemplateLookup, 'get'>): CrossrefProblem[] {
  const problems: CrossrefProblem[] = [];
  const add = (code: CrossrefProblemCode, where: string, message: string): void => {
    problems.push({ code, where, message });
  };
  const from = registry.get(crossref.from.id, crossref.from.edition);
  const to = registry.get(crossref.to.id, crossref.to.edition);
  if (from === undefined) add('unknown-template', 'from', `${templateKey(crossref.from)} is not a known template`);
  if (to === undefined) add('unknown-template', 'to', `${templateKey(crossref.to)} is not a known template`);
  if (from === undefined || to === undefined) return problems;

  const seen = new Map<string, number>();
  crossref.lines.forEach((line, i) => {
    const where = lineLabel(i, line);
    const source = from.byId.get(line.from);
    if (source === undefined) add('unknown-row', `${where}/from`, `row "${line.from}" is not in ${from.key}`);
    else if (!source.answerable) add('not-answerable', `${where}/from`, `row "${line.from}" is a group`);
    else if (seen.has(line.from)) {
      add('duplicate-row', `${where}/from`, `row "${line.from}" is already on lines/${seen.get(line.from)}`);
    } else seen.set(line.from, i);

    for (const id of line.to) {
      const target = to.byId.get(id);
      if (target === undefined) add('unknown-row', `${where}/to`, `row "${id}" is not in ${to.key}`);
      else if (!target.answerable) add('not-answerable', `${where}/to`, `row "${id}" is a group`);
    }
    if (line.relation === 'none' && line.to.length > 0) {
      add('bad-relation', `${where}/relation`, '"none" cannot name target rows');
    } else if (line.relation !== 'none' && line.to.length === 0) {
      add('bad-relation', `${where}/relation`, `"${line.relation}" needs at least one target row`);
    }
    for (const lang of ['ja', 'en'] as const) {
      if (line.reason[lang].trim() === '') add('empty-reason', `${where}/reason/${lang}`, 'is blank');
    }

    if (source !== undefined) {
      const given = (source.row.xrefs ?? []).filter((x) => x.scheme === ISO_27002_SCHEME).flatMap((x) => x.ids);
      const stated = line.iso27002 ?? [];
      if (!sameList(given, stated)) {
        add(
          'iso27002-mismatch',
          `${where}/iso27002`,
          given.length === 0
            ? `row "${line.from}" gives no ISO/IEC 27002 reference`
            : `row "${line.from}" gives ${given.join(', ')}`,
        );
      }
    }
  });

  for (const r of from.rows) {
    if (r.answerable && !seen.has(r.row.id)) add('missing-row', `rows/${r.row.id}`, 'no line covers this row');
  }
  return problems;
}

const forward = new WeakMap<Crossref, Map<string, CrossrefLine>>();
const backward = new WeakMap<Crossref, Map<string, CrossrefLine[]>>();

/** The line for a row of the source template: which target rows ask the same thing, how far, and why. */
export function counterparts(crossref: Crossref, fromRowId: string): CrossrefLine | undefined {
  let byFrom = forward.get(crossref);
  if (byFrom === undefined) {
    byFrom = new Map(crossref.lines.map((l) => [l.from, l]));
    forward.set(crossref, byFrom);
  }
  return byFrom.get(fromRowId);
}

/** The lines naming a row of the target template, in the order of the source rows; empty when none does. */
export function reverseCounterparts(crossref: Crossref, toRowId: string): CrossrefLine[] {
  let byTo = backward.get(crossref);
  if (byTo === undefined) {
    byTo = new Map();
    for (const l of crossref.lines) {
      for (const id of l.to) byTo.set(id, [...(byTo.get(id) ?? []), l]);
    }
    backward.set(crossref, byTo);
  }
  return byTo.get(toRowId) ?? [];
}

/** The cross-references that ship with OpenMDS. */
export const BUILTIN_CROSSREF_DATA: readonly unknown[] = [nemaToMds];

let builtin: Crossref[] | undefined;

/** The built-in cross-references, checked against the built-in templates once per process; throws when broken. */
export function builtinCrossrefs(): Crossref[] {
  if (builtin === undefined) {
    const templates = builtinTemplates();
    builtin = BUILTIN_CROSSREF_DATA.map((data, i) => {
      const source = `built-in cross-reference #${i + 1}`;
      const crossref = loadCrossref(data, source);
      const problems = checkCrossref(crossref, templates);
      if (problems.length > 0) throw new CrossrefLoadError(source, problems);
      return crossref;
    });
  }
  return builtin;
}

/** The built-in cross-reference from one template edition to another, if there is one. */
export function builtinCrossref(from: string, to: string): Crossref | undefined {
  return builtinCrossrefs().find((c) => templateKey(c.from) === from && templateKey(c.to) === to);
}
