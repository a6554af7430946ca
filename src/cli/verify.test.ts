import { describe, expect, it } from 'vitest';
import { generalPacs } from '../../test/support/statements.js';
import { builtinTemplates } from '../domain/templates/registry.js';
import { exportStandaloneHtml } from '../formats/html/export-standalone-html.js';
import { exportPdf } from '../formats/pdf/export-pdf.js';
import { exportSignedJson } from '../formats/signed-json/signed-json.js';
import { TEST_TIMES, signForTest, testPki } from '../signing/test-pki.js';
import { runVerify } from './verify.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const now = TEST_TIMES.verified;
const mds = () => builtinTemplates().get('jahis-jira-mds', '2')!;

async function signedFile(): Promise<string> {
  return exportSignedJson(await signForTest(generalPacs()));
}

describe('openmds verify', () => {
  it('says VALID, with who signed, the issuer, when, the certificate and its fingerprint, and exits 0', async () => {
    const { ca } = await testPki();
    const r = await runVerify('pacs.signed.json', bytes(await signedFile()), { trust: [ca.certificatePem], now });
    expect(r.exitCode).toBe(0);
    const lines = r.output.split('\n');
    expect(lines[0]).toBe(
      'pacs.signed.json: VALID: the statement is intact and the certificate chain leads to a trusted root',
    );
    expect(r.output).toContain(
      '  statement    jahis-jira-mds@2, XYZ株式会社 General-PACS V1.20R00, revision 1 (draft)\n',
    );
    expect(r.output).toContain('  signed by    XYZ株式会社 (O=XYZ株式会社, CN=XYZ株式会社)\n');
    expect(r.output).toContain('  issuer       CN=Example OpenMDS instance CA\n');
    expect(r.output).toContain("  signed at    2026-01-26T09:00:00Z (the signer's clock)\n");
    expect(r.output).toMatch(
      / {2}certificate {2}valid 2026-01-19T23:55:00Z to 2029-01-20T00:00:00Z, serial [0-9a-f]+\n/,
    );
    expect(r.output).toMatch(/ {2}SHA-256 {6}([0-9A-F]{2}:){31}[0-9A-F]{2}\n/);
    expect(r.output).toMatch(/ {2}chain {8}2\. CN=Example OpenMDS instance CA \(SHA-256 /);
    expect(r.output).not.toContain('warning');
  });

  it('says UNTRUSTED with a warning, exit 0, and exit 1 with --require-trust', async () => {
    const file = bytes(await signedFile());
    const r = await runVerify('pacs.signed.json', file, { now });
    expect(r.exitCode).toBe(0);
    expect(r.output.split('\n')[0]).toBe(
      'pacs.signed.json: UNTRUSTED: the statement is intact, but the certificate chain does not lead to a root you trust',
    );
    expect(r.output).toMatch(
      /\nwarning: the signer is NOT confirmed: give the root certificate you trust with --trust FILE/,
    );
    const strict = await runVerify('pacs.signed.json', file, { now, requireTrust: true });
    expect(strict.exitCode).toBe(1);
    const { otherCa } = await testPki();
    const wrong = await runVerify('pacs.signed.json', file, { now, trust: [otherCa.certificatePem] });
    expect(wrong.output).toContain('the roots given with --trust did not issue this chain');
  });

  it('says INVALID and exits 1 when one character of a remark was changed', async () => {
    const { ca } = await testPki();
    const text = (await signedFile()).replace('窃視される危険性の無い', '窃視される危険性の有る');
    const r = await runVerify('pacs.signed.json', bytes(text), { trust: [ca.certificatePem], now });
    expect(r.exitCode).toBe(1);
    expect(r.output.split('\n')[0]).toBe(
      'pacs.signed.json: INVALID: the statement was changed after it was signed: the signature does not match its content (a value of the statement, or the signature header, was altered)',
    );
    expect(r.output).toContain('(claimed; not verified)');
  });

  it('lists every problem of a broken signature', async () => {
    const { ca, otherCa } = await testPki();
    const doc = await signForTest(generalPacs());
    const header = JSON.parse(Buffer.from(doc.signature.protected, 'base64url').toString()) as { x5c: string[] };
    header.x5c[1] = otherCa.certificatePem.replace(/-----[A-Z ]+-----|\s/g, '');
    doc.signature.protected = Buffer.from(JSON.stringify(header)).toString('base64url');
    const r = await runVerify('x.json', bytes(exportSignedJson(doc)), { trust: [ca.certificatePem], now });
    expect(r.exitCode).toBe(1);
    expect(r.output).toMatch(/^x\.json: INVALID: the statement was changed after it was signed/);
    expect(r.output).toContain('  problem      the certificate chain is broken at certificate 2');
  });

  it('verifies the signed statement inside a standalone HTML file', async () => {
    const { ca } = await testPki();
    const html = exportStandaloneHtml(generalPacs(), mds(), { signed: await signForTest(generalPacs()) });
    const r = await runVerify('pacs.html', bytes(html), { trust: [ca.certificatePem], now });
    expect(r.exitCode).toBe(0);
    expect(r.output).toMatch(/^pacs\.html: VALID/);
    expect(r.output).toContain(
      '  file         standalone HTML: the signed statement embedded in it was checked, not the page as displayed',
    );
    // One character of a remark inside the embedded data (the last occurrence; the first is the visible list).
    const at = html.lastIndexOf('窃視される危険性の無い');
    expect(at).toBeGreaterThan(html.indexOf('id="openmds-signed-statement"'));
    const tampered = `${html.slice(0, at)}窃視される危険性の有る${html.slice(at + '窃視される危険性の無い'.length)}`;
    expect((await runVerify('pacs.html', bytes(tampered), { trust: [ca.certificatePem], now })).exitCode).toBe(1);
  });

  it('verifies the signed statement attached to a PDF', async () => {
    const { ca } = await testPki();
    const pdf = await exportPdf(generalPacs(), mds(), {
      attachment: { name: 'statement.signed.json', data: await signedFile() },
    });
    const r = await runVerify('pacs.pdf', pdf, { trust: [ca.certificatePem], now });
    expect(r.output).toMatch(/^pacs\.pdf: VALID/);
    expect(r.exitCode).toBe(0);
  });

  it('prints JSON with --json', async () => {
    const { ca } = await testPki();
    const r = await runVerify('pacs.signed.json', bytes(await signedFile()), {
      trust: [ca.certificatePem],
      now,
      json: true,
    });
    const out = JSON.parse(r.output) as Record<string, unknown>;
    expect(out).toMatchObject({
      file: 'pacs.signed.json',
      container: 'json',
      status: 'valid',
      altered: false,
      trustedRootsGiven: 1,
      signedAt: '2026-01-26T09:00:00Z',
      signer: { organization: 'XYZ株式会社', issuer: 'CN=Example OpenMDS instance CA' },
      statement: { template: { id: 'jahis-jira-mds', edition: '2' }, revision: 1 },
      problems: [],
    });
  });

  it('exits 1 for an unsigned statement and 2 for what it cannot read', async () => {
    const unsigned = await runVerify('pacs.json', bytes(JSON.stringify(generalPacs())), { now });
    expect(unsigned.exitCode).toBe(1);
    expect(unsigned.output.split('\n')[0]).toBe('pacs.json: INVALID: the statement is not signed');
    for (const [name, text, message] of [
      ['x.json', '{"a":', /^x\.json: UNREADABLE: json: line 1, column 6: invalid JSON/],
      ['x.json', '{"format":"other"}', /not an OpenMDS statement/],
      ['x.html', '<!DOCTYPE html><p>hello</p>', /^x\.html: UNREADABLE: html: no embedded OpenMDS statement/],
      ['x.pdf', '%PDF-1.7\nnot really', /^x\.pdf: UNREADABLE: pdf: /],
    ] as const) {
      const r = await runVerify(name, bytes(text), { now });
      expect(r.exitCode, name).toBe(2);
      expect(r.output).toMatch(message);
    }
    const dup = (await signedFile()).replace(
      '"product": "General-PACS",',
      '"product": "General-PACS",\n"product": "X",',
    );
    const r = await runVerify('dup.json', bytes(dup), { now });
    expect(r.exitCode).toBe(2);
    expect(r.output).toContain('the key "product" occurs twice');
  });

  it('refuses a --trust file that holds no certificate', async () => {
    const r = await runVerify('pacs.signed.json', bytes(await signedFile()), { trust: ['not a certificate'], now });
    expect(r.exitCode).toBe(2);
    expect(r.output).toContain('--trust file 1 holds no PEM certificate');
  });
});
