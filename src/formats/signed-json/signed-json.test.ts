import { describe, expect, it } from 'vitest';
import { generalPacs } from '../../../test/support/statements.js';
import { builtinTemplates } from '../../domain/templates/registry.js';
import { TEST_TIMES, signForTest, testPki } from '../../signing/test-pki.js';
import { FormatError, LIMITS } from '../errors.js';
import { exportJson } from '../json/json-format.js';
import {
  exportSignedJson,
  findDuplicateKey,
  importSignedJson,
  isSignedStatement,
  looksLikeSignedStatement,
  parseSignedStatementText,
  verifySignedJson,
} from './signed-json.js';

const now = TEST_TIMES.verified;
const mds = () => builtinTemplates().get('jahis-jira-mds', '2')!;

describe('signed JSON files', () => {
  it('exports two-space JSON with a final newline, and reads back the same document', async () => {
    const doc = await signForTest(generalPacs());
    const text = exportSignedJson(doc);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toBe('  "format": "openmds-signed-statement",');
    expect(parseSignedStatementText(new TextEncoder().encode(text))).toEqual(doc);
  });

  it('imports the statement with its verification result', async () => {
    const { ca } = await testPki();
    const text = exportSignedJson(await signForTest(generalPacs()));
    const r = await importSignedJson(text, { trustedRootsPem: [ca.certificatePem], now, template: mds() });
    expect(r.verification.status).toBe('valid');
    expect(r.verification.signer?.organization).toBe('XYZ株式会社');
    expect(exportJson(r.statement, mds())).toBe(exportJson(generalPacs(), mds()));
  });

  it('still imports an altered file, and says it was altered', async () => {
    const { ca } = await testPki();
    const text = exportSignedJson(await signForTest(generalPacs())).replace('General-PACS', 'General-PACZ');
    const r = await importSignedJson(text, { trustedRootsPem: [ca.certificatePem], now });
    expect(r.statement.header.product).toBe('General-PACZ');
    expect(r.verification).toMatchObject({ status: 'invalid', altered: true });
  });

  it('tells signed values from others', async () => {
    const doc = await signForTest(generalPacs());
    expect(isSignedStatement(doc)).toBe(true);
    expect(isSignedStatement(generalPacs())).toBe(false);
    expect(isSignedStatement(null)).toBe(false);
    expect(isSignedStatement('openmds-signed-statement')).toBe(false);
    expect(isSignedStatement({ ...doc, formatVersion: 2 })).toBe(false);
    expect(isSignedStatement({ ...doc, signature: { protected: doc.signature.protected } })).toBe(false);
    // A damaged statement: not a signed statement in shape, though it still looks like one.
    const damaged = { ...doc, statement: { ...doc.statement, status: 'done' } };
    expect(isSignedStatement(damaged)).toBe(false);
    expect(looksLikeSignedStatement(damaged)).toBe(true);
    expect(looksLikeSignedStatement(generalPacs())).toBe(false);
  });

  it('names the line and column of a syntax error, and refuses deep nesting', async () => {
    const text = exportSignedJson(await signForTest(generalPacs())).replace('"revision": 1', '"revision": 1,,');
    expect(() => parseSignedStatementText(text)).toThrow(/^line \d+, column \d+: invalid JSON/);
    const deep = `{"format":"openmds-signed-statement","x":${'['.repeat(LIMITS.maxJsonDepth + 1)}${']'.repeat(LIMITS.maxJsonDepth + 1)}}`;
    expect(() => parseSignedStatementText(deep)).toThrow(/nesting deeper than/);
  });

  it('refuses a key repeated in one object, which two readers could read differently', async () => {
    const text = exportSignedJson(await signForTest(generalPacs())).replace(
      '"product": "General-PACS",',
      '"product": "General-PACS",\n    "product": "Other-PACS",',
    );
    expect(() => parseSignedStatementText(text)).toThrow(FormatError);
    expect(() => parseSignedStatementText(text)).toThrow(/line 14, column 5: the key "product" occurs twice/);
    expect(findDuplicateKey('{"a":{"b":1},"c":[{"b":2},{"b":3}],"d":"\\"a\\":"}')).toBeUndefined();
    expect(findDuplicateKey('{"a":1,"\\u0061":2}')).toEqual({ key: 'a', offset: 7 });
  });

  it('says what is missing from a file that is not a signed statement', async () => {
    expect(() => parseSignedStatementText(JSON.stringify(generalPacs()))).toThrow(/plain statement, not a signed one/);
    expect(() => parseSignedStatementText('{"format":"x"}')).toThrow(/not a signed OpenMDS statement/);
    expect(() => parseSignedStatementText('{"format":"openmds-signed-statement","formatVersion":1}')).toThrow(
      /^statement: missing/,
    );
    const doc = await signForTest(generalPacs());
    expect(() => parseSignedStatementText(JSON.stringify({ ...doc, signature: { protected: 'x' } }))).toThrow(
      /^signature\/signature: missing/,
    );
    expect(() => parseSignedStatementText(JSON.stringify({ ...doc, formatVersion: 2 }))).toThrow(/version 2/);
  });

  it('verifies without importing', async () => {
    const r = await verifySignedJson(exportSignedJson(await signForTest(generalPacs())), { now });
    expect(r.verification.status).toBe('untrusted');
  });
});
