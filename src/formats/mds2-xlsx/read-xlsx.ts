import ExcelJS from 'exceljs';
import { FormatError } from '../errors.js';
import { guardXlsx } from '../xlsx-guard.js';
import { guardSheetRanges } from '../xlsx-range-guard.js';

/**
 * What went wrong, in one short line without the library's stack. A TypeError inside exceljs means a part it
 * expected is missing or odd; its message ("Cannot read properties of undefined") would only confuse.
 */
function describe(e: unknown): string {
  if (e instanceof TypeError || e instanceof RangeError || e instanceof ReferenceError) {
    return 'a part of the workbook is missing or malformed';
  }
  const text = e instanceof Error ? e.message : String(e);
  const line = text.split('\n', 1)[0]?.trim() ?? '';
  // The XML parser's messages start with "line:column: ".
  const xml = /^(\d+):(\d+): (.*?)\.?$/.exec(line);
  if (xml !== null) return `malformed XML (line ${xml[1]}, column ${xml[2]}: ${xml[3]})`;
  if (line === '') return 'unknown error';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/**
 * Loads XLSX bytes into an exceljs workbook after `guardXlsx` has checked them. Every failure, exceljs's included,
 * becomes a FormatError.
 */
export async function readXlsxWorkbook(data: Uint8Array, format: string): Promise<ExcelJS.Workbook> {
  guardXlsx(data, format);
  // exceljs makes an object per cell of every merge and validation range: refuse ranges that would exhaust memory.
  guardSheetRanges(data, format);
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(Buffer.from(data.buffer, data.byteOffset, data.byteLength) as unknown as ExcelJS.Buffer);
  } catch (e) {
    throw new FormatError(format, undefined, `not a readable XLSX workbook: ${describe(e)}`);
  }
  return workbook;
}
