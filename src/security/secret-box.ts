import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** The length of a data key: AES-256. */
export const SECRET_KEY_BYTES = 32;
/** What every encrypted value begins with; a value without it is plain text (stored before encryption). */
export const SEALED_PREFIX = 'enc:v1:';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[0-9a-f]{8}$/;

/** The id a key is known by: the first 8 hex digits of its sha256. It names the key, it does not reveal it. */
export function secretKeyId(key: Uint8Array): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/**
 * Where a stored secret lives: `<table>.<column>:<row id>`. Bound into the ciphertext as additional authenticated
 * data, so a ciphertext copied to another row or column does not decrypt there.
 */
export function secretPlace(table: string, column: string, rowId: string): string {
  return `${table}.${column}:${rowId}`;
}

/** Why a stored secret cannot be read. */
export type SecretProblem =
  /** Encrypted under a key that is not loaded (another instance's, or one rotated away). */
  | 'unknown-key'
  /** The key is right but the value does not authenticate: changed, or moved from another row or column. */
  | 'tampered'
  /** Begins with `enc:v1:` but is not in the stored form. */
  | 'malformed';

/** A stored secret that cannot be decrypted. The message names the place and the key id, never the value. */
export class SecretUnreadableError extends Error {
  constructor(
    readonly place: string,
    readonly problem: SecretProblem,
    /** The key id the value names (undefined when malformed). */
    readonly keyId: string | undefined,
    loaded: readonly string[],
  ) {
    const what =
      problem === 'unknown-key'
        ? `is encrypted under key ${keyId ?? '?'}, which is not loaded (loaded: ${loaded.join(', ') || 'none'}); configure that key (OPENMDS_SECRET_KEY, OPENMDS_SECRET_KEY_FILE or <data>/secret.key)`
        : problem === 'tampered'
          ? `does not decrypt with key ${keyId ?? '?'}: it was changed, or copied from another row or column`
          : 'is not a valid encrypted value';
    super(`${place} ${what}`);
    this.name = 'SecretUnreadableError';
  }
}

/** The key id an encrypted value names ('?' when it is malformed), or undefined for a plain-text value. */
export function sealedKeyId(stored: string): string | undefined {
  if (!stored.startsWith(SEALED_PREFIX)) return undefined;
  const id = stored.slice(SEALED_PREFIX.length, SEALED_PREFIX.length + 8);
  return KEY_ID.test(id) && stored[SEALED_PREFIX.length + 8] === ':' ? id : '?';
}

/** True when the value is encrypted (`enc:v1:…`); false for plain text stored before encryption. */
export function isSealed(stored: string): boolean {
  return stored.startsWith(SEALED_PREFIX);
}

/**
 * The data keys of the instance: one that encrypts (the primary) and any others that still decrypt, so values
 * under an older key stay readable while a rotation re-encrypts them. AES-256-GCM with a random 96-bit IV per
 * value; stored form `enc:v1:<keyId>:<base64url(iv | ciphertext | tag)>`.
 */
export class SecretKeyring {
  readonly primaryId: string;
  private readonly keys = new Map<string, Buffer>();

  constructor(primary: Uint8Array, others: readonly Uint8Array[] = []) {
    for (const k of [primary, ...others]) {
      if (k.length !== SECRET_KEY_BYTES) throw new RangeError(`a secret key must be ${SECRET_KEY_BYTES} bytes`);
      const id = secretKeyId(k);
      if (!this.keys.has(id)) this.keys.set(id, Buffer.from(k));
    }
    this.primaryId = secretKeyId(primary);
  }

  /** The ids of every loaded key, the primary first. */
  get ids(): string[] {
    return [...this.keys.keys()];
  }

  has(keyId: string): boolean {
    return this.keys.has(keyId);
  }

  /** Encrypts a value for its place under the primary key. */
  seal(plain: string, place: string): string {
    const key = this.keys.get(this.primaryId)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(place, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const packed = Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
    return `${SEALED_PREFIX}${this.primaryId}:${packed}`;
  }

  /**
   * The value stored at a place: decrypted when sealed, as is when plain text (a database from before encryption).
   * Throws SecretUnreadableError naming the place when it cannot be decrypted.
   */
  open(stored: string, place: string): string {
    if (!isSealed(stored)) return stored;
    const rest = stored.slice(SEALED_PREFIX.length);
    const colon = rest.indexOf(':');
    const keyId = rest.slice(0, colon);
    if (colon !== 8 || !KEY_ID.test(keyId)) throw new SecretUnreadableError(place, 'malformed', undefined, this.ids);
    const key = this.keys.get(keyId);
    if (key === undefined) throw new SecretUnreadableError(place, 'unknown-key', keyId, this.ids);
    const packed = Buffer.from(rest.slice(colon + 1), 'base64url');
    if (packed.length < IV_BYTES + TAG_BYTES) throw new SecretUnreadableError(place, 'malformed', keyId, this.ids);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, packed.subarray(0, IV_BYTES), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(Buffer.from(place, 'utf8'));
      decipher.setAuthTag(packed.subarray(packed.length - TAG_BYTES));
      return Buffer.concat([
        decipher.update(packed.subarray(IV_BYTES, packed.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new SecretUnreadableError(place, 'tampered', keyId, this.ids);
    }
  }
}

// The process's keyring. One process serves one instance, and its key is configuration like the environment it is
// read from; threading it through every repository call that touches a secret (TOTP, signing, webhooks) would
// reach into most services for four columns. The server and every CLI command install it right after opening the
// database (loadSecretKeys); the tests install a fixed test key.
let installed: SecretKeyring | undefined;

/** Makes `keyring` the one the repositories encrypt and decrypt stored secrets with. */
export function useSecretKeys(keyring: SecretKeyring): void {
  installed = keyring;
}

/** The installed keyring; throws when none was installed (a code path that opened the database without the key). */
export function secretKeys(): SecretKeyring {
  if (installed === undefined) {
    throw new Error('no secret key is loaded: the database was opened without loading the instance key');
  }
  return installed;
}
