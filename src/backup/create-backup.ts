import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { sql, type Transaction } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { packageVersion } from '../server/paths.js';
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  MANIFEST_FILE,
  encodeValue,
  tableFile,
  type BackupManifest,
  type ManifestTable,
} from './backup-format.js';
import { appliedMigrations, describeTables, type TableInfo } from './schema-introspection.js';
import { TarGzWriter } from './tar-gzip.js';

export interface CreateBackupOptions {
  /** Rows read per query; default 1000. */
  batchSize?: number;
  /** The clock for `createdAt`. */
  now?: () => Date;
  /** Called after each table is read, still inside the snapshot (tests write through the server here). */
  onTable?: (table: string, rows: number) => Promise<void> | void;
}

/** A backup that cannot be made: no OpenMDS schema in the database, an output that exists already. */
export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

const AUDIT_TABLE = 'audit_events';

/**
 * Writes a backup of the whole database to `destination` as a .tar.gz (see backup-format.ts), read in one
 * snapshot while the server keeps running: a SQLite read transaction (WAL lets writers go on beside it), or a
 * PostgreSQL REPEATABLE READ READ ONLY transaction. Rows, counts and the audit trail's head all come from that
 * one instant. Returns the manifest written.
 */
export async function createBackup(
  db: Db,
  destination: Writable,
  options: CreateBackupOptions = {},
): Promise<BackupManifest> {
  const createdAt = (options.now?.() ?? new Date()).toISOString();
  const writer = new TarGzWriter(destination, new Date(createdAt));
  const snapshot = db.kysely.transaction();
  try {
    const manifest = await (
      db.dialect === 'postgres' ? snapshot.setIsolationLevel('repeatable read').setAccessMode('read only') : snapshot
    ).execute(async (trx) => {
      const migrations = await appliedMigrations(trx, db.dialect);
      if (migrations.length === 0) {
        throw new BackupError('the database holds no OpenMDS schema (no migration was ever applied to it)');
      }
      const tables = await describeTables(trx, db.dialect);
      const entries: ManifestTable[] = [];
      let auditChain: BackupManifest['auditChain'] = null;
      for (const table of tables) {
        const dump = await dumpTable(trx, table, options.batchSize ?? 1000);
        await writer.add(tableFile(table.name), dump.data);
        entries.push({
          name: table.name,
          file: tableFile(table.name),
          columns: table.columns,
          primaryKey: table.primaryKey,
          rows: dump.rows,
          bytes: dump.data.length,
          sha256: createHash('sha256').update(dump.data).digest('hex'),
        });
        if (table.name === AUDIT_TABLE) {
          const last = dump.last as { seq?: unknown; hash?: unknown } | undefined;
          auditChain = {
            events: dump.rows,
            headSeq: typeof last?.seq === 'number' ? last.seq : null,
            headHash: typeof last?.hash === 'string' ? last.hash : null,
          };
        }
        await options.onTable?.(table.name, dump.rows);
      }
      return {
        format: BACKUP_FORMAT,
        formatVersion: BACKUP_FORMAT_VERSION,
        openmdsVersion: packageVersion(),
        createdAt,
        source: { dialect: db.dialect },
        migrations,
        tables: entries,
        auditChain,
      } satisfies BackupManifest;
    });
    await writer.add(MANIFEST_FILE, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8'));
    await writer.finish();
    return manifest;
  } catch (e) {
    writer.abort(e instanceof Error ? e : new Error(String(e)));
    throw e;
  }
}

/** One table as NDJSON, in primary-key order, read a batch at a time inside the snapshot. */
async function dumpTable(
  trx: Transaction<Database>,
  table: TableInfo,
  batchSize: number,
): Promise<{ data: Buffer; rows: number; last: Record<string, unknown> | undefined }> {
  // Integers are read as text, so a 64-bit value reaches us whole on either driver (better-sqlite3 gives numbers).
  const select = sql.join(
    table.columns.map((c) =>
      c.type === 'integer' ? sql`CAST(${sql.id(c.name)} AS TEXT) AS ${sql.id(c.name)}` : sql.id(c.name),
    ),
  );
  // Qualified, so that PostgreSQL sorts by the column and not by the text alias of the same name.
  const order = sql.join(
    (table.primaryKey.length > 0 ? table.primaryKey : table.columns.map((c) => c.name)).map((c) =>
      sql.ref(`${table.name}.${c}`),
    ),
  );
  const chunks: Buffer[] = [];
  let rows = 0;
  let last: Record<string, unknown> | undefined;
  for (let offset = 0; ; offset += batchSize) {
    const batch = await sql<Record<string, unknown>>`SELECT ${select} FROM ${sql.table(table.name)}
      ORDER BY ${order} LIMIT ${batchSize} OFFSET ${offset}`.execute(trx);
    for (const row of batch.rows) {
      const out: Record<string, unknown> = {};
      for (const c of table.columns) {
        out[c.name] = encodeValue(row[c.name], c.type, () => `${table.name}.${c.name} (row ${rows + 1})`);
      }
      chunks.push(Buffer.from(`${JSON.stringify(out)}\n`, 'utf8'));
      rows++;
      last = out;
    }
    if (batch.rows.length < batchSize) break;
  }
  return { data: Buffer.concat(chunks), rows, last };
}

export interface BackupFileResult {
  manifest: BackupManifest;
  file: string;
  bytes: number;
  /** sha256 (hex) of the backup file, to compare with a copy kept elsewhere. */
  sha256: string;
}

/**
 * Writes a backup to `file`: into a temporary file beside it (mode 0600: it holds password hashes and private
 * keys), renamed into place once complete, so `file` is never a partial backup. Refuses an existing file unless
 * `overwrite`.
 */
export async function backupToFile(
  db: Db,
  file: string,
  options: CreateBackupOptions & { overwrite?: boolean } = {},
): Promise<BackupFileResult> {
  if (options.overwrite !== true && existsSync(file)) {
    throw new BackupError(`${file}: exists already (choose a new name, or --force to replace it)`);
  }
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.partial`);
  let out: Writable;
  try {
    out = createWriteStream(temporary, { flags: 'wx', mode: 0o600 });
    await new Promise<void>((resolve, reject) => {
      out.once('open', () => resolve());
      out.once('error', reject);
    });
  } catch (e) {
    throw new BackupError(`${file}: cannot be written (${e instanceof Error ? e.message : String(e)})`);
  }
  try {
    const manifest = await createBackup(db, out, options);
    await finished(out);
    renameSync(temporary, file);
    const { bytes, sha256 } = await digestFile(file);
    return { manifest, file, bytes, sha256 };
  } catch (e) {
    rmSync(temporary, { force: true });
    throw e;
  }
}

async function digestFile(file: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: hash.digest('hex') };
}
