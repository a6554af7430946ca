/**
 * Writes the built-in NEMA MDS2 template from NEMA's workbook:
 *
 *   npx tsx scripts/generate-mds2-template.ts [workbook.xlsx] [out.json]
 *
 * The workbook defaults to examples/nema-mds2-example-worksheet.xlsx and the output to
 * src/domain/templates/builtin/nema-mds2-2019.json, both from the repository root. The reading and checking live in
 * src/formats/mds2-xlsx; a template that does not load fails the script.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateMds2TemplateJson } from '../src/formats/mds2-xlsx/mds2-template.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const input =
  process.argv[2] === undefined ? resolve(root, 'examples/nema-mds2-example-worksheet.xlsx') : resolve(process.argv[2]);
const output =
  process.argv[3] === undefined
    ? resolve(root, 'src/domain/templates/builtin/nema-mds2-2019.json')
    : resolve(process.argv[3]);

try {
  const json = await generateMds2TemplateJson(new Uint8Array(readFileSync(input)));
  writeFileSync(output, json);
  const t = JSON.parse(json) as { rows: unknown[]; sections: unknown[]; headerFields: unknown[] };
  console.log(
    `${output}: ${t.rows.length} rows, ${t.sections.length} sections, ${t.headerFields.length} header fields`,
  );
} catch (e) {
  console.error(`generate-mds2-template: ${input}: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
}
