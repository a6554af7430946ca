import { createHash } from 'node:crypto';
import { certificatesFromPem } from './pem.js';
import { certificateName, problem, type SignatureProblem } from './signature-problems.js';
import { x509 } from './x509.js';

/** Longest chain accepted, leaf included: deeper chains are not what any real signer sends. */
export const MAX_CHAIN_LENGTH = 8;

/** OIDs of the name attributes OpenMDS reads. */
const OID = { organization: '2.5.4.10', commonName: '2.5.4.3' } as const;

/** What a reader needs to know about one certificate. Times are ISO 8601 in UTC. */
export interface CertificateSummary {
  /** The subject as an RFC 4514 string, e.g. "O=XYZ株式会社, CN=XYZ株式会社". */
  subject: string;
  /** The subject's organization (O); null when the certificate names none. */
  organization: string | null;
  commonName: string | null;
  issuer: string;
  /** Hexadecimal, as openssl prints it without colons. */
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  /** SHA-256 of the certificate's DER, lowercase hexadecimal (openssl x509 -fingerprint -sha256 prints it upper case with colons). */
  certificateSha256: string;
}

export function sha256Hex(der: Uint8Array | ArrayBuffer): string {
  return createHash('sha256')
    .update(der instanceof Uint8Array ? der : new Uint8Array(der))
    .digest('hex');
}

export function summarizeCertificate(cert: x509.X509Certificate): CertificateSummary {
  return {
    subject: cert.subject,
    organization: cert.subjectName.getField(OID.organization)[0] ?? null,
    commonName: cert.subjectName.getField(OID.commonName)[0] ?? null,
    issuer: cert.issuer,
    serialNumber: cert.serialNumber.toLowerCase(),
    notBefore: iso(cert.notBefore),
    notAfter: iso(cert.notAfter),
    certificateSha256: sha256Hex(cert.rawData),
  };
}

/** Parses DER certificates; the problem names the first one that cannot be read. */
export function parseCertificates(
  ders: readonly Uint8Array<ArrayBuffer>[],
): { ok: true; certificates: x509.X509Certificate[] } | { ok: false; problem: SignatureProblem } {
  if (ders.length > MAX_CHAIN_LENGTH) {
    return {
      ok: false,
      problem: problem(
        'chain-too-long',
        `証明書チェーンが長すぎます（${ders.length} 枚、上限 ${MAX_CHAIN_LENGTH} 枚）`,
        `the certificate chain is too long (${ders.length} certificates, at most ${MAX_CHAIN_LENGTH})`,
      ),
    };
  }
  const certificates: x509.X509Certificate[] = [];
  for (const [i, der] of ders.entries()) {
    try {
      certificates.push(new x509.X509Certificate(der));
    } catch {
      const name = certificateName(i);
      return {
        ok: false,
        problem: problem(
          'certificate-unreadable',
          `${name.ja}を X.509 証明書として読めません`,
          `${name.en} cannot be read as an X.509 certificate`,
        ),
      };
    }
  }
  return { ok: true, certificates };
}

export function isP256(cert: x509.X509Certificate): boolean {
  const alg = cert.publicKey.algorithm as { name?: string; namedCurve?: string };
  return alg.name === 'ECDSA' && alg.namedCurve === 'P-256';
}

function isCa(cert: x509.X509Certificate): boolean {
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  if (bc === null || !bc.ca) return false;
  const ku = cert.getExtension(x509.KeyUsagesExtension);
  return ku === null || (ku.usages & x509.KeyUsageFlags.keyCertSign) !== 0;
}

function maySign(cert: x509.X509Certificate): boolean {
  const ku = cert.getExtension(x509.KeyUsagesExtension);
  return ku === null || (ku.usages & (x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation)) !== 0;
}

async function issued(issuer: x509.X509Certificate, subject: x509.X509Certificate): Promise<boolean> {
  if (issuer.subject !== subject.issuer) return false;
  try {
    return await subject.verify({ publicKey: issuer.publicKey, signatureOnly: true });
  } catch {
    return false;
  }
}

/** The moment a chain is checked at: the signing time of a signature, or the present for an uploaded key. */
export type CheckedAt = 'signing-time' | 'now';

