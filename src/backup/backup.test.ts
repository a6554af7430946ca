import { PassThrough } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PASSWORD_HASHING, signIn, signUp, testApp, type TestApp } from '../../test/support/app.js';
import { openReady } from '../../test/support/databases.js';
import { sharedDatabase, sharedDialects, type SharedDatabase } from '../../test/support/shared-database.js';
import { runDemo, type DemoResult } from '../cli/demo.js';
import type { Db } from '../db/database.js';
import { builtinTemplates } from '../domain/templates/registry.js';
import { verifyAuditChain } from '../security/audit.js';
import { resolveSettings } from '../security/settings.js';
import { MANIFEST_FILE, type BackupManifest } from './backup-format.js';
import { createBackup, type CreateBackupOptions } from './create-backup.js';
import { RestoreError, checkBackup, restoreBackup } from './restore-backup.js';
import { TarGzWriter, readTarGz } from './tar-gzip.js';

/** The app (as the server runs it) on a shared database. */
function serverOn(shared: SharedDatabase): Promise<TestApp> {
  return testApp({ database: { name: shared.name, open: () => shared.open() } });
}

async function backupToBuffer(db: Db, options: CreateBackupOptions = {}): Promise<Buffer> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  await createBackup(db, sink, options);
  return Buffer.concat(chunks);
}

/**
 * Every table of the database, written out independently of the backup code: rows sorted, values normalized
 * (integers as digits, whichever driver read them), migrations by name only.
 */
async function exportAll(db: Db): Promise<Record<string, string[]>> {
  const { rows: tables } =
    db.dialect === 'sqlite'
      ? await sql<{ name: string }>`SELECT name FROM sqlite_schema WHERE type = 'table'
          AND name NOT LIKE 'sqlite%' ORDER BY name`.execute(db.kysely)
      : await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables
          WHERE table_schema = current_schema() ORDER BY table_name`.execute(db.kysely);
  const out: Record<string, string[]> = {};
  for (const { name } of tables) {
    if (name === 'kysely_migration_lock') continue;
    const { rows } = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(name)}`.execute(db.kysely);
    out[name] = rows
      .map((row) => {
        const normalized: Record<string, unknown> = {};
        for (const key of Object.keys(row).sort()) {
          if (name === 'kysely_migration' && key !== 'name') continue;
          const v = row[key];
          normalized[key] =
            typeof v === 'number' || typeof v === 'bigint'
              ? String(v)
              : v instanceof Uint8Array
                ? Buffer.from(v).toString('base64')
                : v;
        }
        return JSON.stringify(normalized);
      })
      .sort();
  }
  return out;
}

/** Unpacks an archive, lets `change` edit its files, packs it again. */
async function repack(archive: Buffer, change: (files: Map<string, Buffer>) => void): Promise<Buffer> {
  const files = readTarGz(archive);
  change(files);
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  const writer = new TarGzWriter(sink, new Date());
  for (const [name, data] of files) await writer.add(name, data);
  await writer.finish();
  return Buffer.concat(chunks);
}

function editManifest(archive: Buffer, edit: (m: BackupManifest) => void): Promise<Buffer> {
  return repack(archive, (files) => {
    const m = JSON.parse(files.get(MANIFEST_FILE)!.toString('utf8')) as BackupManifest;
    edit(m);
    files.set(MANIFEST_FILE, Buffer.from(JSON.stringify(m)));
  });
}

function refusal(run: () => unknown): RestoreError {
  try {
    run();
  } catch (e) {
    if (e instanceof RestoreError) return e;
    throw e;
  }
  throw new Error('expected a RestoreError');
}

const settings = resolveSettings({ passwordHashing: TEST_PASSWORD_HASHING });
const DIALECTS = sharedDialects();

