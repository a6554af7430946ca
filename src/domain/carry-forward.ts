import type { CompiledTemplate } from './compiled-template.js';
import { checkMapping, type EditionMapping } from './edition-mapping.js';
import { pick } from './i18n.js';
import { normalizeStatement } from './normalize.js';
import type { AnswerEntry, Statement } from './statement.js';

/** A row of the new edition that needs a (new) answer, and why. */
export interface RowToAnswer {
  row: string;
  reason: 'added' | 'split' | 'merged-disagree' | 'reworded' | 'merged';
  /** The rows of the old edition it came from, and their answers, as a hint for the person answering. */
  from: { row: string; answer?: string }[];
}

export interface CarryForwardReport {
  from: string;
  to: string;
  /** Rows whose answer carried over unchanged (kept or renumbered). */
  carried: { from: string; to: string }[];
  needsAnswer: RowToAnswer[];
  /** Answers of removed rows: they have no place in the new edition. */
  dropped: { row: string; answer?: string; remarks: number[] }[];
  /** Remarks that no row cites any more. They stay in the statement's list; the person decides. */
  uncitedRemarks: number[];
  notes: string[];
}

export type CarryForwardResult =
  { ok: true; statement: Statement; report: CarryForwardReport } | { ok: false; problems: string[] };

/**
 * Turns a statement on one edition into a draft on the next, through the mapping. Never drops a remark: every
 * remark of the old statement stays in the list, and any that lost its citations is reported.
 */
export function carryForward(
  statement: Statement,
  from: CompiledTemplate,
  to: CompiledTemplate,
  mapping: EditionMapping,
  at: string,
): CarryForwardResult {
  if (statement.template.id !== from.template.id || statement.template.edition !== from.template.edition) {
    return {
      ok: false,
      problems: [`the statement answers ${statement.template.id}@${statement.template.edition}, not ${from.key}`],
    };
  }
  const problems = checkMapping(mapping, from, to);
  if (problems.length > 0) return { ok: false, problems };

  const old = statement.answers;
  const answers: Record<string, AnswerEntry> = {};
  const report: CarryForwardReport = {
    from: from.key,
    to: to.key,
    carried: [],
    needsAnswer: [],
    dropped: [],
    uncitedRemarks: [],
    notes: [],
  };
  const cite = (target: string, remarks: number[] | undefined): void => {
    if (remarks === undefined || remarks.length === 0) return;
    const entry = (answers[target] ??= {});
    entry.remarks = [...new Set([...(entry.remarks ?? []), ...remarks])];
  };
  const hint = (row: string): { row: string; answer?: string } => {
    const a = old[row]?.answer;
    return a === undefined ? { row } : { row, answer: a };
  };
  // An answer value may not exist in the new row's answer set; then it cannot carry.
  const carryAnswer = (target: string, answer: string | undefined): boolean => {
    if (answer === undefined) return true;
    if (to.byId.get(target)?.options.has(answer) !== true) return false;
    (answers[target] ??= {}).answer = answer;
    return true;
  };

  for (const c of mapping.rows) {
    switch (c.change) {
      case 'kept':
      case 'renumbered': {
        const entry = old[c.from];
        cite(c.to, entry?.remarks);
        if (c.reworded === true) {
          if (entry?.answer !== undefined)
            report.needsAnswer.push({ row: c.to, reason: 'reworded', from: [hint(c.from)] });
        } else if (carryAnswer(c.to, entry?.answer)) {
          if (entry?.answer !== undefined) report.carried.push({ from: c.from, to: c.to });
        } else {
          report.needsAnswer.push({ row: c.to, reason: 'reworded', from: [hint(c.from)] });
        }
        break;
      }
      case 'split':
        for (const t of c.to) {
          cite(t, old[c.from]?.remarks);
          report.needsAnswer.push({ row: t, reason: 'split', from: [hint(c.from)] });
        }
        break;
      case 'merged': {
        const given = c.from.map((f) => old[f]?.answer);
        for (const f of c.from) cite(c.to, old[f]?.remarks);
        const first = given[0];
        const agree = first !== undefined && given.every((a) => a === first);
        if (agree && carryAnswer(c.to, first)) {
          report.needsAnswer.push({ row: c.to, reason: 'merged', from: c.from.map(hint) });
        } else if (given.some((a) => a !== undefined)) {
          report.needsAnswer.push({ row: c.to, reason: 'merged-disagree', from: c.from.map(hint) });
        }
        break;
      }
      case 'added':
        report.needsAnswer.push({ row: c.to, reason: 'added', from: [] });
        break;
      case 'removed': {
        const entry = old[c.from];
        if (entry !== undefined) {
          const d: CarryForwardReport['dropped'][number] = { row: c.from, remarks: entry.remarks ?? [] };
          if (entry.answer !== undefined) d.answer = entry.answer;
          report.dropped.push(d);
        }
        break;
      }
    }
  }

  const stillCited = new Set(Object.values(answers).flatMap((e) => e.remarks ?? []));
  const wasCited = new Set(Object.values(old).flatMap((e) => e.remarks ?? []));
  for (const r of statement.remarks) {
    if (wasCited.has(r.number) && !stillCited.has(r.number)) report.uncitedRemarks.push(r.number);
  }

  const header = { ...statement.header } as Record<string, string>;
  if (header['date'] !== undefined) {
    delete header['date'];
    report.notes.push('header date cleared: the new draft is dated when it is written');
  }
  // Header fields the new edition does not define are kept; validation says nothing of extra fields.
  const title = pick(to.template.title, 'ja');
  report.notes.push(`now answering ${to.key} (${title})`);

  const next: Statement = {
    format: statement.format,
    formatVersion: statement.formatVersion,
    template: { id: to.template.id, edition: to.template.edition },
    header,
    answers,
    remarks: statement.remarks.map((r) => ({ ...r })),
    status: 'draft',
    revision: 1,
    provenance: [
      ...(statement.provenance ?? []),
      {
        kind: 'carried-forward',
        template: { id: from.template.id, edition: from.template.edition },
        revision: statement.revision,
        at,
      },
    ],
  };
  report.needsAnswer.sort((a, b) => (to.byId.get(a.row)?.index ?? 0) - (to.byId.get(b.row)?.index ?? 0));
  return { ok: true, statement: normalizeStatement(next, to), report };
}
