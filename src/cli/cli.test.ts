import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureCliOutput } from '../../test/support/cli-output.js';
import { runCli } from './main.js';

const example = 'examples/general-pacs-v1.20R00.json';
const synthetic = 'test/fixtures/jahis-jira-mds-3-synthetic.json';
const mapping = 'test/fixtures/jahis-jira-mds-2-to-3-synthetic.mapping.json';

const io = captureCliOutput('openmds-cli-');

const run = (...args: string[]) => runCli(args);
const file = (name: string, text: string): string => {
  const p = join(io.dir, name);
  writeFileSync(p, text);
  return p;
};

describe('openmds templates', () => {
  it('lists the built-in templates as JSON', async () => {
    expect(await run('templates', '--json')).toBe(0);
    const list = JSON.parse(io.out) as { id: string; edition: string; answerable: number }[];
    expect(list.map((t) => `${t.id}@${t.edition}`)).toEqual(
      expect.arrayContaining([
        'jahis-jira-mds@2',
        'nema-mds2@2019',
        'iot-security-guideline@1.0-seed',
        'mhlw-cyber-notice@2015',
      ]),
    );
    expect(list.find((t) => t.id === 'jahis-jira-mds')?.answerable).toBe(66);
  });

  it('prints a table with the Japanese titles', async () => {
    expect(await run('templates')).toBe(0);
    expect(io.out).toContain('製造業者による医療情報セキュリティ開示書');
  });
});

describe('openmds validate', () => {
  it('exits 0 for the valid example and prints its counts as JSON', async () => {
    expect(await run('validate', example, '--json')).toBe(0);
    const [r] = JSON.parse(io.out) as {
      file: string;
      valid: boolean;
      template: string;
      edition: string;
      counts: Record<string, number>;
      issues: unknown[];
    }[];
    expect(r).toMatchObject({ file: example, valid: true, template: 'jahis-jira-mds', edition: '2', issues: [] });
    expect(r?.counts).toMatchObject({ yes: 15, no: 16, na: 1, skipped: 2 });
  });

  it('exits 1 when --final finds missing rows, naming them', async () => {
    expect(await run('validate', example, '--final')).toBe(1);
    expect(io.out).toContain('invalid');
    expect(io.out).toMatch(/missing-answer\s+row 14: row 14 has no answer/);
  });

  it('exits 2 for a file it cannot read, and still reports the others', async () => {
    const broken = file('broken.json', '{\n "format": "openmds-statement",\n oops\n}');
    expect(await run('validate', example, broken, join(io.dir, 'missing.json'), '--json')).toBe(2);
    const results = JSON.parse(io.out) as { file: string; valid: boolean; issues: { message: { en: string } }[] }[];
    expect(results.map((r) => r.valid)).toEqual([true, false, false]);
    expect(results[1]?.issues[0]?.message.en).toContain('line 3, column 2: invalid JSON');
    expect(results[2]?.issues[0]?.message.en).toContain('no such file');
  });

  it('reports structural problems field by field', async () => {
    const s = JSON.parse(readFileSync(example, 'utf8')) as Record<string, unknown>;
    s['revision'] = 'one';
    expect(await run('validate', file('s.json', JSON.stringify(s)), '--json')).toBe(1);
    const [r] = JSON.parse(io.out) as { issues: { field: string; code: string }[] }[];
    expect(r?.issues).toContainEqual(expect.objectContaining({ field: 'revision', code: 'invalid-structure' }));
  });

  it('validates a CSV statement too', async () => {
    expect(await run('export', example, '--format', 'csv', '-o', join(io.dir, 's.csv'))).toBe(0);
    expect(await run('validate', join(io.dir, 's.csv'))).toBe(0);
    expect(io.out).toContain('valid (jahis-jira-mds@2: はい 15, いいえ 16, 対象外 1');
  });
});

describe('openmds import and export', () => {
  it('round-trips JSON → CSV → JSON exactly', async () => {
    const csv = join(io.dir, 'pacs.csv');
    const json = join(io.dir, 'pacs.json');
    expect(await run('export', example, '--format', 'csv', '-o', csv)).toBe(0);
    expect(readFileSync(csv, 'utf8')).toContain(
      'remark,1,DICOM CONFORMANCE STATEMENT 中に情報リストの記載があります。',
    );
    expect(await run('import', csv, '-o', json)).toBe(0);
    const original = JSON.parse(readFileSync(example, 'utf8')) as Record<string, unknown>;
    delete original['$schema'];
    expect(JSON.parse(readFileSync(json, 'utf8'))).toEqual(original);
  });

  it('imports the NEMA MDS2 example workbook with every answer', async () => {
    expect(await run('import', 'examples/nema-mds2-example-worksheet.xlsx', '--format', 'auto')).toBe(0);
    const s = JSON.parse(io.out) as { template: { id: string }; answers: Record<string, { answer?: string }> };
    expect(s.template.id).toBe('nema-mds2');
    expect(s.answers['MPII-1']?.answer).toBe('yes');
  });

  it('gives one clear line for bad input, without a stack trace', async () => {
    const bad = file('bad.csv', 'template,jahis-jira-mds,2\nanswer,3,たぶん\n');
    expect(await run('import', bad)).toBe(2);
    expect(io.err).toBe('openmds: csv: line 2: row 3: answer "たぶん" is not one of はい, いいえ, 対象外\n');
    expect(await run('import', file('junk.xlsx', 'PK\u0003\u0004garbage'))).toBe(2);
    expect(io.err.split('\n').filter((l) => l !== '').length).toBe(2);
    expect(io.err).not.toContain('    at ');
  });

  it('rejects an unknown format choice', async () => {
    expect(await run('export', example, '--format', 'docx')).toBe(2);
    expect(io.err).toContain("argument 'docx' is invalid");
  });
});

