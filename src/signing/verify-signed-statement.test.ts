import { createHash } from 'node:crypto';
import { FlattenedSign } from 'jose';
import { describe, expect, it } from 'vitest';
import { generalPacs } from '../../test/support/statements.js';
import { canonicalJson } from '../domain/canonical-json.js';
import { issueSigningCertificate, type CertificateAndKey } from './certificates.js';
import { certificatesFromPem } from './pem.js';
import type { SignedStatementDocument } from './signed-statement.js';
import { readP256PrivateKey, toSigningCryptoKey } from './signing-keys.js';
import { TEST_TIMES, signForTest, testPki } from './test-pki.js';
import { verifySignedStatement, type SignatureVerification } from './verify-signed-statement.js';

const now = TEST_TIMES.verified;

async function trusted(doc: unknown): Promise<SignatureVerification> {
  const { ca } = await testPki();
  return verifySignedStatement(doc, { trustedRootsPem: [ca.certificatePem], now });
}

const codes = (r: SignatureVerification) => r.problems.map((p) => p.code);
const b64 = (pem: string) => Buffer.from(certificatesFromPem(pem)[0]!).toString('base64');
const decodeHeader = (doc: SignedStatementDocument): Record<string, unknown> =>
  JSON.parse(Buffer.from(doc.signature.protected, 'base64url').toString('utf8')) as Record<string, unknown>;

/** Signs arbitrary content under an arbitrary header: how a careless or dishonest signer could build a file. */
async function signRaw(
  statement: unknown,
  header: Record<string, unknown>,
  privateKeyPem: string,
): Promise<SignedStatementDocument<unknown>> {
  const key = readP256PrivateKey(privateKeyPem);
  if (!key.ok) throw new Error(key.problem.en);
  const jws = await new FlattenedSign(new TextEncoder().encode(canonicalJson(statement)))
    .setProtectedHeader({ alg: 'ES256', ...header })
    .sign(await toSigningCryptoKey(key.key));
  return {
    format: 'openmds-signed-statement',
    formatVersion: 1,
    statement,
    signature: { protected: jws.protected ?? '', signature: jws.signature },
  };
}

function headerFor(leaf: CertificateAndKey, chain: string[], sigT = '2026-01-26T09:00:00Z') {
  const leafDer = certificatesFromPem(leaf.certificatePem)[0]!;
  return {
    typ: 'openmds-statement+jws',
    cty: 'openmds-statement+json',
    x5c: chain.map(b64),
    'x5t#S256': createHash('sha256').update(leafDer).digest('base64url'),
    sigT,
  };
}

