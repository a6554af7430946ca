import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../database.js';

// Migrations describe the schema as it was when they were written, so they use an untyped Kysely.
type AnyDb = Kysely<unknown>;

const SOURCE_KINDS = sql.raw(`'publication', 'file'`);
const SIGNATURE_STATUSES = sql.raw(`'valid', 'untrusted', 'invalid', 'unsigned'`);
const ASSESSMENT_SCOPES = sql.raw(`'system', 'facility'`);
const ASSESSMENT_STATUSES = sql.raw(`'draft', 'accepted'`);

/**
 * The hospital's side: the systems and devices it runs (inventory), the statements it relies on (publications it
 * may read, or files it imported, with the signature check kept), which statement each system relies on, and risk
 * assessments with their risks. An accepted assessment is frozen like a finalized revision.
 */
export function inventoryMigration(dialect: DialectName): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('systems')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('manufacturer', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('product', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('product_version', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('department', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('location', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('owner', 'text', (c) => c.notNull().defaultTo(''))
        /** 1 when the system handles patient information. */
        .addColumn('patient_data', 'integer', (c) => c.notNull().defaultTo(1))
        /** JSON array: internal-only, external, remote-maintenance, wireless, removable-media, scanning. */
        .addColumn('connections', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('notes', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('created_by', 'text', (c) => c.references('users.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addCheckConstraint('systems_patient_data_check', sql`patient_data in (0, 1)`)
        .addUniqueConstraint('systems_org_name_unique', ['org_id', 'name'])
        .execute();

      await db.schema
        .createTable('statement_sources')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('publication_id', 'text', (c) => c.references('publications.id'))
        .addColumn('file_name', 'text')
        /** The importer that read it: json, xlsx, mds2-xlsx, html, pdf, csv; 'publication' for this instance's. */
        .addColumn('format', 'text', (c) => c.notNull())
        /** The canonical statement, RFC 8785 canonical JSON. */
        .addColumn('content', 'text', (c) => c.notNull())
        .addColumn('content_hash', 'text', (c) => c.notNull())
        .addColumn('template_id', 'text', (c) => c.notNull())
        .addColumn('template_edition', 'text', (c) => c.notNull())
        .addColumn('manufacturer', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('product', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('product_version', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('statement_date', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('signature_status', 'text', (c) => c.notNull())
        /** JSON: signer, issuer, signedAt, problems: the check made at import, kept. */
        .addColumn('signature', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('signed_document', 'text')
        .addColumn('added_by', 'text', (c) => c.references('users.id'))
        .addColumn('added_at', 'text', (c) => c.notNull())
        .addCheckConstraint('statement_sources_kind_check', sql`kind in (${SOURCE_KINDS})`)
        .addCheckConstraint('statement_sources_signature_check', sql`signature_status in (${SIGNATURE_STATUSES})`)
        .addUniqueConstraint('statement_sources_content_unique', ['org_id', 'content_hash'])
        .execute();

      await db.schema
        .createTable('system_statements')
        .addColumn('system_id', 'text', (c) => c.notNull().references('systems.id'))
        .addColumn('source_id', 'text', (c) => c.notNull().references('statement_sources.id'))
        .addColumn('added_by', 'text', (c) => c.references('users.id'))
        .addColumn('added_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('system_statements_pk', ['system_id', 'source_id'])
        .execute();

      await db.schema
        .createTable('assessments')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('system_id', 'text', (c) => c.references('systems.id'))
        .addColumn('title', 'text', (c) => c.notNull())
        /** JSON: the scoring method and its configuration. */
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('accepted_by', 'text', (c) => c.references('users.id'))
        .addColumn('accepted_at', 'text')
        .addColumn('time_source', 'text')
        .addColumn('content_hash', 'text')
        .addColumn('created_by', 'text', (c) => c.references('users.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addCheckConstraint('assessments_scope_check', sql`scope in (${ASSESSMENT_SCOPES})`)
        .addCheckConstraint('assessments_status_check', sql`status in (${ASSESSMENT_STATUSES})`)
        .execute();

      await db.schema
        .createTable('risks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('assessment_id', 'text', (c) => c.notNull().references('assessments.id'))
        .addColumn('system_id', 'text', (c) => c.notNull().references('systems.id'))
        .addColumn('source_id', 'text', (c) => c.references('statement_sources.id'))
        /** Stable across re-drafts: system, template and row. */
        .addColumn('key', 'text', (c) => c.notNull())
        /** JSON: the drafted facts (row, text, guideline section, vendor answer and remarks, threat, measure). */
        .addColumn('draft', 'text', (c) => c.notNull())
        /** JSON: what the person recorded (ratings, treatment, measure, owner, due date, status, residual). */
        .addColumn('record', 'text', (c) => c.notNull())
        .addColumn('reopened_reason', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('risks_assessment_key_unique', ['assessment_id', 'key'])
        .execute();

      for (const statement of acceptedAssessmentTriggers(dialect)) await sql.raw(statement).execute(db);
    },

    async down(db: AnyDb) {
      for (const t of ['risks', 'assessments', 'system_statements', 'statement_sources', 'systems']) {
        await db.schema.dropTable(t).ifExists().execute();
      }
    },
  };
}

/** An accepted assessment and its risks never change again. */
function acceptedAssessmentTriggers(dialect: DialectName): string[] {
  const message = 'an accepted assessment is immutable';
  if (dialect === 'sqlite') {
    return [
      `CREATE TRIGGER assessments_immutable_update BEFORE UPDATE ON assessments
       WHEN OLD.status = 'accepted' BEGIN SELECT RAISE(ABORT, '${message}'); END`,
      `CREATE TRIGGER assessments_immutable_delete BEFORE DELETE ON assessments
       WHEN OLD.status = 'accepted' BEGIN SELECT RAISE(ABORT, '${message}'); END`,
      `CREATE TRIGGER risks_immutable_update BEFORE UPDATE ON risks
       WHEN (SELECT status FROM assessments WHERE id = OLD.assessment_id) = 'accepted'
       BEGIN SELECT RAISE(ABORT, '${message}'); END`,
      `CREATE TRIGGER risks_immutable_delete BEFORE DELETE ON risks
       WHEN (SELECT status FROM assessments WHERE id = OLD.assessment_id) = 'accepted'
       BEGIN SELECT RAISE(ABORT, '${message}'); END`,
    ];
  }
  return [
    `CREATE OR REPLACE FUNCTION assessments_guard() RETURNS trigger AS $$
     BEGIN
       IF OLD.status = 'accepted' THEN RAISE EXCEPTION '${message}'; END IF;
       IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
       RETURN NEW;
     END $$ LANGUAGE plpgsql`,
    `CREATE TRIGGER assessments_immutable BEFORE UPDATE OR DELETE ON assessments
     FOR EACH ROW EXECUTE FUNCTION assessments_guard()`,
    `CREATE OR REPLACE FUNCTION risks_guard() RETURNS trigger AS $$
     BEGIN
       IF (SELECT status FROM assessments WHERE id = OLD.assessment_id) = 'accepted' THEN
         RAISE EXCEPTION '${message}';
       END IF;
       IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
       RETURN NEW;
     END $$ LANGUAGE plpgsql`,
    `CREATE TRIGGER risks_immutable BEFORE UPDATE OR DELETE ON risks
     FOR EACH ROW EXECUTE FUNCTION risks_guard()`,
  ];
}
