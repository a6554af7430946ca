import type { Statement } from '../domain/statement.js';
import type { ValidationIssue } from '../domain/validation.js';

/** What went wrong, for the caller to act on; the server maps each code to an HTTP status. */
export type StoreErrorCode =
  /** The statement, revision or template does not exist. */
  | 'not-found'
  /** Someone else changed the record first (stale version), or the operation does not fit its current state. */
  | 'conflict'
  /** The revision is finalized: its content never changes again; start a new revision instead. */
  | 'immutable'
  /** The input is not acceptable: validation issues, an unknown template, a malformed value. */
  | 'invalid';

/** The current state of a draft, sent with a conflict so the editor can show what changed. */
export interface CurrentDraft {
  content: Statement;
  version: number;
  status: Statement['status'];
}

export interface StoreErrorOptions {
  /** Validation issues, each naming its row or field (code `invalid`). */
  issues?: ValidationIssue[];
  /** The stored draft as it is now (code `conflict`). */
  current?: CurrentDraft;
  cause?: unknown;
}

/** An expected failure of a store operation. Anything else thrown from the store is a bug or an outage. */
export class StoreError extends Error {
  readonly issues: ValidationIssue[] | undefined;
  readonly current: CurrentDraft | undefined;

  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options: StoreErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StoreError';
    this.issues = options.issues;
    this.current = options.current;
  }
}

/** The message both dialects' immutability triggers raise. */
export const IMMUTABLE_REVISION_MESSAGE = 'finalized revision is immutable';

interface DriverError {
  code?: unknown;
  message?: unknown;
}

function driverError(e: unknown): DriverError {
  return typeof e === 'object' && e !== null ? e : {};
}

/** The immutability trigger refused an UPDATE or DELETE (SQLite RAISE(ABORT) or a PostgreSQL exception). */
export function isImmutableViolation(e: unknown): boolean {
  const m = driverError(e).message;
  return typeof m === 'string' && m.includes(IMMUTABLE_REVISION_MESSAGE);
}

/** A primary key or unique constraint refused a row. */
export function isUniqueViolation(e: unknown): boolean {
  const code = driverError(e).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** A foreign key refused a row (a parent that does not exist). */
export function isForeignKeyViolation(e: unknown): boolean {
  const code = driverError(e).code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}
