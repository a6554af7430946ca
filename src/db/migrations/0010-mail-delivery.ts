import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../database.js';

// Migrations describe the schema as it was when they were written, so they use an untyped Kysely.
type AnyDb = Kysely<unknown>;

/**
 * Real mail delivery (SMTP): when the outbox may try a message again (exponential back-off), and when it gave up on
 * one, so that failed mail is visible to the operator (`openmds mail status`).
 */
export function mailDeliveryMigration(_dialect: DialectName): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .alterTable('mail_outbox')
        /** The earliest time of the next attempt; null: as soon as possible. */
        .addColumn('next_attempt_at', 'text')
        .execute();
      await db.schema
        .alterTable('mail_outbox')
        /** Set when the outbox gave up after the last allowed attempt (the body is erased then). */
        .addColumn('failed_at', 'text')
        .execute();
    },
  };
}
