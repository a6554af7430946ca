import type { CompiledTemplate } from './compiled-template.js';
import type { AnswerEntry, Statement } from './statement.js';

export interface RowDiff {
  row: string;
  section: string | null;
  /** The form's number ('' for bullet rows). */
  number: string;
  before: AnswerEntry | null;
  after: AnswerEntry | null;
}

export interface RemarkDiff {
  number: number;
  before: string | null;
  after: string | null;
}

export interface HeaderDiff {
  field: string;
  before: string | null;
  after: string | null;
}

export interface StatementDiff {
  rows: RowDiff[];
  remarks: RemarkDiff[];
  header: HeaderDiff[];
}

function sameEntry(a: AnswerEntry | undefined, b: AnswerEntry | undefined): boolean {
  const ra = a?.remarks ?? [];
  const rb = b?.remarks ?? [];
  return a?.answer === b?.answer && ra.length === rb.length && ra.every((n, i) => n === rb[i]);
}

function entryOrNull(e: AnswerEntry | undefined): AnswerEntry | null {
  if (e === undefined || (e.answer === undefined && (e.remarks ?? []).length === 0)) return null;
  const out: AnswerEntry = {};
  if (e.answer !== undefined) out.answer = e.answer;
  if (e.remarks !== undefined && e.remarks.length > 0) out.remarks = [...e.remarks];
  return out;
}

/**
 * What changed between two statements on the same template, row by row in the template's order (rows it does not
 * know last), then remarks by number and header fields. Unchanged rows are left out.
 */
export function diffStatements(before: Statement, after: Statement, template?: CompiledTemplate): StatementDiff {
  const ids = new Set([...Object.keys(before.answers), ...Object.keys(after.answers)]);
  const order = (id: string): number => template?.byId.get(id)?.index ?? Number.MAX_SAFE_INTEGER;
  const rows: RowDiff[] = [...ids]
    .sort((a, b) => order(a) - order(b) || a.localeCompare(b))
    .filter(
      (id) => !sameEntry(entryOrNull(before.answers[id]) ?? undefined, entryOrNull(after.answers[id]) ?? undefined),
    )
    .map((id) => {
      const row = template?.byId.get(id)?.row;
      return {
        row: id,
        section: row?.section ?? null,
        number: row?.number ?? id,
        before: entryOrNull(before.answers[id]),
        after: entryOrNull(after.answers[id]),
      };
    });

  const textOf = (s: Statement): Map<number, string> => new Map(s.remarks.map((r) => [r.number, r.text]));
  const rb = textOf(before);
  const ra = textOf(after);
  const remarks: RemarkDiff[] = [...new Set([...rb.keys(), ...ra.keys()])]
    .sort((a, b) => a - b)
    .filter((n) => rb.get(n) !== ra.get(n))
    .map((n) => ({ number: n, before: rb.get(n) ?? null, after: ra.get(n) ?? null }));

  const hb = before.header as Record<string, string | undefined>;
  const ha = after.header as Record<string, string | undefined>;
  const header: HeaderDiff[] = [...new Set([...Object.keys(hb), ...Object.keys(ha)])]
    .filter((k) => (hb[k] ?? '') !== (ha[k] ?? ''))
    .map((k) => ({ field: k, before: hb[k] ?? null, after: ha[k] ?? null }));

  return { rows, remarks, header };
}
