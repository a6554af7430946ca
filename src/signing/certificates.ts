import { randomBytes } from 'node:crypto';
import { checkChain, parseCertificates, summarizeCertificate, type CertificateSummary } from './certificate-chain.js';
import { certificatesFromPem } from './pem.js';
import { problem, type SignatureProblem } from './signature-problems.js';
import {
  ECDSA_SHA256,
  generateP256,
  pkcs8Pem,
  publicKeySpki,
  readP256PrivateKey,
  toSigningCryptoKey,
} from './signing-keys.js';
import { x509 } from './x509.js';

/** Extended key usage id-kp-documentSigning (RFC 9336). */
export const EKU_DOCUMENT_SIGNING = '1.3.6.1.5.5.7.3.36';

/** The upper bound RFC 5280 (appendix A.1) sets on organizationName and commonName. */
const MAX_NAME_CHARS = 64;

/** A certificate and its private key, both PEM. */
export interface CertificateAndKey {
  certificatePem: string;
  /** PKCS#8 PEM, unencrypted: store it encrypted or with file permissions that keep it private. */
  privateKeyPem: string;
}

/** What signs a statement: a P-256 private key and its certificate chain, leaf first. */
export interface Signer {
  privateKeyPem: string;
  /** PEM certificates in order: the signing (leaf) certificate, its intermediate CAs, optionally the root. */
  chainPem: string[];
}

/** Wrong arguments to a signing function: the caller's mistake, not bad user input (that is returned as problems). */
export class SigningError extends Error {
  constructor(
    readonly code:
      'invalid-name' | 'invalid-key' | 'invalid-certificate' | 'key-mismatch' | 'invalid-time' | 'invalid-statement',
    message: string,
  ) {
    super(message);
    this.name = 'SigningError';
  }
}

function checkName(what: string, value: string): string {
  const v = value.normalize('NFC').trim();
  if (v === '') throw new SigningError('invalid-name', `${what} is empty`);
  if ([...v].length > MAX_NAME_CHARS) {
    throw new SigningError('invalid-name', `${what} is longer than ${MAX_NAME_CHARS} characters: "${v}"`);
  }
  return v;
}

/**
 * How far notBefore lies before the moment a certificate is made. A caller may take its signing time a little before
 * it issues the certificate it signs with (a key issued on first use), and clocks of machines differ; CAs backdate for
 * the same reasons.
 */
const BACKDATE_MS = 5 * 60 * 1000;

/** The certificate's validity start: `now` less the backdating, in whole seconds as certificates carry them. */
function validFrom(now: Date): Date {
  if (Number.isNaN(now.getTime())) throw new SigningError('invalid-time', '`now` is not a valid date');
  return new Date(Math.floor((now.getTime() - BACKDATE_MS) / 1000) * 1000);
}

function addYears(d: Date, years: number): Date {
  if (!Number.isInteger(years) || years < 1 || years > 50) {
    throw new SigningError('invalid-time', `validityYears must be a whole number from 1 to 50, not ${years}`);
  }
  const out = new Date(Math.floor(d.getTime() / 1000) * 1000);
  out.setUTCFullYear(out.getUTCFullYear() + years);
  return out;
}

/** A random positive 128-bit serial number (RFC 5280 asks for at most 20 octets, unpredictable for CAs). */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes.toString('hex');
}

/** A name in UTF8String, so that Japanese names survive every reader; given as (OID, value) pairs in order. */
function utf8Name(parts: readonly (readonly [oid: string, value: string])[]): x509.Name {
  return new x509.Name(parts.map(([oid, value]) => ({ [oid]: [{ utf8String: value }] })));
}

/**
 * Creates the instance's own CA: a self-signed ECDSA P-256 certificate with subject "CN=<name> OpenMDS instance CA",
 * basicConstraints CA (path length 0: it issues signing certificates only) and keyUsage keyCertSign + cRLSign.
 */
export async function createInstanceCa(options: {
  name: string;
  now: Date;
  /** Default 20. */
  validityYears?: number;
}): Promise<CertificateAndKey> {
  const cn = checkName('the CA name', `${options.name.normalize('NFC').trim()} OpenMDS instance CA`);
  const notBefore = validFrom(options.now);
  const { keys, privateKeyPem } = await generateP256();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: utf8Name([['2.5.4.3', cn]]),
    notBefore,
    notAfter: addYears(options.now, options.validityYears ?? 20),
    signingAlgorithm: ECDSA_SHA256,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certificatePem: cert.toString('pem'), privateKeyPem };
}

