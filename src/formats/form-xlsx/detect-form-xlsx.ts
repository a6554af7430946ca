import { FormatError } from '../errors.js';
import { detectMds2Workbook } from '../mds2-xlsx/detect-mds2.js';
import { readZipDirectory, readZipEntry } from '../xlsx-guard.js';
import { CHECKLIST_SHEET_NAMES, labelKey, METADATA_SHEET, REMARKS_SHEET_NAMES } from './form-layout.js';

/** The XLSX layouts OpenMDS reads: its own form (`form-xlsx`) and NEMA's MDS2 workbook (`mds2-xlsx`). */
export type XlsxKind = 'form-xlsx' | 'mds2-xlsx';

const utf8 = new TextDecoder('utf-8');
const SHEET = /<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"/g;

function unescapeXml(s: string): string {
  return s.replace(
    /&(?:#x([0-9a-fA-F]+)|#(\d+)|(amp|lt|gt|quot|apos));/g,
    (m, hex?: string, dec?: string, name?: string) => {
      if (hex !== undefined) return String.fromCodePoint(parseInt(hex, 16));
      if (dec !== undefined) return String.fromCodePoint(Number(dec));
      return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[name ?? ''] ?? m;
    },
  );
}

/** The sheet names a workbook declares in `xl/workbook.xml`, in order; undefined when the bytes are no workbook. */
export function workbookSheetNames(data: Uint8Array): string[] | undefined {
  try {
    const entry = readZipDirectory(data, 'xlsx').find((e) => e.name === 'xl/workbook.xml');
    if (entry === undefined) return undefined;
    const xml = utf8.decode(readZipEntry(data, entry, 'xlsx'));
    return [...xml.matchAll(SHEET)].map((m) => unescapeXml(m[1] ?? ''));
  } catch (e) {
    if (e instanceof FormatError || e instanceof RangeError) return undefined;
    throw e;
  }
}

/**
 * Whether XLSX bytes are a workbook in OpenMDS's form layout, from its sheet names alone: the hidden metadata sheet
 * `_openmds`, or a checklist sheet (チェックリスト / Checklist) beside a remarks sheet (備考 / Remarks / Notes), which
 * survives a user deleting the metadata. Reads only the zip directory and `xl/workbook.xml`; never throws.
 */
export function isFormXlsx(data: Uint8Array): boolean {
  const names = workbookSheetNames(data);
  if (names === undefined) return false;
  if (names.includes(METADATA_SHEET)) return true;
  const keys = names.map(labelKey);
  return keys.some((k) => CHECKLIST_SHEET_NAMES.has(k)) && keys.some((k) => REMARKS_SHEET_NAMES.has(k));
}

/**
 * Tells which XLSX layout the bytes hold, for `detectFormat`: the form layout first (by its sheet names), then NEMA's
 * MDS2 workbook (by its "Question ID" and DOC-1 cells); undefined when neither, or when the bytes are no workbook.
 * Never throws.
 */
export function detectXlsxKind(data: Uint8Array): XlsxKind | undefined {
  if (isFormXlsx(data)) return 'form-xlsx';
  if (detectMds2Workbook(data)) return 'mds2-xlsx';
  return undefined;
}
