import { createHash } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { Db, DialectName } from '../db/database.js';
import { migrateTo, migrateToLatest, migrations } from '../db/migrate.js';
import type { Database } from '../db/schema.js';
import { verifyAuditChain, type ChainVerification } from '../security/audit.js';
import {
  SecretUnreadableError,
  isSealed,
  sealedKeyId,
  secretPlace,
  type SecretKeyring,
} from '../security/secret-box.js';
import { SECRET_COLUMNS } from '../security/stored-secrets.js';
import { MANIFEST_FILE, decodeValue, parseManifest, type BackupManifest, type ManifestTable } from './backup-format.js';
import { appliedMigrations, describeTables, tableNames, type TableInfo } from './schema-introspection.js';
import { readTarGz } from './tar-gzip.js';

/** Why a restore was refused. Nothing has been written to the target when one is thrown before `restoreBackup` inserts. */
export type RestoreErrorCode =
  /** The file is not a backup, is damaged or cut short, or a checksum or count does not match its manifest. */
  | 'invalid-backup'
  /** The target database holds data already. */
  | 'target-not-empty'
  /** The backup's schema and this build's (or the target's) do not fit together. */
  | 'schema-mismatch'
  /** The backup's stored secrets do not decrypt with the key loaded for the target (or none is loaded). */
  | 'secret-key';

export class RestoreError extends Error {
  constructor(
    readonly code: RestoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RestoreError';
  }
}

/** A backup whose manifest, checksums, counts and row shapes have all been checked: rows in column order. */
export interface CheckedBackup {
  manifest: BackupManifest;
  rows: Map<string, unknown[][]>;
}

const AUDIT_TABLE = 'audit_events';

/**
 * Reads a backup file and checks everything before anything is written anywhere: the archive, the manifest and its
 * format version, every table file's size and sha256, its row count, every row's columns and value types, and the
 * audit trail's head. Throws RestoreError('invalid-backup') naming the file, table and line at fault.
 */
export function checkBackup(data: Uint8Array): CheckedBackup {
  const invalid = (message: string): RestoreError => new RestoreError('invalid-backup', message);
  let files: Map<string, Buffer>;
  try {
    files = readTarGz(data);
  } catch (e) {
    throw invalid(e instanceof Error ? e.message : String(e));
  }
  const manifestBytes = files.get(MANIFEST_FILE);
  if (manifestBytes === undefined) {
    throw invalid(`${MANIFEST_FILE}: missing (the file is cut short, or is not an OpenMDS backup)`);
  }
  let manifest: BackupManifest;
  try {
    manifest = parseManifest(manifestBytes);
  } catch (e) {
    throw invalid(e instanceof Error ? e.message : String(e));
  }
  const expected = new Set([MANIFEST_FILE, ...manifest.tables.map((t) => t.file)]);
  for (const name of files.keys()) {
    if (!expected.has(name)) throw invalid(`${name}: in the archive but not in the manifest`);
  }
  const rows = new Map<string, unknown[][]>();
  for (const table of manifest.tables) rows.set(table.name, checkTableFile(table, files.get(table.file)));

  const chain = manifest.auditChain;
  const audit = rows.get(AUDIT_TABLE);
  const auditTable = manifest.tables.find((t) => t.name === AUDIT_TABLE);
  if (chain !== null && audit !== undefined && auditTable !== undefined) {
    const seqAt = auditTable.columns.findIndex((c) => c.name === 'seq');
    const hashAt = auditTable.columns.findIndex((c) => c.name === 'hash');
    const head = audit.reduce<unknown[] | undefined>(
      (best, r) => (best === undefined || Number(r[seqAt]) > Number(best[seqAt]) ? r : best),
      undefined,
    );
    if (
      chain.events !== audit.length ||
      (head?.[seqAt] ?? null) !== chain.headSeq ||
      (head?.[hashAt] ?? null) !== chain.headHash
    ) {
      throw invalid(`${auditTable.file}: the audit trail's length or head does not match the manifest`);
    }
  }
  return { manifest, rows };
}

