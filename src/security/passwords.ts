import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** scrypt's cost parameters and output length. */
export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  /** Block size. */
  r: number;
  /** Parallelization. */
  p: number;
  /** Derived key length in bytes. */
  keyLength: number;
}

/**
 * N=2^15, r=8, p=1: 32 MiB and about 0.2 s per hash on the machines OpenMDS targets, within OWASP's scrypt
 * recommendations. Raising it later is safe: needsRehash() flags old hashes and sign-in rehashes them.
 */
export const SCRYPT_DEFAULTS: ScryptParams = Object.freeze({ N: 2 ** 15, r: 8, p: 1, keyLength: 32 });

/** The weakest parameters hashPassword accepts; only tests go below the defaults, to run faster. */
const MIN_N = 2 ** 10;
const SALT_BYTES = 16;

function scrypt(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = {
    N: params.N,
    r: params.r,
    p: params.p,
    // Node refuses above 32 MiB by default; scrypt needs 128 * N * r * p bytes, plus headroom.
    maxmem: 256 * params.N * params.r * params.p,
  };
  return new Promise((resolve, reject) => {
    scryptCallback(password, salt, params.keyLength, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/**
 * Passwords are compared as NFC: the same Japanese password typed through different input methods may arrive
 * composed or decomposed, and must match either way.
 */
function normalize(password: string): string {
  return password.normalize('NFC');
}

const b64 = (b: Buffer): string => b.toString('base64url');

/** Hashes a password with a fresh salt: `scrypt$N$r$p$salt$hash` (base64url salt and hash). */
export async function hashPassword(password: string, params: ScryptParams = SCRYPT_DEFAULTS): Promise<string> {
  if (!Number.isInteger(Math.log2(params.N)) || params.N < MIN_N) {
    throw new RangeError(`scrypt N must be a power of two of at least ${MIN_N}`);
  }
  const salt = randomBytes(SALT_BYTES);
  const key = await scrypt(normalize(password), salt, params);
  return ['scrypt', params.N, params.r, params.p, b64(salt), b64(key)].join('$');
}

interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

const POSITIVE = /^[1-9][0-9]{0,9}$/;

function parseHash(stored: string): ParsedHash | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [, n, r, p, salt, key] = parts as [string, string, string, string, string, string];
  if (!POSITIVE.test(n) || !POSITIVE.test(r) || !POSITIVE.test(p)) return undefined;
  const params = { N: Number(n), r: Number(r), p: Number(p), keyLength: 0 };
  // Refuse parameters that would make one verification take the server down (a tampered row, say).
  if (params.N > 2 ** 20 || params.r > 32 || params.p > 16 || !Number.isInteger(Math.log2(params.N))) return undefined;
  const saltBytes = Buffer.from(salt, 'base64url');
  const keyBytes = Buffer.from(key, 'base64url');
  if (saltBytes.length < 8 || keyBytes.length < 16 || keyBytes.length > 64) return undefined;
  return { params: { ...params, keyLength: keyBytes.length }, salt: saltBytes, key: keyBytes };
}

/** Checks a password against a stored hash in constant time. A malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (parsed === undefined) return false;
  const key = await scrypt(normalize(password), parsed.salt, parsed.params);
  return timingSafeEqual(key, parsed.key);
}

/** True when the stored hash was made with other parameters than `params` (or is not ours): rehash at sign-in. */
export function needsRehash(stored: string, params: ScryptParams = SCRYPT_DEFAULTS): boolean {
  const parsed = parseHash(stored);
  if (parsed === undefined) return true;
  const p = parsed.params;
  return p.N !== params.N || p.r !== params.r || p.p !== params.p || p.keyLength !== params.keyLength;
}

const dummies = new Map<string, Promise<string>>();

/**
 * Spends the time a real verification would, for a sign-in with an unknown email, so that the answer's timing
 * does not tell which emails have accounts. Always false.
 */
export async function dummyVerify(password: string, params: ScryptParams = SCRYPT_DEFAULTS): Promise<false> {
  const key = `${params.N}$${params.r}$${params.p}$${params.keyLength}`;
  let dummy = dummies.get(key);
  if (dummy === undefined) {
    dummy = hashPassword(randomBytes(16).toString('hex'), params);
    dummies.set(key, dummy);
  }
  await verifyPassword(password, await dummy);
  return false;
}