describe.each(DIALECTS)('backup of a %s instance', (sourceName) => {
  let source: SharedDatabase;
  let server: TestApp;
  let demo: DemoResult;
  let archive: Buffer;
  let manifest: BackupManifest;
  let exported: Record<string, string[]>;

  beforeAll(async () => {
    source = await sharedDatabase(sourceName);
    server = await serverOn(source);
    demo = await runDemo(server.db, builtinTemplates(), settings);
    // Another connection, as `openmds backup` opens, while the server holds the database open.
    const reader = await source.open();
    try {
      archive = await backupToBuffer(reader);
    } finally {
      await reader.close();
    }
    manifest = checkBackup(archive).manifest;
    exported = await exportAll(server.db);
  }, 120_000);

  afterAll(async () => {
    await server.close();
    await source.drop();
  });

  it('writes a manifest naming every table with its rows, checksum and the schema version', () => {
    const names = Object.keys(exported).filter((n) => n !== 'kysely_migration');
    expect(manifest.tables.map((t) => t.name).sort()).toEqual(names.sort());
    expect(manifest).toMatchObject({ format: 'openmds-backup', formatVersion: 1, source: { dialect: sourceName } });
    expect(manifest.migrations).toEqual(
      exported['kysely_migration']!.map((r) => (JSON.parse(r) as { name: string }).name),
    );
    for (const t of manifest.tables) expect(t.rows, t.name).toBe(exported[t.name]!.length);
    for (const busy of [
      'users',
      'organizations',
      'statement_revisions',
      'publications',
      'signing_keys',
      'systems',
      'risks',
    ]) {
      expect(manifest.tables.find((t) => t.name === busy)?.rows, busy).toBeGreaterThan(0);
    }
    // Parents before children.
    const at = (n: string): number => manifest.tables.findIndex((t) => t.name === n);
    expect(at('organizations')).toBeLessThan(at('memberships'));
    expect(at('statement_revisions')).toBeLessThan(at('publications'));
    expect(manifest.auditChain?.events).toBe(exported['audit_events']!.length);
  });

  it.each(DIALECTS)(
    'restores into an empty %s database row for row; the restored instance runs on',
    async (targetName) => {
      const target = await sharedDatabase(targetName);
      try {
        const db = await target.open();
        let report;
        try {
          report = await restoreBackup(db, checkBackup(archive));
          expect(await exportAll(db)).toEqual(exported);
        } finally {
          await db.close();
        }
        expect(report.auditChain).toEqual({ ok: true, checked: manifest.auditChain!.events });
        expect(report.restoredAt).toBe(manifest.migrations.at(-1));

        // The server starts on it: the demo's owner signs in, and the new audit record chains on (PostgreSQL's
        // identity sequence was moved past the restored records).
        const restored = await serverOn(target);
        try {
          await signIn(restored.app, demo.accounts[0]!);
          await signUp(restored.app);
          expect(await verifyAuditChain(restored.db.kysely)).toMatchObject({ ok: true });
        } finally {
          await restored.close();
        }
      } finally {
        await target.drop();
      }
    },
  );

  it('reads one snapshot while the server goes on writing', async () => {
    const reader = await source.open();
    let during: Buffer;
    try {
      // After every table, a sign-up commits through the server: a user row and its audit record.
      during = await backupToBuffer(reader, { batchSize: 7, onTable: async () => void (await signUp(server.app)) });
    } finally {
      await reader.close();
    }
    const checked = checkBackup(during);
    const target = await sharedDatabase(sourceName);
    try {
      const db = await target.open();
      try {
        const report = await restoreBackup(db, checked);
        expect(report.auditChain?.ok).toBe(true);
        const users = await db.kysely.selectFrom('users').select('id').execute();
        const signUps = await db.kysely
          .selectFrom('audit_events')
          .select('object_id')
          .where('action', '=', 'user.sign-up')
          .execute();
        // Users and audit records come from the same instant, though sign-ups committed between their reads.
        expect(signUps.map((e) => e.object_id).sort()).toEqual(users.map((u) => u.id).sort());
        const now = await server.db.kysely.selectFrom('users').select('id').execute();
        expect(now.length).toBeGreaterThan(users.length);
      } finally {
        await db.close();
      }
    } finally {
      await target.drop();
    }
  });

  it('refuses a table file changed after the backup, naming it', async () => {
    const tampered = await repack(archive, (files) => {
      const users = files.get('tables/users.ndjson')!.toString('utf8');
      files.set(
        'tables/users.ndjson',
        Buffer.from(users.replace(/"display_name":"[^"]*"/, '"display_name":"Mallory"')),
      );
    });
    const e = refusal(() => checkBackup(tampered));
    expect(e.code).toBe('invalid-backup');
    expect(e.message).toMatch(/^tables\/users\.ndjson: .*(bytes|sha256)/);
  });

  it('refuses a manifest whose checksum does not match its table', async () => {
    const tampered = await editManifest(archive, (m) => {
      const t = m.tables.find((x) => x.name === 'publications')!;
      t.sha256 = '0'.repeat(64);
    });
    expect(refusal(() => checkBackup(tampered)).message).toBe(
      'tables/publications.ndjson: sha256 does not match the manifest (table publications): the file was changed or damaged',
    );
  });

  it('refuses a file cut short, and a format version it does not know', async () => {
    expect(refusal(() => checkBackup(archive.subarray(0, Math.floor(archive.length / 2)))).message).toMatch(
      /^truncated or damaged/,
    );
    const future = await editManifest(archive, (m) => {
      m.formatVersion = 99;
    });
    expect(refusal(() => checkBackup(future)).message).toMatch(/^manifest\.json: format version 99 is not one/);
    const noManifest = await repack(archive, (files) => files.delete(MANIFEST_FILE));
    expect(refusal(() => checkBackup(noManifest)).message).toMatch(/^manifest\.json: missing/);
  });

  it.each(DIALECTS)(
    'refuses to restore into a %s database that holds data, and changes nothing there',
    async (targetName) => {
      const target = await sharedDatabase(targetName);
      try {
        const db = await openReady({ name: targetName, open: () => target.open() });
        try {
          const before = await exportAll(db);
          const e = await restoreBackup(db, checkBackup(archive)).then(
            () => undefined,
            (error: unknown) => error,
          );
          expect(e).toBeInstanceOf(RestoreError);
          expect((e as RestoreError).code).toBe('target-not-empty');
          expect((e as RestoreError).message).toMatch(/^the target database is not empty \(rows in .*templates/);
          expect(await exportAll(db)).toEqual(before);
        } finally {
          await db.close();
        }
      } finally {
        await target.drop();
      }
    },
  );
});