function checkTableFile(table: ManifestTable, bytes: Buffer | undefined): unknown[][] {
  const invalid = (message: string): RestoreError => new RestoreError('invalid-backup', `${table.file}: ${message}`);
  if (bytes === undefined) throw invalid(`missing from the archive (table ${table.name})`);
  if (bytes.length !== table.bytes) {
    throw invalid(`${bytes.length} bytes, the manifest says ${table.bytes} (table ${table.name})`);
  }
  if (createHash('sha256').update(bytes).digest('hex') !== table.sha256) {
    throw invalid(`sha256 does not match the manifest (table ${table.name}): the file was changed or damaged`);
  }
  const text = bytes.toString('utf8');
  if (text !== '' && !text.endsWith('\n')) throw invalid('does not end with a newline (cut short)');
  const lines = text === '' ? [] : text.slice(0, -1).split('\n');
  if (lines.length !== table.rows) {
    throw invalid(`${lines.length} rows, the manifest says ${table.rows} (table ${table.name})`);
  }
  const names = table.columns.map((c) => c.name);
  return lines.map((line, i) => {
    const where = `line ${i + 1}`;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      throw invalid(`${where}: not valid JSON`);
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row)) throw invalid(`${where}: not a JSON object`);
    const record = row as Record<string, unknown>;
    const keys = Object.keys(record);
    if (keys.length !== names.length || keys.some((k, j) => k !== names[j])) {
      throw invalid(`${where}: the columns are not ${names.join(', ')}`);
    }
    return table.columns.map((c) => {
      const value = record[c.name];
      if (!decodeValue(value, c.type, 'postgres').ok) throw invalid(`${where}: ${c.name} is not a ${c.type} value`);
      return value;
    });
  });
}

/** How many encrypted secrets a backup holds per key id, and how many in plain text (an older database's). */
export function backupSecretKeyIds(backup: CheckedBackup): { byKey: Record<string, number>; plain: number } {
  const out = { byKey: {} as Record<string, number>, plain: 0 };
  for (const { value } of backupSecrets(backup)) {
    const id = sealedKeyId(value);
    if (id === undefined) out.plain++;
    else out.byKey[id] = (out.byKey[id] ?? 0) + 1;
  }
  return out;
}

function* backupSecrets(backup: CheckedBackup): Generator<{ place: string; value: string }> {
  for (const c of SECRET_COLUMNS) {
    const table = backup.manifest.tables.find((t) => t.name === c.table);
    if (table === undefined) continue;
    const at = table.columns.findIndex((col) => col.name === c.column);
    const keyAt = table.columns.findIndex((col) => col.name === c.key);
    if (at === -1 || keyAt === -1) continue;
    for (const row of backup.rows.get(c.table) ?? []) {
      const value = row[at];
      if (typeof value === 'string') yield { place: secretPlace(c.table, c.column, String(row[keyAt])), value };
    }
  }
}

/**
 * Refuses (RestoreError 'secret-key') a backup whose encrypted secrets the loaded key cannot decrypt: every one is
 * tried, before anything is written. The backup carries them as the database stored them, so a restore needs the
 * key they were encrypted under; the message names that key id. `keyring` undefined: no key is configured.
 */
export function checkBackupSecrets(
  backup: CheckedBackup,
  keyring: SecretKeyring | undefined,
  keySource = 'the configured key',
): void {
  const needed = new Set<string>();
  const damaged: string[] = [];
  for (const { place, value } of backupSecrets(backup)) {
    if (!isSealed(value)) continue;
    if (keyring === undefined) {
      needed.add(sealedKeyId(value) ?? '?');
      continue;
    }
    try {
      keyring.open(value, place);
    } catch (e) {
      if (!(e instanceof SecretUnreadableError)) throw e;
      if (e.problem === 'unknown-key') needed.add(e.keyId ?? '?');
      else damaged.push(e.message);
    }
  }
  if (needed.size > 0) {
    const ids = [...needed].sort().join(', ');
    const have =
      keyring === undefined ? 'no key is configured' : `the key loaded (${keyring.primaryId}, ${keySource}) is not it`;
    throw new RestoreError(
      'secret-key',
      `the backup's secrets are encrypted under key ${ids}, but ${have}: give the key the backup was made with (OPENMDS_SECRET_KEY_FILE, OPENMDS_SECRET_KEY, or <data>/secret.key of the target)`,
    );
  }
  if (damaged.length > 0) {
    const more = damaged.length > 3 ? ` (and ${damaged.length - 3} more)` : '';
    throw new RestoreError('secret-key', `${damaged.slice(0, 3).join('; ')}${more}`);
  }
}

