import { compileTemplate, type CompiledTemplate } from './compiled-template.js';
import { schemaCheck } from './schema-check.js';
import { TemplateSchema, type Rule, type Template } from './template.js';

const templateShape = schemaCheck<Template>(TemplateSchema);

/** A problem in a template file, naming the row or field. */
export interface TemplateProblem {
  where: string;
  message: string;
}

export type TemplateLoad = { ok: true; template: CompiledTemplate } | { ok: false; problems: TemplateProblem[] };

function ruleRows(rule: Rule, out: { row: string; is: string[] }[] = []): { row: string; is: string[] }[] {
  if ('row' in rule) out.push(rule);
  else if ('all' in rule) rule.all.forEach((r) => ruleRows(r, out));
  else if ('any' in rule) rule.any.forEach((r) => ruleRows(r, out));
  else ruleRows(rule.not, out);
  return out;
}

/** Checks the meaning of a template beyond its shape: ids, parents, rules, answer sets. */
export function checkTemplateSemantics(t: Template): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const add = (where: string, message: string): void => {
    problems.push({ where, message });
  };
  const sections = new Set<string>();
  for (const s of t.sections) {
    if (sections.has(s.id)) add(`sections/${s.id}`, 'duplicate section id');
    sections.add(s.id);
  }
  for (const [setId, options] of Object.entries(t.answerSets)) {
    const values = new Set<string>();
    for (const o of options) {
      if (values.has(o.value)) add(`answerSets/${setId}`, `duplicate answer value "${o.value}"`);
      values.add(o.value);
    }
  }
  const headerIds = new Set<string>();
  for (const f of t.headerFields) {
    if (headerIds.has(f.id)) add(`headerFields/${f.id}`, 'duplicate header field');
    headerIds.add(f.id);
  }
  const seen = new Map<string, Template['rows'][number]>();
  for (const row of t.rows) {
    const where = `rows/${row.id}`;
    if (seen.has(row.id)) add(where, 'duplicate row id');
    if (!sections.has(row.section)) add(where, `section "${row.section}" is not defined`);
    if (row.kind === 'question') {
      if (row.answerSet === undefined) add(where, 'a question needs an answerSet');
      else if (t.answerSets[row.answerSet] === undefined) add(where, `answer set "${row.answerSet}" is not defined`);
    } else if (row.answerSet !== undefined || row.remarkRequiredWhen !== undefined) {
      add(where, 'a group row takes no answers');
    }
    const values = new Set(
      (row.answerSet === undefined ? [] : (t.answerSets[row.answerSet] ?? [])).map((o) => o.value),
    );
    for (const v of row.remarkRequiredWhen ?? []) {
      if (!values.has(v)) add(where, `remarkRequiredWhen names "${v}", which is not in the row's answer set`);
    }
    if (row.parent !== undefined) {
      if (row.parent === row.id) add(where, 'a row cannot be its own parent');
      else if (!seen.has(row.parent)) add(where, `parent "${row.parent}" must be a row listed before it`);
    }
    if (row.appliesWhen !== undefined) {
      for (const ref of ruleRows(row.appliesWhen)) {
        const target = seen.get(ref.row);
        if (target === undefined) {
          add(where, `appliesWhen refers to row "${ref.row}", which must be a row listed before it`);
          continue;
        }
        if (target.kind !== 'question') {
          add(where, `appliesWhen refers to group "${ref.row}", which has no answer`);
          continue;
        }
        const targetValues = new Set((t.answerSets[target.answerSet ?? ''] ?? []).map((o) => o.value));
        for (const v of ref.is) {
          if (!targetValues.has(v)) add(where, `appliesWhen: "${v}" is not an answer of row "${ref.row}"`);
        }
      }
    }
    seen.set(row.id, row);
  }
  return problems;
}

/** Validates template data (shape, then meaning) and compiles it. Never throws on bad data. */
export function loadTemplate(data: unknown): TemplateLoad {
  if (!templateShape.is(data)) {
    return { ok: false, problems: templateShape.problems(data).map((p) => ({ where: p.path, message: p.message })) };
  }
  const problems = checkTemplateSemantics(data);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, template: compileTemplate(data) };
}
