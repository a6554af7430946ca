import type { Statement } from '../domain/statement.js';

/** The `format` of a signed statement file. */
export const SIGNED_STATEMENT_FORMAT = 'openmds-signed-statement';
export const SIGNED_STATEMENT_FORMAT_VERSION = 1;

/** JWS `typ` and `cty` of the signature (media types with the "application/" prefix left out, per RFC 7515 4.1.9). */
export const SIGNATURE_TYP = 'openmds-statement+jws';
export const SIGNATURE_CTY = 'openmds-statement+json';

/**
 * A statement with its signature, as written to a `.signed.json` file (see docs/signatures.md). `signature` is a JWS in
 * the flattened JSON serialization with the payload detached (RFC 7515 appendix F): the payload is the UTF-8 RFC 8785
 * canonical form of `statement`.
 */
export interface SignedStatementDocument<S = Statement> {
  format: typeof SIGNED_STATEMENT_FORMAT;
  formatVersion: typeof SIGNED_STATEMENT_FORMAT_VERSION;
  statement: S;
  signature: {
    /** base64url of the JWS protected header (JSON). */
    protected: string;
    /** base64url of the ES256 signature: r and s, 32 bytes each. */
    signature: string;
  };
}

/** The JWS protected header OpenMDS writes. */
export interface SignatureHeader {
  alg: 'ES256';
  typ: typeof SIGNATURE_TYP;
  cty: typeof SIGNATURE_CTY;
  /** The certificate chain, leaf first, each certificate standard base64 (not base64url) DER (RFC 7515 4.1.6). */
  x5c: string[];
  /** base64url SHA-256 of the DER of x5c[0]. */
  'x5t#S256': string;
  /** The signing time the signer claims, ISO 8601 UTC without fractions (ETSI TS 119 182-1 JAdES `sigT`). */
  sigT: string;
}

/** base64url decoding that accepts only the canonical encoding, so that no two texts decode to the same bytes. */
export function strictBase64url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? new Uint8Array(bytes) : undefined;
}

/** Standard base64 decoding (x5c uses it) that accepts only the canonical, padded encoding. */
export function strictBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? new Uint8Array(bytes) : undefined;
}
