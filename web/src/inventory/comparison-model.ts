import type { TFunction } from 'i18next';
import { pick } from '../api';
import type { Lang } from '../i18n';
import type { Cell, CellCategory, Comparison, ComparedSource, RowAnswer } from './inventory-api';

/**
 * The matrix as the page draws it, worked out once per answer from the API and language: every cell's class, text
 * and tooltip are plain strings, so a cell renders as a bare <td> and filtering never recomputes them.
 */
export interface CellView {
  /** CSS class: cmp-yes, cmp-no, cmp-na, cmp-rule, cmp-unanswered, cmp-other, cmp-mixed, cmp-none. */
  cls: string;
  text: string;
  /** The native tooltip: the answer, the remarks cited, or why there is no counterpart. */
  title: string;
  /** The categories the cell counts as, for the answer filter (a cross-referenced cell: every row's). */
  categories: readonly CellCategory[];
  /** What the detail panel shows. */
  cell: Cell;
}

export type LineView =
  | { kind: 'section'; key: string; sectionId: string; title: string }
  | { kind: 'group'; key: string; rowId: string; number: string; sectionId: string; text: string }
  | {
      kind: 'row';
      key: string;
      rowId: string;
      number: string;
      sectionId: string;
      text: string;
      refs: string;
      cells: readonly CellView[];
    };

export type RowLineView = Extract<LineView, { kind: 'row' }>;

export interface ColumnView {
  id: string;
  manufacturer: string;
  product: string;
  version: string;
  template: { id: string; edition: string };
  alignment: ComparedSource['alignment'];
}

export interface MatrixView {
  columns: readonly ColumnView[];
  lines: readonly LineView[];
  sections: readonly { value: string; label: string }[];
}

const CATEGORY_CLASS: Record<CellCategory, string> = {
  yes: 'cmp-yes',
  no: 'cmp-no',
  na: 'cmp-na',
  other: 'cmp-other',
  unanswered: 'cmp-unanswered',
  'not-applicable-by-rule': 'cmp-rule',
};

function answerText(a: RowAnswer, lang: Lang, t: TFunction): string {
  if (a.category === 'unanswered') return t('inventory.comparison.cell.unanswered');
  if (a.category === 'not-applicable-by-rule') return t('inventory.comparison.cell.ruledOut');
  return a.label !== null ? pick(a.label, lang) : (a.answer ?? '');
}

function remarksText(a: RowAnswer, t: TFunction): string {
  return a.remarks
    .map(
      (r) =>
        `${t('inventory.comparison.remarkN', { n: r.number })}: ${r.text ?? t('inventory.comparison.remarkMissing')}`,
    )
    .join('\n');
}

/** One cell's class, text and tooltip. */
export function cellView(cell: Cell, lang: Lang, t: TFunction): CellView {
  switch (cell.kind) {
    case 'answer': {
      const text = answerText(cell, lang, t);
      const marks = cell.remarks.map((r) => `※${r.number}`).join('');
      const remarks = remarksText(cell, t);
      const via = cell.via === 'row-id' ? `\n${t('inventory.comparison.viaRowId')}` : '';
      return {
        cls: CATEGORY_CLASS[cell.category] + (cell.remarks.length > 0 ? ' cmp-has-remark' : ''),
        text: marks === '' ? text : `${text} ${marks}`,
        title: `${text}${remarks === '' ? '' : `\n${remarks}`}${via}`,
        categories: [cell.category],
        cell,
      };
    }
    case 'counterparts': {
      const categories = [...new Set(cell.rows.map((r) => r.category))];
      const only = categories.length === 1 ? categories[0] : undefined;
      const parts = cell.rows.map((r) => `${r.rowId} ${answerText(r, lang, t)}`);
      const title = cell.rows
        .map((r) => {
          const remarks = remarksText(r, t);
          return `${r.rowId}: ${answerText(r, lang, t)}（${t(`inventory.comparison.relation.${r.relation}`)}）${
            remarks === '' ? '' : `\n${remarks}`
          }`;
        })
        .join('\n');
      return {
        cls: `${only === undefined ? 'cmp-mixed' : CATEGORY_CLASS[only]} cmp-xref`,
        text: parts.join(' / '),
        title,
        categories,
        cell,
      };
    }
    case 'no-counterpart': {
      const reason =
        cell.via === 'row-id'
          ? t('inventory.comparison.noCounterpartEdition')
          : t('inventory.comparison.noCounterpartXref');
      return { cls: 'cmp-none', text: '—', title: reason, categories: [], cell };
    }
    case 'not-comparable':
      return { cls: 'cmp-none', text: '×', title: t('inventory.comparison.notComparable'), categories: [], cell };
  }
}

/** The whole matrix's view: columns, lines with their cells, and the sections for the filter. */
export function matrixView(c: Comparison, lang: Lang, t: TFunction): MatrixView {
  const sections: { value: string; label: string }[] = [];
  const lines = c.lines.map((l): LineView => {
    switch (l.kind) {
      case 'section': {
        const title = `${pick(l.title, lang)}${l.ref === null ? '' : ` (${l.ref})`}`;
        sections.push({ value: l.sectionId, label: title });
        return { kind: 'section', key: `s:${l.sectionId}`, sectionId: l.sectionId, title };
      }
      case 'group':
        return {
          kind: 'group',
          key: `g:${l.rowId}`,
          rowId: l.rowId,
          number: l.number,
          sectionId: l.sectionId,
          text: pick(l.text, lang),
        };
      case 'row':
        return {
          kind: 'row',
          key: `r:${l.rowId}`,
          rowId: l.rowId,
          number: l.number,
          sectionId: l.sectionId,
          text: pick(l.text, lang),
          refs: l.refs.join(', '),
          cells: l.cells.map((cell) => cellView(cell, lang, t)),
        };
    }
  });
  return {
    columns: c.sources.map((s) => ({
      id: s.id,
      manufacturer: s.manufacturer,
      product: s.product,
      version: s.productVersion,
      template: s.template,
      alignment: s.alignment,
    })),
    lines,
    sections,
  };
}

/**
 * The lines kept by the filters, as the API filters them: a row of the section, with at least one cell of the
 * category; a heading is kept only when a row under it is.
 */
export function filterLines(
  lines: readonly LineView[],
  section: string | null,
  answer: CellCategory | null,
): readonly LineView[] {
  if (section === null && answer === null) return lines;
  const keep = (l: RowLineView) =>
    (section === null || l.sectionId === section) &&
    (answer === null || l.cells.some((c) => c.categories.includes(answer)));
  const out: LineView[] = [];
  let pendingSection: LineView | null = null;
  let pendingGroup: LineView | null = null;
  for (const l of lines) {
    if (l.kind === 'section') {
      pendingSection = l;
      pendingGroup = null;
    } else if (l.kind === 'group') {
      pendingGroup = l;
    } else {
      // A group's items carry its id as a prefix ("4.1" → "4.1-a"); the first row past them leaves the group.
      if (pendingGroup?.kind === 'group' && !belongsTo(l.rowId, pendingGroup.rowId)) pendingGroup = null;
      if (!keep(l)) continue;
      if (pendingSection !== null) out.push(pendingSection);
      if (pendingGroup !== null) out.push(pendingGroup);
      pendingSection = null;
      pendingGroup = null;
      out.push(l);
    }
  }
  return out;
}

function belongsTo(rowId: string, groupId: string): boolean {
  return rowId.startsWith(groupId) && rowId.length > groupId.length && !/[0-9]/.test(rowId[groupId.length] ?? '');
}