describe('verifySignedStatement: intact files', () => {
  it('is valid when the chain leads to a trusted root, and names the signer', async () => {
    const { ca } = await testPki();
    const r = await trusted(await signForTest(generalPacs()));
    expect(r.status).toBe('valid');
    expect(r.altered).toBe(false);
    expect(r.problems).toEqual([]);
    expect(r.signedAt).toBe('2026-01-26T09:00:00Z');
    expect(r.signer).toMatchObject({
      subject: 'O=XYZ株式会社, CN=XYZ株式会社',
      organization: 'XYZ株式会社',
      issuer: 'CN=Example OpenMDS instance CA',
      notBefore: '2026-01-19T23:55:00Z',
      notAfter: '2029-01-20T00:00:00Z',
    });
    expect(r.chain?.[1]?.certificateSha256).toBe(
      createHash('sha256').update(certificatesFromPem(ca.certificatePem)[0]!).digest('hex'),
    );
    expect(r.statement?.header.product).toBe('General-PACS');
  });

  it('is untrusted, and says so, without a trust list or with another root in it', async () => {
    const { otherCa } = await testPki();
    const doc = await signForTest(generalPacs());
    const none = await verifySignedStatement(doc, { now });
    expect(none.status).toBe('untrusted');
    expect(none.altered).toBe(false);
    expect(none.problems[0]?.en).toMatch(/content is intact .* no trusted root was given/);
    const other = await verifySignedStatement(doc, { trustedRootsPem: [otherCa.certificatePem], now });
    expect(other.status).toBe('untrusted');
    expect(other.problems[0]?.en).toMatch(/its root \(CN=Example OpenMDS instance CA\) is not in the trust list/);
  });

  it('trusts a chain without its root when the root is in the trust list', async () => {
    const { leaf } = await testPki();
    const doc = await signRaw(generalPacs(), headerFor(leaf, [leaf.certificatePem]), leaf.privateKeyPem);
    expect((await trusted(doc)).status).toBe('valid');
    expect((await verifySignedStatement(doc, { now })).status).toBe('untrusted');
  });

  it('does not care about whitespace or the order of keys in the file', async () => {
    const doc = await signForTest(generalPacs());
    const reorder = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(reorder)
        : typeof v === 'object' && v !== null
          ? Object.fromEntries(
              Object.entries(v)
                .reverse()
                .map(([k, x]) => [k, reorder(x)]),
            )
          : v;
    const text = JSON.stringify(reorder(doc), null, '\t');
    expect((await trusted(JSON.parse(text))).status).toBe('valid');
  });

  it('keeps Japanese text exact, 𠮷 included', async () => {
    const s = generalPacs();
    s.remarks[0]!.text = '𠮷野家の髙橋さん: ①②、〜 ～ “引用” \u3000全角空白';
    const r = await trusted(await signForTest(s));
    expect(r.status).toBe('valid');
    expect(r.statement?.remarks[0]?.text).toBe(s.remarks[0]!.text);
  });

  it('warns, without failing, when the certificate has expired since the signature', async () => {
    const { ca } = await testPki();
    const r = await verifySignedStatement(await signForTest(generalPacs()), {
      trustedRootsPem: [ca.certificatePem],
      now: new Date('2030-06-01T00:00:00Z'),
    });
    expect(r.status).toBe('valid');
    expect(r.warnings.map((w) => w.code)).toEqual(['certificate-expired-since']);
  });
});

/** A deterministic generator, so that a failing position can be reproduced. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Region = 'statement-string' | 'statement-number' | 'protected' | 'signature';

/** Positions in the file's text where one character can be changed and the JSON stays well-formed. */
function positions(text: string): Map<Region, number[]> {
  const out = new Map<Region, number[]>([
    ['statement-string', []],
    ['statement-number', []],
    ['protected', []],
    ['signature', []],
  ]);
  const statementStart = text.indexOf('"statement": {');
  const signatureStart = text.indexOf('"signature": {');
  const protectedValue = text.indexOf('"protected": "') + '"protected": "'.length;
  const signatureValue = text.indexOf('"signature": "') + '"signature": "'.length;
  for (let i = protectedValue; text[i] !== '"'; i++) out.get('protected')!.push(i);
  for (let i = signatureValue; text[i] !== '"'; i++) out.get('signature')!.push(i);
  let inString = false;
  for (let i = statementStart + '"statement": '.length; i < signatureStart; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === '\\')
        i++; // an escape: leave it alone
      else if (c === '"') inString = false;
      else if (!(c >= '\uDC00' && c <= '\uDFFF')) out.get('statement-string')!.push(i);
    } else if (c === '"') inString = true;
    else if (c >= '0' && c <= '9') out.get('statement-number')!.push(i);
  }
  return out;
}

