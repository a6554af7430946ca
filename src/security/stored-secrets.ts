import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database } from '../db/schema.js';
import {
  SEALED_PREFIX,
  SECRET_KEY_BYTES,
  SecretKeyring,
  SecretUnreadableError,
  isSealed,
  sealedKeyId,
  secretPlace,
  useSecretKeys,
} from './secret-box.js';
import { readSecretKeyFile, secretKeySettingFromEnv } from './settings.js';

type Queryable = Kysely<Database> | Transaction<Database>;

/** A column holding a secret OpenMDS must read back (hashes are not listed: they are never read back). */
export interface SecretColumn {
  table: string;
  column: string;
  /** The row's primary key (one column), bound into the ciphertext with the table and column. */
  key: string;
}

/** Every stored secret: TOTP seeds, the instance CA's and organizations' signing keys, webhook secrets. */
export const SECRET_COLUMNS: readonly SecretColumn[] = Object.freeze([
  { table: 'user_totp', column: 'secret', key: 'user_id' },
  { table: 'signing_authorities', column: 'private_key_pem', key: 'id' },
  { table: 'signing_keys', column: 'private_key_pem', key: 'id' },
  { table: 'webhooks', column: 'secret', key: 'id' },
]);

/** The file the data key is kept in when none is configured, next to the SQLite database. */
export const SECRET_KEY_FILE = 'secret.key';

/** The data key cannot be loaded, or does not fit the database. The message says what to do. */
export class SecretKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretKeyError';
  }
}

/** Where the key came from, for messages: the variable or the file. */
export interface InstanceKey {
  key: Buffer;
  source: string;
  /** The default key file in the data folder (rotate-key replaces it; keys from the environment are left alone). */
  defaultFile?: string;
  warnings: string[];
}

/** The default key file of a data folder, or undefined for an in-memory database. */
export function defaultKeyFile(dataDir: string): string | undefined {
  return dataDir === ':memory:' ? undefined : path.join(dataDir, SECRET_KEY_FILE);
}

/**
 * The configured data key: OPENMDS_SECRET_KEY, else the file OPENMDS_SECRET_KEY_FILE names, else
 * `<dataDir>/secret.key` when it exists. Undefined when none is there. Throws SecretKeyError naming the variable or
 * file at fault.
 */
export function readInstanceKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): InstanceKey | undefined {
  try {
    const setting = secretKeySettingFromEnv(env);
    if (setting.kind === 'value') return { key: setting.key, source: setting.source, warnings: [] };
    if (setting.kind === 'file') {
      const read = readSecretKeyFile(setting.source, setting.path);
      return { key: read.key, source: setting.path, warnings: read.warning === undefined ? [] : [read.warning] };
    }
    const file = defaultKeyFile(dataDir);
    if (file === undefined || !existsSync(file)) return undefined;
    const read = readSecretKeyFile('secret key file', file);
    return {
      key: read.key,
      source: file,
      defaultFile: file,
      warnings: read.warning === undefined ? [] : [read.warning],
    };
  } catch (e) {
    throw new SecretKeyError(e instanceof Error ? e.message : String(e));
  }
}

