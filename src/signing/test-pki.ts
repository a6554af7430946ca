import type { Statement } from '../domain/statement.js';
import { createInstanceCa, issueSigningCertificate, type CertificateAndKey, type Signer } from './certificates.js';
import { signStatement } from './sign-statement.js';
import type { SignedStatementDocument } from './signed-statement.js';

/** Fixed times for tests: the CA and the signer's certificate, the signature, and the verifier's clock. */
export const TEST_TIMES = {
  issued: new Date('2026-01-20T00:00:00Z'),
  signed: new Date('2026-01-26T09:00:00Z'),
  verified: new Date('2026-02-01T00:00:00Z'),
} as const;

/** A CA, a signing certificate issued by it for "XYZ株式会社", and a second, unrelated CA. */
export interface TestPki {
  ca: CertificateAndKey;
  otherCa: CertificateAndKey;
  leaf: CertificateAndKey;
  signer: Signer;
}

let pki: Promise<TestPki> | undefined;

/** One test PKI per process: key generation is the slow part of the signing tests. */
export function testPki(): Promise<TestPki> {
  pki ??= (async () => {
    const ca = await createInstanceCa({ name: 'Example', now: TEST_TIMES.issued });
    const otherCa = await createInstanceCa({ name: 'Other', now: TEST_TIMES.issued });
    const leaf = await issueSigningCertificate({
      ca,
      subject: { organization: 'XYZ株式会社' },
      now: TEST_TIMES.issued,
    });
    return {
      ca,
      otherCa,
      leaf,
      signer: { privateKeyPem: leaf.privateKeyPem, chainPem: [leaf.certificatePem, ca.certificatePem] },
    };
  })();
  return pki;
}

/** A statement signed by the test PKI's signer at TEST_TIMES.signed. */
export async function signForTest(statement: Statement): Promise<SignedStatementDocument> {
  const { signer } = await testPki();
  return signStatement(statement, signer, { signedAt: TEST_TIMES.signed });
}
