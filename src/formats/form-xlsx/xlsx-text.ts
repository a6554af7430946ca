/**
 * Characters a cell cannot hold as they are: XML 1.0 forbids most control characters, U+FFFE, U+FFFF and unpaired
 * surrogates, and an XML parser reads a carriage return as a line feed. A `_` that starts `_xHHHH` is matched too, so
 * that text which merely looks like an escape stays as written.
 */
const NEEDS_ESCAPE =
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this matches
  /_(?=x[0-9A-Fa-f]{4})|[\u0000-\u0008\u000B-\u001F\u007F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text as it must be stored in a cell to come back unchanged. OOXML writes what XML cannot carry as `_xHHHH_` (a
 * literal underscore before `xHHHH` as `_x005F_`); Excel and exceljs decode it on reading, but exceljs does not encode
 * on writing, so export does it here. Tabs and line feeds are stored as they are.
 */
export function encodeCellText(text: string): string {
  return text.replace(NEEDS_ESCAPE, (c) => `_x${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}_`);
}

/** Whether a code point takes two columns in a spreadsheet's default font: CJK, kana, full-width forms, emoji. */
function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    cp >= 0x1f000
  );
}

/**
 * The width of a line of text in spreadsheet column units (the width of "0"), roughly: Latin letters average a
 * little narrower than "0", CJK characters take two.
 */
export function displayWidth(line: string): number {
  let w = 0;
  for (const ch of line) w += isWide(ch.codePointAt(0) ?? 0) ? 2 : 0.9;
  return w;
}

/** How many lines text wraps to in a column of the given width, at least one. */
export function wrappedLines(text: string, columnWidth: number): number {
  const usable = Math.max(1, columnWidth - 1);
  let lines = 0;
  for (const line of text.split('\n')) lines += Math.max(1, Math.ceil(displayWidth(line) / usable));
  return Math.max(1, lines);
}

/**
 * Points per line of a row: Calibri's 15, or 18 when the text has CJK characters, which Excel draws in a taller
 * fallback font.
 */
export function lineHeight(...texts: string[]): number {
  for (const t of texts) for (const ch of t) if (isWide(ch.codePointAt(0) ?? 0)) return 18;
  return 15;
}
