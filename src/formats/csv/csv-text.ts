import { FormatError, LIMITS } from '../errors.js';

/** One parsed CSV record and the line it starts on (1-based). */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/**
 * Parses RFC 4180 CSV: quoted fields may hold commas, quotes ("") and line breaks; CRLF or LF line ends.
 * Errors name the line. Blank lines are skipped. A field the writer neutralized against formulas (`'=…`) is read
 * without its apostrophe (`restoreCell`).
 */
export function parseCsv(text: string, format = 'csv'): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let i = 0;
  let quoted = false;
  let fieldStarted = false;
  const endField = (): void => {
    if (field.length > LIMITS.maxCsvFieldChars) {
      throw new FormatError(
        format,
        `line ${recordLine}`,
        `a field is longer than ${LIMITS.maxCsvFieldChars} characters`,
      );
    }
    fields.push(restoreCell(field));
    field = '';
    fieldStarted = false;
  };
  const endRecord = (): void => {
    endField();
    if (!(fields.length === 1 && fields[0] === '')) {
      records.push({ line: recordLine, fields });
      if (records.length > LIMITS.maxCsvLines) {
        throw new FormatError(format, `line ${recordLine}`, `more than ${LIMITS.maxCsvLines} records`);
      }
    }
    fields = [];
  };
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        const next = text[i];
        if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
          throw new FormatError(format, `line ${line}`, 'unexpected character after a closing quote');
        }
        continue;
      }
      if (c === '\n') line++;
      field += c;
      i++;
      continue;
    }
    if (c === '"') {
      if (fieldStarted || field !== '')
        throw new FormatError(format, `line ${line}`, 'a quote inside an unquoted field');
      quoted = true;
      fieldStarted = true;
      i++;
      continue;
    }
    if (c === ',') {
      endField();
      i++;
      continue;
    }
    if (c === '\r' || c === '\n') {
      endRecord();
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
      continue;
    }
    field += c;
    i++;
  }
  if (quoted) throw new FormatError(format, `line ${recordLine}`, 'a quoted field is not closed');
  if (field !== '' || fields.length > 0) endRecord();
  return records;
}

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

/**
 * Cells a spreadsheet could run as a formula (OWASP "CSV injection", CWE-1236): text beginning with = + - @, or with
 * a tab or carriage return, which some spreadsheets skip before reading a formula. Also text in which apostrophes
 * come before such a character: `'=x` is written `''=x`, so that every cell the writer prefixed, and only those,
 * begins with an apostrophe and a cell of this kind (see `FORMULA_ESCAPED`), and reading removes exactly one.
 */
const FORMULA_LIKE = /^'*[=+\-@\t\r]/;
/** A cell as `neutralizeCell` writes a formula-like one: an apostrophe, then a formula-like text. */
const FORMULA_ESCAPED = /^'+[=+\-@\t\r]/;

/**
 * A cell as no spreadsheet will run it: a formula-like text gets a leading apostrophe, which spreadsheets show
 * and do not evaluate. `restoreCell` undoes it, so every text round-trips exactly through our writer and readers.
 */
export function neutralizeCell(value: string): string {
  return FORMULA_LIKE.test(value) ? `'${value}` : value;
}

/** The text `neutralizeCell` was given: a cell written with the apostrophe loses it, any other is kept as is. */
export function restoreCell(cell: string): string {
  return FORMULA_ESCAPED.test(cell) ? cell.slice(1) : cell;
}

/** Writes one CSV field: neutralized against formulas (`neutralizeCell`), quoted only when needed. */
export function csvField(value: string): string {
  const cell = neutralizeCell(value);
  return NEEDS_QUOTES.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** Writes one CSV record (without its line end). */
export function csvLine(fields: readonly string[]): string {
  return fields.map(csvField).join(',');
}
