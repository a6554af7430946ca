import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testDatabases } from '../../test/support/databases.js';
import { openDatabase, resolveDatabaseTarget, type Db } from './database.js';
import { migrateToLatest, MigrationError, migrations, migrationStatus } from './migrate.js';

describe('resolveDatabaseTarget', () => {
  it('selects PostgreSQL for postgres:// and postgresql:// URLs', () => {
    expect(resolveDatabaseTarget({ url: 'postgres://u@h:5432/d' })).toEqual({
      dialect: 'postgres',
      url: 'postgres://u@h:5432/d',
    });
    expect(resolveDatabaseTarget({ url: 'postgresql://h/d', dataDir: '/x' }).dialect).toBe('postgres');
  });

  it('defaults to openmds.sqlite in the data directory, ./data when none is given', () => {
    expect(resolveDatabaseTarget({ dataDir: '/srv/openmds' })).toEqual({
      dialect: 'sqlite',
      file: path.join('/srv/openmds', 'openmds.sqlite'),
    });
    expect(resolveDatabaseTarget({})).toEqual({ dialect: 'sqlite', file: path.join('data', 'openmds.sqlite') });
    expect(resolveDatabaseTarget({ url: '' })).toEqual({
      dialect: 'sqlite',
      file: path.join('data', 'openmds.sqlite'),
    });
  });

  it('accepts :memory: and sqlite:PATH', () => {
    expect(resolveDatabaseTarget({ url: ':memory:' })).toEqual({ dialect: 'sqlite', file: ':memory:' });
    expect(resolveDatabaseTarget({ dataDir: ':memory:' })).toEqual({ dialect: 'sqlite', file: ':memory:' });
    expect(resolveDatabaseTarget({ url: 'sqlite:/tmp/x.db' })).toEqual({ dialect: 'sqlite', file: '/tmp/x.db' });
  });

  it('rejects a URL of another database rather than treating it as a file name', () => {
    expect(() => resolveDatabaseTarget({ url: 'mysql://h/d' })).toThrow(/scheme "mysql" is not supported/);
    expect(() => resolveDatabaseTarget({ url: 'openmds.db' })).toThrow(/neither/);
  });
});

describe('openDatabase with a SQLite file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'openmds-db-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the data directory and opens the file with WAL, foreign keys and a busy timeout', async () => {
    const dataDir = path.join(dir, 'nested', 'data');
    const db = await openDatabase({ dataDir });
    try {
      expect(db.dialect).toBe('sqlite');
      const pragma = async (name: string): Promise<unknown> => {
        const { rows } = await sql<Record<string, unknown>>`${sql.raw(`PRAGMA ${name}`)}`.execute(db.kysely);
        return Object.values(rows[0] ?? {})[0];
      };
      expect(await pragma('journal_mode')).toBe('wal');
      expect(await pragma('foreign_keys')).toBe(1);
      expect(await pragma('busy_timeout')).toBe(5000);
      expect(existsSync(path.join(dataDir, 'openmds.sqlite'))).toBe(true);
    } finally {
      await db.close();
    }
  });

  it('keeps the data across close and reopen', async () => {
    const first = await openDatabase({ dataDir: dir });
    await migrateToLatest(first);
    await first.close();
    const again = await openDatabase({ dataDir: dir });
    try {
      expect((await migrateToLatest(again)).applied).toEqual([]);
    } finally {
      await again.close();
    }
  });

  it('closes a database that never ran a query', async () => {
    const db = await openDatabase({ dataDir: dir });
    await expect(db.close()).resolves.toBeUndefined();
  });
});

describe.each(testDatabases())('migrations on $name', (database) => {
  let db: Db;
  beforeEach(async () => {
    db = await database.open();
  });
  afterEach(async () => {
    await db.close();
  });

  const tableNames = async (): Promise<string[]> =>
    (await db.kysely.introspection.getTables())
      .map((t) => t.name)
      .filter((n) => !n.startsWith('kysely_'))
      .sort();

  it('applies every migration once; a second run applies nothing', async () => {
    const first = await migrateToLatest(db);
    const all = Object.keys(migrations(db.dialect));
    expect(all[0]).toBe('0001-initial');
    expect(first.applied).toEqual(all);
    expect(first.results.every((r) => r.status === 'Success')).toBe(true);
    const second = await migrateToLatest(db);
    expect(second.applied).toEqual([]);
    expect(second.results).toEqual([]);
    expect(await tableNames()).toEqual(expect.arrayContaining(['statement_revisions', 'statements', 'templates']));
    const status = await migrationStatus(db);
    expect(status.map((m) => m.name)).toEqual(all);
    expect(status[0]?.executedAt).toBeInstanceOf(Date);
  });

  it('names the failing migration, keeps the result set, and leaves no half-made schema', async () => {
    // A table in the way makes 0001 fail after nothing of it was created.
    await db.kysely.schema.createTable('statements').addColumn('x', 'integer').execute();
    const failure = await migrateToLatest(db).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(MigrationError);
    const error = failure as MigrationError;
    expect(error.message).toMatch(/^migration "0001-initial" failed: /);
    expect(error.results[0]).toEqual({ migrationName: '0001-initial', direction: 'Up', status: 'Error' });
    expect(error.results.slice(1).every((r) => r.status === 'NotExecuted')).toBe(true);
    // 0001 created templates before it reached statements: that must be rolled back.
    expect(await tableNames()).toEqual(['statements']);
  });
});