/** Writes a key file readable by its owner only (0600), under a temporary name renamed when complete. */
export function writeKeyFile(file: string, key: Uint8Array): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, `${Buffer.from(key).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  renameSync(temporary, file);
}

/** How the stored secrets stand: how many are encrypted under each key id, how many are plain text. */
export interface SecretsStatus {
  /** Encrypted values per key id. */
  byKey: Record<string, number>;
  plain: number;
  /** Per column: `table.column` → { encrypted, plain }. */
  columns: Record<string, { encrypted: number; plain: number }>;
}

async function secretRows(
  db: Queryable,
  c: SecretColumn,
  options: { plainOnly?: boolean } = {},
): Promise<{ id: string; value: string }[]> {
  // At every start only the plain ones are wanted: the database picks them, the encrypted ones stay where they are.
  const plain =
    options.plainOnly === true
      ? sql`where substr(${sql.ref(c.column)}, 1, ${SEALED_PREFIX.length}) <> ${SEALED_PREFIX}`
      : sql``;
  const r = await sql<{ id: string; value: string }>`select ${sql.ref(c.key)} as id, ${sql.ref(c.column)} as value
    from ${sql.table(c.table)} ${plain} order by ${sql.ref(c.key)}`.execute(db);
  return r.rows;
}

/** Replaces a stored value, only if it is still the one read (a row re-written meanwhile keeps its new value). */
async function updateSecret(
  trx: Transaction<Database>,
  c: SecretColumn,
  row: { id: string; value: string },
  value: string,
): Promise<void> {
  await sql`update ${sql.table(c.table)} set ${sql.ref(c.column)} = ${value}
    where ${sql.ref(c.key)} = ${row.id} and ${sql.ref(c.column)} = ${row.value}`.execute(trx);
}

/** Counts the stored secrets by key id, and those still in plain text. Reads no value beyond its prefix. */
export async function secretsStatus(db: Queryable): Promise<SecretsStatus> {
  const status: SecretsStatus = { byKey: {}, plain: 0, columns: {} };
  for (const c of SECRET_COLUMNS) {
    const counts = { encrypted: 0, plain: 0 };
    for (const r of await secretRows(db, c)) {
      const keyId = sealedKeyId(r.value);
      if (keyId === undefined) {
        counts.plain++;
        status.plain++;
      } else {
        counts.encrypted++;
        status.byKey[keyId] = (status.byKey[keyId] ?? 0) + 1;
      }
    }
    status.columns[`${c.table}.${c.column}`] = counts;
  }
  return status;
}

/**
 * Encrypts every secret still stored in plain text (a database from before encryption), in one transaction.
 * Returns how many per column; never the values.
 */
export async function encryptPlainSecrets(
  db: Kysely<Database>,
  keyring: SecretKeyring,
): Promise<{ total: number; columns: Record<string, number> }> {
  return db.transaction().execute(async (trx) => {
    const columns: Record<string, number> = {};
    let total = 0;
    for (const c of SECRET_COLUMNS) {
      for (const r of await secretRows(trx, c, { plainOnly: true })) {
        if (isSealed(r.value)) continue;
        await updateSecret(trx, c, r, keyring.seal(r.value, secretPlace(c.table, c.column, r.id)));
        columns[`${c.table}.${c.column}`] = (columns[`${c.table}.${c.column}`] ?? 0) + 1;
        total++;
      }
    }
    return { total, columns };
  });
}

/**
 * Re-encrypts every stored secret under the keyring's primary key, in one transaction: each is decrypted with
 * whichever loaded key it names (plain text is taken as it is), then sealed again. Throws SecretUnreadableError,
 * and changes nothing, when one cannot be decrypted.
 */
export async function reencryptSecrets(db: Kysely<Database>, keyring: SecretKeyring): Promise<number> {
  return db.transaction().execute(async (trx) => {
    let n = 0;
    for (const c of SECRET_COLUMNS) {
      for (const r of await secretRows(trx, c)) {
        const place = secretPlace(c.table, c.column, r.id);
        await updateSecret(trx, c, r, keyring.seal(keyring.open(r.value, place), place));
        n++;
      }
    }
    return n;
  });
}

/** Every stored secret that the keyring cannot decrypt (empty when all can), each naming its place. */
export async function unreadableSecrets(db: Queryable, keyring: SecretKeyring): Promise<SecretUnreadableError[]> {
  const out: SecretUnreadableError[] = [];
  for (const c of SECRET_COLUMNS) {
    for (const r of await secretRows(db, c)) {
      try {
        keyring.open(r.value, secretPlace(c.table, c.column, r.id));
      } catch (e) {
        if (e instanceof SecretUnreadableError) out.push(e);
        else throw e;
      }
    }
  }
  return out;
}

/** The message for secrets encrypted under keys that are not loaded. */
export function missingKeysMessage(needed: readonly string[], loaded: InstanceKey | undefined): string {
  const ids = needed.join(', ');
  const have =
    loaded === undefined
      ? 'no key is configured'
      : `the key loaded (${new SecretKeyring(loaded.key).primaryId}, from ${loaded.source}) is not it`;
  return `the stored secrets are encrypted under key ${ids}, but ${have}: set OPENMDS_SECRET_KEY_FILE to that key's file (or OPENMDS_SECRET_KEY), or put it in <data>/${SECRET_KEY_FILE}`;
}

export interface LoadSecretKeysOptions {
  /** The data folder (`--data`, OPENMDS_DATA_DIR or ./data): where `secret.key` is looked for and created. */
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  /** Where warnings and what was done go (one line each, no secret ever). */
  log?: (line: string) => void;
}

/**
 * Loads the data key for an open database and installs it (useSecretKeys): the configured one, else
 * `<dataDir>/secret.key`, which is created (mode 0600) when missing and the database holds no encrypted secret.
 * Refuses (SecretKeyError) a key that does not fit the database: secrets encrypted under another key id.
 */
export async function loadSecretKeys(db: Db, options: LoadSecretKeysOptions): Promise<SecretKeyring> {
  const log = options.log ?? (() => undefined);
  let loaded = readInstanceKey(options.dataDir, options.env);
  const status = await secretsStatus(db.kysely);
  const sealedUnder = Object.keys(status.byKey);
  if (loaded === undefined) {
    const ids = sealedUnder.filter((id) => id !== '?');
    if (ids.length > 0) throw new SecretKeyError(missingKeysMessage(ids, undefined));
    const key = randomBytes(SECRET_KEY_BYTES);
    const file = defaultKeyFile(options.dataDir);
    if (file === undefined) {
      // An in-memory database lives as long as the process: so may its key.
      loaded = { key, source: 'a key made for this in-memory database', warnings: [] };
    } else {
      writeKeyFile(file, key);
      loaded = { key, source: file, defaultFile: file, warnings: [] };
      log(
        `created the key that encrypts stored secrets: ${file} (key ${new SecretKeyring(key).primaryId}); back it up apart from the database backups`,
      );
    }
  }
  for (const w of loaded.warnings) log(`warning: ${w}`);
  const keyring = new SecretKeyring(loaded.key);
  // A malformed value ('?') is reported where it is read, naming its row; it says nothing about the key.
  const unknown = sealedUnder.filter((id) => id !== '?' && !keyring.has(id));
  if (unknown.length > 0) throw new SecretKeyError(missingKeysMessage(unknown, loaded));
  useSecretKeys(keyring);
  return keyring;
}
