import type { ColumnType, Insertable, Selectable } from 'kysely';
import type { StatementStatus } from '../domain/statement.js';
import type { AccountsTables } from './schema-accounts.js';
import type { InventoryTables } from './schema-inventory.js';
import type { PasskeysTables } from './schema-passkeys.js';
import type { PasswordsTables } from './schema-passwords.js';
import type { PublishingTables } from './schema-publishing.js';
import type { TwoFactorTables } from './schema-two-factor.js';
import type { RevisionWorkflowColumns, StatementWorkspaceColumns, WorkspaceTables } from './schema-workspace.js';

/**
 * Table types, as Kysely recommends: one interface per table, `ColumnType<Select, Insert, Update>` where a column
 * is written once and never changed. Timestamps are UTC ISO 8601 strings written by the application, so both
 * dialects read back the same text. JSON documents are TEXT, so the stored bytes are the bytes we wrote.
 */
export interface Database
  extends
    AccountsTables,
    WorkspaceTables,
    PublishingTables,
    InventoryTables,
    TwoFactorTables,
    PasswordsTables,
    PasskeysTables {
  templates: TemplatesTable;
  statements: StatementsTable;
  statement_revisions: StatementRevisionsTable;
}

/** A value set on insert and never changed afterwards. */
type Immutable<T> = ColumnType<T, T, never>;

export interface TemplatesTable {
  id: Immutable<string>;
  edition: Immutable<string>;
  title_ja: string | null;
  title_en: string | null;
  publisher_ja: string | null;
  publisher_en: string | null;
  /** The template document, JSON exactly as given. */
  content: string;
  /** sha256 (hex) of the RFC 8785 canonical form of `content`: equal for equal templates whatever their key order. */
  content_hash: string;
  /** 1 for a template that ships with OpenMDS, 0 for one an organisation added (boolean as integer on both dialects). */
  builtin: number;
  row_count: number;
  answerable_count: number;
  created_at: Immutable<string>;
  updated_at: string;
}

export interface StatementsTable extends StatementWorkspaceColumns {
  id: Immutable<string>;
  template_id: Immutable<string>;
  template_edition: Immutable<string>;
  /** Header values of the current revision, kept here for listing and search. */
  manufacturer: string | null;
  product: string | null;
  product_version: string | null;
  current_revision: number;
  /** Status of the current revision. */
  status: StatementStatus;
  created_at: Immutable<string>;
  updated_at: string;
}

export interface StatementRevisionsTable extends RevisionWorkflowColumns {
  statement_id: Immutable<string>;
  revision: Immutable<number>;
  status: StatementStatus;
  /** The canonical statement (RFC 8785 canonical JSON text). */
  content: string;
  /** sha256 (hex) of `content`. */
  content_hash: string;
  /** Optimistic-concurrency counter: 1 on insert, +1 on each draft save. */
  version: number;
  created_at: Immutable<string>;
  updated_at: string;
  finalized_at: string | null;
  finalized_by: string | null;
}

export type StoredTemplateRow = Selectable<TemplatesTable>;
export type NewStoredTemplateRow = Insertable<TemplatesTable>;
export type StatementRow = Selectable<StatementsTable>;
export type NewStatementRow = Insertable<StatementsTable>;
export type RevisionRow = Selectable<StatementRevisionsTable>;
export type NewRevisionRow = Insertable<StatementRevisionsTable>;
