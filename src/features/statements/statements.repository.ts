import type { Kysely, Transaction } from 'kysely';
import type { Statement, StatementStatus } from '../../domain/statement.js';
import type { TemplateRef } from '../../domain/template.js';
import { isForeignKeyViolation, isImmutableViolation, isUniqueViolation, StoreError } from '../../db/errors.js';
import { canonicalContent } from '../../db/hash.js';
import type { Database, RevisionRow, StatementRow } from '../../db/schema.js';

type Queryable = Kysely<Database> | Transaction<Database>;

/** Statuses in which a revision's content may still change. */
export const OPEN_STATUSES: readonly StatementStatus[] = ['draft', 'in-review'];

/** A statement: what it is about and where it stands; its content lives in its revisions. */
export interface StatementRecord {
  id: string;
  template: TemplateRef;
  manufacturer: string | null;
  product: string | null;
  productVersion: string | null;
  /** The newest revision's number. */
  currentRevision: number;
  /** The newest revision's status. */
  status: StatementStatus;
  createdAt: string;
  updatedAt: string;
}

/** A revision without its content, for history lists. */
export interface RevisionSummary {
  statementId: string;
  revision: number;
  /** The lifecycle status. Authoritative: after publication the content still says 'finalized', as signed. */
  status: StatementStatus;
  /** sha256 (hex) of the stored RFC 8785 canonical JSON of the content. */
  contentHash: string;
  /** Optimistic-concurrency counter: 1 when created, +1 on every draft save. */
  version: number;
  createdAt: string;
  updatedAt: string;
  finalizedAt: string | null;
  finalizedBy: string | null;
}

export interface RevisionRecord extends RevisionSummary {
  content: Statement;
}

const SUMMARY_COLUMNS = [
  'statement_id',
  'revision',
  'status',
  'content_hash',
  'version',
  'created_at',
  'updated_at',
  'finalized_at',
  'finalized_by',
] as const;

