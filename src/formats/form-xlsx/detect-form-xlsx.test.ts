import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { generalPacs } from '../../../test/support/statements.js';
import { makeZip } from '../../../test/support/zip.js';
import { builtinTemplates } from '../../domain/templates/registry.js';
import { detectXlsxKind, isFormXlsx, workbookSheetNames } from './detect-form-xlsx.js';
import { exportFormXlsx } from './export-form-xlsx.js';

const mds = builtinTemplates().get('jahis-jira-mds', '2')!;
const nema = new Uint8Array(
  readFileSync(new URL('../../../examples/nema-mds2-example-worksheet.xlsx', import.meta.url)),
);

async function rewrite(bytes: Uint8Array, change: (wb: ExcelJS.Workbook) => void): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(bytes) as unknown as ExcelJS.Buffer);
  change(wb);
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

describe('detectXlsxKind', () => {
  let form: Uint8Array;
  beforeAll(async () => {
    form = await exportFormXlsx(generalPacs(), mds);
  });

  it('tells a workbook OpenMDS wrote from NEMA’s MDS2 workbook', async () => {
    expect(detectXlsxKind(form)).toBe('form-xlsx');
    expect(detectXlsxKind(await exportFormXlsx(generalPacs(), mds, { lang: 'en' }))).toBe('form-xlsx');
    expect(detectXlsxKind(nema)).toBe('mds2-xlsx');
    expect(isFormXlsx(nema)).toBe(false);
  });

  it('reads the sheet names from xl/workbook.xml', () => {
    expect(workbookSheetNames(form)).toEqual(['チェックリスト', '備考', '_openmds']);
    expect(workbookSheetNames(nema)).toEqual(['mds2-form']);
  });

  it('still knows the form when a person deleted the metadata sheet, or renamed the sheets but kept it', async () => {
    const noMetadata = await rewrite(form, (wb) => wb.removeWorksheet(wb.getWorksheet('_openmds')!.id));
    expect(detectXlsxKind(noMetadata)).toBe('form-xlsx');
    const renamed = await rewrite(form, (wb) => {
      wb.worksheets[0]!.name = '開示書';
      wb.worksheets[1]!.name = 'メモ';
    });
    expect(detectXlsxKind(renamed)).toBe('form-xlsx');
    const both = await rewrite(noMetadata, (wb) => (wb.worksheets[0]!.name = '開示書'));
    expect(detectXlsxKind(both)).toBeUndefined();
  });

  it('answers undefined, without throwing, for other workbooks and for bytes that are no workbook', async () => {
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('Sheet1').getCell('A1').value = 'Checklist';
    expect(detectXlsxKind(new Uint8Array(await wb.xlsx.writeBuffer()))).toBeUndefined();
    expect(detectXlsxKind(new Uint8Array(0))).toBeUndefined();
    expect(detectXlsxKind(new TextEncoder().encode('{"format":"openmds-statement"}'))).toBeUndefined();
    expect(
      detectXlsxKind(makeZip([{ name: 'xl/workbook.xml', data: new Uint8Array(60 * 1024 * 1024) }])),
    ).toBeUndefined();
    expect(detectXlsxKind(makeZip([{ name: 'readme.txt', data: 'hello' }]))).toBeUndefined();
  });

  it('decodes XML escapes in sheet names', () => {
    const workbook =
      '<workbook><sheets><sheet name="R&amp;D &#x30C1;ェックリスト" sheetId="1"/><sheet name="_openmds" sheetId="2" state="hidden"/></sheets></workbook>';
    const bytes = makeZip([{ name: 'xl/workbook.xml', data: workbook }]);
    expect(workbookSheetNames(bytes)).toEqual(['R&D チェックリスト', '_openmds']);
    expect(isFormXlsx(bytes)).toBe(true);
  });
});
