/**
 * The editor's state and everything derived from it, as plain functions: a reducer over the statement, and the
 * applicability, validation and progress the domain computes from it. No React here, so the benchmark and the
 * browser both run exactly this.
 */
import {
  Applies,
  compileTemplate,
  type AnswerLookup,
  type CompiledRow,
  type CompiledTemplate,
} from '../../../src/domain/compiled-template.js';
import { normalizeStatement } from '../../../src/domain/normalize.js';
import type { AnswerEntry, Remark, Statement } from '../../../src/domain/statement.js';
import type { AnswerOption, Template } from '../../../src/domain/template.js';
import { validateAnswers, type ValidationIssue, type ValidationResult } from '../../../src/domain/validation.js';
import type { TemplateDetail } from '../api';

export { Applies };
export type { AnswerEntry, AnswerOption, CompiledRow, CompiledTemplate, Remark, Statement, ValidationIssue };

/** Compiles the template the API sent (the same data the server compiles). */
export function compile(detail: TemplateDetail): CompiledTemplate {
  // TypeBox's static type of the recursive rule is looser than the domain's Rule; the data is the same.
  const template: unknown = detail;
  return compileTemplate(template as Template);
}

export interface EditorState {
  content: Statement;
  /** The server's version of the revision the content is based on (expectedVersion of the next save). */
  version: number;
  /** Counts local changes; equal to savedSeq when the server holds what is on screen. */
  seq: number;
  savedSeq: number;
  /**
   * Answers of rows that stopped applying because of another answer (12.3.1 when 12.3 turns いいえ). They leave the
   * statement, so it stays valid, and come back if the row applies again in this session.
   */
  stash: Readonly<Record<string, string>>;
}

export type EditorAction =
  | { type: 'answer'; row: string; value: string | undefined }
  | { type: 'cite'; row: string; number: number }
  | { type: 'uncite'; row: string; number: number }
  | { type: 'header'; field: string; value: string }
  /** Adds remark max+1 (cited by `citeFrom` when given). */
  | { type: 'addRemark'; text: string; citeFrom?: string }
  | { type: 'editRemark'; number: number; text: string }
  /** Removes the remark and every citation of it. */
  | { type: 'deleteRemark'; number: number }
  | { type: 'saved'; version: number; seq: number }
  /** Replaces everything with the server's content (load, "take theirs"). */
  | { type: 'load'; content: Statement; version: number }
  /** "Keep mine": the next save overwrites the server's newer version. */
  | { type: 'rebase'; version: number };

export function initialState(content: Statement, version: number): EditorState {
  return { content, version, seq: 0, savedSeq: 0, stash: {} };
}

/** The answer lookup validation uses: an answer outside the row's set counts as none. */
export function lookupOf(compiled: CompiledTemplate, answers: Statement['answers']): AnswerLookup {
  return (id) => {
    const a = answers[id]?.answer;
    return a !== undefined && compiled.byId.get(id)?.options.has(a) === true ? a : undefined;
  };
}

function withEntry(
  answers: Statement['answers'],
  row: string,
  update: (entry: AnswerEntry) => AnswerEntry,
): Statement['answers'] {
  const next = { ...answers };
  const entry = update(answers[row] ?? {});
  const clean: AnswerEntry = {};
  if (entry.answer !== undefined) clean.answer = entry.answer;
  if (entry.remarks !== undefined && entry.remarks.length > 0) clean.remarks = entry.remarks;
  if (clean.answer === undefined && clean.remarks === undefined) delete next[row];
  else next[row] = clean;
  return next;
}

/**
 * Sets one answer, then keeps the statement consistent with the rules: rows that stop applying lose their answer
 * (into the stash), rows that apply again get theirs back, until nothing changes.
 */
function answer(compiled: CompiledTemplate, state: EditorState, row: string, value: string | undefined): EditorState {
  const r = compiled.byId.get(row);
  if (r === undefined || !r.answerable) return state;
  if (value !== undefined && !r.options.has(value)) return state;
  if (state.content.answers[row]?.answer === value) return state;
  let answers = state.content.answers;
  const stash: Record<string, string> = { ...state.stash };
  let before = compiled.evaluate(lookupOf(compiled, answers));
  answers = withEntry(answers, row, (e) => ({ ...e, answer: value }));
  delete stash[row];
  // Each pass settles one level of the tree; templates are a few levels deep.
  for (let pass = 0; pass < 16; pass++) {
    const after = compiled.evaluate(lookupOf(compiled, answers));
    let changed = false;
    for (const cr of compiled.rows) {
      const i = cr.index;
      const id = cr.row.id;
      if (!cr.answerable || id === row) continue;
      if (before[i] !== Applies.No && after[i] === Applies.No) {
        const a = answers[id]?.answer;
        if (a !== undefined) {
          stash[id] = a;
          answers = withEntry(answers, id, (e) => ({ ...e, answer: undefined }));
          changed = true;
        }
      } else if (before[i] === Applies.No && after[i] !== Applies.No) {
        const kept = stash[id];
        if (kept !== undefined && answers[id]?.answer === undefined) {
          answers = withEntry(answers, id, (e) => ({ ...e, answer: kept }));
          delete stash[id];
          changed = true;
        }
      }
    }
    if (!changed) break;
    before = after;
  }
  return { ...state, content: { ...state.content, answers }, stash, seq: state.seq + 1 };
}