export interface RestoreReport {
  /** The migration the data was restored at (the backup's schema version). */
  restoredAt: string;
  /** Migrations this build applied after the data went in (empty when the backup was made by the same schema). */
  laterMigrations: string[];
  tables: number;
  rows: number;
  auditChain: ChainVerification | null;
}

/**
 * Restores a checked backup into an empty database: refuses one holding any row, migrates it to the backup's
 * schema version, inserts every table in one transaction (parents first; PostgreSQL sequences moved past the
 * restored keys), verifies the audit chain, and then migrates to this build's latest schema.
 */
export async function restoreBackup(db: Db, backup: CheckedBackup): Promise<RestoreReport> {
  const { manifest } = backup;
  const target = manifest.migrations.at(-1)!;
  await checkTarget(db, manifest);
  await migrateTo(db, target);
  const tables = await describeTables(db.kysely, db.dialect);
  checkSchema(tables, manifest);

  const auditChain = await db.kysely.transaction().execute(async (trx) => {
    for (const table of tables) {
      const entry = manifest.tables.find((t) => t.name === table.name)!;
      await insertTable(trx, db.dialect, table, entry, backup.rows.get(table.name) ?? []);
    }
    for (const table of tables) {
      const { rows } = await sql<{ n: number | string }>`SELECT count(*) AS n FROM ${sql.table(table.name)}`.execute(
        trx,
      );
      const expected = manifest.tables.find((t) => t.name === table.name)!.rows;
      if (Number(rows[0]?.n) !== expected) {
        throw new Error(`${table.name}: ${String(rows[0]?.n)} rows after the restore, the backup holds ${expected}`);
      }
    }
    return tables.some((t) => t.name === AUDIT_TABLE) ? verifyAuditChain(trx) : null;
  });
  const later = await migrateToLatest(db);
  return {
    restoredAt: target,
    laterMigrations: later.applied,
    tables: tables.length,
    rows: manifest.tables.reduce((n, t) => n + t.rows, 0),
    auditChain,
  };
}

/** Refuses a target that holds data, or whose schema is ahead of the backup's or unknown to this build. */
async function checkTarget(db: Db, manifest: BackupManifest): Promise<void> {
  const known = Object.keys(migrations(db.dialect));
  const firstUnknown = manifest.migrations.findIndex((name, i) => known[i] !== name);
  if (firstUnknown !== -1) {
    const name = manifest.migrations[firstUnknown]!;
    throw new RestoreError(
      'schema-mismatch',
      known.includes(name)
        ? `the backup's migrations do not match this OpenMDS's (at ${name})`
        : `the backup's schema (migration ${name}) is newer than this OpenMDS knows; restore it with OpenMDS ${manifest.openmdsVersion} or newer`,
    );
  }
  const applied = await appliedMigrations(db.kysely, db.dialect);
  const ahead = applied.find((name, i) => manifest.migrations[i] !== name);
  if (ahead !== undefined) {
    throw new RestoreError(
      'schema-mismatch',
      `the target database is migrated past the backup's schema (to ${applied.at(-1)!}); restore into a new, empty database`,
    );
  }
  const withRows: string[] = [];
  for (const name of await tableNames(db.kysely, db.dialect)) {
    if (name.startsWith('kysely_migration')) continue;
    const { rows } = await sql`SELECT 1 FROM ${sql.table(name)} LIMIT 1`.execute(db.kysely);
    if (rows.length > 0) withRows.push(name);
  }
  if (withRows.length > 0) {
    throw new RestoreError(
      'target-not-empty',
      `the target database is not empty (rows in ${withRows.join(', ')}); restore only into an empty database: a new --data folder, or a new PostgreSQL database or schema`,
    );
  }
}

