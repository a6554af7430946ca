import { FormatError } from './errors.js';
import { readZipDirectory, readZipEntry } from './xlsx-guard.js';

/**
 * Most cells the merged ranges of a workbook may cover. exceljs makes an object for every cell of a merge when it
 * loads, so one `<mergeCell ref="A1:XFD1048576"/>` in a tiny file would exhaust memory; the form merges a few hundred.
 */
export const MAX_MERGED_CELLS = 200_000;

/**
 * Most cells data validations may cover. exceljs expands every validation range into one entry per cell when it
 * loads (a whole column, 1,048,576 cells, takes a second); the form validates a few hundred.
 */
export const MAX_VALIDATED_CELLS = 1_100_000;

/**
 * Most cells the worksheets of a workbook may hold. exceljs keeps an object of a few hundred bytes per cell, so 50 MB
 * of sheet XML (within the zip limits) would take gigabytes; NEMA's MDS2 workbook holds under 3,000 cells.
 */
export const MAX_CELLS = 500_000;

const EXCEL_ROWS = 1_048_576;
const EXCEL_COLUMNS = 16_384;

const utf8 = new TextDecoder('utf-8');
const REF = /^\$?([A-Za-z]{0,3})\$?(\d*)(?::\$?([A-Za-z]{0,3})\$?(\d*))?$/;

function columnNumber(letters: string): number {
  let n = 0;
  for (const ch of letters.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n;
}

/** Cells a reference covers ("A1", "B2:D9", "A:A", "3:3"); an unreadable one counts as the whole sheet. */
export function rangeArea(ref: string): number {
  const m = REF.exec(ref.trim());
  if (m === null) return EXCEL_ROWS * EXCEL_COLUMNS;
  const [, c1 = '', r1 = '', c2 = c1, r2 = r1] = m;
  const columns = c1 === '' || c2 === '' ? EXCEL_COLUMNS : Math.abs(columnNumber(c2) - columnNumber(c1)) + 1;
  const rows = r1 === '' || r2 === '' ? EXCEL_ROWS : Math.abs(Number(r2) - Number(r1)) + 1;
  return columns * rows;
}

function total(xml: string, pattern: RegExp): number {
  let sum = 0;
  for (const m of xml.matchAll(pattern)) {
    for (const ref of (m[1] ?? '').split(/\s+/)) if (ref !== '') sum += rangeArea(ref);
  }
  return sum;
}

/**
 * Checks, before exceljs loads a workbook, that its worksheets hold no more than MAX_CELLS cells and that its merged
 * cells and data validations cover no more cells than exceljs can expand: the zip guard bounds the bytes, not what a few bytes of XML may ask for. Throws FormatError
 * naming the worksheet part.
 */
export function guardSheetRanges(data: Uint8Array, format: string): void {
  const sheets = readZipDirectory(data, format).filter((e) => /^xl\/worksheets\/[^/]+\.xml$/.test(e.name));
  let merged = 0;
  let validated = 0;
  let cells = 0;
  for (const entry of sheets) {
    const xml = utf8.decode(readZipEntry(data, entry, format));
    for (const _ of xml.matchAll(/<(?:\w+:)?c\b/g)) cells++;
    merged += total(xml, /<(?:\w+:)?mergeCell\b[^>]*?\bref="([^"]*)"/g);
    validated += total(xml, /<(?:\w+:)?dataValidation\b[^>]*?\bsqref="([^"]*)"/g);
    const where = `zip entry ${JSON.stringify(entry.name)}`;
    if (cells > MAX_CELLS) {
      throw new FormatError(
        format,
        where,
        `the worksheets hold more than ${MAX_CELLS} cells; a statement needs a few thousand, so remove the other data and try again`,
      );
    }
    if (merged > MAX_MERGED_CELLS) {
      throw new FormatError(
        format,
        where,
        `merged cells cover more than ${MAX_MERGED_CELLS} cells; unmerge the large ranges and try again`,
      );
    }
    if (validated > MAX_VALIDATED_CELLS) {
      throw new FormatError(
        format,
        where,
        `data validation covers more than ${MAX_VALIDATED_CELLS} cells; limit it to the table and try again`,
      );
    }
  }
}
