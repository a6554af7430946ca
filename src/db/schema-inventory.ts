import type { ColumnType } from 'kysely';

type Immutable<T> = ColumnType<T, T, never>;

/** A nullable column that inserts may leave out. */
type Optional<T> = ColumnType<T | null, T | null | undefined, T | null>;

/** A column with a database default. */
type Defaulted<T> = ColumnType<T, T | undefined, T>;

/** Tables of the hospital's inventory and risk assessment (migrations 0005-inventory, 0006-assessment-alerts). */
export interface InventoryTables {
  systems: SystemsTable;
  statement_sources: StatementSourcesTable;
  system_statements: SystemStatementsTable;
  assessments: AssessmentsTable;
  risks: RisksTable;
  assessment_alerts: AssessmentAlertsTable;
}

export type SourceKind = 'publication' | 'file';
export type SignatureStatusColumn = 'valid' | 'untrusted' | 'invalid' | 'unsigned';
export type AssessmentScope = 'system' | 'facility';
export type AssessmentStatus = 'draft' | 'accepted';

/** A system or device the hospital runs. */
export interface SystemsTable {
  id: Immutable<string>;
  org_id: Immutable<string>;
  name: string;
  manufacturer: Defaulted<string>;
  product: Defaulted<string>;
  product_version: Defaulted<string>;
  department: Defaulted<string>;
  location: Defaulted<string>;
  owner: Defaulted<string>;
  /** 1 when it handles patient information. */
  patient_data: Defaulted<number>;
  /** JSON array of connection kinds. */
  connections: Defaulted<string>;
  notes: Defaulted<string>;
  created_by: Immutable<string | null>;
  created_at: Immutable<string>;
  updated_at: string;
}

/** A statement the hospital holds: a publication it may read, or a file it imported (signature check kept). */
export interface StatementSourcesTable {
  id: Immutable<string>;
  org_id: Immutable<string>;
  kind: Immutable<SourceKind>;
  publication_id: Immutable<string | null>;
  file_name: Immutable<string | null>;
  format: Immutable<string>;
  content: Immutable<string>;
  content_hash: Immutable<string>;
  template_id: Immutable<string>;
  template_edition: Immutable<string>;
  manufacturer: Defaulted<string>;
  product: Defaulted<string>;
  product_version: Defaulted<string>;
  statement_date: Defaulted<string>;
  signature_status: Immutable<SignatureStatusColumn>;
  /** JSON: the signature check made at import. */
  signature: Defaulted<string>;
  signed_document: Immutable<string | null>;
  added_by: Immutable<string | null>;
  added_at: Immutable<string>;
}

export interface SystemStatementsTable {
  system_id: Immutable<string>;
  source_id: Immutable<string>;
  added_by: Immutable<string | null>;
  added_at: Immutable<string>;
}

export interface AssessmentsTable {
  id: Immutable<string>;
  org_id: Immutable<string>;
  scope: Immutable<AssessmentScope>;
  system_id: Immutable<string | null>;
  title: string;
  /** JSON: the scoring method and its configuration. */
  method: string;
  status: AssessmentStatus;
  accepted_by: Optional<string>;
  accepted_at: Optional<string>;
  time_source: Optional<string>;
  content_hash: Optional<string>;
  created_by: Immutable<string | null>;
  created_at: Immutable<string>;
  updated_at: string;
  /** The accepted assessment this one reassesses (0006). */
  supersedes: ColumnType<string | null, string | null | undefined, never>;
}

export interface RisksTable {
  id: Immutable<string>;
  assessment_id: Immutable<string>;
  system_id: Immutable<string>;
  source_id: string | null;
  key: Immutable<string>;
  /** JSON: the drafted facts. */
  draft: string;
  /** JSON: what the person recorded. */
  record: string;
  reopened_reason: Optional<string>;
  created_at: Immutable<string>;
  updated_at: string;
}

/** What a new revision did to an assessment: 'redrafted' (a draft) or 'review-needed' (an accepted one). */
export type AssessmentAlertAction = 'redrafted' | 'review-needed';

/** A new revision of a statement an assessment relied on (0006); not frozen with the assessment. */
export interface AssessmentAlertsTable {
  id: Immutable<string>;
  assessment_id: Immutable<string>;
  org_id: Immutable<string>;
  old_source_id: Immutable<string>;
  new_source_id: Immutable<string>;
  /** JSON: [{ rowId, before, after }]. */
  changed_rows: Immutable<string>;
  /** JSON: risk ids. */
  touched_risk_ids: Immutable<string>;
  action: Immutable<AssessmentAlertAction>;
  created_at: Immutable<string>;
  resolved_at: Optional<string>;
  resolved_by: Optional<string>;
}