describe('openmds carry-forward', () => {
  it('makes a draft on the next edition and reports the rows that need an answer', async () => {
    const target = join(io.dir, 'next.json');
    const report = join(io.dir, 'report.json');
    const code = await run(
      '--templates',
      synthetic,
      'carry-forward',
      example,
      '--to',
      'jahis-jira-mds@3-synthetic',
      '--mapping',
      mapping,
      '-o',
      target,
      '--report',
      report,
    );
    expect(code).toBe(0);
    const s = JSON.parse(readFileSync(target, 'utf8')) as {
      template: { edition: string };
      answers: Record<string, unknown>;
    };
    expect(s.template.edition).toBe('3-synthetic');
    expect(io.out).toContain('needs answer  9-a');
    expect((JSON.parse(readFileSync(report, 'utf8')) as { needsAnswer: unknown[] }).needsAnswer).toHaveLength(6);
    expect(await run('--templates', synthetic, 'validate', target)).toBe(0);
  });

  it('names an unknown target edition', async () => {
    expect(await run('carry-forward', example, '--to', 'jahis-jira-mds@9')).toBe(2);
    expect(io.err).toContain('--to: template jahis-jira-mds@9 is not known');
  });

  it('names an incomplete mapping', async () => {
    const m = JSON.parse(readFileSync(mapping, 'utf8')) as { rows: unknown[] };
    m.rows.pop();
    const partial = file('partial.json', JSON.stringify(m));
    expect(
      await run(
        '--templates',
        synthetic,
        'carry-forward',
        example,
        '--to',
        'jahis-jira-mds@3-synthetic',
        '--mapping',
        partial,
      ),
    ).toBe(1);
    expect(io.err).toContain('row 31.2 of jahis-jira-mds@3-synthetic is not in the mapping (to side)');
  });
});

describe('openmds export and import in every format, and openmds verify', () => {
  it('writes PDF, XLSX, HTML and CSV, and reads each back to the same statement', async () => {
    expect(await run('import', example, '-o', join(io.dir, 'canonical.json'))).toBe(0);
    const canonical = readFileSync(join(io.dir, 'canonical.json'), 'utf8');
    for (const format of ['pdf', 'xlsx', 'html', 'csv', 'json']) {
      const out = join(io.dir, `general-pacs.${format}`);
      expect(await run('export', example, '--format', format, '-o', out), `${format}: ${io.err}`).toBe(0);
      const back = join(io.dir, `back-${format}.json`);
      expect(await run('import', out, '-o', back), `${format}: ${io.err}`).toBe(0);
      const a = JSON.parse(canonical) as { provenance?: unknown };
      const b = JSON.parse(readFileSync(back, 'utf8')) as { provenance?: unknown };
      delete a.provenance;
      delete b.provenance;
      expect(b, format).toEqual(a);
    }
    expect(readFileSync(join(io.dir, 'general-pacs.pdf')).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('verifies a signed file, carries the signature into HTML and PDF, and fails a tampered copy', async () => {
    const { signForTest, testPki } = await import('../signing/test-pki.js');
    const { generalPacs } = await import('../../test/support/statements.js');
    const signed = await signForTest(generalPacs());
    const text = `${JSON.stringify(signed, null, 2)}\n`;
    const signedFile = file('gp.signed.json', text);
    const ca = file('ca.pem', (await testPki()).ca.certificatePem);

    expect(await run('verify', signedFile, '--trust', ca)).toBe(0);
    expect(io.out).toContain('VALID');
    expect(io.out).toContain('XYZ株式会社');
    // Without the CA the content is intact but the issuer unknown: exit 0, or 1 when trust is required.
    expect(await run('verify', signedFile)).toBe(0);
    expect(io.out).toContain('UNTRUSTED');
    expect(await run('verify', signedFile, '--require-trust')).toBe(1);

    for (const format of ['html', 'pdf']) {
      const out = join(io.dir, `gp-signed.${format}`);
      expect(await run('export', signedFile, '--format', format, '-o', out)).toBe(0);
      expect(await run('verify', out, '--trust', ca), `${format}: ${io.out}`).toBe(0);
    }

    const remark = generalPacs().remarks[1]!.text;
    const changed = text.replace(remark, remark.replace('下さい', 'ください'));
    expect(changed).not.toBe(text);
    const tampered = file('tampered.json', changed);
    expect(await run('verify', tampered, '--trust', ca)).toBe(1);
    expect(io.out).toContain('changed after it was signed');
    expect(await run('verify', file('not.json', '{"format": '))).toBe(2);
  });
});
