import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Applies } from '../../domain/compiled-template.js';
import { loadTemplate } from '../../domain/template-check.js';
import type { Template } from '../../domain/template.js';
import { builtinTemplates } from '../../domain/templates/registry.js';
import { validateStatement } from '../../domain/validation.js';
import { buildMds2Template, Mds2TemplateError, splitControlIds } from './mds2-template.js';
import { readMds2Sheet } from './mds2-sheet.js';

const examplePath = new URL('../../../examples/nema-mds2-example-worksheet.xlsx', import.meta.url);
const templatePath = new URL('../../domain/templates/builtin/nema-mds2-2019.json', import.meta.url);
const template = JSON.parse(readFileSync(templatePath, 'utf8')) as Template;

let workbook: ExcelJS.Workbook;
/** Column A of the example as written, read here without the importer's parser. */
let workbookIds: string[];

beforeAll(async () => {
  workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(examplePath.pathname);
  workbookIds = [];
  workbook.getWorksheet('mds2-form')?.eachRow((row) => {
    const a = row.getCell('A').value;
    if (typeof a === 'string' && /^[A-Z]+-\d/.test(a.trim())) workbookIds.push(a.trim());
  });
});

const row = (id: string): Template['rows'][number] => {
  const r = template.rows.find((x) => x.id === id);
  if (r === undefined) throw new Error(`no row ${id}`);
  return r;
};

