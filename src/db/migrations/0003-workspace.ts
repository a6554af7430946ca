import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../database.js';
import { REVISION_COLUMNS_0001, revisionImmutabilityTriggers } from './0001-initial.js';

// Migrations describe the schema as it was when they were written, so they use an untyped Kysely.
type AnyDb = Kysely<unknown>;

const CATEGORIES = sql.raw(`'pacs', 'ris', 'ehr', 'modality', 'viewer', 'other'`);

/** Columns this migration adds to statement_revisions; frozen with the rest once a revision is finalized. */
const REVISION_COLUMNS_0003 = [
  'responsible_user_id',
  'submitted_at',
  'submitted_by',
  'time_source',
  'proxy_confirmed_at',
  'proxy_confirmed_by',
] as const;

/**
 * The manufacturer's workspace: products and their versions, statements owned by an organization and written for
 * a product version, the workflow columns of a revision (submission, the responsible person, the time source of
 * finalization, the confirmation of proxy entries) and the proxy-entry record (代行入力の記録).
 */
export function workspaceMigration(dialect: DialectName): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('products')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('category', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('created_by', 'text', (c) => c.references('users.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addCheckConstraint('products_category_check', sql`category in (${CATEGORIES})`)
        .addUniqueConstraint('products_org_name_unique', ['org_id', 'name'])
        .execute();

      await db.schema
        .createTable('product_versions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('product_id', 'text', (c) => c.notNull().references('products.id'))
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.references('users.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('product_versions_unique', ['product_id', 'version'])
        .execute();

      // Statements written in the workspace belong to an organization and a product version; those stored by the
      // CLI or tests without one keep these columns empty.
      for (const [column, target] of [
        ['org_id', 'organizations.id'],
        ['product_version_id', 'product_versions.id'],
        ['responsible_user_id', 'users.id'],
        ['created_by', 'users.id'],
      ] as const) {
        await db.schema
          .alterTable('statements')
          .addColumn(column, 'text', (c) => c.references(target))
          .execute();
      }
      await db.schema.createIndex('statements_org_idx').on('statements').columns(['org_id', 'updated_at']).execute();
      await db.schema
        .createIndex('statements_product_version_idx')
        .on('statements')
        .column('product_version_id')
        .execute();

      for (const column of REVISION_COLUMNS_0003) {
        await db.schema.alterTable('statement_revisions').addColumn(column, 'text').execute();
      }
      // The revision's last save, for conflict messages ("saved by … at …"); not frozen by itself (updated_at
      // is not either) but a finalized revision takes no saves.
      await db.schema.alterTable('statement_revisions').addColumn('saved_by', 'text').execute();
      await db.schema.alterTable('statement_revisions').addColumn('returned_reason', 'text').execute();

      // The triggers now guard the new columns too.
      if (dialect === 'sqlite') {
        await sql.raw('DROP TRIGGER statement_revisions_immutable_update').execute(db);
        await sql.raw('DROP TRIGGER statement_revisions_immutable_delete').execute(db);
      } else {
        await sql.raw('DROP TRIGGER statement_revisions_immutable ON statement_revisions').execute(db);
        await sql.raw('DROP TRIGGER statement_revisions_no_truncate ON statement_revisions').execute(db);
      }
      const guarded = [...REVISION_COLUMNS_0001, ...REVISION_COLUMNS_0003, 'saved_by', 'returned_reason'];
      for (const statement of revisionImmutabilityTriggers(dialect, guarded)) await sql.raw(statement).execute(db);

      await db.schema
        .createTable('proxy_entries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('statement_id', 'text', (c) => c.notNull().references('statements.id'))
        .addColumn('revision', 'integer', (c) => c.notNull())
        .addColumn('row_id', 'text', (c) => c.notNull())
        .addColumn('entered_by', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('on_behalf_of', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('answer', 'text')
        .addColumn('remarks', 'text')
        .addForeignKeyConstraint('proxy_entries_revision_fk', ['statement_id', 'revision'], 'statement_revisions', [
          'statement_id',
          'revision',
        ])
        .execute();
      await db.schema
        .createIndex('proxy_entries_revision_idx')
        .on('proxy_entries')
        .columns(['statement_id', 'revision', 'at'])
        .execute();
    },

    async down(db: AnyDb) {
      await db.schema.dropTable('proxy_entries').ifExists().execute();
      await db.schema.dropTable('product_versions').ifExists().execute();
      await db.schema.dropTable('products').ifExists().execute();
    },
  };
}
