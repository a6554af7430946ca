import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../database.js';

// Migrations describe the schema as it was when they were written, so they use an untyped Kysely.
type AnyDb = Kysely<unknown>;

/**
 * Password management and the break-glass account (MDS checklist rows 4.1.1 and 11): earlier password hashes (no
 * reuse of the last N), single-use reset tokens (only their sha256 is stored), the outbox of mail the server sends,
 * and each organization's sealed break-glass account.
 */
export function passwordsMigration(_dialect: DialectName): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('password_history')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        /** The hash a change or reset replaced. */
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('replaced_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('password_history_user_idx')
        .on('password_history')
        .columns(['user_id', 'replaced_at'])
        .execute();

      await db.schema
        .createTable('password_reset_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        /** 'request' (the forgot-password form) or 'operator' (openmds admin reset-password). */
        .addColumn('issued_via', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('password_reset_tokens_user_idx')
        .on('password_reset_tokens')
        .column('user_id')
        .execute();

      await db.schema
        .createTable('mail_outbox')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('to_address', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        /** Erased (null) once delivered: a reset link must not outlive its delivery in the database. */
        .addColumn('body', 'text')
        /** What the mail is about, e.g. 'password-reset', 'break-glass.used'. */
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_error', 'text')
        .addColumn('sent_at', 'text')
        .execute();
      await db.schema
        .createIndex('mail_outbox_pending_idx')
        .on('mail_outbox')
        .columns(['sent_at', 'created_at'])
        .execute();

      await db.schema
        .createTable('break_glass_accounts')
        .addColumn('org_id', 'text', (c) => c.primaryKey().references('organizations.id'))
        /** The account's own user row (no password; editor membership), so every action is attributed to it. */
        .addColumn('user_id', 'text', (c) => c.notNull().unique().references('users.id'))
        /** sha256 (hex) of the sealed credential; the credential itself is shown once and never stored. */
        .addColumn('credential_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull().references('users.id'))
        /** When the current credential was sealed, and by whom (creation or the latest rotation). */
        .addColumn('sealed_at', 'text', (c) => c.notNull())
        .addColumn('sealed_by', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('rotations', 'integer', (c) => c.notNull().defaultTo(0))
        /** Set when the current credential was used: it works no more until rotated. */
        .addColumn('used_at', 'text')
        .addColumn('use_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_use_at', 'text')
        .addColumn('last_use_reason', 'text')
        .addColumn('last_use_ip', 'text')
        .addColumn('last_session_expires_at', 'text')
        .execute();
    },

    async down(db: AnyDb) {
      for (const table of ['break_glass_accounts', 'mail_outbox', 'password_reset_tokens', 'password_history']) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  };
}
