import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../database.js';

// Migrations describe the schema as it was when they were written, so they use an untyped Kysely, not `Database`.
type AnyDb = Kysely<unknown>;

const ROLES = sql.raw(`'owner', 'editor', 'approver', 'viewer', 'auditor'`);
const KINDS = sql.raw(`'manufacturer', 'hospital'`);
const OUTCOMES = sql.raw(`'success', 'denied', 'failure'`);

/** The message both dialects' append-only triggers raise. */
export const AUDIT_APPEND_ONLY_MESSAGE = 'audit events are append-only';

/**
 * Users, organizations and memberships, invitations, sessions, the sign-in throttle, instance settings and the
 * audit trail, which the database keeps append-only with triggers (as 0001 does for finalized revisions).
 */
export function accountsMigration(dialect: DialectName): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('password_changed_at', 'text', (c) => c.notNull())
        .addColumn('is_operator', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('disabled_at', 'text')
        .addColumn('failed_sign_ins', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('locked_until', 'text')
        .addCheckConstraint('users_is_operator_check', sql`is_operator in (0, 1)`)
        .addCheckConstraint('users_email_lower_check', sql`email = lower(email)`)
        .execute();

      await db.schema
        .createTable('organizations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addCheckConstraint('organizations_kind_check', sql`kind in (${KINDS})`)
        .execute();

      await db.schema
        .createTable('memberships')
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('memberships_pk', ['user_id', 'org_id'])
        .addCheckConstraint('memberships_role_check', sql`role in (${ROLES})`)
        .execute();
      await db.schema.createIndex('memberships_org_idx').on('memberships').columns(['org_id', 'role']).execute();

      await db.schema
        .createTable('invitations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('accepted_at', 'text')
        .addColumn('accepted_by', 'text', (c) => c.references('users.id'))
        .addColumn('revoked_at', 'text')
        .addCheckConstraint('invitations_role_check', sql`role in (${ROLES})`)
        .execute();
      await db.schema.createIndex('invitations_org_idx').on('invitations').columns(['org_id', 'created_at']).execute();

      await db.schema
        .createTable('sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('current_org_id', 'text', (c) => c.references('organizations.id'))
        .addColumn('csrf_token', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .addColumn('idle_expires_at', 'text', (c) => c.notNull())
        .addColumn('absolute_expires_at', 'text', (c) => c.notNull())
        .addColumn('locked_at', 'text')
        .addColumn('ip', 'text', (c) => c.notNull())
        .addColumn('user_agent', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_user_idx').on('sessions').column('user_id').execute();
      await db.schema.createIndex('sessions_absolute_idx').on('sessions').column('absolute_expires_at').execute();

      await db.schema
        .createTable('sign_in_throttle')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('window_started_at', 'text', (c) => c.notNull())
        .addColumn('last_failure_at', 'text', (c) => c.notNull())
        .addColumn('blocked_until', 'text')
        .execute();

      await db.schema
        .createTable('instance_settings')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      // seq orders the trail; the database assigns it. No foreign keys: the trail outlives what it mentions.
      await db.schema
        .createTable('audit_events')
        .addColumn('seq', dialect === 'postgres' ? 'bigint' : 'integer', (c) =>
          dialect === 'postgres' ? c.generatedAlwaysAsIdentity().primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text')
        .addColumn('actor_name', 'text')
        .addColumn('org_id', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('object_type', 'text', (c) => c.notNull())
        .addColumn('object_id', 'text')
        .addColumn('revision', 'integer')
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('ip', 'text')
        .addColumn('user_agent', 'text')
        .addColumn('details', 'text')
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull().unique())
        .addCheckConstraint('audit_events_outcome_check', sql`outcome in (${OUTCOMES})`)
        .execute();
      await db.schema.createIndex('audit_events_org_idx').on('audit_events').columns(['org_id', 'seq']).execute();

      for (const statement of dialect === 'postgres' ? POSTGRES_TRIGGERS : SQLITE_TRIGGERS) {
        await sql.raw(statement).execute(db);
      }
    },

    async down(db: AnyDb) {
      if (dialect === 'postgres') {
        await sql.raw('DROP FUNCTION IF EXISTS audit_events_append_only() CASCADE').execute(db);
      }
      for (const table of [
        'audit_events',
        'instance_settings',
        'sign_in_throttle',
        'sessions',
        'invitations',
        'memberships',
        'organizations',
        'users',
      ]) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  };
}

// This SQLite build rejects double-quoted string literals: single quotes only.
const SQLITE_TRIGGERS = [
  `CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
   BEGIN SELECT RAISE(ABORT, '${AUDIT_APPEND_ONLY_MESSAGE}'); END`,
  `CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
   BEGIN SELECT RAISE(ABORT, '${AUDIT_APPEND_ONLY_MESSAGE}'); END`,
];

const POSTGRES_TRIGGERS = [
  `CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     RAISE EXCEPTION '${AUDIT_APPEND_ONLY_MESSAGE}' USING ERRCODE = 'restrict_violation',
       DETAIL = format('%s on audit_events is not allowed', TG_OP);
   END;
   $$`,
  `CREATE TRIGGER audit_events_append_only
   BEFORE UPDATE OR DELETE ON audit_events
   FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`,
  // Row triggers do not fire on TRUNCATE.
  `CREATE TRIGGER audit_events_no_truncate
   BEFORE TRUNCATE ON audit_events
   FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()`,
];
