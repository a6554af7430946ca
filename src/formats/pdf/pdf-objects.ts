/**
 * A small, bounded reader for the objects of a PDF file: enough to find the files embedded in a PDF that OpenMDS
 * wrote (pdfkit: plain `n g obj … endobj` objects, no object streams). It scans for object headers rather than
 * trusting the cross-reference table, so a PDF with an incremental update appended (a signature added by another
 * tool) still reads, the last definition of an object winning. Every loop is bounded by the input's length and
 * every nesting by MAX_DEPTH; malformed input gives a PdfSyntaxError, never a hang.
 */

export type PdfValue =
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'name'; value: string }
  | { kind: 'string'; bytes: Uint8Array }
  | { kind: 'ref'; num: number; gen: number }
  | { kind: 'array'; items: PdfValue[] }
  | { kind: 'dict'; entries: Map<string, PdfValue> };

export type PdfDict = Map<string, PdfValue>;

export interface PdfObject {
  num: number;
  gen: number;
  /** Byte offset of the object's value (after `obj`). */
  offset: number;
  value: PdfValue;
  /** For a stream: where its data starts; its length comes from the dictionary's /Length. */
  streamStart?: number;
}

export class PdfSyntaxError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(`byte ${offset}: ${message}`);
    this.name = 'PdfSyntaxError';
  }
}

const MAX_DEPTH = 32;
/** Entries of one array or dictionary; pdfkit's largest are a font's width arrays, well under this. */
const MAX_ITEMS = 100_000;

const isWhite = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0c || c === 0;
const DELIMITERS = new Set(Array.from('()<>[]{}/%', (c) => c.charCodeAt(0)));
const isDelimiter = (c: number): boolean => DELIMITERS.has(c);
const isRegular = (c: number): boolean => !isWhite(c) && !isDelimiter(c);
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const hexValue = (c: number): number =>
  c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 0x37 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;

/** \n \r \t \b \f \( \) \\ in literal strings. */
const ESCAPES = new Map([
  [0x6e, 10],
  [0x72, 13],
  [0x74, 9],
  [0x62, 8],
  [0x66, 12],
  [0x28, 0x28],
  [0x29, 0x29],
  [0x5c, 0x5c],
]);

/** Parses one PDF value (a dictionary, array, string, name, number, reference …) from a position. */
export class PdfParser {
  pos: number;

  constructor(
    readonly data: Uint8Array,
    pos = 0,
  ) {
    this.pos = pos;
  }

  private fail(message: string): never {
    throw new PdfSyntaxError(this.pos, message);
  }

  /** Skips white space and comments. */
  skipSpace(): void {
    const d = this.data;
    while (this.pos < d.length) {
      const c = d[this.pos]!;
      if (isWhite(c)) this.pos++;
      else if (c === 0x25) {
        while (this.pos < d.length && d[this.pos] !== 0x0a && d[this.pos] !== 0x0d) this.pos++;
      } else break;
    }
  }

  /** The regular characters from the current position (a keyword or number), without consuming them. */
  peekWord(): string {
    let end = this.pos;
    while (end < this.data.length && end - this.pos < 64 && isRegular(this.data[end]!)) end++;
    return String.fromCharCode(...this.data.subarray(this.pos, end));
  }

  /** Consumes a keyword ("obj", "stream", "R") if it is next; true when it was. */
  keyword(word: string): boolean {
    this.skipSpace();
    if (this.peekWord() !== word) return false;
    this.pos += word.length;
    return true;
  }

