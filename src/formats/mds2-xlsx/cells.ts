/** Milliseconds from Excel's day 0 (1899-12-30, the 1900 date system with its leap-year bug) to the Unix epoch. */
const EXCEL_EPOCH = Date.UTC(1899, 11, 30);

/** A date as YYYY-MM-DD, read in UTC (exceljs turns a date serial into that instant at UTC midnight). */
export function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/**
 * The text a person sees in a cell: rich text joined, a hyperlink's text (not its target), a formula's cached result,
 * a date as YYYY-MM-DD (or a full ISO instant when it has a time). Never throws.
 */
export function cellText(value: unknown, depth = 0): string {
  if (value === null || value === undefined || depth > 4) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return '';
    return value.getUTCHours() + value.getUTCMinutes() + value.getUTCSeconds() + value.getUTCMilliseconds() === 0
      ? isoDate(value)
      : value.toISOString();
  }
  if (!isObject(value)) return '';
  if (Array.isArray(value.richText)) {
    return value.richText
      .map((run: unknown) => (isObject(run) && typeof run.text === 'string' ? run.text : ''))
      .join('');
  }
  if ('hyperlink' in value || 'text' in value) return cellText(value.text, depth + 1);
  if ('formula' in value || 'sharedFormula' in value || 'result' in value) return cellText(value.result, depth + 1);
  if (typeof value.error === 'string') return value.error;
  return '';
}

/** The cell's own value, looking through a formula to its cached result. */
export function cellResult(value: unknown): unknown {
  if (isObject(value) && !(value instanceof Date) && ('formula' in value || 'sharedFormula' in value)) {
    return value.result;
  }
  return value;
}

const ISO_DAY = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/;
const US_DAY = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;

function ymd(y: number, m: number, d: number): string | undefined {
  const t = new Date(Date.UTC(y, m - 1, d));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== m - 1 || t.getUTCDate() !== d) return undefined;
  return isoDate(t);
}

/**
 * Reads a date cell as YYYY-MM-DD: a real date, an Excel serial number, or text as 2019-10-09, 2019/10/09 or (the
 * form is American) 10/9/2019. Returns undefined when the cell holds something else.
 */
export function cellDate(value: unknown): string | undefined {
  const v = cellResult(value);
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : isoDate(v);
  if (typeof v === 'number') {
    if (!(v >= 1 && v < 2958466)) return undefined;
    return isoDate(new Date(EXCEL_EPOCH + Math.floor(v) * 86_400_000));
  }
  const text = cellText(v).trim();
  const iso = ISO_DAY.exec(text);
  if (iso !== null) return ymd(Number(iso[1]), Number(iso[2]), Number(iso[3]));
  const us = US_DAY.exec(text);
  if (us !== null) return ymd(Number(us[3]), Number(us[1]), Number(us[2]));
  return undefined;
}

/** Trims and joins accidental runs of spaces, keeping the wording (and line breaks) as written; NFC. */
export function tidyText(s: string): string {
  return s
    .normalize('NFC')
    .replace(/[ \t]{2,}/g, ' ')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n[ \t]+/g, '\n')
    .trim();
}
