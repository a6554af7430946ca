import { Applies, type CompiledTemplate } from './compiled-template.js';
import { pick, type Message } from './i18n.js';
import { schemaCheck, type SchemaCheck } from './schema-check.js';
import { StatementSchema, type Statement } from './statement.js';

export type Severity = 'error' | 'warning';

/** Every kind of problem validation reports. */
export type IssueCode =
  /** The document is not a statement: a field has the wrong type, or is unknown. */
  | 'invalid-structure'
  | 'unknown-template'
  | 'unknown-edition'
  | 'missing-header'
  | 'invalid-header'
  | 'unknown-row'
  /** An answer on a group row, which only gathers its sub-rows. */
  | 'not-answerable'
  | 'invalid-answer'
  /** An answer on a row whose applicability rule does not hold (e.g. 12.3.1 while 12.3 is いいえ). */
  | 'answer-not-applicable'
  | 'missing-answer'
  | 'undefined-remark'
  | 'duplicate-citation'
  | 'missing-remark'
  | 'duplicate-remark'
  | 'empty-remark'
  | 'unused-remark';

export interface ValidationIssue {
  /** The row the issue is about; null for header, remarks list and document issues. */
  row: string | null;
  /** The field the issue is about, as a path ("header/date", "remarks/3", "answers/4.1-a/answer"). */
  field: string;
  code: IssueCode;
  severity: Severity;
  message: Message;
}

export interface StatementCounts {
  yes: number;
  no: number;
  na: number;
  /** Answers outside yes/no/na, e.g. MDS2 "See Note". */
  other: number;
  unanswered: number;
  skipped: number;
}

export interface ValidationResult {
  valid: boolean;
  template: string | null;
  edition: string | null;
  counts: StatementCounts;
  issues: ValidationIssue[];
}

export interface ValidateOptions {
  /** Require every applicable row and header field, as for finalization. */
  final?: boolean;
}

/** Finds a compiled template by id and edition; `editions` lists the known editions of an id. */
export interface TemplateLookup {
  get(id: string, edition: string): CompiledTemplate | undefined;
  editions(id: string): string[];
}

// Compiled on first use, not at import: the browser imports `validateAnswers` from this module, and its CSP forbids
// the `new Function` that ajv compiles with.
let shapeCheck: SchemaCheck<Statement> | undefined;
const statementShape = (): SchemaCheck<Statement> => (shapeCheck ??= schemaCheck<Statement>(StatementSchema));

