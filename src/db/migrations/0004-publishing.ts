import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../database.js';

// Migrations describe the schema as it was when they were written, so they use an untyped Kysely.
type AnyDb = Kysely<unknown>;

const VISIBILITIES = sql.raw(`'public', 'restricted'`);
const KEY_SOURCES = sql.raw(`'instance-ca', 'uploaded'`);
const REQUEST_STATUSES = sql.raw(`'open', 'answered', 'declined', 'cancelled'`);

/**
 * Publishing and exchange: the instance CA and the organizations' signing keys, publications of finalized
 * revisions (with their answers, for the directory's answer search), access grants to restricted publications,
 * requests between hospitals and manufacturers, the hospital's collection, notifications and webhooks.
 *
 * A publication is written once: the signed document it serves never changes. Withdrawal only sets the withdrawal
 * columns, which triggers keep from being set twice or cleared.
 */
export function publishingMigration(dialect: DialectName): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('signing_authorities')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('certificate_pem', 'text', (c) => c.notNull())
        .addColumn('private_key_pem', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('signing_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('source', 'text', (c) => c.notNull())
        /** JSON array of PEM certificates, leaf first. */
        .addColumn('certificate_chain', 'text', (c) => c.notNull())
        .addColumn('private_key_pem', 'text', (c) => c.notNull())
        .addColumn('certificate_sha256', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('issuer', 'text', (c) => c.notNull())
        .addColumn('not_before', 'text', (c) => c.notNull())
        .addColumn('not_after', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.references('users.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('retired_at', 'text')
        .addCheckConstraint('signing_keys_source_check', sql`source in (${KEY_SOURCES})`)
        .execute();
      await db.schema
        .createIndex('signing_keys_org_idx')
        .on('signing_keys')
        .columns(['org_id', 'created_at'])
        .execute();

      await db.schema
        .createTable('publications')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('statement_id', 'text', (c) => c.notNull().references('statements.id'))
        .addColumn('revision', 'integer', (c) => c.notNull())
        .addColumn('product_id', 'text', (c) => c.notNull().references('products.id'))
        .addColumn('product_version_id', 'text', (c) => c.notNull().references('product_versions.id'))
        .addColumn('visibility', 'text', (c) => c.notNull())
        .addColumn('template_id', 'text', (c) => c.notNull())
        .addColumn('template_edition', 'text', (c) => c.notNull())
        .addColumn('manufacturer', 'text', (c) => c.notNull())
        .addColumn('product_name', 'text', (c) => c.notNull())
        .addColumn('product_version', 'text', (c) => c.notNull())
        .addColumn('category', 'text', (c) => c.notNull())
        /** NFKC, lower-cased manufacturer, product and version, for the directory's text search. */
        .addColumn('search_text', 'text', (c) => c.notNull())
        /** The signed statement document (openmds-signed-statement), exactly as served. */
        .addColumn('signed_document', 'text', (c) => c.notNull())
        .addColumn('content_hash', 'text', (c) => c.notNull())
        /** JSON: the answer counts (yes, no, na, other, unanswered) shown in listings. */
        .addColumn('counts', 'text', (c) => c.notNull())
        /** The answers in the template's row order, separated by U+001F ('' unanswered): the directory index reads it. */
        .addColumn('answer_vector', 'text', (c) => c.notNull())
        .addColumn('signing_key_id', 'text', (c) => c.notNull().references('signing_keys.id'))
        .addColumn('published_at', 'text', (c) => c.notNull())
        .addColumn('published_by', 'text', (c) => c.references('users.id'))
        .addColumn('withdrawn_at', 'text')
        .addColumn('withdrawn_by', 'text', (c) => c.references('users.id'))
        .addColumn('withdrawn_reason', 'text')
        /** 1 for the newest publication of its statement that is not withdrawn: what the directory lists. */
        .addColumn('latest', 'integer', (c) => c.notNull().defaultTo(0))
        .addCheckConstraint('publications_latest_check', sql`latest in (0, 1)`)
        .addCheckConstraint('publications_visibility_check', sql`visibility in (${VISIBILITIES})`)
        .addUniqueConstraint('publications_revision_unique', ['statement_id', 'revision'])
        .addForeignKeyConstraint('publications_revision_fk', ['statement_id', 'revision'], 'statement_revisions', [
          'statement_id',
          'revision',
        ])
        .execute();
      await db.schema
        .createIndex('publications_listing_idx')
        .on('publications')
        .columns(['latest', 'published_at', 'id'])
        .execute();

      await db.schema
        .createIndex('publications_org_idx')
        .on('publications')
        .columns(['org_id', 'published_at'])
        .execute();
      await db.schema
        .createIndex('publications_template_idx')
        .on('publications')
        .columns(['template_id', 'template_edition', 'published_at'])
        .execute();

      // One row per answered row of a publication: the directory's answer filters probe this index.
      await db.schema
        .createTable('publication_answers')
        .addColumn('publication_id', 'text', (c) => c.notNull().references('publications.id'))
        .addColumn('row_id', 'text', (c) => c.notNull())
        .addColumn('answer', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('publication_answers_pk', ['row_id', 'answer', 'publication_id'])
        .execute();
      await db.schema
        .createIndex('publication_answers_publication_idx')
        .on('publication_answers')
        .column('publication_id')
        .execute();

      await db.schema
        .createTable('access_grants')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('grantee_org_id', 'text', (c) => c.notNull().references('organizations.id'))
        /** Null: all of the manufacturer's products. */
        .addColumn('product_id', 'text', (c) => c.references('products.id'))
        .addColumn('expires_at', 'text')
        .addColumn('request_id', 'text')
        .addColumn('created_by', 'text', (c) => c.references('users.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .addColumn('revoked_by', 'text', (c) => c.references('users.id'))
        .execute();
      await db.schema
        .createIndex('access_grants_grantee_idx')
        .on('access_grants')
        .columns(['grantee_org_id', 'org_id'])
        .execute();
      await db.schema
        .createIndex('access_grants_org_idx')
        .on('access_grants')
        .columns(['org_id', 'created_at'])
        .execute();

      await db.schema
        .createTable('statement_requests')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('hospital_org_id', 'text', (c) => c.notNull().references('organizations.id'))
        /** Null until an invited manufacturer claims the request. */
        .addColumn('manufacturer_org_id', 'text', (c) => c.references('organizations.id'))
        .addColumn('manufacturer_name', 'text', (c) => c.notNull())
        .addColumn('product_id', 'text', (c) => c.references('products.id'))
        .addColumn('product_name', 'text', (c) => c.notNull())
        .addColumn('product_version', 'text')
        /** Set when the request asks for access to a restricted publication. */
        .addColumn('publication_id', 'text', (c) => c.references('publications.id'))
        .addColumn('message', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('due_date', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('invite_email', 'text')
        .addColumn('invite_token_hash', 'text', (c) => c.unique())
        .addColumn('invite_claimed_at', 'text')
        .addColumn('answer_publication_id', 'text', (c) => c.references('publications.id'))
        .addColumn('decline_reason', 'text')
        .addColumn('answered_at', 'text')
        .addColumn('answered_by', 'text', (c) => c.references('users.id'))
        .addColumn('reminder_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_reminded_at', 'text')
        .addColumn('created_by', 'text', (c) => c.references('users.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addCheckConstraint('statement_requests_status_check', sql`status in (${REQUEST_STATUSES})`)
        .execute();
      await db.schema
        .createIndex('statement_requests_hospital_idx')
        .on('statement_requests')
        .columns(['hospital_org_id', 'created_at'])
        .execute();
      await db.schema
        .createIndex('statement_requests_manufacturer_idx')
        .on('statement_requests')
        .columns(['manufacturer_org_id', 'status'])
        .execute();

      await db.schema
        .createTable('collection_items')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('publication_id', 'text', (c) => c.notNull().references('publications.id'))
        .addColumn('statement_id', 'text', (c) => c.notNull().references('statements.id'))
        .addColumn('request_id', 'text', (c) => c.references('statement_requests.id'))
        .addColumn('received_by', 'text', (c) => c.references('users.id'))
        .addColumn('received_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('collection_items_unique', ['org_id', 'publication_id'])
        .execute();
      await db.schema
        .createIndex('collection_items_statement_idx')
        .on('collection_items')
        .columns(['statement_id', 'org_id'])
        .execute();

      await db.schema
        .createTable('notifications')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        /** JSON: what the notification is about (ids, names), rendered by the client in its language. */
        .addColumn('params', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('notifications_org_idx')
        .on('notifications')
        .columns(['org_id', 'created_at'])
        .execute();
      await db.schema
        .createTable('notification_reads')
        .addColumn('notification_id', 'text', (c) => c.notNull().references('notifications.id'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('read_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('notification_reads_pk', ['notification_id', 'user_id'])
        .execute();

      await db.schema
        .createTable('webhooks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.references('users.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('disabled_at', 'text')
        .execute();
      await db.schema
        .createTable('webhook_deliveries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('webhook_id', 'text', (c) => c.notNull().references('webhooks.id'))
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'text')
        .addColumn('delivered_at', 'text')
        .addColumn('last_status', 'integer')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_due_idx')
        .on('webhook_deliveries')
        .columns(['delivered_at', 'next_attempt_at'])
        .execute();

      for (const statement of publicationTriggers(dialect)) await sql.raw(statement).execute(db);
    },

    async down(db: AnyDb) {
      for (const t of [
        'webhook_deliveries',
        'webhooks',
        'notification_reads',
        'notifications',
        'collection_items',
        'statement_requests',
        'access_grants',
        'publication_answers',
        'publications',
        'signing_keys',
        'signing_authorities',
      ]) {
        await db.schema.dropTable(t).ifExists().execute();
      }
    },
  };
}

const FROZEN = [
  'id',
  'org_id',
  'statement_id',
  'revision',
  'product_id',
  'product_version_id',
  'visibility',
  'template_id',
  'template_edition',
  'signed_document',
  'content_hash',
  'counts',
  'answer_vector',
  'signing_key_id',
  'published_at',
  'published_by',
] as const;

/** A publication's signed document and identity never change; withdrawal is set once and never undone. */
function publicationTriggers(dialect: DialectName): string[] {
  const message = 'publications are immutable; only withdrawal may be recorded, once';
  if (dialect === 'sqlite') {
    const changed = FROZEN.map((c) => `NEW.${c} IS NOT OLD.${c}`).join(' OR ');
    return [
      `CREATE TRIGGER publications_immutable_update BEFORE UPDATE ON publications
       WHEN ${changed} OR (OLD.withdrawn_at IS NOT NULL AND (NEW.withdrawn_at IS NOT OLD.withdrawn_at
         OR NEW.withdrawn_reason IS NOT OLD.withdrawn_reason OR NEW.withdrawn_by IS NOT OLD.withdrawn_by))
       BEGIN SELECT RAISE(ABORT, '${message}'); END`,
      `CREATE TRIGGER publications_immutable_delete BEFORE DELETE ON publications
       BEGIN SELECT RAISE(ABORT, '${message}'); END`,
    ];
  }
  const changed = FROZEN.map((c) => `NEW.${c} IS DISTINCT FROM OLD.${c}`).join(' OR ');
  return [
    `CREATE OR REPLACE FUNCTION publications_guard() RETURNS trigger AS $$
     BEGIN
       IF TG_OP = 'DELETE' THEN RAISE EXCEPTION '${message}'; END IF;
       IF ${changed} OR (OLD.withdrawn_at IS NOT NULL AND (NEW.withdrawn_at IS DISTINCT FROM OLD.withdrawn_at
         OR NEW.withdrawn_reason IS DISTINCT FROM OLD.withdrawn_reason
         OR NEW.withdrawn_by IS DISTINCT FROM OLD.withdrawn_by)) THEN
         RAISE EXCEPTION '${message}';
       END IF;
       RETURN NEW;
     END $$ LANGUAGE plpgsql`,
    `CREATE TRIGGER publications_immutable BEFORE UPDATE OR DELETE ON publications
     FOR EACH ROW EXECUTE FUNCTION publications_guard()`,
  ];
}
