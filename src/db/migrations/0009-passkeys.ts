import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../database.js';

// Migrations describe the schema as it was when they were written, so they use an untyped Kysely.
type AnyDb = Kysely<unknown>;

/**
 * Passkeys (WebAuthn credentials) per user, the single-use challenges of WebAuthn ceremonies, and an index of the
 * audit trail by actor (a user's own history, /account/activity).
 */
export function passkeysMigration(_dialect: DialectName): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('passkeys')
        /** The credential ID, base64url, as the authenticator made it. */
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        /** The COSE public key, base64url. */
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('sign_count', 'integer', (c) => c.notNull())
        /** JSON array of transports the browser reported ("internal", "hybrid", "usb", …). */
        .addColumn('transports', 'text', (c) => c.notNull())
        /** 'singleDevice' or 'multiDevice' (synced). */
        .addColumn('device_type', 'text', (c) => c.notNull())
        .addColumn('backed_up', 'integer', (c) => c.notNull())
        .addColumn('aaguid', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'text')
        .execute();
      await db.schema.createIndex('passkeys_user_idx').on('passkeys').column('user_id').execute();

      await db.schema
        .createTable('webauthn_challenges')
        /** `<purpose>:<hash>`: the session, pending sign-in or cookie token the ceremony belongs to. */
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.references('users.id'))
        .addColumn('challenge', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('webauthn_challenges_expiry_idx')
        .on('webauthn_challenges')
        .column('expires_at')
        .execute();

      await db.schema.createIndex('audit_events_actor_idx').on('audit_events').columns(['actor_id', 'seq']).execute();
    },
    async down(db: AnyDb) {
      await db.schema.dropIndex('audit_events_actor_idx').execute();
      await db.schema.dropTable('webauthn_challenges').execute();
      await db.schema.dropTable('passkeys').execute();
    },
  };
}
