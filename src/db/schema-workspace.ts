import type { ColumnType } from 'kysely';

/** A nullable column that inserts may leave out. */
type Optional<T> = ColumnType<T | null, T | null | undefined, T | null>;

type Immutable<T> = ColumnType<T, T, never>;

/** Tables of products, product versions and the statement workflow (migration 0003-workspace). */
export interface WorkspaceTables {
  products: ProductsTable;
  product_versions: ProductVersionsTable;
  proxy_entries: ProxyEntriesTable;
}

export type ProductCategory = 'pacs' | 'ris' | 'ehr' | 'modality' | 'viewer' | 'other';

export interface ProductsTable {
  id: Immutable<string>;
  org_id: Immutable<string>;
  name: string;
  category: ProductCategory;
  description: string;
  created_by: Immutable<string | null>;
  created_at: Immutable<string>;
  updated_at: string;
}

export interface ProductVersionsTable {
  id: Immutable<string>;
  product_id: Immutable<string>;
  version: Immutable<string>;
  created_by: Immutable<string | null>;
  created_at: Immutable<string>;
}

/** One row changed by someone on behalf of the statement's responsible person (代行入力). Append-only. */
export interface ProxyEntriesTable {
  id: Immutable<string>;
  statement_id: Immutable<string>;
  revision: Immutable<number>;
  row_id: Immutable<string>;
  entered_by: Immutable<string>;
  on_behalf_of: Immutable<string>;
  at: Immutable<string>;
  /** The answer after the entry; null when cleared. */
  answer: Immutable<string | null>;
  /** The remark numbers cited after the entry, as JSON; null when none. */
  remarks: Immutable<string | null>;
}

/** Columns migration 0003 adds to existing tables. */
export interface StatementWorkspaceColumns {
  org_id: Optional<string>;
  product_version_id: Optional<string>;
  responsible_user_id: Optional<string>;
  created_by: Optional<string>;
}

export interface RevisionWorkflowColumns {
  /** The 作成責任者 recorded on the revision when it was finalized. */
  responsible_user_id: Optional<string>;
  submitted_at: Optional<string>;
  submitted_by: Optional<string>;
  /** Names the clock finalization read (確定日時の時刻源). */
  time_source: Optional<string>;
  proxy_confirmed_at: Optional<string>;
  proxy_confirmed_by: Optional<string>;
  saved_by: Optional<string>;
  returned_reason: Optional<string>;
}
