import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { Applies, type CompiledTemplate } from '../../domain/compiled-template.js';
import { builtinCrossref, counterparts, reverseCounterparts, type Crossref } from '../../domain/crossref/crossref.js';
import type { Statement } from '../../domain/statement.js';
import { parseTemplateKey } from '../../domain/template.js';
import type { TemplateRegistry } from '../../domain/templates/registry.js';
import type { RequestContext } from '../../security/context.js';
import { AppError } from '../../server/errors.js';
import { requireInventory } from '../inventory/inventory.views.js';
import { countSources, findComparedSources, type ComparedSourceRow } from './comparison.repository.js';
import {
  MAX_COMPARED_SOURCES,
  type Cell,
  type CellCategory,
  type ComparedSource,
  type Comparison,
  type ComparisonQuery,
  type Line,
  type RowAnswer,
} from './comparison.schema.js';

export const DEFAULT_BASE = 'jahis-jira-mds@2';

export interface ComparisonDeps {
  templates: TemplateRegistry;
}

/** A source read for comparison: its columns and its statement. */
export interface LoadedSource {
  row: ComparedSourceRow;
  statement: Statement;
}

/** How one source's answers reach the base template's rows. */
type Aligner = (baseRowId: string) => Cell;

const invalid = (message: string): AppError => new AppError('invalid-input', { message });

/** Parses the comma-separated ids; undefined when the query names none (all the organization's). */
function sourceIds(given: string | undefined): string[] | undefined {
  if (given === undefined) return undefined;
  const ids = [
    ...new Set(
      given
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    ),
  ];
  if (ids.length === 0) throw invalid('sources: name at least one statement source id');
  if (ids.length > MAX_COMPARED_SOURCES) {
    throw invalid(`sources: at most ${MAX_COMPARED_SOURCES} statements can be compared; ${ids.length} were given`);
  }
  return ids;
}

function baseTemplate(templates: TemplateRegistry, key: string): CompiledTemplate {
  const ref = parseTemplateKey(key);
  const t = ref === undefined ? undefined : templates.get(ref.id, ref.edition);
  if (t === undefined) throw invalid(`base: ${JSON.stringify(key)} is not a known template ("id@edition")`);
  return t;
}

/** The comparison matrix of the hospital's statements (inventory.read on a hospital organization). */
export async function getComparison(
  db: Kysely<Database>,
  deps: ComparisonDeps,
  ctx: RequestContext,
  orgId: string,
  query: ComparisonQuery,
): Promise<Comparison> {
  requireInventory(ctx, orgId, 'inventory.read');
  const base = baseTemplate(deps.templates, query.base ?? DEFAULT_BASE);
  if (query.section !== undefined && !base.template.sections.some((s) => s.id === query.section)) {
    throw invalid(`section: ${JSON.stringify(query.section)} is not a section of ${base.key}`);
  }
  const ids = sourceIds(query.sources);
  if (ids === undefined) {
    const n = await countSources(db, orgId);
    if (n > MAX_COMPARED_SOURCES) {
      throw invalid(
        `sources: the organization holds ${n} statements; name at most ${MAX_COMPARED_SOURCES} of them to compare`,
      );
    }
  }
  const rows = await findComparedSources(db, orgId, ids);
  let ordered = rows;
  if (ids !== undefined) {
    const byId = new Map(rows.map((r) => [r.id, r]));
    ordered = ids.map((id) => {
      const r = byId.get(id);
      if (r === undefined) throw new AppError('not-found', { message: `sources: no statement source ${id} here` });
      return r;
    });
  }
  // Content is the canonical statement the inventory checked on import.
  const loaded = ordered.map((row): LoadedSource => ({ row, statement: JSON.parse(row.content) as Statement }));
  return buildComparison(base, loaded, deps.templates, { section: query.section, answer: query.answer });
}

/** One row's answer in a statement: value, label, category and the remarks it cites. */
function rowAnswer(template: CompiledTemplate, applies: Uint8Array, s: Statement, rowId: string): RowAnswer {
  const entry = s.answers[rowId];
  const compiled = template.byId.get(rowId);
  const remarks = (entry?.remarks ?? []).map((number) => ({
    number,
    text: s.remarks.find((r) => r.number === number)?.text ?? null,
  }));
  const answer = entry?.answer;
  if (answer !== undefined) {
    return {
      answer,
      label: compiled?.options.get(answer)?.label ?? null,
      category: template.categoryOf(rowId, answer) ?? 'other',
      remarks,
    };
  }
  const ruledOut = compiled !== undefined && applies[compiled.index] === Applies.No;
  return { answer: null, label: null, category: ruledOut ? 'not-applicable-by-rule' : 'unanswered', remarks };
}