function mutate(text: string, i: number, region: Region): string {
  const c = text[i]!;
  let r: string;
  if (region === 'statement-number') {
    const leading = !/[0-9]/.test(text[i - 1]!) && /[0-9]/.test(text[i + 1]!);
    r = String(leading ? (Number(c) % 9) + 1 : (Number(c) + 1) % 10);
  } else if (/[A-Y]/.test(c) || /[a-y]/.test(c) || /[0-8]/.test(c)) r = String.fromCharCode(c.charCodeAt(0) + 1);
  else if (c === 'Z' || c === 'z' || c === '9') r = 'A';
  else if (c === '-' || c === '_') r = c === '-' ? '_' : '-';
  else if (c.charCodeAt(0) < 0x80) r = 'Q';
  else r = c === 'あ' ? 'い' : 'あ';
  // A surrogate pair is replaced whole, so that the text stays valid Unicode.
  const width = c >= '\uD800' && c <= '\uDBFF' ? 2 : 1;
  return text.slice(0, i) + r + text.slice(i + width);
}

describe('verifySignedStatement: one changed character anywhere fails', () => {
  const SEED = 20260126;

  it(`fails for changes in string values, keys, numbers, the header and the signature (seed ${SEED})`, async () => {
    const { ca } = await testPki();
    const s = generalPacs();
    s.remarks[1]!.text = '𠮷野: 窃視される危険性の無い環境でご利用下さい。';
    s.revision = 12;
    const text = JSON.stringify(await signForTest(s), null, 2);
    const random = mulberry32(SEED);
    const sample = (xs: number[], n: number) =>
      xs.length <= n ? xs : Array.from({ length: n }, () => xs[Math.floor(random() * xs.length)]!);
    const all = positions(text);
    const plan: [Region, number][] = [
      ...sample(all.get('statement-string')!, 300).map((i): [Region, number] => ['statement-string', i]),
      ...all.get('statement-number')!.map((i): [Region, number] => ['statement-number', i]),
      ...sample(all.get('protected')!, 150).map((i): [Region, number] => ['protected', i]),
      ...all.get('signature')!.map((i): [Region, number] => ['signature', i]),
    ];
    expect(all.get('statement-number')!.length).toBeGreaterThan(50);
    expect(all.get('signature')).toHaveLength(86);
    const passed: string[] = [];
    for (const [region, i] of plan) {
      const changed = mutate(text, i, region);
      expect(changed).not.toBe(text);
      const r = await verifySignedStatement(JSON.parse(changed), { trustedRootsPem: [ca.certificatePem], now });
      const ok =
        r.status === 'invalid' &&
        (region === 'statement-string' || region === 'statement-number'
          ? r.altered && codes(r).includes('content-altered')
          : region === 'signature'
            ? r.altered && (codes(r).includes('content-altered') || codes(r).includes('signature-malformed'))
            : r.problems.length > 0);
      if (!ok)
        passed.push(`${region} @${i} ${JSON.stringify(text.slice(i - 10, i + 10))}: ${r.status} ${codes(r).join(',')}`);
    }
    expect(passed).toEqual([]);
  });

  it('names the change in the clearest words for an altered remark', async () => {
    const doc = await signForTest(generalPacs());
    doc.statement.remarks[0]!.text += '。';
    const r = await trusted(doc);
    expect(r).toMatchObject({ status: 'invalid', altered: true });
    expect(r.problems[0]?.en).toMatch(
      /^the statement was changed after it was signed: the signature does not match its content/,
    );
    expect(r.problems[0]?.ja).toMatch(/^署名後に開示書が変更されています/);
  });

  it('fails when the answer moves from one column to another', async () => {
    const doc = await signForTest(generalPacs());
    doc.statement.answers['2'] = { answer: 'yes', remarks: [2] };
    expect(codes(await trusted(doc))).toEqual(['content-altered']);
  });

  it('fails when the envelope is changed', async () => {
    const doc = await signForTest(generalPacs());
    expect(codes(await trusted({ ...doc, format: 'openmds-signed-statemenT' }))).toEqual(['not-signed-statement']);
    expect(codes(await trusted({ ...doc, formatVersion: 2 }))).toEqual(['unsupported-format-version']);
  });
});