describe('the NEMA MDS2 template', () => {
  it('loads, and is built in second, after the MDS 2nd edition', () => {
    const loaded = loadTemplate(template);
    expect(loaded.ok ? [] : loaded.problems).toEqual([]);
    const builtin = builtinTemplates();
    expect(builtin.get('nema-mds2', '2019')?.template).toEqual(template);
    expect(builtin.list().map((t) => t.id)).toEqual([
      'jahis-jira-mds',
      'nema-mds2',
      'iot-security-guideline',
      'mhlw-cyber-notice',
    ]);
  });

  it('is English-only, cites notes, and reads as MDS2', () => {
    expect(template).toMatchObject({ id: 'nema-mds2', edition: '2019', languages: ['en'], remarkStyle: 'notes' });
    expect(template.title.ja).toBe('医療機器セキュリティのための製造業者開示書 (MDS2)');
    for (const r of template.rows) {
      expect(Object.keys(r.text)).toEqual(['en']);
      expect(r.text.en).toBe(r.text.en?.trim());
      expect(r.text.en).not.toMatch(/ {2}/);
    }
  });

  it('has a row for every question id of the workbook, in its order, and nothing else', () => {
    const header = ['DOC-1', 'DOC-2', 'DOC-3', 'DOC-4', 'DOC-5', 'DOC-6', 'DOC-7'];
    const expected = workbookIds.filter((id) => !header.includes(id)).map((id) => (id === 'SHAD-15' ? 'SAHD-15' : id));
    expect(expected).toHaveLength(233);
    expect(template.rows.map((r) => r.id)).toEqual(expected);
    for (const r of template.rows) expect(r.number).toBe(r.id);
  });

  it('keeps question texts as written, joining only accidental double spaces', () => {
    expect(row('DOC-11').text).toEqual({
      en: 'SaMD: Is the device Software as a Medical Device (i.e. software-only, no hardware)?',
    });
    expect(row('MPII-3.5').text.en).toBe(
      'Does the device transmit/receive personally identifiable information via a wired network connection (e.g., RJ45, fiber optic, etc.)?',
    );
    expect(row('CSUP-6').text.en).toBe(
      'Does the device contain other software components (e.g., asset management software, license management)? If yes, please provide details or refernce in notes and complete 6.1-6.4.',
    );
    expect(row('SAHD-15').text.en).toBe('Can the system prevent access to BIOS or other bootloaders during boot?');
  });

  it('carries the IEC TR 80001-2-2 section as the reference and the three standards as cross-references', () => {
    expect(row('ALOF-1')).toMatchObject({
      section: 'ALOF',
      refs: ['Section 5.1, ALOF'],
      xrefs: [
        { scheme: 'iec-tr-80001-2-2', ids: ['5.1'] },
        { scheme: 'nist-sp-800-53r4', ids: ['AC-12'] },
      ],
    });
    expect(row('ALOF-2').xrefs).toEqual([
      { scheme: 'iec-tr-80001-2-2', ids: ['5.1'] },
      { scheme: 'nist-sp-800-53r4', ids: ['AC-11'] },
      { scheme: 'iso-27002-2013', ids: ['A.11.2.8', 'A.11.2.9'] },
    ]);
    expect(row('SGUD-3').xrefs).toEqual([
      { scheme: 'iec-tr-80001-2-2', ids: ['5.16'] },
      { scheme: 'nist-sp-800-53r4', ids: ['AC-6', 'IA-2'] },
      { scheme: 'iso-27002-2013', ids: ['A.9.1.2', 'A.9.2.3', 'A.9.4.4', 'A.9.4.5', 'A.9.2.1'] },
    ]);
    expect(row('PLOK-1').xrefs?.[1]).toEqual({ scheme: 'nist-sp-800-53r4', ids: ['PE-3(4)'] });
    expect(row('MPII-1')).toMatchObject({
      refs: [],
      xrefs: [
        { scheme: 'nist-sp-800-53r4', ids: ['AR-2'] },
        { scheme: 'iso-27002-2013', ids: ['A.15.1.4'] },
      ],
    });
    expect(row('CONN-1').xrefs).toBeUndefined();
  });

  it('splits control cells on commas and slashes and drops "None"', () => {
    expect(splitControlIds('A.6.2.1, A.6.2.2, A.14.1.2/None')).toEqual(['A.6.2.1', 'A.6.2.2', 'A.14.1.2']);
    expect(splitControlIds('AC-6,IA-2')).toEqual(['AC-6', 'IA-2']);
    expect(splitControlIds('PE- 3(4) ')).toEqual(['PE-3(4)']);
    expect(splitControlIds('None')).toEqual([]);
    expect(splitControlIds('')).toEqual([]);
  });

  it('gives every question the four MDS2 answers, See Note requiring a note', () => {
    expect(template.answerSets.mds2?.map((o) => [o.value, o.label.en, o.label.ja, o.countsAs])).toEqual([
      ['yes', 'Yes', 'はい', 'yes'],
      ['no', 'No', 'いいえ', 'no'],
      ['na', 'N/A', '対象外', 'na'],
      ['see-note', 'See Note', '備考参照', 'other'],
    ]);
    expect(template.answerSets.mds2?.[2]?.aliases).toEqual(['NA', 'n/a']);
    for (const r of template.rows) {
      expect(r).toMatchObject({ kind: 'question', answerSet: 'mds2', remarkRequiredWhen: ['see-note'] });
    }
  });

  it('makes sub-questions apply whatever the parent answers (MDS2 answers them N/A)', () => {
    for (const r of template.rows) {
      expect(r.parent).toBeUndefined();
      expect(r.appliesWhen).toBeUndefined();
    }
    const compiled = builtinTemplates().get('nema-mds2', '2019')!;
    const applies = compiled.evaluate((id) => (id === 'DOC-11' || id === 'AUDT-2' ? 'no' : undefined));
    expect(applies[compiled.byId.get('DOC-11.1')!.index]).toBe(Applies.Yes);
    expect(applies[compiled.byId.get('AUDT-2.8.1')!.index]).toBe(Applies.Yes);
    const result = validateStatement(
      {
        format: 'openmds-statement',
        formatVersion: 1,
        template: { id: 'nema-mds2', edition: '2019' },
        header: { manufacturer: 'M', product: 'P', date: '2019-10-09' },
        answers: { 'DOC-11': { answer: 'no' }, 'DOC-11.1': { answer: 'na' }, 'DOC-11.2': { answer: 'yes' } },
        remarks: [],
        status: 'draft',
        revision: 1,
      },
      builtinTemplates(),
    );
    expect(result.issues.filter((i) => i.severity === 'error')).toEqual([]);
  });

  it('maps the DOC items onto header fields, the core ones by meaning', () => {
    expect(template.headerFields.map((f) => [f.id, f.sourceId, f.kind, f.required, f.label.en])).toEqual([
      ['manufacturer', 'DOC-1', 'text', true, 'Manufacturer Name'],
      ['deviceDescription', 'DOC-2', 'text', false, 'Device Description'],
      ['product', 'DOC-3', 'text', true, 'Device Model'],
      ['productVersion', undefined, 'text', false, 'Device version / software release'],
      ['documentId', 'DOC-4', 'text', false, 'Document ID'],
      ['contact', 'DOC-5', 'multiline', false, 'Manufacturer Contact Information'],
      ['intendedUse', 'DOC-6', 'multiline', false, 'Intended use of device in network-connected environment'],
      ['date', 'DOC-7', 'date', true, 'Document Release Date'],
      ['otherConsiderations', 'OTHR', 'multiline', false, 'OTHER SECURITY CONSIDERATIONS (OTHR)'],
    ]);
  });

  it('has the DOC block and the 22 question sections of the form, titles and descriptions verbatim', () => {
    expect(template.sections.map((s) => s.id)).toEqual([
      'DOC', 'MPII', 'ALOF', 'AUDT', 'AUTH', 'CSUP', 'DIDT', 'DTBK', 'EMRG', 'IGAU', 'MLDP', 'NAUT', 'CONN', 'PAUT',
      'PLOK', 'RDMP', 'SBOM', 'SAHD', 'SGUD', 'STCF', 'TXCF', 'TXIG', 'RMOT',
    ]); // prettier-ignore
    expect(template.sections.find((s) => s.id === 'ALOF')).toEqual({
      id: 'ALOF',
      title: { en: 'AUTOMATIC LOGOFF (ALOF)' },
      description: {
        en: "The device's ability to prevent access and misuse by unauthorized users if device is left idle for a period of time.",
      },
      ref: 'Section 5.1, ALOF',
    });
    expect(template.sections.find((s) => s.id === 'MPII')).toEqual({
      id: 'MPII',
      title: { en: 'MANAGEMENT OF PERSONALLY IDENTIFIABLE INFORMATION' },
    });
    expect(template.sections.find((s) => s.id === 'SBOM')?.title.en).toBe('SOFTWARE BILL OF MATERIALS (SBoM)');
    for (const r of template.rows) expect(r.section).toBe(r.id.split('-')[0]);
  });

  it('fails loudly when the workbook names a reference column it does not know', () => {
    const sheet = readMds2Sheet(workbook);
    expect(() => buildMds2Template(sheet)).not.toThrow();
    sheet.columns.refs[1]!.label = 'NIST SP 800-53 Rev. 5';
    expect(() => buildMds2Template(sheet)).toThrow(Mds2TemplateError);
    expect(() => buildMds2Template(sheet)).toThrow(/reference column "NIST SP 800-53 Rev. 5"/);
  });

  it('fails loudly on a repeated question id or a missing header item', () => {
    const sheet = readMds2Sheet(workbook);
    sheet.items.push({ ...sheet.items.find((i) => i.id === 'MPII-2.2')!, idCell: 'A999' });
    sheet.items = sheet.items.filter((i) => i.id !== 'DOC-7');
    expect(() => buildMds2Template(sheet)).toThrow(
      /A999: MPII-2.2 appears twice \(first in A27\)[\s\S]*header item DOC-7 is not in the workbook/,
    );
  });
});
