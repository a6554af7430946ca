import { summarizeCertificate, type CertificateSummary } from './certificate-chain.js';
import { strictBase64, strictBase64url, type SignedStatementDocument } from './signed-statement.js';
import { x509 } from './x509.js';

/** Who a signature says signed, and when: read from its header, without verifying anything. */
export interface SignatureSummary {
  /** The signer's organization (O), else its common name, else the subject. */
  signer: string;
  issuer: string;
  signedAt: string;
  certificateSha256: string;
  certificate: CertificateSummary;
}

/**
 * Reads the signer and time a signed document claims, for display next to a verification (never instead of one).
 * Undefined when the header cannot be read.
 */
export function describeSignature(doc: SignedStatementDocument<unknown>): SignatureSummary | undefined {
  try {
    const bytes = strictBase64url(doc.signature.protected);
    if (bytes === undefined) return undefined;
    const header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as {
      x5c?: unknown;
      sigT?: unknown;
    };
    const first = Array.isArray(header.x5c) ? (header.x5c[0] as unknown) : undefined;
    const der = typeof first === 'string' ? strictBase64(first) : undefined;
    if (der === undefined || typeof header.sigT !== 'string') return undefined;
    const certificate = summarizeCertificate(new x509.X509Certificate(der));
    return {
      signer: certificate.organization ?? certificate.commonName ?? certificate.subject,
      issuer: certificate.issuer,
      signedAt: header.sigT,
      certificateSha256: certificate.certificateSha256,
      certificate,
    };
  } catch {
    return undefined;
  }
}
