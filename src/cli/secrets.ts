import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { SECRET_KEY_BYTES, SecretKeyring, secretKeyId } from '../security/secret-box.js';
import { readSecretKeyFile } from '../security/settings.js';
import {
  SecretKeyError,
  readInstanceKey,
  reencryptSecrets,
  secretsStatus,
  unreadableSecrets,
  writeKeyFile,
  type InstanceKey,
} from '../security/stored-secrets.js';
import {
  CommandError,
  cliDataDir,
  openCliDatabase,
  openMigratedDatabase,
  type DatabaseOptions,
} from './cli-context.js';

/** Exit codes of `secrets status`: 0 every secret decrypts with the loaded key, 1 some do not, 2 unreadable. */
const STATUS_EXIT = { ok: 0, unreadable: 1 } as const;

function loadKey(opts: DatabaseOptions): InstanceKey | undefined {
  try {
    return readInstanceKey(cliDataDir(opts));
  } catch (e) {
    if (e instanceof SecretKeyError) throw new CommandError(e.message, 2);
    throw e;
  }
}

/**
 * `openmds secrets status`: how many stored secrets are encrypted under which key id and how many are plain text,
 * and whether the configured key decrypts them all. Needs no key, and creates none.
 */
export async function runSecretsStatus(opts: DatabaseOptions & { json?: boolean }): Promise<number> {
  const key = loadKey(opts);
  const db = await openMigratedDatabase(opts);
  try {
    const status = await secretsStatus(db.kysely);
    const keyring = key === undefined ? undefined : new SecretKeyring(key.key);
    const unreadable = keyring === undefined ? [] : await unreadableSecrets(db.kysely, keyring);
    const encrypted = Object.values(status.byKey).reduce((a, b) => a + b, 0);
    const missingKey = keyring === undefined && encrypted > 0;
    if (opts.json === true) {
      const out = {
        key: keyring === undefined ? null : { id: keyring.primaryId, source: key?.source },
        encrypted: status.byKey,
        plain: status.plain,
        columns: status.columns,
        unreadable: unreadable.map((e) => e.message),
      };
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    } else {
      const lines = [
        keyring === undefined
          ? 'key: none configured (the server creates <data>/secret.key at its first start)'
          : `key: ${keyring.primaryId} (from ${key?.source ?? '?'})`,
        `stored secrets: ${encrypted} encrypted, ${status.plain} in plain text`,
        ...Object.entries(status.byKey).map(
          ([id, n]) => `  under key ${id}: ${n}${keyring?.has(id) === true ? ' (the configured key)' : ''}`,
        ),
        ...Object.entries(status.columns).map(
          ([column, c]) => `  ${column}: ${c.encrypted} encrypted, ${c.plain} plain`,
        ),
        ...(status.plain > 0 ? ['the server encrypts the plain ones at its next start'] : []),
        ...unreadable.map((e) => `unreadable: ${e.message}`),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    for (const w of key?.warnings ?? []) process.stderr.write(`openmds: warning: ${w}\n`);
    return unreadable.length > 0 || missingKey ? STATUS_EXIT.unreadable : STATUS_EXIT.ok;
  } finally {
    await db.close();
  }
}

/** `openmds secrets generate-key FILE`: a new random key, base64, in a file readable by its owner only. */
export function runGenerateKey(file: string): number {
  if (existsSync(file)) throw new CommandError(`${file}: exists already; give a new file name`, 2);
  const key = randomBytes(SECRET_KEY_BYTES);
  try {
    writeKeyFile(file, key);
  } catch (e) {
    throw new CommandError(`${file}: cannot be written (${(e as NodeJS.ErrnoException).code ?? String(e)})`, 2);
  }
  process.stdout.write(`wrote a new secret key to ${file} (key ${secretKeyId(key)}, mode 0600)\n`);
  return 0;
}

/**
 * `openmds secrets rotate-key --new-key-file F`: re-encrypts every stored secret under the new key in one
 * transaction, reading them with the current key meanwhile. When the current key is the data folder's
 * `secret.key`, that file then holds the new key; a key from the environment must be changed by the operator.
 */
export async function runRotateKey(opts: DatabaseOptions & { newKeyFile: string }): Promise<number> {
  let next: { key: Buffer; warning?: string };
  try {
    next = readSecretKeyFile('--new-key-file', opts.newKeyFile);
  } catch (e) {
    throw new CommandError(e instanceof Error ? e.message : String(e), 2);
  }
  if (next.warning !== undefined) process.stderr.write(`openmds: warning: ${next.warning}\n`);
  // Opening loads the current key and refuses one that does not decrypt what is stored.
  const db = await openCliDatabase(opts);
  try {
    const current = loadKey(opts);
    if (current === undefined) throw new CommandError('no current key could be loaded', 2);
    const oldId = secretKeyId(current.key);
    const newId = secretKeyId(next.key);
    if (oldId === newId) throw new CommandError(`--new-key-file: it is the current key (${oldId})`, 2);
    const keyring = new SecretKeyring(next.key, [current.key]);
    const n = await reencryptSecrets(db.kysely, keyring);
    const left = await unreadableSecrets(db.kysely, new SecretKeyring(next.key));
    if (left.length > 0) throw new Error(`after the rotation: ${left.map((e) => e.message).join('; ')}`);
    const lines = [`re-encrypted ${n} stored secrets under key ${newId} (was ${oldId})`];
    if (current.defaultFile !== undefined) {
      writeKeyFile(current.defaultFile, next.key);
      lines.push(
        `${current.defaultFile} now holds key ${newId}; back it up apart from the database backups`,
        `backups made before now still need key ${oldId}: keep its copy with your key backups (or destroy it if it was exposed)`,
      );
    } else {
      lines.push(
        `set ${current.source === 'OPENMDS_SECRET_KEY' ? 'OPENMDS_SECRET_KEY to the contents of' : 'OPENMDS_SECRET_KEY_FILE to'} ${opts.newKeyFile} before the server starts again: with key ${oldId} it refuses to start`,
        `backups made before now still need key ${oldId}`,
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  } finally {
    await db.close();
  }
}
