import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Statement, StatementStatus } from '../../domain/statement.js';
import { validateStatement, type TemplateLookup, type ValidationIssue } from '../../domain/validation.js';
import { StoreError } from '../../db/errors.js';
import type { Database } from '../../db/schema.js';
import {
  advanceCurrentRevision,
  findRevision,
  findStatement,
  finalizeRevisionContent,
  insertRevision,
  insertStatement,
  listRevisions as listRevisionRows,
  OPEN_STATUSES,
  setRevisionStatus,
  updateDraftContent,
  updateStatementRow,
  type RevisionRecord,
  type RevisionSummary,
  type StatementRecord,
} from './statements.repository.js';

export type { RevisionRecord, RevisionSummary, StatementRecord } from './statements.repository.js';

/** Where a draft stands after a write: send `version` back with the next save. */
export interface DraftRef {
  id: string;
  revision: number;
  version: number;
}

/** A statement with its history and its newest revision's content. */
export interface StatementDetail {
  statement: StatementRecord;
  revisions: RevisionSummary[];
  latest: RevisionRecord;
}

export interface CreateStatementOptions {
  statement: Statement;
  templates: TemplateLookup;
  /** UTC ISO 8601; default now. */
  at?: string;
}

export interface SaveDraftOptions {
  id: string;
  revision: number;
  /** The version the editor loaded; a save on top of someone else's fails with 'conflict'. */
  expectedVersion: number;
  statement: Statement;
  templates: TemplateLookup;
  at?: string;
}

export interface FinalizeRevisionOptions {
  id: string;
  revision: number;
  /** Who finalizes (the approver). */
  by: string;
  /** UTC ISO 8601. */
  at: string;
  templates: TemplateLookup;
  /** When given, the version the approver reviewed: finalizing fails with 'conflict' if the draft was saved since. */
  expectedVersion?: number;
}

export interface StartRevisionOptions {
  id: string;
  at?: string;
}

export interface ChangeStatusOptions {
  id: string;
  revision: number;
  to: StatementStatus;
  at?: string;
}

/**
 * The status moves changeRevisionStatus makes. Finalization has its own use case (it validates and freezes);
 * after it only the status moves on, and never back to an open status.
 */
const TRANSITIONS: Readonly<Record<StatementStatus, readonly StatementStatus[]>> = {
  draft: ['in-review'],
  'in-review': ['draft'],
  finalized: ['published', 'withdrawn'],
  published: ['withdrawn'],
  withdrawn: [],
};

type Queryable = Kysely<Database> | Transaction<Database>;

/**
 * Runs `work` in a transaction: the caller's, when it already holds one (so a workflow step, its access check and
 * its audit record commit together), or a new one.
 */
export function inTransaction<T>(db: Queryable, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db as Transaction<Database>) : db.transaction().execute(work);
}

const UTC_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

function timestamp(at: string | undefined): string {
  if (at === undefined) return new Date().toISOString();
  if (!UTC_ISO.test(at) || Number.isNaN(Date.parse(at))) {
    throw new StoreError('invalid', `timestamp "${at}" must be UTC ISO 8601 (YYYY-MM-DDTHH:MM:SS.sssZ)`);
  }
  return at;
}

const isOpen = (status: StatementStatus): boolean => OPEN_STATUSES.includes(status);

/** Issues that make a document unstorable even as a draft: it is not a statement, or answers no known template. */
const UNSTORABLE = new Set(['invalid-structure', 'unknown-template', 'unknown-edition']);

/**
 * Rejects a statement with validation errors, attaching every issue (warnings included) for the caller to show.
 * A draft (`final` false) is stored with errors of meaning — a half-written form is allowed to be wrong, and the
 * editor shows the errors on their rows — but never when it is not a statement or answers an unknown template.
 */
function requireValid(statement: Statement, templates: TemplateLookup, final: boolean, what: string): void {
  const result = validateStatement(statement, templates, { final });
  const errors = result.issues.filter((i) => i.severity === 'error' && (final || UNSTORABLE.has(i.code)));
  if (errors.length === 0) return;
  throw new StoreError('invalid', `${what}: ${summarize(errors)}`, { issues: result.issues });
}

