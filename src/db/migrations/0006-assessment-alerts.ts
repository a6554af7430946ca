import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../database.js';

// Migrations describe the schema as it was when they were written, so they use an untyped Kysely.
type AnyDb = Kysely<unknown>;

const ALERT_ACTIONS = sql.raw(`'redrafted', 'review-needed'`);

/**
 * What a new revision of a relied-on statement did to an assessment: a draft was re-drafted, an accepted one (frozen
 * by the 0005 triggers) needs review. The alerts live in their own table, which no immutability trigger covers, so an
 * accepted assessment can be alerted and its alerts resolved without touching the assessment's row. An assessment
 * started to reassess an accepted one names it in `supersedes`.
 */
export function assessmentAlertsMigration(dialect: DialectName): Migration {
  return {
    async up(db: AnyDb) {
      // Adding a nullable column fires no row trigger on either database: accepted assessments stay as they were.
      await db.schema
        .alterTable('assessments')
        .addColumn('supersedes', 'text', (c) => c.references('assessments.id'))
        .execute();

      await db.schema
        .createTable('assessment_alerts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('assessment_id', 'text', (c) => c.notNull().references('assessments.id'))
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        /** The statement the assessment's systems relied on. */
        .addColumn('old_source_id', 'text', (c) => c.notNull().references('statement_sources.id'))
        /** The newer revision they rely on now. */
        .addColumn('new_source_id', 'text', (c) => c.notNull().references('statement_sources.id'))
        /** JSON: [{ rowId, before, after }], the vendor's answers that differ between the two statements. */
        .addColumn('changed_rows', 'text', (c) => c.notNull().defaultTo('[]'))
        /** JSON: ids of the assessment's risks the change touches (changed, reopened, gone, or added by a re-draft). */
        .addColumn('touched_risk_ids', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('resolved_at', 'text')
        .addColumn('resolved_by', 'text', (c) => c.references('users.id'))
        .addCheckConstraint('assessment_alerts_action_check', sql`action in (${ALERT_ACTIONS})`)
        .execute();
      await db.schema
        .createIndex('assessment_alerts_assessment_idx')
        .on('assessment_alerts')
        .columns(['assessment_id', 'created_at'])
        .execute();
    },

    async down(db: AnyDb) {
      await db.schema.dropTable('assessment_alerts').ifExists().execute();
      // SQLite cannot drop a column that holds a foreign key; there the unused column stays behind.
      if (dialect === 'postgres') await db.schema.alterTable('assessments').dropColumn('supersedes').execute();
    },
  };
}