describe('verifySignedStatement: certificates and header', () => {
  it('fails when a different valid certificate is swapped into the header', async () => {
    const { ca, signer } = await testPki();
    const other = await issueSigningCertificate({
      ca,
      subject: { organization: 'ABC株式会社' },
      now: TEST_TIMES.issued,
    });
    const doc = await signForTest(generalPacs());
    const h = decodeHeader(doc);
    const swap = (header: Record<string, unknown>) => ({
      ...doc,
      signature: { ...doc.signature, protected: Buffer.from(JSON.stringify(header)).toString('base64url') },
    });
    // Only x5c: the thumbprint gives it away, and the signature no longer matches.
    const onlyX5c = await trusted(swap({ ...h, x5c: [b64(other.certificatePem), b64(ca.certificatePem)] }));
    expect(onlyX5c.status).toBe('invalid');
    expect(codes(onlyX5c)).toEqual(expect.arrayContaining(['thumbprint-mismatch', 'content-altered']));
    expect(onlyX5c.signer?.organization).toBe('ABC株式会社');
    // x5c and x5t#S256 consistently: the signature was not made with that certificate's key.
    const both = await trusted(swap({ ...headerFor(other, [other.certificatePem, ca.certificatePem]), alg: 'ES256' }));
    expect(codes(both)).toEqual(['content-altered']);
    // The signer's own chain still verifies: the test above is not failing for another reason.
    expect((await trusted(swap(h))).status).toBe('valid');
    expect(signer.chainPem).toHaveLength(2);
  });

  it('fails with "no certificate" when x5c is removed, or empty', async () => {
    const doc = await signForTest(generalPacs());
    const { x5c: _x5c, ...rest } = decodeHeader(doc);
    for (const h of [rest, { ...rest, x5c: [] }]) {
      const changed = {
        ...doc,
        signature: { ...doc.signature, protected: Buffer.from(JSON.stringify(h)).toString('base64url') },
      };
      const r = await trusted(changed);
      expect(r.status).toBe('invalid');
      expect(codes(r)).toEqual(['certificate-missing']);
      expect(r.problems[0]?.en).toMatch(/no certificate chain \(x5c\)/);
    }
  });

  it('says the key does not match when a signer signs with a key other than its certificate’s', async () => {
    const { leaf, ca } = await testPki();
    const doc = await signRaw(
      generalPacs(),
      headerFor(leaf, [leaf.certificatePem, ca.certificatePem]),
      ca.privateKeyPem,
    );
    const r = await trusted(doc);
    expect(r).toMatchObject({ status: 'invalid', altered: true });
    expect(codes(r)).toEqual(['content-altered']);
  });

  it('fails when the certificate had expired, or was not yet valid, when it signed', async () => {
    const { leaf, ca } = await testPki();
    const chain = [leaf.certificatePem, ca.certificatePem];
    const late = await signRaw(generalPacs(), headerFor(leaf, chain, '2029-06-01T00:00:00Z'), leaf.privateKeyPem);
    const r = await verifySignedStatement(late, {
      trustedRootsPem: [ca.certificatePem],
      now: new Date('2029-07-01T00:00:00Z'),
    });
    expect(codes(r)).toEqual(['certificate-expired']);
    expect(r.problems[0]?.en).toBe(
      "certificate 1 (the signer's certificate) had expired when it signed (valid until 2029-01-20T00:00:00Z; signing time 2029-06-01T00:00:00Z)",
    );
    const early = await signRaw(generalPacs(), headerFor(leaf, chain, '2025-12-31T00:00:00Z'), leaf.privateKeyPem);
    // The CA's certificate starts on the same day as the signer's: neither was valid yet.
    const r2 = await trusted(early);
    expect(codes(r2)).toEqual(['certificate-not-yet-valid', 'certificate-not-yet-valid']);
    expect(r2.problems.map((p) => p.en.split(' was ')[0])).toEqual([
      "certificate 1 (the signer's certificate)",
      'certificate 2',
    ]);
  });

  it('fails when the signing time is in the future, or missing', async () => {
    const { leaf, ca } = await testPki();
    const chain = [leaf.certificatePem, ca.certificatePem];
    const future = await signRaw(generalPacs(), headerFor(leaf, chain, '2026-03-01T00:00:00Z'), leaf.privateKeyPem);
    expect(codes(await trusted(future))).toEqual(['signing-time-future']);
    const { sigT: _s, ...noTime } = headerFor(leaf, chain);
    expect(codes(await trusted(await signRaw(generalPacs(), noTime, leaf.privateKeyPem)))).toEqual([
      'signing-time-missing',
    ]);
  });

  it('says the chain is broken at certificate 2 when another CA follows the signer', async () => {
    const { leaf, otherCa } = await testPki();
    const doc = await signRaw(
      generalPacs(),
      headerFor(leaf, [leaf.certificatePem, otherCa.certificatePem]),
      leaf.privateKeyPem,
    );
    const r = await verifySignedStatement(doc, { trustedRootsPem: [otherCa.certificatePem], now });
    expect(r.status).toBe('invalid');
    expect(r.altered).toBe(false);
    expect(r.problems[0]?.en).toMatch(
      /^the certificate chain is broken at certificate 2: certificate 2 did not issue certificate 1/,
    );
  });

  it('rejects other algorithms, other typ, and a crit header', async () => {
    const { leaf, ca } = await testPki();
    const h = headerFor(leaf, [leaf.certificatePem, ca.certificatePem]);
    const doc = await signRaw(generalPacs(), h, leaf.privateKeyPem);
    const none = {
      ...doc,
      signature: {
        ...doc.signature,
        protected: Buffer.from(JSON.stringify({ ...h, alg: 'none' })).toString('base64url'),
      },
    };
    expect(codes(await trusted(none))).toEqual(['algorithm-unsupported']);
    const typ = await signRaw(generalPacs(), { ...h, typ: 'JWT' }, leaf.privateKeyPem);
    expect(codes(await trusted(typ))).toEqual(['header-invalid']);
    const key = readP256PrivateKey(leaf.privateKeyPem);
    if (!key.ok) throw new Error(key.problem.en);
    const jws = await new FlattenedSign(new TextEncoder().encode(canonicalJson(generalPacs())))
      .setProtectedHeader({ alg: 'ES256', ...h, crit: ['sigT'] })
      .sign(await toSigningCryptoKey(key.key), { crit: { sigT: true } });
    const crit = { ...doc, signature: { protected: jws.protected ?? '', signature: jws.signature } };
    const r = await trusted(crit);
    expect(codes(r)).toEqual(['header-invalid']);
    expect(r.altered).toBe(false);
  });

  it('reports signed content that is not a statement, but never throws', async () => {
    const { leaf, ca } = await testPki();
    const h = headerFor(leaf, [leaf.certificatePem, ca.certificatePem]);
    const notStatement = await signRaw({ hello: 'world' }, h, leaf.privateKeyPem);
    const r = await trusted(notStatement);
    expect(codes(r)).toEqual(['statement-invalid']);
    expect(r.statement).toBeUndefined();
    for (const junk of [null, [], 'x', 42, {}, { format: 'openmds-signed-statement', formatVersion: 1 }]) {
      const j = await trusted(junk);
      expect(j.status).toBe('invalid');
      expect(j.problems.length).toBe(1);
    }
    const loneSurrogate = await signForTest(generalPacs());
    loneSurrogate.statement.remarks[0]!.text = '\uD842';
    expect(codes(await trusted(loneSurrogate))).toContain('statement-invalid');
  });

  it('tells an unsigned statement apart', async () => {
    const r = await trusted(generalPacs());
    expect(codes(r)).toEqual(['unsigned']);
    expect(r.problems[0]?.en).toMatch(/not signed/);
  });
});
