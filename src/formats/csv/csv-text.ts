import { FormatError, LIMITS } from '../errors.js';

/** One parsed CSV record and the line it starts on (1-based). */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/**
 * Parses RFC 4180 CSV: quoted fields may hold commas, quotes ("") and line breaks; CRLF or LF line ends.
 * Errors name the line. Blank lines are skipped.
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
    fields.push(field);
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

/** Writes one CSV field, quoting only when needed. Fields starting with =, +, -, @ are left as written: the file is data, and Excel formula injection is handled by exporters that target spreadsheets. */
export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvLine(fields: readonly string[]): string {
  return fields.map(csvField).join(',');
}