function changed(state: EditorState, content: Statement): EditorState {
  return { ...state, content, seq: state.seq + 1 };
}

export function nextRemarkNumber(remarks: readonly Remark[]): number {
  let max = 0;
  for (const r of remarks) if (r.number > max) max = r.number;
  return max + 1;
}

/** The reducer of one editor, bound to its compiled template. */
export function reducerFor(compiled: CompiledTemplate) {
  return function reduce(state: EditorState, action: EditorAction): EditorState {
    const c = state.content;
    switch (action.type) {
      case 'answer':
        return answer(compiled, state, action.row, action.value);
      case 'cite': {
        const cited = c.answers[action.row]?.remarks ?? [];
        if (cited.includes(action.number)) return state;
        const remarks = [...cited, action.number].sort((a, b) => a - b);
        return changed(state, { ...c, answers: withEntry(c.answers, action.row, (e) => ({ ...e, remarks })) });
      }
      case 'uncite': {
        const cited = c.answers[action.row]?.remarks ?? [];
        if (!cited.includes(action.number)) return state;
        const remarks = cited.filter((n) => n !== action.number);
        return changed(state, { ...c, answers: withEntry(c.answers, action.row, (e) => ({ ...e, remarks })) });
      }
      case 'header': {
        const header = { ...c.header } as Record<string, string>;
        if (action.value === '') delete header[action.field];
        else header[action.field] = action.value;
        if ((c.header as Record<string, string | undefined>)[action.field] === header[action.field]) return state;
        return changed(state, { ...c, header });
      }
      case 'addRemark': {
        const number = nextRemarkNumber(c.remarks);
        let answers = c.answers;
        if (action.citeFrom !== undefined) {
          const cited = answers[action.citeFrom]?.remarks ?? [];
          answers = withEntry(answers, action.citeFrom, (e) => ({ ...e, remarks: [...cited, number] }));
        }
        return changed(state, { ...c, answers, remarks: [...c.remarks, { number, text: action.text }] });
      }
      case 'editRemark': {
        const i = c.remarks.findIndex((r) => r.number === action.number);
        if (i < 0 || c.remarks[i]?.text === action.text) return state;
        const remarks = c.remarks.slice();
        remarks[i] = { number: action.number, text: action.text };
        return changed(state, { ...c, remarks });
      }
      case 'deleteRemark': {
        let answers = c.answers;
        for (const [row, entry] of Object.entries(c.answers)) {
          if (entry.remarks?.includes(action.number) === true) {
            answers = withEntry(answers, row, (e) => ({
              ...e,
              remarks: e.remarks?.filter((n) => n !== action.number),
            }));
          }
        }
        return changed(state, { ...c, answers, remarks: c.remarks.filter((r) => r.number !== action.number) });
      }
      case 'saved':
        return { ...state, version: action.version, savedSeq: Math.max(state.savedSeq, action.seq) };
      case 'load':
        return initialState(action.content, action.version);
      case 'rebase':
        return { ...state, version: action.version };
    }
  };
}

/** What is sent to the server: the canonical form (NFC, empty entries dropped, rows in template order). */
export function contentToSave(compiled: CompiledTemplate, content: Statement): Statement {
  return normalizeStatement(content, compiled);
}

// ---- Derived --------------------------------------------------------------------------------------------------

const NO_ISSUES: readonly ValidationIssue[] = [];

export interface Derived {
  applies: Uint8Array;
  validation: ValidationResult;
  /** Issues per row id; an array is the same object as last time when its issues did not change. */
  rowIssues: ReadonlyMap<string, readonly ValidationIssue[]>;
  headerIssues: ReadonlyMap<string, readonly ValidationIssue[]>;
  remarkIssues: ReadonlyMap<number, readonly ValidationIssue[]>;
  otherIssues: readonly ValidationIssue[];
  /** Rows citing each remark, in template order. */
  citedBy: ReadonlyMap<number, readonly string[]>;
  answered: number;
  applicable: number;
  errors: number;
  warnings: number;
}