/** After migrating: the target's tables and columns must be the backup's, each column of the same type. */
function checkSchema(tables: TableInfo[], manifest: BackupManifest): void {
  const mismatch = (message: string): RestoreError => new RestoreError('schema-mismatch', message);
  for (const entry of manifest.tables) {
    const table = tables.find((t) => t.name === entry.name);
    if (table === undefined) throw mismatch(`table ${entry.name} is in the backup but not in the migrated schema`);
    for (const c of entry.columns) {
      const own = table.columns.find((o) => o.name === c.name);
      if (own === undefined) throw mismatch(`${entry.name}.${c.name} is in the backup but not in the migrated schema`);
      if (own.type !== c.type) throw mismatch(`${entry.name}.${c.name} is ${c.type} in the backup, ${own.type} here`);
    }
    const extra = table.columns.find((o) => !entry.columns.some((c) => c.name === o.name));
    if (extra !== undefined)
      throw mismatch(`${entry.name}.${extra.name} is in the migrated schema but not in the backup`);
  }
  const missing = tables.find((t) => !manifest.tables.some((e) => e.name === t.name));
  if (missing !== undefined) throw mismatch(`table ${missing.name} is in the migrated schema but not in the backup`);
}

/** Rows a PostgreSQL or SQLite statement may carry: well under both drivers' limits on bound parameters. */
const PARAMETERS_PER_STATEMENT = 5000;

async function insertTable(
  trx: Transaction<Database>,
  dialect: DialectName,
  table: TableInfo,
  entry: ManifestTable,
  rows: unknown[][],
): Promise<void> {
  const columns = entry.columns;
  const ordered = parentsFirst(
    table,
    columns.map((c) => c.name),
    rows,
  );
  // Rows keep their keys; an identity column (audit_events.seq on PostgreSQL) must be told to take them.
  const overriding = dialect === 'postgres' && table.sequenceColumns.length > 0 ? sql`OVERRIDING SYSTEM VALUE` : sql``;
  const perStatement = Math.max(1, Math.floor(PARAMETERS_PER_STATEMENT / columns.length));
  for (let i = 0; i < ordered.length; i += perStatement) {
    const values = ordered.slice(i, i + perStatement).map(
      (row) =>
        sql`(${sql.join(
          row.map((v, j) => {
            const decoded = decodeValue(v, columns[j]!.type, dialect);
            return decoded.ok ? decoded.value : null;
          }),
        )})`,
    );
    await sql`INSERT INTO ${sql.table(table.name)} (${sql.join(columns.map((c) => sql.id(c.name)))}) ${overriding}
      VALUES ${sql.join(values)}`.execute(trx);
  }
  if (dialect === 'postgres') {
    for (const column of table.sequenceColumns) {
      await sql`SELECT setval(
          pg_get_serial_sequence(format('%I.%I', current_schema(), ${table.name}::text), ${column}::text),
          COALESCE((SELECT max(${sql.id(column)}) FROM ${sql.table(table.name)}), 0) + 1, false)`.execute(trx);
    }
  }
}

/**
 * A table that references itself (assessments.supersedes) needs the referenced row first; foreign keys are checked
 * per statement, not deferred, on PostgreSQL. Other rows keep the backup's (primary-key) order.
 */
function parentsFirst(table: TableInfo, names: string[], rows: unknown[][]): unknown[][] {
  const selfRefs = table.references.filter((r) => r.table === table.name);
  if (selfRefs.length === 0) return rows;
  const at = (name: string): number => names.indexOf(name);
  const keyOf = (row: unknown[], cols: string[]): string | undefined => {
    const values = cols.map((c) => row[at(c)]);
    return values.some((v) => v === null) ? undefined : JSON.stringify(values);
  };
  const indexes = selfRefs.map((ref) => new Map(rows.map((row, i) => [keyOf(row, ref.refColumns), i] as const)));
  const out: unknown[][] = [];
  const state = new Array<'new' | 'visiting' | 'done'>(rows.length).fill('new');
  const visit = (i: number): void => {
    if (state[i] !== 'new') return;
    state[i] = 'visiting';
    selfRefs.forEach((ref, r) => {
      const key = keyOf(rows[i]!, ref.columns);
      const parent = key === undefined ? undefined : indexes[r]!.get(key);
      if (parent !== undefined && parent !== i) visit(parent);
    });
    state[i] = 'done';
    out.push(rows[i]!);
  };
  rows.forEach((_, i) => visit(i));
  return out;
}