  value(depth = 0): PdfValue {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
    this.skipSpace();
    const d = this.data;
    if (this.pos >= d.length) this.fail('unexpected end of file');
    const c = d[this.pos]!;
    if (c === 0x2f) return { kind: 'name', value: this.name() };
    if (c === 0x28) return { kind: 'string', bytes: this.literalString() };
    if (c === 0x3c) {
      if (d[this.pos + 1] === 0x3c) return { kind: 'dict', entries: this.dict(depth) };
      return { kind: 'string', bytes: this.hexString() };
    }
    if (c === 0x5b) {
      this.pos++;
      const items: PdfValue[] = [];
      for (;;) {
        this.skipSpace();
        if (this.pos >= d.length) this.fail('unterminated array');
        if (d[this.pos] === 0x5d) {
          this.pos++;
          return { kind: 'array', items };
        }
        if (items.length >= MAX_ITEMS) this.fail('array too long');
        items.push(this.value(depth + 1));
      }
    }
    const word = this.peekWord();
    if (word === '') this.fail(`unexpected character 0x${c.toString(16)}`);
    if (word === 'true' || word === 'false') {
      this.pos += word.length;
      return { kind: 'boolean', value: word === 'true' };
    }
    if (word === 'null') {
      this.pos += 4;
      return { kind: 'null' };
    }
    if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(word)) this.fail(`unexpected "${word.slice(0, 20)}"`);
    this.pos += word.length;
    const value = Number(word);
    // "12 0 R" is a reference: look ahead for a generation number and R, and back off if they are not there.
    if (/^\d+$/.test(word)) {
      const save = this.pos;
      this.skipSpace();
      const gen = this.peekWord();
      if (/^\d+$/.test(gen)) {
        this.pos += gen.length;
        if (this.keyword('R')) return { kind: 'ref', num: value, gen: Number(gen) };
      }
      this.pos = save;
    }
    return { kind: 'number', value };
  }

  private name(): string {
    const d = this.data;
    this.pos++;
    const bytes: number[] = [];
    while (this.pos < d.length && isRegular(d[this.pos]!)) {
      const c = d[this.pos]!;
      if (c === 0x23) {
        const h = hexValue(d[this.pos + 1] ?? -1);
        const l = hexValue(d[this.pos + 2] ?? -1);
        if (h < 0 || l < 0) this.fail('bad #xx escape in a name');
        bytes.push(h * 16 + l);
        this.pos += 3;
      } else {
        bytes.push(c);
        this.pos++;
      }
    }
    return Buffer.from(bytes).toString('latin1');
  }

  private literalString(): Uint8Array {
    const d = this.data;
    this.pos++;
    const out: number[] = [];
    let depth = 1;
    while (this.pos < d.length) {
      const c = d[this.pos++]!;
      if (c === 0x5c) {
        const e = d[this.pos++];
        if (e === undefined) break;
        const simple = ESCAPES.get(e);
        if (simple !== undefined) out.push(simple);
        else if (e >= 0x30 && e <= 0x37) {
          let v = e - 0x30;
          for (let i = 0; i < 2 && (d[this.pos] ?? 0) >= 0x30 && (d[this.pos] ?? 0) <= 0x37; i++)
            v = v * 8 + d[this.pos++]! - 0x30;
          out.push(v & 0xff);
        } else if (e === 0x0d) {
          if (d[this.pos] === 0x0a) this.pos++;
        } else if (e !== 0x0a) out.push(e);
      } else if (c === 0x28) {
        depth++;
        out.push(c);
      } else if (c === 0x29) {
        if (--depth === 0) return Uint8Array.from(out);
        out.push(c);
      } else out.push(c);
    }
    return this.fail('unterminated string');
  }

  private hexString(): Uint8Array {
    const d = this.data;
    this.pos++;
    const nibbles: number[] = [];
    while (this.pos < d.length) {
      const c = d[this.pos++]!;
      if (c === 0x3e) {
        if (nibbles.length % 2 === 1) nibbles.push(0);
        const out = new Uint8Array(nibbles.length / 2);
        for (let i = 0; i < out.length; i++) out[i] = nibbles[2 * i]! * 16 + nibbles[2 * i + 1]!;
        return out;
      }
      if (isWhite(c)) continue;
      const v = hexValue(c);
      if (v < 0) this.fail('bad character in a hex string');
      nibbles.push(v);
    }
    return this.fail('unterminated hex string');
  }

  private dict(depth: number): PdfDict {
    const d = this.data;
    this.pos += 2;
    const entries: PdfDict = new Map();
    for (;;) {
      this.skipSpace();
      if (this.pos >= d.length) this.fail('unterminated dictionary');
      if (d[this.pos] === 0x3e && d[this.pos + 1] === 0x3e) {
        this.pos += 2;
        return entries;
      }
      if (d[this.pos] !== 0x2f) this.fail('a dictionary key must be a name');
      if (entries.size >= MAX_ITEMS) this.fail('dictionary too large');
      const key = this.name();
      entries.set(key, this.value(depth + 1));
    }
  }
}