function aligner(
  base: CompiledTemplate,
  source: LoadedSource,
  templates: TemplateRegistry,
): { alignment: ComparedSource['alignment']; cell: Aligner } {
  const { templateId, templateEdition } = source.row;
  const template = templates.get(templateId, templateEdition);
  if (template === undefined) return { alignment: 'none', cell: () => ({ kind: 'not-comparable' }) };
  const s = source.statement;
  const applies = template.evaluate((id) => s.answers[id]?.answer);
  const answerOf = (rowId: string): RowAnswer => rowAnswer(template, applies, s, rowId);

  if (template.key === base.key) {
    return { alignment: 'same-template', cell: (id) => ({ kind: 'answer', ...answerOf(id) }) };
  }
  if (template.template.id === base.template.id) {
    return {
      alignment: 'row-id',
      cell: (id) =>
        template.byId.get(id)?.answerable === true
          ? { kind: 'answer', via: 'row-id', ...answerOf(id) }
          : { kind: 'no-counterpart', via: 'row-id' },
    };
  }
  const counterpartsCell = (rows: { rowId: string; relation: string }[]): Cell => {
    const named = rows.flatMap((r) =>
      r.relation === 'equivalent' || r.relation === 'partial'
        ? [{ rowId: r.rowId, relation: r.relation, ...answerOf(r.rowId) } as const]
        : [],
    );
    return named.length === 0 ? { kind: 'no-counterpart' } : { kind: 'counterparts', rows: named };
  };
  // The source's template maps onto the base: every source line naming the base row.
  const toBase: Crossref | undefined = builtinCrossref(template.key, base.key);
  if (toBase !== undefined) {
    return {
      alignment: 'crossref',
      cell: (id) =>
        counterpartsCell(reverseCounterparts(toBase, id).map((l) => ({ rowId: l.from, relation: l.relation }))),
    };
  }
  // The base maps onto the source's template: the base row's own line names the source rows.
  const fromBase = builtinCrossref(base.key, template.key);
  if (fromBase !== undefined) {
    return {
      alignment: 'crossref',
      cell: (id) => {
        const line = counterparts(fromBase, id);
        return counterpartsCell((line?.to ?? []).map((rowId) => ({ rowId, relation: line?.relation ?? 'none' })));
      },
    };
  }
  return { alignment: 'none', cell: () => ({ kind: 'not-comparable' }) };
}

/** The categories a cell shows, for the `answer` filter. */
export function cellCategories(cell: Cell): CellCategory[] {
  switch (cell.kind) {
    case 'answer':
      return [cell.category];
    case 'counterparts':
      return cell.rows.map((r) => r.category);
    case 'no-counterpart':
    case 'not-comparable':
      return [];
  }
}

/** The header value of the source's column, falling back to the statement's own header when the column is blank. */
const headerValue = (column: string, fromStatement: string | undefined): string =>
  column !== '' ? column : (fromStatement ?? '');

/**
 * Lines up statements on the base template's rows, in its order with section headings and groups. A source on
 * another template is lined up only through a built-in cross-reference; without one its cells say so.
 */
export function buildComparison(
  base: CompiledTemplate,
  sources: readonly LoadedSource[],
  templates: TemplateRegistry,
  filter: { section?: string | undefined; answer?: CellCategory | undefined } = {},
): Comparison {
  const aligned = sources.map((s) => ({ source: s, ...aligner(base, s, templates) }));
  const keptRows = new Map<string, Line>();
  for (const r of base.rows) {
    if (!r.answerable) continue;
    if (filter.section !== undefined && r.row.section !== filter.section) continue;
    const cells = aligned.map((a) => a.cell(r.row.id));
    if (filter.answer !== undefined && !cells.some((c) => cellCategories(c).includes(filter.answer!))) continue;
    keptRows.set(r.row.id, {
      kind: 'row',
      rowId: r.row.id,
      number: r.row.number,
      sectionId: r.row.section,
      text: r.row.text,
      refs: r.row.refs,
      cells,
    });
  }
  // Groups stay when a row under them stays; sections when any of their lines does.
  const keptGroups = new Set<string>();
  for (const id of keptRows.keys()) {
    for (let p = base.byId.get(id)?.row.parent; p !== undefined; p = base.byId.get(p)?.row.parent) keptGroups.add(p);
  }
  const lines: Line[] = [];
  for (const section of base.template.sections) {
    const inSection: Line[] = [];
    for (const r of base.rows) {
      if (r.row.section !== section.id) continue;
      const kept = keptRows.get(r.row.id);
      if (kept !== undefined) inSection.push(kept);
      else if (!r.answerable && keptGroups.has(r.row.id)) {
        inSection.push({
          kind: 'group',
          rowId: r.row.id,
          number: r.row.number,
          sectionId: section.id,
          text: r.row.text,
          refs: r.row.refs,
        });
      }
    }
    if (inSection.length === 0) continue;
    lines.push(
      { kind: 'section', sectionId: section.id, title: section.title, ref: section.ref ?? null },
      ...inSection,
    );
  }
  return {
    base: { id: base.template.id, edition: base.template.edition },
    sources: aligned.map(({ source: { row, statement }, alignment }) => ({
      id: row.id,
      manufacturer: headerValue(row.manufacturer, statement.header.manufacturer),
      product: headerValue(row.product, statement.header.product),
      productVersion: headerValue(row.productVersion, statement.header.productVersion),
      template: { id: row.templateId, edition: row.templateEdition },
      alignment,
    })),
    lines,
  };
}