const emptyCounts = (): StatementCounts => ({ yes: 0, no: 0, na: 0, other: 0, unanswered: 0, skipped: 0 });

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isRealDate(s: string): boolean {
  const m = DATE.exec(s);
  if (m === null) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/**
 * Validates a statement against its template. Returns issues instead of throwing; a statement is valid when it has
 * no issue of severity "error". Drafts may be incomplete; `final` requires every applicable row.
 */
export function validateStatement(
  input: unknown,
  templates: TemplateLookup,
  options: ValidateOptions = {},
): ValidationResult {
  const shape = statementShape();
  if (!shape.is(input)) {
    const issues: ValidationIssue[] = [];
    for (const p of shape.problems(input)) {
      const m = /^answers\/([^/]+)/.exec(p.path);
      issues.push({
        row: m?.[1] ?? null,
        field: p.path,
        code: 'invalid-structure',
        severity: 'error',
        message: { ja: `${p.path}: 形式が正しくありません (${p.message})`, en: `${p.path}: ${p.message}` },
      });
    }
    const t = (input as { template?: { id?: unknown; edition?: unknown } } | null)?.template;
    return {
      valid: false,
      template: typeof t?.id === 'string' ? t.id : null,
      edition: typeof t?.edition === 'string' ? t.edition : null,
      counts: emptyCounts(),
      issues,
    };
  }

  const s = input;
  const compiled = templates.get(s.template.id, s.template.edition);
  if (compiled === undefined) {
    const editions = templates.editions(s.template.id);
    const issue: ValidationIssue =
      editions.length === 0
        ? {
            row: null,
            field: 'template/id',
            code: 'unknown-template',
            severity: 'error',
            message: {
              ja: `テンプレート "${s.template.id}" は登録されていません`,
              en: `template "${s.template.id}" is not known`,
            },
          }
        : {
            row: null,
            field: 'template/edition',
            code: 'unknown-edition',
            severity: 'error',
            message: {
              ja: `テンプレート "${s.template.id}" に版 "${s.template.edition}" はありません (登録済み: ${editions.join(', ')})`,
              en: `template "${s.template.id}" has no edition "${s.template.edition}" (known: ${editions.join(', ')})`,
            },
          };
    return {
      valid: false,
      template: s.template.id,
      edition: s.template.edition,
      counts: emptyCounts(),
      issues: [issue],
    };
  }
  return validateAnswers(s, compiled, options);
}

/**
 * The checks of `validateStatement` after the structural one: header, remarks, answers and applicability, for a
 * statement already known to have the statement's shape, against its compiled template. Pure and synchronous, with
 * no schema compiler: the web editor runs it on every change.
 */
export function validateAnswers(
  s: Statement,
  compiled: CompiledTemplate,
  options: ValidateOptions = {},
): ValidationResult {
  const final = options.final === true;
  const issues: ValidationIssue[] = [];
  const add = (row: string | null, field: string, code: IssueCode, severity: Severity, message: Message): void => {
    issues.push({ row, field, code, severity, message });
  };

  // Header.
  const header = s.header as Record<string, string | undefined>;
  for (const f of compiled.template.headerFields) {
    const value = header[f.id];
    if (value === undefined || value.trim() === '') {
      if (f.required) {
        add(null, `header/${f.id}`, 'missing-header', final ? 'error' : 'warning', {
          ja: `ヘッダ項目「${pick(f.label, 'ja')}」が未記入です`,
          en: `header field "${pick(f.label, 'en')}" is empty`,
        });
      }
    } else if (f.kind === 'date' && !isRealDate(value)) {
      add(null, `header/${f.id}`, 'invalid-header', 'error', {
        ja: `ヘッダ項目「${pick(f.label, 'ja')}」は YYYY-MM-DD 形式の日付にしてください: "${value}"`,
        en: `header field "${pick(f.label, 'en')}" must be a date as YYYY-MM-DD: "${value}"`,
      });
    }
  }

  // Remarks list.
  const remarkText = new Map<number, string>();
  for (const r of s.remarks) {
    if (remarkText.has(r.number)) {
      add(null, `remarks/${r.number}`, 'duplicate-remark', 'error', {
        ja: `備考 ${r.number} が重複しています`,
        en: `remark ${r.number} is defined more than once`,
      });
    }
    remarkText.set(r.number, r.text);
    if (r.text.trim() === '') {
      add(null, `remarks/${r.number}`, 'empty-remark', final ? 'error' : 'warning', {
        ja: `備考 ${r.number} の本文が空です`,
        en: `remark ${r.number} has no text`,
      });
    }
  }

  const answers = s.answers;
  const lookup = (id: string): string | undefined => {
    const a = answers[id]?.answer;
    // An answer outside the row's set counts as no answer, so one error does not cascade into others.
    return a !== undefined && compiled.byId.get(id)?.options.has(a) === true ? a : undefined;
  };
  const applies = compiled.evaluate(lookup);
  const cited = new Set<number>();
  const counts = emptyCounts();

  // Answers naming rows the template does not have.
  for (const id of Object.keys(answers)) {
    if (!compiled.byId.has(id)) {
      add(id, `answers/${id}`, 'unknown-row', 'error', {
        ja: `行 ${id} はテンプレート ${compiled.key} にありません`,
        en: `row ${id} is not in template ${compiled.key}`,
      });
    }
  }

  for (const r of compiled.rows) {
    const id = r.row.id;
    const entry = answers[id];
    const state = applies[r.index] as Applies;
    const label = r.row.number === '' ? id : r.row.number;
    if (entry?.remarks !== undefined) {
      const onRow = new Set<number>();
      for (const n of entry.remarks) {
        if (onRow.has(n)) {
          add(id, `answers/${id}/remarks`, 'duplicate-citation', 'warning', {
            ja: `行 ${label}: 備考 ${n} が二度引用されています`,
            en: `row ${label}: remark ${n} is cited twice`,
          });
        }
        onRow.add(n);
        cited.add(n);
        if (!remarkText.has(n)) {
          add(id, `answers/${id}/remarks`, 'undefined-remark', 'error', {
            ja: `行 ${label}: 備考 ${n} は備考記載欄にありません`,
            en: `row ${label}: remark ${n} is cited but not defined`,
          });
        }
      }
    }
    if (!r.answerable) {
      if (entry?.answer !== undefined) {
        add(id, `answers/${id}/answer`, 'not-answerable', 'error', {
          ja: `行 ${label} は見出し行のため回答できません (下位の項目に回答してください)`,
          en: `row ${label} is a group heading and takes no answer (answer its items)`,
        });
      }
      continue;
    }
    const answer = entry?.answer;
    if (answer === undefined) {
      if (state === Applies.No) counts.skipped++;
      else {
        counts.unanswered++;
        if (final && state === Applies.Yes) {
          add(id, `answers/${id}/answer`, 'missing-answer', 'error', {
            ja: `行 ${label} が未回答です`,
            en: `row ${label} has no answer`,
          });
        }
      }
      continue;
    }
    const option = r.options.get(answer);
    if (option === undefined) {
      const allowed = [...r.options.values()].map((o) => `${o.value} (${pick(o.label, 'ja')})`).join(', ');
      add(id, `answers/${id}/answer`, 'invalid-answer', 'error', {
        ja: `行 ${label}: 回答 "${answer}" は選択肢にありません (選択肢: ${allowed})`,
        en: `row ${label}: answer "${answer}" is not one of ${allowed}`,
      });
      counts.unanswered++;
      continue;
    }
    if (state === Applies.No) {
      add(id, `answers/${id}/answer`, 'answer-not-applicable', 'error', {
        ja: `行 ${label} は適用されない行です (条件を満たしていません) が回答があります`,
        en: `row ${label} does not apply (its condition does not hold) but is answered`,
      });
      counts.skipped++;
      continue;
    }
    counts[option.countsAs]++;
    if (r.remarkRequiredWhen.has(answer)) {
      const hasText = (entry?.remarks ?? []).some((n) => (remarkText.get(n) ?? '').trim() !== '');
      if (!hasText) {
        add(id, `answers/${id}/remarks`, 'missing-remark', final ? 'error' : 'warning', {
          ja: `行 ${label}: 「${pick(option.label, 'ja')}」の場合は備考の記入が必要です`,
          en: `row ${label}: answering "${pick(option.label, 'en')}" requires a remark`,
        });
      }
    }
  }

  for (const n of remarkText.keys()) {
    if (!cited.has(n)) {
      add(null, `remarks/${n}`, 'unused-remark', 'warning', {
        ja: `備考 ${n} はどの行からも引用されていません`,
        en: `remark ${n} is not cited by any row`,
      });
    }
  }

  return {
    valid: !issues.some((i) => i.severity === 'error'),
    template: s.template.id,
    edition: s.template.edition,
    counts,
    issues,
  };
}
