import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { compactVerify, importX509 } from 'jose';
import { describe, expect, it } from 'vitest';
import { generalPacs } from '../../test/support/statements.js';
import { canonicalJson } from '../domain/canonical-json.js';
import { SigningError } from './certificates.js';
import { certificatesFromPem } from './pem.js';
import { signStatement } from './sign-statement.js';
import { TEST_TIMES, signForTest, testPki } from './test-pki.js';

const header = (protectedB64: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(protectedB64, 'base64url').toString('utf8')) as Record<string, unknown>;

describe('signStatement', () => {
  it('writes the documented envelope and header', async () => {
    const { leaf, ca } = await testPki();
    const doc = await signForTest(generalPacs());
    expect(Object.keys(doc)).toEqual(['format', 'formatVersion', 'statement', 'signature']);
    expect(doc.format).toBe('openmds-signed-statement');
    expect(doc.formatVersion).toBe(1);
    expect(Object.keys(doc.signature)).toEqual(['protected', 'signature']);
    const h = header(doc.signature.protected);
    const leafDer = certificatesFromPem(leaf.certificatePem)[0]!;
    expect(h).toEqual({
      alg: 'ES256',
      typ: 'openmds-statement+jws',
      cty: 'openmds-statement+json',
      x5c: [
        Buffer.from(leafDer).toString('base64'),
        Buffer.from(certificatesFromPem(ca.certificatePem)[0]!).toString('base64'),
      ],
      'x5t#S256': (await import('node:crypto')).createHash('sha256').update(leafDer).digest('base64url'),
      sigT: '2026-01-26T09:00:00Z',
    });
    expect(Buffer.from(doc.signature.signature, 'base64url')).toHaveLength(64);
  });

  it('signs the normalized statement (no $schema, text in NFC), which the file then holds', async () => {
    const s = generalPacs();
    s.header.product = 'ｶﾞ'.normalize('NFD') + ' 𠮷野';
    const doc = await signForTest(s);
    expect('$schema' in doc.statement).toBe(false);
    expect(doc.statement.header.product).toBe('ｶﾞ'.normalize('NFC') + ' 𠮷野');
  });

  it('verifies with a plain JOSE library and with node:crypto alone, given the canonical payload', async () => {
    const { leaf } = await testPki();
    const doc = await signForTest(generalPacs());
    const payload = Buffer.from(canonicalJson(doc.statement), 'utf8').toString('base64url');
    // Re-attaching the payload gives an ordinary compact JWS (RFC 7515 appendix F).
    const compact = `${doc.signature.protected}.${payload}.${doc.signature.signature}`;
    const r = await compactVerify(compact, await importX509(leaf.certificatePem, 'ES256'));
    expect(new TextDecoder().decode(r.payload)).toBe(canonicalJson(doc.statement));
    const ok = nodeVerify(
      'sha256',
      Buffer.from(`${doc.signature.protected}.${payload}`, 'ascii'),
      { key: createPublicKey(leaf.certificatePem), dsaEncoding: 'ieee-p1363' },
      Buffer.from(doc.signature.signature, 'base64url'),
    );
    expect(ok).toBe(true);
  });

  it('refuses a key that is not the certificate’s, a certificate not valid at the signing time, and a non-statement', async () => {
    const { signer, ca } = await testPki();
    await expect(
      signStatement(generalPacs(), { ...signer, privateKeyPem: ca.privateKeyPem }, { signedAt: TEST_TIMES.signed }),
    ).rejects.toThrow('signing key does not match certificate');
    await expect(signStatement(generalPacs(), signer, { signedAt: new Date('2031-01-01T00:00:00Z') })).rejects.toThrow(
      /not valid at 2031-01-01T00:00:00Z/,
    );
    const broken = { ...generalPacs(), status: 'done' } as unknown as Parameters<typeof signStatement>[0];
    await expect(signStatement(broken, signer, { signedAt: TEST_TIMES.signed })).rejects.toThrow(SigningError);
  });
});
