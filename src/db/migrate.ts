import { Migrator, sql, type Kysely, type Migration, type MigrationProvider, type MigrationResult } from 'kysely';
import type { Db, DialectName } from './database.js';
import { initialMigration } from './migrations/0001-initial.js';
import { accountsMigration } from './migrations/0002-accounts.js';
import { workspaceMigration } from './migrations/0003-workspace.js';
import { publishingMigration } from './migrations/0004-publishing.js';
import { inventoryMigration } from './migrations/0005-inventory.js';
import { assessmentAlertsMigration } from './migrations/0006-assessment-alerts.js';
import { twoFactorMigration } from './migrations/0007-two-factor.js';
import { passwordsMigration } from './migrations/0008-passwords.js';
import { passkeysMigration } from './migrations/0009-passkeys.js';
import { mailDeliveryMigration } from './migrations/0010-mail-delivery.js';

/**
 * Every migration, by name; names sort in the order they run. A static list (not FileMigrationProvider) so the same
 * code runs from `dist/` and under tsx. Add new migrations at the end; never edit one that has shipped.
 */
export function migrations(dialect: DialectName): Record<string, Migration> {
  return {
    '0001-initial': initialMigration(dialect),
    '0002-accounts': accountsMigration(dialect),
    '0003-workspace': workspaceMigration(dialect),
    '0004-publishing': publishingMigration(dialect),
    '0005-inventory': inventoryMigration(dialect),
    '0006-assessment-alerts': assessmentAlertsMigration(dialect),
    '0007-two-factor': twoFactorMigration(dialect),
    '0008-passwords': passwordsMigration(dialect),
    '0009-passkeys': passkeysMigration(dialect),
    '0010-mail-delivery': mailDeliveryMigration(dialect),
  };
}

/**
 * Kysely wraps each migration in a transaction only where it believes DDL is transactional (PostgreSQL). SQLite's
 * DDL is transactional too, so we wrap it ourselves: a failing migration leaves no half-made schema behind.
 */
function atomic(migration: Migration): Migration {
  const inTransaction =
    (step: (db: Kysely<unknown>) => Promise<void>) =>
    (db: Kysely<unknown>): Promise<void> =>
      db.transaction().execute((trx) => step(trx));
  return {
    up: inTransaction((db) => migration.up(db)),
    ...(migration.down === undefined ? {} : { down: inTransaction((db) => migration.down?.(db) ?? Promise.resolve()) }),
  };
}

function provider(dialect: DialectName): MigrationProvider {
  const all = migrations(dialect);
  if (dialect === 'sqlite') {
    for (const name of Object.keys(all)) all[name] = atomic(all[name]!);
  }
  return { getMigrations: () => Promise.resolve(all) };
}

export interface MigrationReport {
  /** Names of the migrations this run applied, in order; empty when the schema was already current. */
  applied: string[];
  /** Kysely's result for each migration it considered. */
  results: readonly MigrationResult[];
}

/** A migration run that failed; `results` says which migrations ran, failed, or were not executed. */
export class MigrationError extends Error {
  constructor(
    message: string,
    readonly results: readonly MigrationResult[],
    cause: unknown,
  ) {
    super(message, { cause });
    this.name = 'MigrationError';
  }
}

/**
 * On PostgreSQL the migration tables are pinned to the connection's current schema: Kysely otherwise looks for them
 * in every schema, and a copy left in another schema (say `public`) would make it skip creating its own.
 */
async function newMigrator(db: Db): Promise<Migrator> {
  if (db.dialect !== 'postgres') return new Migrator({ db: db.kysely, provider: provider(db.dialect) });
  const { rows } = await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(db.kysely);
  const schema = rows[0]?.schema;
  return new Migrator({
    db: db.kysely,
    provider: provider(db.dialect),
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
}

/**
 * Brings the schema to the latest migration. Running it again is a no-op. Throws MigrationError, naming the
 * failing migration and carrying Kysely's result set, when a migration fails.
 */
export async function migrateToLatest(db: Db): Promise<MigrationReport> {
  const { error, results = [] } = await (await newMigrator(db)).migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName;
    const reason = error instanceof Error ? error.message : JSON.stringify(error);
    throw new MigrationError(
      failed === undefined ? `migration failed before any ran: ${reason}` : `migration "${failed}" failed: ${reason}`,
      results,
      error,
    );
  }
  return {
    applied: results.filter((r) => r.status === 'Success').map((r) => r.migrationName),
    results,
  };
}

/**
 * Brings the schema up to the named migration and no further (restore matches a backup's schema version with it,
 * before the data goes in). Throws MigrationError as migrateToLatest does.
 */
export async function migrateTo(db: Db, name: string): Promise<MigrationReport> {
  const { error, results = [] } = await (await newMigrator(db)).migrateTo(name);
  if (error !== undefined) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName;
    const reason = error instanceof Error ? error.message : JSON.stringify(error);
    throw new MigrationError(
      failed === undefined ? `migration failed before any ran: ${reason}` : `migration "${failed}" failed: ${reason}`,
      results,
      error,
    );
  }
  return {
    applied: results.filter((r) => r.status === 'Success').map((r) => r.migrationName),
    results,
  };
}

/** The migrations known to this build, and when each was applied (undefined: pending). */
export async function migrationStatus(db: Db): Promise<{ name: string; executedAt: Date | undefined }[]> {
  const info = await (await newMigrator(db)).getMigrations();
  return info.map((m) => ({ name: m.name, executedAt: m.executedAt }));
}