function summarize(errors: ValidationIssue[]): string {
  const shown = errors.slice(0, 10).map((i) => i.message.en);
  const more = errors.length > shown.length ? `; and ${errors.length - shown.length} more` : '';
  return `${errors.length} error${errors.length === 1 ? '' : 's'}: ${shown.join('; ')}${more}`;
}

async function requireRevision(trx: Transaction<Database>, id: string, revision: number): Promise<RevisionRecord> {
  const found = await findRevision(trx, id, revision);
  if (found === undefined) throw new StoreError('not-found', `statement ${id} has no revision ${revision}`);
  return found;
}

async function requireStatement(trx: Transaction<Database>, id: string): Promise<StatementRecord> {
  const found = await findStatement(trx, id);
  if (found === undefined) throw new StoreError('not-found', `statement ${id} does not exist`);
  return found;
}

function immutable(r: RevisionRecord): StoreError {
  return new StoreError(
    'immutable',
    `statement ${r.statementId} revision ${r.revision} is ${r.status} and cannot change; start a new revision`,
  );
}

function conflict(r: RevisionRecord, expectedVersion: number): StoreError {
  return new StoreError(
    'conflict',
    `statement ${r.statementId} revision ${r.revision} was saved by someone else (version ${r.version}, you had ${expectedVersion})`,
    { current: { content: r.content, version: r.version, status: r.status } },
  );
}

/** Validates a statement and stores it as revision 1, a draft. */
export async function createStatement(db: Queryable, options: CreateStatementOptions): Promise<DraftRef> {
  const at = timestamp(options.at);
  const content: Statement = { ...options.statement, status: 'draft', revision: 1 };
  requireValid(content, options.templates, false, 'the statement is not valid');
  const id = randomUUID();
  return inTransaction(db, async (trx) => {
    await insertStatement(trx, { id, content, currentRevision: 1, status: 'draft', at });
    const revision = await insertRevision(trx, { statementId: id, revision: 1, status: 'draft', content, at });
    return { id, revision: revision.revision, version: revision.version };
  });
}

/** Saves an open revision's content, if nobody saved since `expectedVersion`. */
export async function saveDraft(db: Queryable, options: SaveDraftOptions): Promise<DraftRef> {
  const at = timestamp(options.at);
  const { id, revision, expectedVersion } = options;
  return inTransaction(db, async (trx) => {
    const current = await requireRevision(trx, id, revision);
    if (!isOpen(current.status)) throw immutable(current);
    if (current.version !== expectedVersion) throw conflict(current, expectedVersion);
    const was = current.content.template;
    const now = options.statement.template;
    if (was.id !== now.id || was.edition !== now.edition) {
      throw new StoreError(
        'invalid',
        `statement ${id} is written against ${was.id}@${was.edition}; a draft cannot switch to ${now.id}@${now.edition}`,
      );
    }
    const content: Statement = { ...options.statement, status: current.status, revision };
    requireValid(content, options.templates, false, 'the draft is not valid');
    const saved = await updateDraftContent(trx, { id, revision, expectedVersion, content, at });
    if (!saved) {
      // Changed between our read and our write.
      const now = await requireRevision(trx, id, revision);
      throw isOpen(now.status) ? conflict(now, expectedVersion) : immutable(now);
    }
    await updateStatementRow(trx, id, { content, at });
    return { id, revision, version: expectedVersion + 1 };
  });
}

/**
 * Freezes an open revision once it passes final validation (every applicable row answered, every required remark
 * written): status 'finalized', content hash over its RFC 8785 canonical JSON. It never changes again.
 */
