import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase, type Db, type DialectName } from '../../src/db/database.js';

/**
 * A database that several connections can share, as the server and the `openmds backup` process do: a SQLite file,
 * or a PostgreSQL schema of its own. (The in-memory SQLite of testDatabases() is visible to one connection only.)
 */
export interface SharedDatabase {
  name: DialectName;
  /** What `--database` would take (PostgreSQL: the schema rides in the URL's `options`). */
  url: string;
  /** SQLite: the data folder (`--data`) holding openmds.sqlite. */
  dataDir?: string;
  open(): Promise<Db>;
  drop(): Promise<void>;
}

const pgUrl = process.env['OPENMDS_TEST_DATABASE_URL'];

/** SQLite always; PostgreSQL too when OPENMDS_TEST_DATABASE_URL is set. */
export function sharedDialects(): DialectName[] {
  return pgUrl === undefined || pgUrl === '' ? ['sqlite'] : ['sqlite', 'postgres'];
}

/** A fresh, empty shared database of the given dialect; `drop()` removes it. */
export async function sharedDatabase(name: DialectName): Promise<SharedDatabase> {
  if (name === 'sqlite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'openmds-backup-'));
    const url = `sqlite:${path.join(dir, 'openmds.sqlite')}`;
    return {
      name,
      url,
      dataDir: dir,
      open: () => openDatabase({ url }),
      drop: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
    };
  }
  const base = pgUrl!;
  const schema = `openmds_test_${randomBytes(6).toString('hex')}`;
  await admin(base, `CREATE SCHEMA ${schema}`);
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    name,
    url: url.toString(),
    open: () => openDatabase({ url: base, schema, maxConnections: 4 }),
    drop: () => admin(base, `DROP SCHEMA IF EXISTS ${schema} CASCADE`),
  };
}

async function admin(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
