import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { finalizableGeneralPacs, generalPacs } from '../../test/support/statements.js';
import { normalizeStatement } from '../domain/normalize.js';
import type { Statement } from '../domain/statement.js';
import { builtinTemplates } from '../domain/templates/registry.js';
import { createInstanceCa, issueSigningCertificate } from '../signing/certificates.js';
import { signStatement } from '../signing/sign-statement.js';
import type { SignedStatementDocument } from '../signing/signed-statement.js';
import { verifySignedStatement } from '../signing/verify-signed-statement.js';
import { FormatError } from './errors.js';
import { EXPORT_FORMATS, detectFormat, exportStatement, extractDocument, importStatement } from './index.js';
import { importMds2Xlsx } from './mds2-xlsx/import-mds2-xlsx.js';

const templates = builtinTemplates();

/** What a round trip must keep exactly: everything but the provenance, which records the trip itself. */
function essence(s: Statement): Omit<Statement, 'provenance' | '$schema'> {
  const t = templates.get(s.template.id, s.template.edition);
  const { provenance: _p, $schema: _s, ...rest } = normalizeStatement(s, t);
  return rest;
}

/** Japanese that trips encoders: a surrogate pair, a variant kanji, half-width kana, a line break, edge spaces. */
function withHardText(s: Statement): Statement {
  const [first, ...rest] = s.remarks;
  return {
    ...s,
    header: { ...s.header, manufacturer: '髙橋𠮷野メディカル株式会社' },
    remarks: [
      { number: first?.number ?? 1, text: ` ${first?.text ?? ''}\n二行目：ｶﾀｶﾅ・①・"引用"・<b>タグ</b> & 記号 ` },
      ...rest,
    ],
  };
}

describe('every format round-trips through the canonical JSON', () => {
  const cases: Array<[string, () => Promise<Statement>]> = [
    ['General-PACS', () => Promise.resolve(withHardText(generalPacs()))],
    ['General-PACS (complete)', () => Promise.resolve(finalizableGeneralPacs())],
    [
      'the NEMA MDS2 example',
      async () =>
        (
          await importMds2Xlsx(new Uint8Array(readFileSync('examples/nema-mds2-example-worksheet.xlsx')), {
            templates,
          })
        ).statement,
    ],
  ];

  describe.each(cases)('%s', (_name, load) => {
    let statement: Statement;
    beforeAll(async () => {
      statement = await load();
    });

    it.each(EXPORT_FORMATS.map((f) => [f]))('as %s', async (format) => {
      const data = await exportStatement(statement, format, templates);
      expect(detectFormat(data)).toBe(format);
      const back = await importStatement(data, { templates });
      expect(back.format).toBe(format);
      expect(essence(back.statement)).toEqual(essence(statement));
      // And once more: a second trip changes nothing.
      const again = await importStatement(await exportStatement(back.statement, format, templates), { templates });
      expect(essence(again.statement)).toEqual(essence(statement));
    });
  });
});

describe('signed statements stay verifiable in HTML and PDF', () => {
  let signed: SignedStatementDocument;
  let ca: { certificatePem: string; privateKeyPem: string };
  beforeAll(async () => {
    const now = new Date();
    ca = await createInstanceCa({ name: 'Test', now });
    const leaf = await issueSigningCertificate({ ca, subject: { organization: 'XYZ株式会社' }, now });
    signed = await signStatement(
      withHardText(generalPacs()),
      { privateKeyPem: leaf.privateKeyPem, chainPem: [leaf.certificatePem, ca.certificatePem] },
      { signedAt: now },
    );
  });

  it.each([['html'], ['pdf']] as const)('carries the signed document inside %s', async (format) => {
    const data = await exportStatement(signed.statement, format, templates, { signed });
    const back = await importStatement(data, { templates });
    expect(back.signed).toEqual(signed);
    expect(essence(back.statement)).toEqual(essence(signed.statement));
    const extracted = extractDocument(data);
    expect(extracted.format).toBe(format);
    const v = await verifySignedStatement(extracted.value, { trustedRootsPem: [ca.certificatePem] });
    expect(v.status).toBe('valid');
  });

  it('reads a signed JSON file as its statement, keeping the signed document', async () => {
    const data = new TextEncoder().encode(JSON.stringify(signed, null, 2));
    const back = await importStatement(data, { templates });
    expect(back.format).toBe('json');
    expect(back.signed?.signature).toEqual(signed.signature);
    expect(essence(back.statement)).toEqual(essence(signed.statement));
  });

  it('refuses a signed document that repeats a key, naming the line', () => {
    const text = JSON.stringify(signed, null, 2).replace(
      '"formatVersion": 1,',
      '"formatVersion": 1,\n  "formatVersion": 1,',
    );
    expect(() => extractDocument(new TextEncoder().encode(text))).toThrow(FormatError);
    expect(() => extractDocument(new TextEncoder().encode(text))).toThrow(
      /line \d+, column \d+: the key "formatVersion" occurs twice/,
    );
  });
});

describe('format detection', () => {
  it('tells formats by content before the name', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(detectFormat(enc('%PDF-1.7\n'), 'x.json')).toBe('pdf');
    expect(detectFormat(enc('\ufeff  <!doctype html>'), 'x.csv')).toBe('html');
    expect(detectFormat(enc('  {"a":1}'), 'x.csv')).toBe('json');
    expect(detectFormat(enc('行,回答'), 'x.csv')).toBe('csv');
    expect(detectFormat(enc(''), 'x.html')).toBe('html');
  });

  it('names the format when a file carries no statement', () => {
    expect(() => extractDocument(new TextEncoder().encode('行,回答\n'))).toThrow(/carries no JSON statement/);
    expect(() => extractDocument(new TextEncoder().encode('%PDF-1.4\n%%EOF'))).toThrow(FormatError);
  });
});
