import { createPrivateKey, createPublicKey, webcrypto, type KeyObject } from 'node:crypto';
import { toPem } from './pem.js';
import { problem, type SignatureProblem } from './signature-problems.js';

/** ECDSA on P-256 with SHA-256: the only algorithm OpenMDS signs with (JWS "ES256"). */
export const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
export const ECDSA_SHA256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/**
 * Reads a private key (PKCS#8 "PRIVATE KEY" or SEC 1 "EC PRIVATE KEY" PEM) and checks it is an unencrypted P-256 key.
 */
export function readP256PrivateKey(
  pem: string,
): { ok: true; key: KeyObject } | { ok: false; problem: SignatureProblem } {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem)) {
    return {
      ok: false,
      problem: problem(
        'key-encrypted',
        '秘密鍵がパスワードで暗号化されています。暗号化を外した鍵を指定してください（例: openssl pkcs8 -topk8 -nocrypt）',
        'the private key is encrypted with a password; give it unencrypted (e.g. openssl pkcs8 -topk8 -nocrypt)',
      ),
    };
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    return {
      ok: false,
      problem: problem(
        'key-unreadable',
        '秘密鍵を読めません（PEM 形式の PKCS#8 または EC 秘密鍵が必要です）',
        'the private key cannot be read (a PEM PKCS#8 or EC private key is needed)',
      ),
    };
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    return {
      ok: false,
      problem: problem(
        'key-not-p256',
        `秘密鍵が ECDSA P-256 の鍵ではありません（${describeKey(key)}）。OpenMDS は ES256（P-256）で署名します`,
        `the private key is not an ECDSA P-256 key (${describeKey(key)}); OpenMDS signs with ES256 (P-256)`,
      ),
    };
  }
  return { ok: true, key };
}

function describeKey(key: KeyObject): string {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const bits = key.asymmetricKeyDetails?.modulusLength;
  return [key.asymmetricKeyType ?? 'unknown', curve, bits === undefined ? undefined : `${bits} bits`]
    .filter((s) => s !== undefined)
    .join(' ');
}

/** The SubjectPublicKeyInfo DER of a private key's public half. */
export function publicKeySpki(key: KeyObject): Uint8Array {
  return new Uint8Array(createPublicKey(key).export({ type: 'spki', format: 'der' }));
}

/** PKCS#8 PEM of a key, the one form OpenMDS stores. */
export function pkcs8Pem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** A WebCrypto signing key (for jose and @peculiar/x509) from a checked key. */
export async function toSigningCryptoKey(key: KeyObject): Promise<webcrypto.CryptoKey> {
  const der = key.export({ type: 'pkcs8', format: 'der' });
  return await webcrypto.subtle.importKey('pkcs8', der, EC_P256, false, ['sign']);
}

/** A fresh P-256 key pair; the private half as PKCS#8 PEM. */
export async function generateP256(): Promise<{ keys: webcrypto.CryptoKeyPair; privateKeyPem: string }> {
  const keys = await webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']);
  const der = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { keys, privateKeyPem: toPem('PRIVATE KEY', der) };
}
