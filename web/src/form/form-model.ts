import type { TFunction } from 'i18next';
import { pick, type AnswerOptionData, type RuleData, type TemplateDetail, type TemplateRowData } from '../api';
import type { Lang } from '../i18n';

/** The answer columns of the form. */
export interface AnswerColumns {
  /** Header labels when every answerable row shares one answer set; otherwise null and one "Answer" header. */
  shared: AnswerOptionData[] | null;
  /** Number of answer columns (the largest answer set). */
  count: number;
}

export function answerColumns(t: TemplateDetail): AnswerColumns {
  const used = new Set<string>();
  for (const r of t.rows) if (r.kind === 'question' && r.answerSet !== undefined) used.add(r.answerSet);
  const sets = [...used].map((id) => t.answerSets[id] ?? []);
  const count = Math.max(1, ...sets.map((s) => s.length));
  const only = sets.length === 1 ? sets[0] : undefined;
  return { shared: only ?? null, count };
}

/** Depth of each row in the parent tree (top-level rows are 0). */
export function rowDepths(t: TemplateDetail): Map<string, number> {
  const depth = new Map<string, number>();
  for (const r of t.rows) {
    depth.set(r.id, r.parent === undefined ? 0 : (depth.get(r.parent) ?? 0) + 1);
  }
  return depth;
}

/** How a row is named in notes: its printed number, or its id for the form's unnumbered bullet rows. */
export function rowLabel(row: TemplateRowData): string {
  return row.number === '' ? row.id : row.number;
}

interface Ctx {
  template: TemplateDetail;
  byId: Map<string, TemplateRowData>;
  lang: Lang;
  t: TFunction;
}

function optionLabels(ctx: Ctx, rowId: string, values: readonly string[]): string[] {
  const row = ctx.byId.get(rowId);
  const options = row?.answerSet === undefined ? [] : (ctx.template.answerSets[row.answerSet] ?? []);
  return values.map((v) => {
    const o = options.find((x) => x.value === v);
    return o === undefined ? v : pick(o.label, ctx.lang);
  });
}

function describe(ctx: Ctx, rule: RuleData): string {
  if ('row' in rule) {
    const row = ctx.byId.get(rule.row);
    return ctx.t('rule.is', {
      row: row === undefined ? rule.row : rowLabel(row),
      values: optionLabels(ctx, rule.row, rule.is).join(ctx.t('rule.valuesSeparator')),
    });
  }
  if ('all' in rule) return rule.all.map((r) => describe(ctx, r)).join(ctx.t('rule.and'));
  if ('any' in rule) return rule.any.map((r) => describe(ctx, r)).join(ctx.t('rule.or'));
  const inner = rule.not;
  if ('row' in inner) {
    const row = ctx.byId.get(inner.row);
    return ctx.t('rule.isNot', {
      row: row === undefined ? inner.row : rowLabel(row),
      values: optionLabels(ctx, inner.row, inner.is).join(ctx.t('rule.valuesSeparator')),
    });
  }
  return ctx.t('rule.not', { condition: describe(ctx, inner) });
}

/**
 * The condition under which a row applies, as the rule engine reads it: the row's own `appliesWhen`; else its
 * parent answered with a "yes" value; else, under a group heading, whatever makes the group apply.
 */
function condition(ctx: Ctx, row: TemplateRowData): string | undefined {
  if (row.appliesWhen !== undefined) return describe(ctx, row.appliesWhen);
  if (row.parent === undefined) return undefined;
  const parent = ctx.byId.get(row.parent);
  if (parent === undefined) return undefined;
  if (parent.kind === 'group') return condition(ctx, parent);
  const options = parent.answerSet === undefined ? [] : (ctx.template.answerSets[parent.answerSet] ?? []);
  const yes = options.filter((o) => o.countsAs === 'yes').map((o) => o.value);
  return describe(ctx, { row: parent.id, is: yes });
}

export interface RowNotes {
  /** "4.1-a が「はい」の場合" / "Applies when 4.1-a is Yes". */
  appliesWhen?: string;
  /** "はいの場合は備考必須" / "Remark required when Yes". */
  remarkRequired?: string;
}

/** The small notes printed under each row's question, computed from the template's rule data. */
export function rowNotes(template: TemplateDetail, lang: Lang, t: TFunction): Map<string, RowNotes> {
  const ctx: Ctx = { template, byId: new Map(template.rows.map((r) => [r.id, r])), lang, t };
  const out = new Map<string, RowNotes>();
  for (const row of template.rows) {
    const notes: RowNotes = {};
    const cond = condition(ctx, row);
    if (cond !== undefined) notes.appliesWhen = t('rule.appliesWhen', { condition: cond });
    if (row.remarkRequiredWhen !== undefined) {
      const values = optionLabels(ctx, row.id, row.remarkRequiredWhen).join(t('rule.listSeparator'));
      notes.remarkRequired = t('rule.remarkRequired', { values });
    }
    out.set(row.id, notes);
  }
  return out;
}