export async function finalizeRevision(db: Queryable, options: FinalizeRevisionOptions): Promise<RevisionRecord> {
  const { id, revision } = options;
  const at = timestamp(options.at);
  const by = options.by.trim();
  if (by === '') throw new StoreError('invalid', 'finalizing needs the name of the person who finalizes');
  return inTransaction(db, async (trx) => {
    const current = await requireRevision(trx, id, revision);
    if (!isOpen(current.status)) throw immutable(current);
    if (options.expectedVersion !== undefined && current.version !== options.expectedVersion) {
      throw conflict(current, options.expectedVersion);
    }
    const content: Statement = { ...current.content, status: 'finalized', revision };
    requireValid(content, options.templates, true, `statement ${id} revision ${revision} cannot be finalized`);
    const done = await finalizeRevisionContent(trx, {
      id,
      revision,
      expectedVersion: current.version,
      content,
      by,
      at,
    });
    if (done === undefined) {
      const now = await requireRevision(trx, id, revision);
      throw isOpen(now.status) ? conflict(now, current.version) : immutable(now);
    }
    await updateStatementRow(trx, id, { status: 'finalized', at });
    return {
      ...current,
      status: 'finalized',
      content,
      contentHash: done.contentHash,
      updatedAt: at,
      finalizedAt: at,
      finalizedBy: by,
    };
  });
}

/** Opens revision n+1 as a draft, a copy of revision n, which must be finalized (or published, or withdrawn). */
export async function startRevision(db: Queryable, options: StartRevisionOptions): Promise<DraftRef> {
  const at = timestamp(options.at);
  const { id } = options;
  return inTransaction(db, async (trx) => {
    const statement = await requireStatement(trx, id);
    const from = statement.currentRevision;
    const latest = await requireRevision(trx, id, from);
    if (isOpen(latest.status)) {
      throw new StoreError('conflict', `statement ${id} revision ${from} is still ${latest.status}; edit it instead`);
    }
    const to = from + 1;
    const content: Statement = { ...latest.content, status: 'draft', revision: to };
    if (!(await advanceCurrentRevision(trx, { id, from, to, status: 'draft', content, at }))) {
      throw new StoreError('conflict', `statement ${id} got a new revision meanwhile`);
    }
    const created = await insertRevision(trx, { statementId: id, revision: to, status: 'draft', content, at });
    return { id, revision: to, version: created.version };
  });
}

/**
 * Moves a revision's status: draft ⇄ in-review while open; finalized → published → withdrawn after finalization
 * (finalize itself with finalizeRevision). The content of a finalized revision stays byte-for-byte as it was.
 */
export async function changeRevisionStatus(db: Queryable, options: ChangeStatusOptions): Promise<RevisionRecord> {
  const at = timestamp(options.at);
  const { id, revision, to } = options;
  return inTransaction(db, async (trx) => {
    const statement = await requireStatement(trx, id);
    const current = await requireRevision(trx, id, revision);
    if (!TRANSITIONS[current.status].includes(to)) {
      throw new StoreError(
        'conflict',
        `statement ${id} revision ${revision} cannot go from ${current.status} to ${to}`,
      );
    }
    let moved: boolean;
    if (isOpen(current.status)) {
      // The open content carries its status, so the move is a content change and bumps the version.
      const content: Statement = { ...current.content, status: to };
      moved = await updateDraftContent(trx, {
        id,
        revision,
        expectedVersion: current.version,
        content,
        status: to,
        at,
      });
    } else {
      moved = await setRevisionStatus(trx, { id, revision, from: current.status, to, at });
    }
    if (!moved) throw new StoreError('conflict', `statement ${id} revision ${revision} changed meanwhile`);
    if (revision === statement.currentRevision) await updateStatementRow(trx, id, { status: to, at });
    return requireRevision(trx, id, revision);
  });
}

/** A statement, its revision history and its newest revision. */
export async function getStatement(db: Queryable, options: { id: string }): Promise<StatementDetail> {
  return inTransaction(db, async (trx) => {
    const statement = await requireStatement(trx, options.id);
    const revisions = await listRevisionRows(trx, options.id);
    const latest = await requireRevision(trx, options.id, statement.currentRevision);
    return { statement, revisions, latest };
  });
}

/** A statement's revisions, oldest first. */
export async function listRevisions(db: Queryable, options: { id: string }): Promise<RevisionSummary[]> {
  return inTransaction(db, async (trx) => {
    await requireStatement(trx, options.id);
    return listRevisionRows(trx, options.id);
  });
}

/** One revision with its content. */
export async function getRevision(db: Queryable, options: { id: string; revision: number }): Promise<RevisionRecord> {
  return inTransaction(db, (trx) => requireRevision(trx, options.id, options.revision));
}
