import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Db, type DialectName } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { builtinTemplates } from '../../src/domain/templates/registry.js';
import { upsertTemplate } from '../../src/features/templates/templates.repository.js';

export interface TestDatabase {
  name: DialectName;
  /** A fresh, empty, unmigrated database; `close()` removes it. */
  open(): Promise<Db>;
}

/**
 * The databases every store test runs against: in-memory SQLite always; PostgreSQL too when
 * OPENMDS_TEST_DATABASE_URL is set (e.g. postgres://postgres@127.0.0.1:5432/test). Each PostgreSQL open works in
 * a schema of its own, dropped on close, so test files and runs never see each other's rows.
 */
export function testDatabases(): TestDatabase[] {
  const list: TestDatabase[] = [{ name: 'sqlite', open: () => openDatabase({ url: ':memory:' }) }];
  const url = process.env.OPENMDS_TEST_DATABASE_URL;
  if (url !== undefined && url !== '') list.push({ name: 'postgres', open: () => openPostgresSchema(url) });
  return list;
}

async function openPostgresSchema(url: string): Promise<Db> {
  const schema = `openmds_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(url, (c) => c.query(`CREATE SCHEMA ${schema}`));
  const db = await openDatabase({ url, schema, maxConnections: 4 });
  return {
    ...db,
    async close() {
      await db.close();
      await withAdmin(url, (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    },
  };
}

async function withAdmin(url: string, run: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await run(client);
  } finally {
    await client.end();
  }
}

/** A migrated database holding the built-in templates, ready for statements. */
export async function openReady(database: TestDatabase): Promise<Db> {
  const db = await database.open();
  await migrateToLatest(db);
  await db.kysely.transaction().execute(async (trx) => {
    for (const t of builtinTemplates().list()) await upsertTemplate(trx, t, { builtin: true });
  });
  return db;
}
