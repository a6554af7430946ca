import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import { generateMds2TemplateJson } from '../src/formats/mds2-xlsx/mds2-template.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const workbook = join(root, 'examples/nema-mds2-example-worksheet.xlsx');
const committed = join(root, 'src/domain/templates/builtin/nema-mds2-2019.json');
const dir = mkdtempSync(join(tmpdir(), 'openmds-mds2-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runScript(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts/generate-mds2-template.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('scripts/generate-mds2-template.ts', () => {
  it('generates exactly the committed template (no drift)', async () => {
    const generated = await generateMds2TemplateJson(new Uint8Array(readFileSync(workbook)));
    expect(generated).toBe(readFileSync(committed, 'utf8'));
  });

  it('writes the template file and reports its size', () => {
    const out = join(dir, 'nema-mds2.json');
    const r = runScript(workbook, out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('233 rows, 23 sections, 9 header fields');
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(committed, 'utf8'));
  });

  it('fails loudly, writing nothing, when the workbook is not an MDS2 form', async () => {
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('Sheet1').getCell('A1').value = 'not a form';
    const input = join(dir, 'other.xlsx');
    writeFileSync(input, new Uint8Array(await wb.xlsx.writeBuffer()));
    const out = join(dir, 'should-not-exist.json');
    const r = runScript(input, out);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('not an MDS2 workbook: no worksheet has a "Question ID" header cell');
    expect(existsSync(out)).toBe(false);
  });
});
