import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../database.js';

// Migrations describe the schema as it was when they were written, so they use an untyped Kysely.
type AnyDb = Kysely<unknown>;

/**
 * TOTP secrets and recovery codes per user, pending second steps of sign-ins, re-authentication stamps of sessions
 * (deleted with their session) and organizations' security policies (two-factor authentication required).
 */
export function twoFactorMigration(_dialect: DialectName): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('user_totp')
        .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id'))
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('confirmed_at', 'text')
        .addColumn('last_used_step', 'integer')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('recovery_codes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('code_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .execute();
      await db.schema.createIndex('recovery_codes_user_idx').on('recovery_codes').columns(['user_id']).execute();

      await db.schema
        .createTable('two_factor_challenges')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();

      await db.schema
        .createTable('session_reauth')
        .addColumn('session_id_hash', 'text', (c) => c.primaryKey().references('sessions.id_hash').onDelete('cascade'))
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('org_security_policies')
        .addColumn('org_id', 'text', (c) => c.primaryKey().references('organizations.id'))
        .addColumn('require_two_factor', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull().references('users.id'))
        .addCheckConstraint('org_security_policies_require_check', sql`require_two_factor in (0, 1)`)
        .execute();
    },

    async down(db: AnyDb) {
      for (const table of [
        'org_security_policies',
        'session_reauth',
        'two_factor_challenges',
        'recovery_codes',
        'user_totp',
      ]) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  };
}
