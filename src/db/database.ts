import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

/** An open database: the Kysely instance, which dialect it speaks, and how to close it. */
export interface Db {
  kysely: Kysely<Database>;
  dialect: DialectName;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /**
   * `postgres://…` or `postgresql://…` selects PostgreSQL; `:memory:` an in-memory SQLite database; `sqlite:PATH`
   * a SQLite file at PATH. Absent: SQLite in `dataDir`.
   */
  url?: string;
  /** Directory of the SQLite file `openmds.sqlite`; created when missing. Default `./data`. */
  dataDir?: string;
  /** PostgreSQL only: the schema to work in (sets `search_path` on every pooled connection). */
  schema?: string;
  /** PostgreSQL only: the most connections the pool opens. Default 10. */
  maxConnections?: number;
}

export const SQLITE_FILE_NAME = 'openmds.sqlite';
export const DEFAULT_DATA_DIR = './data';
const SQLITE_BUSY_TIMEOUT_MS = 5000;

type Target = { dialect: 'postgres'; url: string } | { dialect: 'sqlite'; file: string };

/** The one place that decides the dialect. */
export function resolveDatabaseTarget(options: OpenDatabaseOptions): Target {
  const url = options.url?.trim();
  if (url !== undefined && url !== '') {
    if (/^postgres(ql)?:\/\//i.test(url)) return { dialect: 'postgres', url };
    if (url === ':memory:' || url === 'sqlite::memory:') return { dialect: 'sqlite', file: ':memory:' };
    if (url.toLowerCase().startsWith('sqlite:')) return { dialect: 'sqlite', file: url.slice('sqlite:'.length) };
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1];
    throw new Error(
      scheme === undefined
        ? `database URL "${url}" is neither postgres://…, sqlite:PATH nor :memory:`
        : `database URL scheme "${scheme}" is not supported (use postgres:// or sqlite:PATH)`,
    );
  }
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  if (dataDir === ':memory:') return { dialect: 'sqlite', file: ':memory:' };
  return { dialect: 'sqlite', file: path.join(dataDir, SQLITE_FILE_NAME) };
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Opens the database the options select. Does not migrate: call `migrateToLatest`. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Db> {
  const target = resolveDatabaseTarget(options);
  if (target.dialect === 'postgres') return openPostgres(target.url, options);
  return Promise.resolve(openSqlite(target.file));
}

function openPostgres(url: string, options: OpenDatabaseOptions): Db {
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
    throw new Error(`PostgreSQL schema name "${options.schema}" must be a plain identifier`);
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
  });
  // An idle client that loses its server connection emits 'error' on the pool; unhandled, it would end the process.
  pool.on('error', () => undefined);
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { kysely, dialect: 'postgres', close: () => kysely.destroy() };
}

function openSqlite(file: string): Db {
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const database = new SqliteDatabase(file);
  try {
    if (file !== ':memory:') {
      database.pragma('journal_mode = WAL');
      // Safe with WAL: a power loss may lose the last transactions, never corrupt the file.
      database.pragma('synchronous = NORMAL');
    }
    database.pragma('foreign_keys = ON');
    database.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  } catch (e) {
    database.close();
    throw e;
  }
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  const close = async (): Promise<void> => {
    await kysely.destroy();
    // Kysely closes the file only once it has run a query; close it ourselves otherwise.
    if (database.open) database.close();
  };
  return { kysely, dialect: 'sqlite', close };
}
