import type { AnswerCategory, AnswerOption, Rule, Template, TemplateRow } from './template.js';

/** Three-valued applicability: a row applies, does not, or cannot be told yet because a row it depends on is unanswered. */
export const enum Applies {
  No = 0,
  Yes = 1,
  Unknown = 2,
}

export interface CompiledRow {
  row: TemplateRow;
  index: number;
  depth: number;
  answerable: boolean;
  options: ReadonlyMap<string, AnswerOption>;
  /** Lower-cased labels and aliases → value, for importers that read what a person typed. */
  spellings: ReadonlyMap<string, string>;
  remarkRequiredWhen: ReadonlySet<string>;
  children: string[];
}

/** Reads a row's current answer; returns undefined when unanswered. */
export type AnswerLookup = (rowId: string) => string | undefined;

type RuleFn = (answers: AnswerLookup, applies: Uint8Array) => Applies;

/** A template prepared for fast, repeated validation: indexes, evaluation order and compiled rules. */
export interface CompiledTemplate {
  template: Template;
  key: string;
  rows: readonly CompiledRow[];
  byId: ReadonlyMap<string, CompiledRow>;
  answerableCount: number;
  /** Applicability of every row, indexed like `rows`. */
  evaluate(answers: AnswerLookup): Uint8Array;
  categoryOf(rowId: string, value: string): AnswerCategory | undefined;
}

export function normalizeSpelling(s: string): string {
  return s.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, ' ');
}

/**
 * Compiles a template that has already passed `checkTemplate`. The order of evaluation follows the rows, which
 * `checkTemplate` guarantees puts every row after the rows it depends on.
 */
export function compileTemplate(template: Template): CompiledTemplate {
  const byId = new Map<string, CompiledRow>();
  const rows: CompiledRow[] = [];
  template.rows.forEach((row, index) => {
    const parent = row.parent === undefined ? undefined : byId.get(row.parent);
    const optionsList = row.answerSet === undefined ? [] : (template.answerSets[row.answerSet] ?? []);
    const options = new Map(optionsList.map((o) => [o.value, o]));
    const spellings = new Map<string, string>();
    for (const o of optionsList) {
      for (const s of [o.value, o.label.ja, o.label.en, ...(o.aliases ?? [])]) {
        if (s !== undefined) spellings.set(normalizeSpelling(s), o.value);
      }
    }
    const compiled: CompiledRow = {
      row,
      index,
      depth: parent === undefined ? 0 : parent.depth + 1,
      answerable: row.kind === 'question',
      options,
      spellings,
      remarkRequiredWhen: new Set(row.remarkRequiredWhen ?? []),
      children: [],
    };
    parent?.children.push(row.id);
    byId.set(row.id, compiled);
    rows.push(compiled);
  });

  const indexOf = (id: string): number => byId.get(id)?.index ?? -1;
  const yesValues = (id: string): Set<string> => {
    const r = byId.get(id);
    const out = new Set<string>();
    if (r !== undefined) for (const o of r.options.values()) if (o.countsAs === 'yes') out.add(o.value);
    return out;
  };

  const compileRule = (rule: Rule): RuleFn => {
    if ('row' in rule) {
      const target = indexOf(rule.row);
      const id = rule.row;
      const values = new Set(rule.is);
      return (answers, applies) => {
        const a = applies[target];
        if (a === Applies.No) return Applies.No;
        const answer = answers(id);
        if (answer === undefined) return Applies.Unknown;
        return values.has(answer) ? Applies.Yes : Applies.No;
      };
    }
    if ('all' in rule) {
      const parts = rule.all.map(compileRule);
      return (answers, applies) => {
        let result: Applies = Applies.Yes;
        for (const p of parts) {
          const v = p(answers, applies);
          if (v === Applies.No) return Applies.No;
          if (v === Applies.Unknown) result = Applies.Unknown;
        }
        return result;
      };
    }
    if ('any' in rule) {
      const parts = rule.any.map(compileRule);
      return (answers, applies) => {
        let result: Applies = Applies.No;
        for (const p of parts) {
          const v = p(answers, applies);
          if (v === Applies.Yes) return Applies.Yes;
          if (v === Applies.Unknown) result = Applies.Unknown;
        }
        return result;
      };
    }
    const inner = compileRule(rule.not);
    return (answers, applies) => {
      const v = inner(answers, applies);
      return v === Applies.Unknown ? v : v === Applies.Yes ? Applies.No : Applies.Yes;
    };
  };

  // Each row: its parent must apply, and its own rule (explicit, or "parent answered yes") must hold.
  const steps: { parent: number; own: RuleFn | undefined }[] = rows.map((r) => {
    const parent = r.row.parent === undefined ? -1 : indexOf(r.row.parent);
    let own: RuleFn | undefined;
    if (r.row.appliesWhen !== undefined) own = compileRule(r.row.appliesWhen);
    else if (r.row.parent !== undefined && byId.get(r.row.parent)?.answerable === true) {
      own = compileRule({ row: r.row.parent, is: [...yesValues(r.row.parent)] });
    }
    return { parent, own };
  });

  const evaluate = (answers: AnswerLookup): Uint8Array => {
    const applies = new Uint8Array(rows.length);
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]!;
      let v: Applies = step.parent < 0 ? Applies.Yes : (applies[step.parent] as Applies);
      if (v !== Applies.No && step.own !== undefined) {
        const own = step.own(answers, applies);
        v = own === Applies.No ? Applies.No : own === Applies.Unknown ? Applies.Unknown : v;
      }
      applies[i] = v;
    }
    return applies;
  };

  return {
    template,
    key: `${template.id}@${template.edition}`,
    rows,
    byId,
    answerableCount: rows.filter((r) => r.answerable).length,
    evaluate,
    categoryOf: (rowId, value) => byId.get(rowId)?.options.get(value)?.countsAs,
  };
}
