import { existsSync, readFileSync } from 'node:fs';
import { BackupError, backupToFile, createBackup } from '../backup/create-backup.js';
import type { BackupManifest } from '../backup/backup-format.js';
import { RestoreError, checkBackup, checkBackupSecrets, restoreBackup } from '../backup/restore-backup.js';
import { ArchiveError } from '../backup/tar-gzip.js';
import { SchemaError } from '../backup/schema-introspection.js';
import { openDatabase, resolveDatabaseTarget, type Db, type OpenDatabaseOptions } from '../db/database.js';
import { SecretKeyring } from '../security/secret-box.js';
import { SecretKeyError, readInstanceKey } from '../security/stored-secrets.js';
import { cliDataDir, type DatabaseOptions } from './cli-context.js';
import { CommandError } from './command-error.js';

/** Exit codes of restore: 0 restored and the audit chain verifies, 1 restored but it does not, 2 refused. */
const EXIT = { ok: 0, chainBroken: 1, refused: 2 } as const;

/** The database options `serve` would use, without opening anything (and without migrating, unlike other commands). */
function databaseOptions(opts: DatabaseOptions): OpenDatabaseOptions {
  const url = opts.database ?? process.env['OPENMDS_DATABASE_URL'];
  return {
    ...(url === undefined || url === '' ? {} : { url }),
    dataDir: cliDataDir(opts),
  };
}

function describeTarget(options: OpenDatabaseOptions): string {
  const target = resolveDatabaseTarget(options);
  return target.dialect === 'sqlite' ? target.file : target.url.replace(/\/\/[^@/]*@/, '//…@');
}

async function open(options: OpenDatabaseOptions): Promise<Db> {
  try {
    return await openDatabase(options);
  } catch (e) {
    throw new CommandError(`--database: ${e instanceof Error ? e.message : String(e)}`, 2);
  }
}

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

function summary(m: BackupManifest): string {
  const rows = m.tables.reduce((n, t) => n + t.rows, 0);
  const chain =
    m.auditChain === null
      ? ''
      : `\n  audit trail: ${m.auditChain.events} records, head seq ${String(m.auditChain.headSeq)} ${m.auditChain.headHash ?? ''}`;
  return `  ${m.tables.length} tables, ${rows} rows, schema ${m.migrations.at(-1) ?? '?'} (${m.source.dialect}, OpenMDS ${m.openmdsVersion}, ${m.createdAt})${chain}`;
}

export interface BackupCommandOptions extends DatabaseOptions {
  output: string;
  force?: boolean;
}

/**
 * `openmds backup -o FILE`: a snapshot of the running instance's database. `-o -` writes to standard output (to
 * pipe into age or gpg, so the unencrypted backup never touches a disk); the report then goes to standard error.
 */
export async function runBackupCommand(opts: BackupCommandOptions): Promise<number> {
  const options = databaseOptions(opts);
  let target;
  try {
    target = resolveDatabaseTarget(options);
  } catch (e) {
    throw new CommandError(`--database: ${e instanceof Error ? e.message : String(e)}`, 2);
  }
  // Opening a SQLite file that is not there would create an empty one: say so instead.
  if (target.dialect === 'sqlite' && target.file !== ':memory:' && !existsSync(target.file)) {
    throw new CommandError(`${target.file}: no database there (give --data DIR or --database URL)`, 2);
  }
  const toStdout = opts.output === '-';
  if (toStdout && process.stdout.isTTY) {
    throw new CommandError('-o -: the backup is binary; pipe it (e.g. into age or gpg) or give -o FILE', 2);
  }
  const db = await open(options);
  try {
    const log = toStdout ? process.stderr : process.stdout;
    if (toStdout) {
      const manifest = await createBackup(db, process.stdout);
      log.write(`backed up ${describeTarget(options)} to standard output\n${summary(manifest)}\n`);
    } else {
      const r = await backupToFile(db, opts.output, { overwrite: opts.force === true });
      log.write(
        `backed up ${describeTarget(options)} to ${r.file} (${kib(r.bytes)})\n${summary(r.manifest)}\n  sha256 of the file: ${r.sha256}\n`,
      );
    }
    return 0;
  } catch (e) {
    if (e instanceof BackupError || e instanceof SchemaError || e instanceof ArchiveError) {
      throw new CommandError(e.message, 2);
    }
    throw e;
  } finally {
    await db.close();
  }
}

/**
 * `openmds restore FILE`: checks the whole file first (nothing is opened or written when it fails), then restores
 * into an empty database and verifies the audit chain.
 */
export async function runRestoreCommand(file: string, opts: DatabaseOptions): Promise<number> {
  let data: Buffer;
  try {
    data = file === '-' ? readFileSync(0) : readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CommandError(`${file}: ${code === 'ENOENT' ? 'no such file' : 'cannot be read'}`, 2);
  }
  let backup;
  try {
    backup = checkBackup(data);
  } catch (e) {
    if (e instanceof RestoreError) throw new CommandError(`${file}: ${e.message}; nothing was restored`, 2);
    throw e;
  }
  const { manifest } = backup;
  process.stdout.write(`checked ${file}: every checksum and count matches the manifest\n${summary(manifest)}\n`);
  // The backup carries the secrets as stored (encrypted): the target needs the key they were encrypted under. Every
  // one is tried before the target is even opened.
  try {
    const key = readInstanceKey(cliDataDir(opts));
    checkBackupSecrets(backup, key === undefined ? undefined : new SecretKeyring(key.key), `from ${key?.source ?? ''}`);
    for (const w of key?.warnings ?? []) process.stderr.write(`openmds: warning: ${w}\n`);
  } catch (e) {
    if (e instanceof RestoreError || e instanceof SecretKeyError) {
      throw new CommandError(`${e.message}; nothing was restored`, EXIT.refused);
    }
    throw e;
  }
  const options = databaseOptions(opts);
  const db = await open(options);
  try {
    const r = await restoreBackup(db, backup);
    process.stdout.write(
      `restored ${r.rows} rows into ${r.tables} tables of ${describeTarget(options)} at schema ${r.restoredAt}\n`,
    );
    if (r.laterMigrations.length > 0) {
      process.stdout.write(`  then migrated to this version's schema: ${r.laterMigrations.join(', ')}\n`);
    }
    if (r.auditChain === null) return EXIT.ok;
    if (r.auditChain.ok) {
      process.stdout.write(`  audit trail: ${r.auditChain.checked} records, the hash chain verifies\n`);
      return EXIT.ok;
    }
    const broken = r.auditChain.firstBroken;
    process.stderr.write(
      `openmds: restored, but the audit trail's hash chain does not verify: record ${String(broken?.seq)} ${broken?.reason ?? ''} (the backup holds it so)\n`,
    );
    return EXIT.chainBroken;
  } catch (e) {
    if (e instanceof RestoreError) throw new CommandError(`${e.message}; nothing was restored`, EXIT.refused);
    if (e instanceof SchemaError) throw new CommandError(e.message, EXIT.refused);
    throw e;
  } finally {
    await db.close();
  }
}