function sameIssues(a: readonly ValidationIssue[], b: readonly ValidationIssue[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.code !== y.code || x.field !== y.field || x.severity !== y.severity || x.message.ja !== y.message.ja) {
      return false;
    }
  }
  return true;
}

/**
 * Keeps last time's array for every key whose values are the same, and last time's map when nothing changed, so
 * memoized rows and panels do not render again.
 */
function stabilize<K, V>(
  prev: ReadonlyMap<K, readonly V[]> | undefined,
  next: Map<K, V[]>,
  same: (a: readonly V[], b: readonly V[]) => boolean,
): ReadonlyMap<K, readonly V[]> {
  const out = new Map<K, readonly V[]>();
  let unchanged = prev !== undefined && prev.size === next.size;
  for (const [k, v] of next) {
    const old = prev?.get(k);
    if (old !== undefined && same(old, v)) out.set(k, old);
    else {
      out.set(k, v);
      unchanged = false;
    }
  }
  return unchanged && prev !== undefined ? prev : out;
}

const sameList = <T>(a: readonly T[], b: readonly T[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** Applicability, validation, progress and citations of the content, computed synchronously. */
export function derive(
  compiled: CompiledTemplate,
  content: Statement,
  prev?: Derived,
  options: { final?: boolean } = {},
): Derived {
  const applies = compiled.evaluate(lookupOf(compiled, content.answers));
  const validation = validateAnswers(content, compiled, { final: options.final === true });
  const rows = new Map<string, ValidationIssue[]>();
  const header = new Map<string, ValidationIssue[]>();
  const remarks = new Map<number, ValidationIssue[]>();
  const other: ValidationIssue[] = [];
  let errors = 0;
  let warnings = 0;
  for (const issue of validation.issues) {
    if (issue.severity === 'error') errors++;
    else warnings++;
    let list: ValidationIssue[] | undefined;
    if (issue.row !== null) {
      list = rows.get(issue.row);
      if (list === undefined) rows.set(issue.row, (list = []));
    } else if (issue.field.startsWith('header/')) {
      const f = issue.field.slice('header/'.length);
      list = header.get(f);
      if (list === undefined) header.set(f, (list = []));
    } else if (issue.field.startsWith('remarks/')) {
      const n = Number(issue.field.slice('remarks/'.length));
      list = remarks.get(n);
      if (list === undefined) remarks.set(n, (list = []));
    } else list = other;
    list.push(issue);
  }
  const citedBy = new Map<number, string[]>();
  for (const r of compiled.rows) {
    for (const n of content.answers[r.row.id]?.remarks ?? []) {
      let list = citedBy.get(n);
      if (list === undefined) citedBy.set(n, (list = []));
      if (!list.includes(r.row.id)) list.push(r.row.id);
    }
  }
  const c = validation.counts;
  const answered = c.yes + c.no + c.na + c.other;
  return {
    applies,
    validation,
    rowIssues: stabilize(prev?.rowIssues, rows, sameIssues),
    headerIssues: stabilize(prev?.headerIssues, header, sameIssues),
    remarkIssues: stabilize(prev?.remarkIssues, remarks, sameIssues),
    otherIssues: other.length === 0 ? NO_ISSUES : other,
    citedBy: stabilize(prev?.citedBy, citedBy, sameList),
    answered,
    applicable: answered + c.unanswered,
    errors,
    warnings,
  };
}

/** A row's applicability in `applies`, as the enum. */
export function appliesAt(applies: Uint8Array, row: CompiledRow): Applies {
  return applies[row.index] ?? Applies.Unknown;
}

/** The options of a row's answer set, in order (the n-th is keyboard key n). */
export function optionsOf(compiled: CompiledTemplate, row: CompiledRow): AnswerOption[] {
  const set = row.row.answerSet;
  return set === undefined ? [] : (compiled.template.answerSets[set] ?? []);
}

/** How a row is named: its printed number, or its id for the form's unnumbered bullet rows. */
export function rowLabel(row: CompiledRow | undefined, id: string): string {
  if (row === undefined) return id;
  return row.row.number === '' ? row.row.id : row.row.number;
}

export type Filter = 'all' | 'unanswered' | 'no' | 'issues';

/** Whether a question row passes the filter. */
export function passesFilter(
  filter: Filter,
  row: CompiledRow,
  entry: AnswerEntry | undefined,
  state: Applies,
  issues: readonly ValidationIssue[] | undefined,
  compiled: CompiledTemplate,
): boolean {
  switch (filter) {
    case 'all':
      return true;
    case 'unanswered':
      return state !== Applies.No && entry?.answer === undefined;
    case 'no': {
      const a = entry?.answer;
      return a !== undefined && compiled.categoryOf(row.row.id, a) === 'no';
    }
    case 'issues':
      return issues !== undefined && issues.length > 0;
  }
}
