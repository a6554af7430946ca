import type { ColumnType } from 'kysely';

type Immutable<T> = ColumnType<T, T, never>;

/** A nullable column that inserts may leave out. */
type Optional<T> = ColumnType<T | null, T | null | undefined, T | null>;

/** A column with a database default. */
type Defaulted<T> = ColumnType<T, T | undefined, T>;

/** Tables of publishing and exchange (migration 0004-publishing). */
export interface PublishingTables {
  signing_authorities: SigningAuthoritiesTable;
  signing_keys: SigningKeysTable;
  publications: PublicationsTable;
  publication_answers: PublicationAnswersTable;
  access_grants: AccessGrantsTable;
  statement_requests: StatementRequestsTable;
  collection_items: CollectionItemsTable;
  notifications: NotificationsTable;
  notification_reads: NotificationReadsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
}

export type Visibility = 'public' | 'restricted';
export type SigningKeySource = 'instance-ca' | 'uploaded';
export type RequestStatusColumn = 'open' | 'answered' | 'declined' | 'cancelled';

/** The instance's own certificate authority (one row, id 'instance'). */
export interface SigningAuthoritiesTable {
  id: Immutable<string>;
  certificate_pem: Immutable<string>;
  /** PKCS#8 PEM, stored encrypted (`enc:v1:…`, src/security/secret-box.ts). */
  private_key_pem: Immutable<string>;
  created_at: Immutable<string>;
}

/** An organization's signing key and certificate; the newest one not retired signs. */
export interface SigningKeysTable {
  id: Immutable<string>;
  org_id: Immutable<string>;
  source: Immutable<SigningKeySource>;
  /** JSON array of PEM certificates, leaf first. */
  certificate_chain: Immutable<string>;
  /** PKCS#8 PEM, stored encrypted (`enc:v1:…`, src/security/secret-box.ts). */
  private_key_pem: Immutable<string>;
  certificate_sha256: Immutable<string>;
  subject: Immutable<string>;
  issuer: Immutable<string>;
  not_before: Immutable<string>;
  not_after: Immutable<string>;
  created_by: Immutable<string | null>;
  created_at: Immutable<string>;
  retired_at: Optional<string>;
}

/** A finalized revision handed out, signed. Immutable except for withdrawal, which is set once. */
export interface PublicationsTable {
  id: Immutable<string>;
  org_id: Immutable<string>;
  statement_id: Immutable<string>;
  revision: Immutable<number>;
  product_id: Immutable<string>;
  product_version_id: Immutable<string>;
  visibility: Immutable<Visibility>;
  template_id: Immutable<string>;
  template_edition: Immutable<string>;
  manufacturer: Immutable<string>;
  product_name: Immutable<string>;
  product_version: Immutable<string>;
  category: Immutable<string>;
  search_text: Immutable<string>;
  signed_document: Immutable<string>;
  content_hash: Immutable<string>;
  /** JSON: answer counts {yes, no, na, other, unanswered}. */
  counts: Immutable<string>;
  /** The answers in the template's answerable-row order, joined by U+001F ('' for unanswered). */
  answer_vector: Immutable<string>;
  signing_key_id: Immutable<string>;
  published_at: Immutable<string>;
  published_by: Immutable<string | null>;
  withdrawn_at: Optional<string>;
  withdrawn_by: Optional<string>;
  withdrawn_reason: Optional<string>;
  /** 1 for the newest publication of its statement that is not withdrawn (the one the directory lists), else 0. */
  latest: Defaulted<number>;
}

export interface PublicationAnswersTable {
  publication_id: Immutable<string>;
  row_id: Immutable<string>;
  answer: Immutable<string>;
}

/** A manufacturer lets a hospital organization read its restricted publications (of one product, or all). */
export interface AccessGrantsTable {
  id: Immutable<string>;
  org_id: Immutable<string>;
  grantee_org_id: Immutable<string>;
  product_id: Immutable<string | null>;
  expires_at: Immutable<string | null>;
  request_id: Immutable<string | null>;
  created_by: Immutable<string | null>;
  created_at: Immutable<string>;
  revoked_at: Optional<string>;
  revoked_by: Optional<string>;
}

/** A hospital asks a manufacturer for a product's statement, or for access to a restricted publication. */
export interface StatementRequestsTable {
  id: Immutable<string>;
  hospital_org_id: Immutable<string>;
  manufacturer_org_id: Optional<string>;
  manufacturer_name: string;
  product_id: Optional<string>;
  product_name: string;
  product_version: Optional<string>;
  publication_id: Optional<string>;
  message: Defaulted<string>;
  due_date: Optional<string>;
  status: RequestStatusColumn;
  invite_email: Optional<string>;
  invite_token_hash: Optional<string>;
  invite_claimed_at: Optional<string>;
  answer_publication_id: Optional<string>;
  decline_reason: Optional<string>;
  answered_at: Optional<string>;
  answered_by: Optional<string>;
  reminder_count: Defaulted<number>;
  last_reminded_at: Optional<string>;
  created_by: Immutable<string | null>;
  created_at: Immutable<string>;
  updated_at: string;
}

/** A publication a hospital organization holds. */
export interface CollectionItemsTable {
  id: Immutable<string>;
  org_id: Immutable<string>;
  publication_id: Immutable<string>;
  statement_id: Immutable<string>;
  request_id: Immutable<string | null>;
  received_by: Immutable<string | null>;
  received_at: Immutable<string>;
}

export interface NotificationsTable {
  id: Immutable<string>;
  org_id: Immutable<string>;
  kind: Immutable<string>;
  params: Immutable<string>;
  created_at: Immutable<string>;
}

export interface NotificationReadsTable {
  notification_id: Immutable<string>;
  user_id: Immutable<string>;
  read_at: string;
}

export interface WebhooksTable {
  id: Immutable<string>;
  org_id: Immutable<string>;
  url: string;
  /** The signing secret (`whsec_…`), stored encrypted (`enc:v1:…`, src/security/secret-box.ts). */
  secret: string;
  created_by: Immutable<string | null>;
  created_at: Immutable<string>;
  disabled_at: Optional<string>;
}

export interface WebhookDeliveriesTable {
  id: Immutable<string>;
  webhook_id: Immutable<string>;
  event: Immutable<string>;
  payload: Immutable<string>;
  attempts: Defaulted<number>;
  next_attempt_at: Optional<string>;
  delivered_at: Optional<string>;
  last_status: Optional<number>;
  last_error: Optional<string>;
  created_at: Immutable<string>;
}
