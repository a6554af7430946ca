import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../database.js';
import { IMMUTABLE_REVISION_MESSAGE } from '../errors.js';

// Migrations describe the schema as it was when they were written, so they use an untyped Kysely, not `Database`.
type AnyDb = Kysely<unknown>;

const STATUSES = sql.raw(`'draft', 'in-review', 'finalized', 'published', 'withdrawn'`);
const OPEN_STATUSES = `'draft', 'in-review'`;

/** Templates, statements and their revisions; triggers that keep finalized revisions unchanged. */
export function initialMigration(dialect: DialectName): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('templates')
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('edition', 'text', (c) => c.notNull())
        .addColumn('title_ja', 'text')
        .addColumn('title_en', 'text')
        .addColumn('publisher_ja', 'text')
        .addColumn('publisher_en', 'text')
        .addColumn('content', 'text', (c) => c.notNull())
        .addColumn('content_hash', 'text', (c) => c.notNull())
        .addColumn('builtin', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('row_count', 'integer', (c) => c.notNull())
        .addColumn('answerable_count', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('templates_pk', ['id', 'edition'])
        .addCheckConstraint('templates_builtin_check', sql`builtin in (0, 1)`)
        .execute();

      await db.schema
        .createTable('statements')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('template_id', 'text', (c) => c.notNull())
        .addColumn('template_edition', 'text', (c) => c.notNull())
        .addColumn('manufacturer', 'text')
        .addColumn('product', 'text')
        .addColumn('product_version', 'text')
        .addColumn('current_revision', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addForeignKeyConstraint('statements_template_fk', ['template_id', 'template_edition'], 'templates', [
          'id',
          'edition',
        ])
        .addCheckConstraint('statements_status_check', sql`status in (${STATUSES})`)
        .addCheckConstraint('statements_current_revision_check', sql`current_revision >= 1`)
        .execute();
      await db.schema
        .createIndex('statements_template_idx')
        .on('statements')
        .columns(['template_id', 'template_edition'])
        .execute();
      await db.schema.createIndex('statements_updated_at_idx').on('statements').column('updated_at').execute();

      await db.schema
        .createTable('statement_revisions')
        .addColumn('statement_id', 'text', (c) => c.notNull().references('statements.id'))
        .addColumn('revision', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('content', 'text', (c) => c.notNull())
        .addColumn('content_hash', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('finalized_at', 'text')
        .addColumn('finalized_by', 'text')
        .addPrimaryKeyConstraint('statement_revisions_pk', ['statement_id', 'revision'])
        .addCheckConstraint('statement_revisions_status_check', sql`status in (${STATUSES})`)
        .addCheckConstraint('statement_revisions_revision_check', sql`revision >= 1`)
        .addCheckConstraint('statement_revisions_version_check', sql`version >= 1`)
        .execute();

      for (const statement of revisionImmutabilityTriggers(dialect, REVISION_COLUMNS_0001)) {
        await sql.raw(statement).execute(db);
      }
    },

    async down(db: AnyDb) {
      if (dialect === 'postgres') {
        await sql.raw('DROP FUNCTION IF EXISTS statement_revisions_immutable() CASCADE').execute(db);
      }
      await db.schema.dropTable('statement_revisions').ifExists().execute();
      await db.schema.dropTable('statements').ifExists().execute();
      await db.schema.dropTable('templates').ifExists().execute();
    },
  };
}

/*
 * A revision whose status is past 'in-review' never changes its content again. The one UPDATE allowed on it moves
 * the status along finalized → published → withdrawn (and touches updated_at); it may not go back to an open
 * status, since an open revision could then be edited. Every other column must stay as it is.
 */
export const REVISION_COLUMNS_0001 = [
  'statement_id',
  'revision',
  'content',
  'content_hash',
  'version',
  'created_at',
  'finalized_at',
  'finalized_by',
] as const;

const unchangedExceptStatus = (columns: readonly string[], isSame: string): string =>
  [`NEW.status NOT IN (${OPEN_STATUSES})`, ...columns.map((c) => `NEW.${c} ${isSame} OLD.${c}`)].join(' AND ');

/**
 * The triggers that keep finalized revisions unchanged, guarding the given columns (every column but status and
 * updated_at). Later migrations that add columns to statement_revisions drop and recreate them with the longer list.
 */
export function revisionImmutabilityTriggers(dialect: DialectName, columns: readonly string[]): string[] {
  // This SQLite build rejects double-quoted string literals: single quotes only.
  if (dialect === 'sqlite') {
    return [
      `CREATE TRIGGER statement_revisions_immutable_update
   BEFORE UPDATE ON statement_revisions
   WHEN OLD.status NOT IN (${OPEN_STATUSES}) AND NOT (${unchangedExceptStatus(columns, 'IS')})
   BEGIN SELECT RAISE(ABORT, '${IMMUTABLE_REVISION_MESSAGE}'); END`,
      `CREATE TRIGGER statement_revisions_immutable_delete
   BEFORE DELETE ON statement_revisions
   WHEN OLD.status NOT IN (${OPEN_STATUSES})
   BEGIN SELECT RAISE(ABORT, '${IMMUTABLE_REVISION_MESSAGE}'); END`,
    ];
  }
  return [
    `CREATE OR REPLACE FUNCTION statement_revisions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF TG_OP = 'TRUNCATE' THEN
       RAISE EXCEPTION '${IMMUTABLE_REVISION_MESSAGE}' USING ERRCODE = 'restrict_violation',
         DETAIL = 'statement_revisions cannot be truncated';
     END IF;
     IF OLD.status IN (${OPEN_STATUSES}) THEN
       IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
       RETURN NEW;
     END IF;
     IF TG_OP = 'UPDATE' AND ${unchangedExceptStatus(columns, 'IS NOT DISTINCT FROM')} THEN
       RETURN NEW;
     END IF;
     RAISE EXCEPTION '${IMMUTABLE_REVISION_MESSAGE}' USING ERRCODE = 'restrict_violation',
       DETAIL = format('statement %s revision %s is %s', OLD.statement_id, OLD.revision, OLD.status);
   END;
   $$`,
    `CREATE TRIGGER statement_revisions_immutable
   BEFORE UPDATE OR DELETE ON statement_revisions
   FOR EACH ROW EXECUTE FUNCTION statement_revisions_immutable()`,
    // Row triggers do not fire on TRUNCATE.
    `CREATE TRIGGER statement_revisions_no_truncate
   BEFORE TRUNCATE ON statement_revisions
   FOR EACH STATEMENT EXECUTE FUNCTION statement_revisions_immutable()`,
  ];
}