const OBJ_HEADER = /(\d{1,10})[\0\t\n\f\r ]{1,64}(\d{1,5})[\0\t\n\f\r ]{1,64}obj(?![^\0\t\n\f\r ()<>[\]{}/%])/g;
const ENDSTREAM = Buffer.from('endstream', 'latin1');

/**
 * Every object in the file, by "num gen": later definitions replace earlier ones (incremental updates). Stream
 * data is skipped by its direct /Length where it has one, so bytes inside streams are not taken for objects; an
 * object that does not parse is left out (the caller reports what it then cannot find).
 */
export function indexObjects(data: Uint8Array): Map<string, PdfObject> {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const text = bytes.toString('latin1');
  const objects = new Map<string, PdfObject>();
  const header = new RegExp(OBJ_HEADER.source, 'g');
  for (let m = header.exec(text); m !== null; m = header.exec(text)) {
    const num = Number(m[1]);
    const gen = Number(m[2]);
    // The header must start a token: "12 0 obj", not the tail of a longer run of digits.
    if (m.index > 0 && isDigit(data[m.index - 1]!)) continue;
    const parser = new PdfParser(data, m.index + m[0].length);
    let value: PdfValue;
    try {
      value = parser.value();
    } catch (e) {
      if (!(e instanceof PdfSyntaxError)) throw e;
      // Go on from where parsing failed, not from the header: the scan only ever moves forward, so a file of
      // broken objects costs one pass, not one pass per object.
      header.lastIndex = Math.max(header.lastIndex, Math.min(e.offset, data.length));
      continue;
    }
    const obj: PdfObject = { num, gen, offset: m.index + m[0].length, value };
    let next = parser.pos;
    if (value.kind === 'dict' && parser.keyword('stream')) {
      // The keyword is followed by CRLF or LF, then the data.
      let start = parser.pos;
      if (data[start] === 0x0d && data[start + 1] === 0x0a) start += 2;
      else if (data[start] === 0x0a || data[start] === 0x0d) start += 1;
      obj.streamStart = start;
      const length = value.entries.get('Length');
      if (
        length?.kind === 'number' &&
        Number.isInteger(length.value) &&
        length.value >= 0 &&
        start + length.value <= data.length
      ) {
        next = start + length.value;
      } else {
        // An indirect /Length is looked up later, by the reader of the stream; here the data is only skipped.
        const end = bytes.indexOf(ENDSTREAM, start);
        next = end < 0 ? data.length : end;
      }
    }
    header.lastIndex = Math.max(header.lastIndex, next);
    objects.set(`${num} ${gen}`, obj);
  }
  return objects;
}

/** Follows a reference (one level; PDF values never need more here). */
export function resolve(objects: Map<string, PdfObject>, value: PdfValue | undefined): PdfValue | undefined {
  if (value?.kind !== 'ref') return value;
  return objects.get(`${value.num} ${value.gen}`)?.value;
}

/** A PDF text string: UTF-16BE with a byte order mark, UTF-8 with one (PDF 2.0), or PDFDocEncoding (read as Latin-1). */
export function textString(bytes: Uint8Array): string {
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    const body = bytes.subarray(2, 2 + ((bytes.length - 2) & ~1));
    return Buffer.from(body).swap16().toString('utf16le');
  }
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
    return Buffer.from(bytes.subarray(3)).toString('utf8');
  return Buffer.from(bytes).toString('latin1');
}
