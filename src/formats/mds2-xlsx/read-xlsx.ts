import ExcelJS from 'exceljs';
import { FormatError } from '../errors.js';
import { guardXlsx } from '../xlsx-guard.js';

/** The first line of an error's message, shortened: what went wrong, without a library's stack or internals. */
function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const line = text.split('\n', 1)[0]?.trim() ?? '';
  return line === '' ? 'unknown error' : line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/**
 * Loads XLSX bytes into an exceljs workbook after `guardXlsx` has checked them. Every failure, exceljs's included,
 * becomes a FormatError.
 */
export async function readXlsxWorkbook(data: Uint8Array, format: string): Promise<ExcelJS.Workbook> {
  guardXlsx(data, format);
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(Buffer.from(data.buffer, data.byteOffset, data.byteLength) as unknown as ExcelJS.Buffer);
  } catch (e) {
    throw new FormatError(format, undefined, `not a readable XLSX workbook: ${firstLine(e)}`);
  }
  return workbook;
}
