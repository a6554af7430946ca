import type { Message } from '../domain/i18n.js';

/** What can be wrong with a signature, a signed file or a signing key. Each problem carries one of these codes. */
export type SignatureProblemCode =
  /** The value is not an OpenMDS signed statement (wrong `format`, missing `statement` or `signature`). */
  | 'not-signed-statement'
  /** A plain, unsigned statement was given where a signed one was expected. */
  | 'unsigned'
  | 'unsupported-format-version'
  /** The JWS protected header is not base64url-encoded JSON. */
  | 'header-unreadable'
  /** The header is readable but not what OpenMDS signs (`typ`, `cty`, `crit`). */
  | 'header-invalid'
  | 'algorithm-unsupported'
  /** The header has no `x5c` certificate chain. */
  | 'certificate-missing'
  | 'certificate-unreadable'
  /** `x5t#S256` is missing or is not the SHA-256 of the first `x5c` certificate. */
  | 'thumbprint-mismatch'
  | 'signing-time-missing'
  | 'signing-time-future'
  /** The signature value is not 64 bytes of canonical base64url. */
  | 'signature-malformed'
  /** The signature does not match the statement and header: something was changed after signing. */
  | 'content-altered'
  /** The signed content verifies but is not a valid OpenMDS statement. */
  | 'statement-invalid'
  | 'key-unreadable'
  | 'key-encrypted'
  | 'key-not-p256'
  /** The private key is not the key of the leaf certificate. */
  | 'key-mismatch'
  /** A certificate of the chain was not issued (signed) by the next one. */
  | 'chain-broken'
  | 'chain-too-long'
  /** A certificate that issued another is not a CA certificate (basicConstraints, keyUsage keyCertSign). */
  | 'issuer-not-ca'
  | 'certificate-not-yet-valid'
  | 'certificate-expired'
  /** The leaf certificate's key usage does not allow signing documents. */
  | 'key-usage'
  /** The chain is intact but does not lead to a trusted root. */
  | 'untrusted-root'
  /** Informational: the certificate has expired since the (claimed) signing time. */
  | 'certificate-expired-since';

/** A problem with a signature, in both languages, with a stable code for programs. */
export interface SignatureProblem extends Message {
  code: SignatureProblemCode;
}

export function problem(code: SignatureProblemCode, ja: string, en: string): SignatureProblem {
  return { code, ja, en };
}

/** "certificate 1 (the signer's certificate)", "certificate 2" … for messages about a chain. */
export function certificateName(index: number): Message {
  return index === 0
    ? { ja: '証明書 1（署名者の証明書）', en: "certificate 1 (the signer's certificate)" }
    : { ja: `証明書 ${index + 1}`, en: `certificate ${index + 1}` };
}
