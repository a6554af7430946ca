import { createPrivateKey, generateKeyPairSync, webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createInstanceCa,
  EKU_DOCUMENT_SIGNING,
  issueSigningCertificate,
  loadUploadedSigner,
  SigningError,
} from './certificates.js';
import { certificatesFromPem, toPem } from './pem.js';
import { TEST_TIMES, testPki } from './test-pki.js';
import { x509 } from './x509.js';

const cert = (pem: string) => new x509.X509Certificate(certificatesFromPem(pem)[0]!);

describe('createInstanceCa', () => {
  it('creates a self-signed P-256 CA named after the instance, allowed to sign certificates and CRLs', async () => {
    const ca = await createInstanceCa({
      name: 'Example',
      now: new Date('2026-01-20T10:11:12.345Z'),
      validityYears: 10,
    });
    const c = cert(ca.certificatePem);
    expect(c.subject).toBe('CN=Example OpenMDS instance CA');
    expect(c.issuer).toBe(c.subject);
    expect(await c.isSelfSigned()).toBe(true);
    expect(c.publicKey.algorithm).toMatchObject({ name: 'ECDSA', namedCurve: 'P-256' });
    expect(c.getExtension(x509.BasicConstraintsExtension)).toMatchObject({ ca: true, critical: true });
    expect(c.getExtension(x509.KeyUsagesExtension)?.usages).toBe(
      x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
    );
    expect(c.getExtension(x509.SubjectKeyIdentifierExtension)).not.toBeNull();
    // Backdated five minutes, in whole seconds; the validity counts from the moment given.
    expect(c.notBefore.toISOString()).toBe('2026-01-20T10:06:12.000Z');
    expect(c.notAfter.toISOString()).toBe('2036-01-20T10:11:12.000Z');
    expect(ca.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  it('refuses a name that makes the CN longer than X.509 allows', async () => {
    await expect(createInstanceCa({ name: 'x'.repeat(60), now: TEST_TIMES.issued })).rejects.toThrow(SigningError);
  });
});

describe('issueSigningCertificate', () => {
  it('issues a document signing certificate for a Japanese organization name in UTF8String', async () => {
    const { ca } = await testPki();
    const issued = await issueSigningCertificate({
      ca,
      subject: { organization: '髙橋医療機器株式会社', commonName: '𠮷野 署名用' },
      now: TEST_TIMES.issued,
    });
    const c = cert(issued.certificatePem);
    const caCert = cert(ca.certificatePem);
    expect(c.subjectName.getField('O')).toEqual(['髙橋医療機器株式会社']);
    expect(c.subjectName.getField('CN')).toEqual(['𠮷野 署名用']);
    // UTF8String (tag 0x0c) with the name's UTF-8 bytes, length-prefixed, appears in the DER.
    const utf8 = Buffer.from('髙橋医療機器株式会社', 'utf8');
    expect(Buffer.from(c.rawData).includes(Buffer.concat([Buffer.from([0x0c, utf8.length]), utf8]))).toBe(true);
    expect(c.issuer).toBe(caCert.subject);
    expect(await c.verify({ publicKey: caCert.publicKey, signatureOnly: true })).toBe(true);
    expect(c.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(false);
    expect(c.getExtension(x509.KeyUsagesExtension)?.usages).toBe(
      x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation,
    );
    expect(c.getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([EKU_DOCUMENT_SIGNING]);
    const aki = c.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId;
    expect(aki).toBe(caCert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId);
    expect(c.getExtension(x509.SubjectKeyIdentifierExtension)).not.toBeNull();
    expect(c.notAfter.toISOString()).toBe('2029-01-20T00:00:00.000Z');
  });

  it('gives each certificate a fresh key and a random serial', async () => {
    const { ca } = await testPki();
    const a = await issueSigningCertificate({ ca, subject: { organization: 'A社' }, now: TEST_TIMES.issued });
    const b = await issueSigningCertificate({ ca, subject: { organization: 'A社' }, now: TEST_TIMES.issued });
    expect(cert(a.certificatePem).serialNumber).not.toBe(cert(b.certificatePem).serialNumber);
    expect(a.privateKeyPem).not.toBe(b.privateKeyPem);
  });

  it('starts a certificate before the moment it is made, but never before its CA', async () => {
    const ca = await createInstanceCa({ name: 'Fresh', now: new Date('2026-03-01T12:00:00.700Z') });
    const now = new Date('2026-03-01T12:01:00.300Z');
    const issued = await issueSigningCertificate({ ca, subject: { organization: 'A社' }, now });
    // A signing time taken a moment before the key was issued still lies within the certificate.
    expect(cert(issued.certificatePem).notBefore.toISOString()).toBe('2026-03-01T11:56:00.000Z');
    const sameMoment = await issueSigningCertificate({
      ca,
      subject: { organization: 'A社' },
      now: new Date('2026-03-01T12:00:00.700Z'),
    });
    expect(cert(sameMoment.certificatePem).notBefore).toEqual(cert(ca.certificatePem).notBefore);
    const early = await issueSigningCertificate({
      ca,
      subject: { organization: 'A社' },
      now: new Date('2026-03-01T11:58:00Z'),
    });
    expect(cert(early.certificatePem).notBefore).toEqual(cert(ca.certificatePem).notBefore);
  });

  it('never lets a certificate outlive its CA', async () => {
    const ca = await createInstanceCa({ name: 'Short', now: TEST_TIMES.issued, validityYears: 1 });
    const issued = await issueSigningCertificate({
      ca,
      subject: { organization: 'A社' },
      now: TEST_TIMES.issued,
      validityYears: 5,
    });
    expect(cert(issued.certificatePem).notAfter).toEqual(cert(ca.certificatePem).notAfter);
  });

  it('refuses an empty or overlong organization, and a CA key that is not the CA certificate’s', async () => {
    const { ca, otherCa } = await testPki();
    const now = TEST_TIMES.issued;
    await expect(issueSigningCertificate({ ca, subject: { organization: '  ' }, now })).rejects.toThrow(/empty/);
    await expect(issueSigningCertificate({ ca, subject: { organization: 'あ'.repeat(65) }, now })).rejects.toThrow(
      /longer than 64/,
    );
    await expect(
      issueSigningCertificate({
        ca: { certificatePem: ca.certificatePem, privateKeyPem: otherCa.privateKeyPem },
        subject: { organization: 'A社' },
        now,
      }),
    ).rejects.toThrow(/does not belong/);
  });
});

describe('loadUploadedSigner', () => {
  const now = TEST_TIMES.signed;

  it('accepts a key with its chain in one PEM text, leaf first, and summarizes the certificate', async () => {
    const { ca, leaf } = await testPki();
    const r = await loadUploadedSigner({
      certificateChainPem: `subject=O=XYZ\n${leaf.certificatePem}\n${ca.certificatePem}`,
      privateKeyPem: leaf.privateKeyPem,
      now,
    });
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.signer.chainPem).toHaveLength(2);
    expect(r.certificate).toMatchObject({ organization: 'XYZ株式会社', issuer: 'CN=Example OpenMDS instance CA' });
    expect(r.certificate.certificateSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('accepts an SEC 1 "EC PRIVATE KEY" and stores it as PKCS#8', async () => {
    const { ca, leaf } = await testPki();
    const sec1 = createPrivateKey(leaf.privateKeyPem).export({ type: 'sec1', format: 'pem' }).toString();
    expect(sec1).toContain('BEGIN EC PRIVATE KEY');
    const r = await loadUploadedSigner({
      certificateChainPem: [leaf.certificatePem, ca.certificatePem],
      privateKeyPem: sec1,
      now,
    });
    expect(r.ok && r.signer.privateKeyPem.startsWith('-----BEGIN PRIVATE KEY-----')).toBe(true);
  });

  const codes = (r: Awaited<ReturnType<typeof loadUploadedSigner>>) => (r.ok ? [] : r.problems.map((p) => p.code));

  it('says "signing key does not match certificate" for another key', async () => {
    const { ca, leaf } = await testPki();
    const r = await loadUploadedSigner({
      certificateChainPem: [leaf.certificatePem, ca.certificatePem],
      privateKeyPem: ca.privateKeyPem,
      now,
    });
    expect(codes(r)).toEqual(['key-mismatch']);
    expect(r.ok ? '' : r.problems[0]?.en).toMatch(/^signing key does not match certificate/);
  });

  it('rejects RSA and P-384 keys, encrypted keys and text that is no key', async () => {
    const { leaf } = await testPki();
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    const encrypted = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: 'secret',
    });
    const load = (privateKeyPem: string) =>
      loadUploadedSigner({ certificateChainPem: leaf.certificatePem, privateKeyPem, now });
    expect(codes(await load(rsa.toString()))).toEqual(['key-not-p256']);
    expect(codes(await load(p384.toString()))).toEqual(['key-not-p256']);
    expect(codes(await load(encrypted.toString()))).toEqual(['key-encrypted']);
    expect(codes(await load('not a key'))).toEqual(['key-unreadable']);
  });

  it('rejects a certificate that is not valid now', async () => {
    const { leaf } = await testPki();
    const later = await loadUploadedSigner({
      certificateChainPem: leaf.certificatePem,
      privateKeyPem: leaf.privateKeyPem,
      now: new Date('2030-01-01T00:00:00Z'),
    });
    expect(codes(later)).toEqual(['certificate-expired']);
    expect(later.ok ? '' : later.problems[0]?.en).toMatch(/has expired \(valid until 2029-01-20T00:00:00Z/);
    const earlier = await loadUploadedSigner({
      certificateChainPem: leaf.certificatePem,
      privateKeyPem: leaf.privateKeyPem,
      now: new Date('2025-01-01T00:00:00Z'),
    });
    expect(codes(earlier)).toContain('certificate-not-yet-valid');
  });

  it('checks the chain order by signatures and names where it breaks', async () => {
    const { ca, otherCa, leaf } = await testPki();
    const reversed = await loadUploadedSigner({
      certificateChainPem: [ca.certificatePem, leaf.certificatePem],
      privateKeyPem: leaf.privateKeyPem,
      now,
    });
    // The CA's certificate first: the key is not its key, and the leaf did not issue the CA.
    expect(codes(reversed)).toEqual(expect.arrayContaining(['key-mismatch', 'chain-broken']));
    const wrongRoot = await loadUploadedSigner({
      certificateChainPem: [leaf.certificatePem, otherCa.certificatePem],
      privateKeyPem: leaf.privateKeyPem,
      now,
    });
    expect(codes(wrongRoot)).toEqual(['chain-broken']);
    expect(wrongRoot.ok ? '' : wrongRoot.problems[0]?.en).toMatch(/^the certificate chain is broken at certificate 2/);
  });

  it('rejects a chain whose issuer is not a CA', async () => {
    const { leaf } = await testPki();
    // A certificate signed with the leaf's key: the leaf is no CA, so it may not issue it.
    const { keys: _k, ...child } = await issuedBy(leaf);
    const r = await loadUploadedSigner({
      certificateChainPem: [child.certificatePem, leaf.certificatePem],
      privateKeyPem: child.privateKeyPem,
      now,
    });
    expect(codes(r)).toEqual(['issuer-not-ca']);
  });

  it('says so when no certificate is given', async () => {
    const { leaf } = await testPki();
    const r = await loadUploadedSigner({ certificateChainPem: 'hello', privateKeyPem: leaf.privateKeyPem, now });
    expect(codes(r)).toEqual(['certificate-missing']);
  });
});

/** A signing certificate whose issuer is the given (non-CA) certificate. */
async function issuedBy(issuer: { certificatePem: string; privateKeyPem: string }) {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const der = createPrivateKey(issuer.privateKeyPem).export({ type: 'pkcs8', format: 'der' });
  const signingKey = await webcrypto.subtle.importKey('pkcs8', der, alg, false, ['sign']);
  const c = await x509.X509CertificateGenerator.create({
    subject: 'CN=child',
    issuer: cert(issuer.certificatePem).subjectName,
    notBefore: TEST_TIMES.issued,
    notAfter: new Date('2027-01-01T00:00:00Z'),
    signingAlgorithm: alg,
    publicKey: keys.publicKey,
    signingKey,
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { keys, certificatePem: c.toString('pem'), privateKeyPem: toPem('PRIVATE KEY', pkcs8) };
}