/**
 * Issues a signing certificate for an organization from a CA: a fresh P-256 key, subject O=<organization>,
 * CN=<commonName or organization> (UTF8String), keyUsage digitalSignature + nonRepudiation, extendedKeyUsage
 * documentSigning, a random serial, and key identifiers. It never outlives the CA.
 */
export async function issueSigningCertificate(options: {
  ca: CertificateAndKey;
  subject: { organization: string; commonName?: string };
  now: Date;
  /** Default 3. */
  validityYears?: number;
}): Promise<CertificateAndKey> {
  const organization = checkName('the organization', options.subject.organization);
  const commonName = checkName('the common name', options.subject.commonName ?? organization);
  const from = validFrom(options.now);
  const caDer = certificatesFromPem(options.ca.certificatePem)[0];
  if (caDer === undefined) throw new SigningError('invalid-certificate', 'the CA certificate PEM holds no certificate');
  const caCert = new x509.X509Certificate(caDer);
  const caKey = readP256PrivateKey(options.ca.privateKeyPem);
  if (!caKey.ok) throw new SigningError('invalid-key', `the CA key: ${caKey.problem.en}`);
  if (!Buffer.from(publicKeySpki(caKey.key)).equals(Buffer.from(caCert.publicKey.rawData))) {
    throw new SigningError('key-mismatch', 'the CA private key does not belong to the CA certificate');
  }
  // The certificate lies within its CA's validity.
  const notBefore = from < caCert.notBefore ? caCert.notBefore : from;
  const wanted = addYears(options.now, options.validityYears ?? 3);
  const notAfter = wanted > caCert.notAfter ? caCert.notAfter : wanted;
  const { keys, privateKeyPem } = await generateP256();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: utf8Name([
      ['2.5.4.10', organization],
      ['2.5.4.3', commonName],
    ]),
    issuer: caCert.subjectName,
    notBefore,
    notAfter,
    signingAlgorithm: ECDSA_SHA256,
    publicKey: keys.publicKey,
    signingKey: await toSigningCryptoKey(caKey.key),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true),
      new x509.ExtendedKeyUsageExtension([EKU_DOCUMENT_SIGNING], false),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return { certificatePem: cert.toString('pem'), privateKeyPem };
}

/** The outcome of checking an uploaded key and chain. */
export type LoadSignerResult =
  | { ok: true; signer: Signer; certificate: CertificateSummary; chain: CertificateSummary[] }
  | { ok: false; problems: SignatureProblem[] };

/**
 * Checks a key and certificate chain an organization uploads to sign with: the key is an unencrypted EC P-256 key,
 * it belongs to the first (leaf) certificate, the leaf is valid at `now` and may sign, and the chain runs
 * leaf → intermediates → (root), each certificate issued by the next. Problems are returned, not thrown.
 */
export async function loadUploadedSigner(options: {
  /** PEM text with one or more certificates, leaf first; or one PEM text per certificate. */
  certificateChainPem: string | readonly string[];
  privateKeyPem: string;
  now: Date;
}): Promise<LoadSignerResult> {
  const texts =
    typeof options.certificateChainPem === 'string' ? [options.certificateChainPem] : options.certificateChainPem;
  const ders = texts.flatMap((t) => certificatesFromPem(t));
  if (ders.length === 0) {
    return {
      ok: false,
      problems: [
        problem(
          'certificate-missing',
          '証明書が見つかりません（PEM 形式の "-----BEGIN CERTIFICATE-----" が必要です）',
          'no certificate found (PEM "-----BEGIN CERTIFICATE-----" blocks are needed)',
        ),
      ],
    };
  }
  const parsed = parseCertificates(ders);
  if (!parsed.ok) return { ok: false, problems: [parsed.problem] };
  const chain = parsed.certificates;
  const leaf = chain[0]!;
  const key = readP256PrivateKey(options.privateKeyPem);
  const problems: SignatureProblem[] = [];
  if (!key.ok) problems.push(key.problem);
  else if (!Buffer.from(publicKeySpki(key.key)).equals(Buffer.from(leaf.publicKey.rawData))) {
    problems.push(
      problem(
        'key-mismatch',
        '秘密鍵が証明書と一致しません（署名者の証明書の公開鍵に対応する秘密鍵ではありません）',
        "signing key does not match certificate (it is not the private key of the signer's certificate)",
      ),
    );
  }
  problems.push(...(await checkChain(chain, options.now, 'now')));
  if (problems.length > 0 || !key.ok) return { ok: false, problems };
  return {
    ok: true,
    signer: { privateKeyPem: pkcs8Pem(key.key), chainPem: chain.map((c) => c.toString('pem')) },
    certificate: summarizeCertificate(leaf),
    chain: chain.map(summarizeCertificate),
  };
}