function validityProblem(cert: x509.X509Certificate, index: number, at: Date, when: CheckedAt): SignatureProblem[] {
  const name = certificateName(index);
  const signing = when === 'signing-time';
  if (at < cert.notBefore) {
    return [
      problem(
        'certificate-not-yet-valid',
        `${name.ja}は${signing ? '署名した時点で' : '現在'}まだ有効ではありません（有効期間の開始 ${iso(cert.notBefore)}、${signing ? '署名日時' : '現在'} ${iso(at)}）`,
        `${name.en} ${signing ? 'was not yet valid when it signed' : 'is not yet valid'} (valid from ${iso(cert.notBefore)}; ${signing ? 'signing time' : 'now'} ${iso(at)})`,
      ),
    ];
  }
  if (at > cert.notAfter) {
    return [
      problem(
        'certificate-expired',
        `${name.ja}は${signing ? '署名した時点で' : 'すでに'}有効期限が切れていました（有効期限 ${iso(cert.notAfter)}、${signing ? '署名日時' : '現在'} ${iso(at)}）`,
        `${name.en} ${signing ? 'had expired when it signed' : 'has expired'} (valid until ${iso(cert.notAfter)}; ${signing ? 'signing time' : 'now'} ${iso(at)})`,
      ),
    ];
  }
  return [];
}

/** Seconds precision, as certificates and signing times carry it. */
export function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Checks a chain given leaf first: each certificate issued (signed) by the next, every issuer a CA, the leaf a P-256
 * key allowed to sign, and every certificate valid at `at`, which is the signing time or the present (`when`, for the messages).
 * Trust in the last certificate is not this function's business (see `isTrusted`).
 */
export async function checkChain(
  chain: readonly x509.X509Certificate[],
  at: Date,
  when: CheckedAt,
): Promise<SignatureProblem[]> {
  const problems: SignatureProblem[] = [];
  const leaf = chain[0];
  if (leaf === undefined) return problems;
  if (!isP256(leaf)) {
    problems.push(
      problem(
        'key-not-p256',
        '署名者の証明書の鍵が ECDSA P-256 ではありません（ES256 には P-256 の鍵が必要です）',
        "the signer's certificate does not hold an ECDSA P-256 key (ES256 needs one)",
      ),
    );
  }
  if (!maySign(leaf)) {
    problems.push(
      problem(
        'key-usage',
        '署名者の証明書の鍵用途（keyUsage）が署名（digitalSignature または nonRepudiation）を許していません',
        "the signer's certificate's keyUsage allows neither digitalSignature nor nonRepudiation",
      ),
    );
  }
  for (let i = 0; i < chain.length; i++) {
    const cert = chain[i]!;
    problems.push(...validityProblem(cert, i, at, when));
    const issuer = chain[i + 1];
    if (issuer === undefined) break;
    const n = certificateName(i + 1);
    const c = certificateName(i);
    if (!(await issued(issuer, cert))) {
      problems.push(
        problem(
          'chain-broken',
          `証明書チェーンが証明書 ${i + 2} で途切れています: ${n.ja}は${c.ja}を発行していません（順序は 署名者 → 中間 CA → ルートです）`,
          `the certificate chain is broken at certificate ${i + 2}: ${n.en} did not issue ${c.en} (the order is signer → intermediate CAs → root)`,
        ),
      );
    } else if (!isCa(issuer)) {
      problems.push(
        problem(
          'issuer-not-ca',
          `${n.ja}は CA 証明書ではないため、${c.ja}を発行できません`,
          `${n.en} is not a CA certificate, so it cannot issue ${c.en}`,
        ),
      );
    }
  }
  return problems;
}

/** Parses trusted root (or intermediate) certificates from PEM texts; unreadable blocks are skipped. */
export function trustAnchors(pemTexts: readonly string[]): x509.X509Certificate[] {
  const out: x509.X509Certificate[] = [];
  for (const text of pemTexts) {
    for (const der of certificatesFromPem(text)) {
      try {
        out.push(new x509.X509Certificate(der));
      } catch {
        // A trust list entry that is not a certificate cannot anchor anything; the others still count.
      }
    }
  }
  return out;
}

/**
 * True when the chain reaches a trust anchor: one of its certificates is an anchor (same DER), or an anchor issued
 * its last certificate.
 */
export async function isTrusted(
  chain: readonly x509.X509Certificate[],
  anchors: readonly x509.X509Certificate[],
): Promise<boolean> {
  const pinned = new Set(anchors.map((a) => sha256Hex(a.rawData)));
  if (chain.some((c) => pinned.has(sha256Hex(c.rawData)))) return true;
  const last = chain[chain.length - 1];
  if (last === undefined) return false;
  for (const anchor of anchors) if (await issued(anchor, last)) return true;
  return false;
}