function statementRowToRecord(row: StatementRow): StatementRecord {
  return {
    id: row.id,
    template: { id: row.template_id, edition: row.template_edition },
    manufacturer: row.manufacturer,
    product: row.product,
    productVersion: row.product_version,
    currentRevision: row.current_revision,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function revisionRowToSummary(row: Pick<RevisionRow, (typeof SUMMARY_COLUMNS)[number]>): RevisionSummary {
  return {
    statementId: row.statement_id,
    revision: row.revision,
    status: row.status,
    contentHash: row.content_hash,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finalizedAt: row.finalized_at,
    finalizedBy: row.finalized_by,
  };
}

function revisionRowToRecord(row: RevisionRow): RevisionRecord {
  // Only the service writes content, and only statements it has validated.
  return { ...revisionRowToSummary(row), content: JSON.parse(row.content) as Statement };
}

/** The canonical JSON and its hash; content JSON cannot represent (a lone surrogate) is the caller's error. */
function canonical(content: Statement): { json: string; hash: string } {
  try {
    return canonicalContent(content);
  } catch (e) {
    if (e instanceof TypeError) throw new StoreError('invalid', e.message, { cause: e });
    throw e;
  }
}

function headerColumns(statement: Statement): Pick<StatementRow, 'manufacturer' | 'product' | 'product_version'> {
  return {
    manufacturer: statement.header.manufacturer ?? null,
    product: statement.header.product ?? null,
    product_version: statement.header.productVersion ?? null,
  };
}

/** Turns a trigger's refusal into a StoreError; rethrows anything else. */
function rethrowImmutable(e: unknown, id: string, revision: number): never {
  if (isImmutableViolation(e)) {
    throw new StoreError('immutable', `statement ${id} revision ${revision} is finalized and cannot change`, {
      cause: e,
    });
  }
  throw e;
}

/** Inserts a statement's own row; its first revision follows with insertRevision. */
export async function insertStatement(
  db: Queryable,
  values: { id: string; content: Statement; currentRevision: number; status: StatementStatus; at: string },
): Promise<void> {
  const { id, content } = values;
  try {
    await db
      .insertInto('statements')
      .values({
        id,
        template_id: content.template.id,
        template_edition: content.template.edition,
        ...headerColumns(content),
        current_revision: values.currentRevision,
        status: values.status,
        created_at: values.at,
        updated_at: values.at,
      })
      .execute();
  } catch (e) {
    if (isForeignKeyViolation(e)) {
      throw new StoreError(
        'invalid',
        `template ${content.template.id}@${content.template.edition} is not in the database`,
        {
          cause: e,
        },
      );
    }
    if (isUniqueViolation(e)) throw new StoreError('conflict', `statement ${id} already exists`, { cause: e });
    throw e;
  }
}

/** Inserts a revision at version 1; its content is stored as RFC 8785 canonical JSON and hashed. */
export async function insertRevision(
  db: Queryable,
  values: { statementId: string; revision: number; status: StatementStatus; content: Statement; at: string },
): Promise<RevisionRecord> {
  const { json, hash } = canonical(values.content);
  const row: RevisionRow = {
    statement_id: values.statementId,
    revision: values.revision,
    status: values.status,
    content: json,
    content_hash: hash,
    version: 1,
    created_at: values.at,
    updated_at: values.at,
    finalized_at: null,
    finalized_by: null,
    responsible_user_id: null,
    submitted_at: null,
    submitted_by: null,
    time_source: null,
    proxy_confirmed_at: null,
    proxy_confirmed_by: null,
    saved_by: null,
    returned_reason: null,
  };
  try {
    await db.insertInto('statement_revisions').values(row).execute();
  } catch (e) {
    if (isUniqueViolation(e)) {
      throw new StoreError('conflict', `statement ${values.statementId} already has a revision ${values.revision}`, {
        cause: e,
      });
    }
    throw e;
  }
  return revisionRowToRecord(row);
}

export async function findStatement(db: Queryable, id: string): Promise<StatementRecord | undefined> {
  const row = await db.selectFrom('statements').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : statementRowToRecord(row);
}

export async function findRevision(db: Queryable, id: string, revision: number): Promise<RevisionRecord | undefined> {
  const row = await db
    .selectFrom('statement_revisions')
    .selectAll()
    .where('statement_id', '=', id)
    .where('revision', '=', revision)
    .executeTakeFirst();
  return row === undefined ? undefined : revisionRowToRecord(row);
}

/** A statement's revisions, oldest first, without their content. */
export async function listRevisions(db: Queryable, id: string): Promise<RevisionSummary[]> {
  const rows = await db
    .selectFrom('statement_revisions')
    .select(SUMMARY_COLUMNS)
    .where('statement_id', '=', id)
    .orderBy('revision', 'asc')
    .execute();
  return rows.map(revisionRowToSummary);
}

/**
 * Replaces an open revision's content (and optionally moves it between the open statuses) if its version is still
 * `expectedVersion`, and bumps the version. Returns whether it did: false means someone saved first, or the
 * revision is no longer open.
 */
export async function updateDraftContent(
  db: Queryable,
  values: {
    id: string;
    revision: number;
    expectedVersion: number;
    content: Statement;
    /** 'draft' or 'in-review'; unchanged when absent. */
    status?: StatementStatus;
    at: string;
  },
): Promise<boolean> {
  if (values.status !== undefined && !OPEN_STATUSES.includes(values.status)) {
    throw new Error(`updateDraftContent cannot set status ${values.status}`);
  }
  const { json, hash } = canonical(values.content);
  try {
    const result = await db
      .updateTable('statement_revisions')
      .set((eb) => ({
        content: json,
        content_hash: hash,
        version: eb('version', '+', 1),
        ...(values.status === undefined ? {} : { status: values.status }),
        updated_at: values.at,
      }))
      .where('statement_id', '=', values.id)
      .where('revision', '=', values.revision)
      .where('version', '=', values.expectedVersion)
      .where('status', 'in', OPEN_STATUSES)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  } catch (e) {
    return rethrowImmutable(e, values.id, values.revision);
  }
}

/**
 * Freezes an open revision: final content (hashed), status 'finalized', who and when. Returns false when the
 * revision was saved since `expectedVersion` or is no longer open. The database refuses any later content change.
 */
export async function finalizeRevisionContent(
  db: Queryable,
  values: { id: string; revision: number; expectedVersion: number; content: Statement; by: string; at: string },
): Promise<{ contentHash: string } | undefined> {
  const { json, hash } = canonical(values.content);
  const result = await db
    .updateTable('statement_revisions')
    .set({
      status: 'finalized',
      content: json,
      content_hash: hash,
      finalized_at: values.at,
      finalized_by: values.by,
      updated_at: values.at,
    })
    .where('statement_id', '=', values.id)
    .where('revision', '=', values.revision)
    .where('version', '=', values.expectedVersion)
    .where('status', 'in', OPEN_STATUSES)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1 ? { contentHash: hash } : undefined;
}

/**
 * Moves a revision from status `from` to `to`, leaving its content alone. Returns false when its status is not
 * `from`. Throws StoreError 'immutable' when the database refuses the move (a finalized revision reopened).
 */
export async function setRevisionStatus(
  db: Queryable,
  values: { id: string; revision: number; from: StatementStatus; to: StatementStatus; at: string },
): Promise<boolean> {
  try {
    const result = await db
      .updateTable('statement_revisions')
      .set({ status: values.to, updated_at: values.at })
      .where('statement_id', '=', values.id)
      .where('revision', '=', values.revision)
      .where('status', '=', values.from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  } catch (e) {
    return rethrowImmutable(e, values.id, values.revision);
  }
}

/** Refreshes the statement's row after a change to its newest revision. */
export async function updateStatementRow(
  db: Queryable,
  id: string,
  values: { status?: StatementStatus; content?: Statement; at: string },
): Promise<void> {
  await db
    .updateTable('statements')
    .set({
      ...(values.status === undefined ? {} : { status: values.status }),
      ...(values.content === undefined ? {} : headerColumns(values.content)),
      updated_at: values.at,
    })
    .where('id', '=', id)
    .execute();
}

/**
 * Makes revision `to` the statement's newest, if `from` still is. Returns whether it did: under concurrent
 * attempts exactly one succeeds (the row update serializes them on both dialects).
 */
export async function advanceCurrentRevision(
  db: Queryable,
  values: { id: string; from: number; to: number; status: StatementStatus; content: Statement; at: string },
): Promise<boolean> {
  const result = await db
    .updateTable('statements')
    .set({
      current_revision: values.to,
      status: values.status,
      ...headerColumns(values.content),
      updated_at: values.at,
    })
    .where('id', '=', values.id)
    .where('current_revision', '=', values.from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
