import { crc32, inflateRawSync } from 'node:zlib';
import { FormatError, LIMITS } from './errors.js';

/** One file inside a zip archive, as its central directory declares it. */
export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated; anything else is rejected. */
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const SIG_END64 = 0x06064b50;
const SIG_END64_LOCATOR = 0x07064b50;
/** An OLE compound file: a legacy .xls, or an XLSX that Excel encrypted with a password. */
const OLE_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

const utf8 = new TextDecoder('utf-8');
const latin1 = new TextDecoder('latin1');

function view(data: Uint8Array): DataView {
  return new DataView(data.buffer, data.byteOffset, data.byteLength);
}

function u64(v: DataView, at: number): number {
  const n = v.getBigUint64(at, true);
  // Larger than any file we accept: report it as out of range rather than lose precision.
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
}

function notZip(format: string, data: Uint8Array): FormatError {
  if (data.length >= 8 && OLE_MAGIC.every((b, i) => data[i] === b)) {
    return new FormatError(
      format,
      undefined,
      'not an XLSX workbook: this is a legacy .xls file or a password-protected workbook; save it as .xlsx without a password',
    );
  }
  return new FormatError(format, undefined, 'not an XLSX workbook: the file is not a zip archive');
}

function findEnd(data: Uint8Array, v: DataView): number {
  const last = data.length - 22;
  const first = Math.max(0, last - 0xffff);
  for (let at = last; at >= first; at--) {
    if (v.getUint32(at, true) === SIG_END && at + 22 + v.getUint16(at + 20, true) <= data.length) return at;
  }
  return -1;
}

/**
 * Reads a zip archive's central directory, checking it against the upload limits: entry count, declared unpacked
 * size, and that every record lies inside the file. Throws FormatError; never reads an entry's data.
 */
export function readZipDirectory(data: Uint8Array, format: string): ZipEntry[] {
  if (data.byteLength > LIMITS.maxFileBytes) {
    throw new FormatError(format, undefined, `file is larger than ${LIMITS.maxFileBytes} bytes`);
  }
  if (data.length < 22) throw notZip(format, data);
  const v = view(data);
  const end = findEnd(data, v);
  if (end < 0) throw notZip(format, data);
  const corrupt = (what: string): FormatError =>
    new FormatError(format, undefined, `not a readable XLSX workbook: the zip archive is corrupt (${what})`);

  if (v.getUint16(end + 4, true) !== 0 || v.getUint16(end + 6, true) !== 0) {
    throw new FormatError(format, undefined, 'not an XLSX workbook: a zip archive split over several files');
  }
  let count = v.getUint16(end + 10, true);
  let dirSize = v.getUint32(end + 12, true);
  let dirOffset = v.getUint32(end + 16, true);
  let dirLimit = end;
  if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) {
    // ZIP64: the real values sit in the ZIP64 end record, found through the locator just before the end record.
    const loc = end - 20;
    if (loc < 0 || v.getUint32(loc, true) !== SIG_END64_LOCATOR) throw corrupt('ZIP64 locator missing');
    const end64 = u64(v, loc + 8);
    if (end64 + 56 > loc || v.getUint32(end64, true) !== SIG_END64) throw corrupt('ZIP64 end record missing');
    count = u64(v, end64 + 32);
    dirSize = u64(v, end64 + 40);
    dirOffset = u64(v, end64 + 48);
    dirLimit = end64;
  }
  if (count > LIMITS.maxZipEntries) {
    throw new FormatError(
      format,
      undefined,
      `the zip archive has ${count} entries; at most ${LIMITS.maxZipEntries} are accepted`,
    );
  }
  if (dirOffset + dirSize > dirLimit) throw corrupt('central directory lies outside the file');

  const entries: ZipEntry[] = [];
  let total = 0;
  let at = dirOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > dirOffset + dirSize || v.getUint32(at, true) !== SIG_CENTRAL) {
      throw corrupt(`central directory record ${i + 1}`);
    }
    const flags = v.getUint16(at + 8, true);
    const method = v.getUint16(at + 10, true);
    const crc = v.getUint32(at + 16, true);
    let compressedSize = v.getUint32(at + 20, true);
    let uncompressedSize = v.getUint32(at + 24, true);
    const nameLength = v.getUint16(at + 28, true);
    const extraLength = v.getUint16(at + 30, true);
    const commentLength = v.getUint16(at + 32, true);
    let localHeaderOffset = v.getUint32(at + 42, true);
    const next = at + 46 + nameLength + extraLength + commentLength;
    if (next > dirOffset + dirSize) throw corrupt(`central directory record ${i + 1}`);
    const nameBytes = data.subarray(at + 46, at + 46 + nameLength);
    const name = (flags & 0x800) !== 0 ? utf8.decode(nameBytes) : latin1.decode(nameBytes);
    // ZIP64 extra field: 64-bit values for whichever 32-bit fields are saturated, in this order.
    const extraEnd = at + 46 + nameLength + extraLength;
    for (let x = at + 46 + nameLength; x + 4 <= extraEnd;) {
      const id = v.getUint16(x, true);
      const size = v.getUint16(x + 2, true);
      if (x + 4 + size > extraEnd) throw corrupt(`extra field of "${name}"`);
      if (id === 0x0001) {
        let p = x + 4;
        const take = (): number => {
          if (p + 8 > x + 4 + size) throw corrupt(`ZIP64 field of "${name}"`);
          const n = u64(v, p);
          p += 8;
          return n;
        };
        if (uncompressedSize === 0xffffffff) uncompressedSize = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = take();
      }
      x += 4 + size;
    }
    total += uncompressedSize;
    if (total > LIMITS.maxUnzippedBytes) {
      throw new FormatError(
        format,
        undefined,
        `the zip archive unpacks to more than ${LIMITS.maxUnzippedBytes} bytes; larger workbooks are not accepted`,
      );
    }
    if (localHeaderOffset + 30 > dirOffset) throw corrupt(`entry "${name}" lies outside the file`);
    entries.push({ name, method, flags, crc, compressedSize, uncompressedSize, localHeaderOffset });
    at = next;
  }
  return entries;
}

/**
 * Unpacks one entry, never producing more than its declared size, and checks its size and CRC. Throws FormatError
 * naming the entry.
 */
export function readZipEntry(data: Uint8Array, entry: ZipEntry, format: string): Uint8Array {
  const where = `zip entry ${JSON.stringify(entry.name.slice(0, 200))}`;
  const fail = (what: string): FormatError => new FormatError(format, where, `not a readable XLSX workbook: ${what}`);
  if ((entry.flags & 0x1) !== 0) throw fail('the entry is encrypted');
  const v = view(data);
  const at = entry.localHeaderOffset;
  if (at + 30 > data.length || v.getUint32(at, true) !== SIG_LOCAL) throw fail('local header missing');
  const start = at + 30 + v.getUint16(at + 26, true) + v.getUint16(at + 28, true);
  const stop = start + entry.compressedSize;
  if (stop > data.length) throw fail('data runs past the end of the file');
  const packed = data.subarray(start, stop);
  let out: Uint8Array;
  if (entry.method === 0) {
    out = packed;
  } else if (entry.method === 8) {
    try {
      // One byte more than declared, so an entry that lies about its size is caught without inflating it all.
      out = inflateRawSync(packed, { maxOutputLength: entry.uncompressedSize + 1 });
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      throw fail(
        code === 'ERR_BUFFER_TOO_LARGE'
          ? 'it unpacks to more than its declared size'
          : 'its compressed data is corrupt',
      );
    }
  } else {
    throw fail(`compression method ${entry.method} is not supported`);
  }
  if (out.length !== entry.uncompressedSize) {
    throw fail(`it unpacks to ${out.length} bytes, not the declared ${entry.uncompressedSize}`);
  }
  if (crc32(out) >>> 0 !== entry.crc >>> 0) throw fail('checksum mismatch');
  return out;
}

/** Parts the spreadsheet library parses as XML. */
const XML_PART = /\.(?:xml|rels|vml)$/i;
const DOCTYPE = ['<!DOCTYPE', '<!ENTITY'];
/** The markers in UTF-8 and in UTF-16 (either byte order), the encodings an XML parser accepts. */
const DOCTYPE_MARKERS = DOCTYPE.flatMap((m) => [
  Buffer.from(m, 'utf8'),
  Buffer.from(m, 'utf16le'),
  Buffer.from(m, 'utf16le').swap16(),
]);

/**
 * True when XML bytes declare a document type or an entity anywhere. Office never writes either; refusing them
 * before exceljs parses a part closes external entities (XXE) and entity expansion ("billion laughs") whatever the
 * parser would do with them.
 */
function declaresDoctype(bytes: Uint8Array): boolean {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return DOCTYPE_MARKERS.some((m) => b.includes(m));
}

/**
 * Checks that bytes are an XLSX workbook within the upload limits before any spreadsheet library sees them: a zip
 * archive of at most LIMITS.maxZipEntries entries, unpacking to at most LIMITS.maxUnzippedBytes (declared sizes are
 * verified by unpacking, so a lying header cannot get past), with intact entries and an `xl/workbook.xml`, and no XML
 * part declaring a DOCTYPE or an entity. Throws FormatError.
 */
export function guardXlsx(data: Uint8Array, format: string): void {
  const entries = readZipDirectory(data, format);
  if (!entries.some((e) => e.name === 'xl/workbook.xml')) {
    throw new FormatError(format, undefined, 'not an XLSX workbook: the zip archive has no xl/workbook.xml');
  }
  for (const entry of entries) {
    if (entry.name.endsWith('/')) continue;
    const bytes = readZipEntry(data, entry, format);
    if (XML_PART.test(entry.name) && declaresDoctype(bytes)) {
      throw new FormatError(
        format,
        `zip entry ${JSON.stringify(entry.name.slice(0, 200))}`,
        'not a readable XLSX workbook: the XML has a document type declaration (<!DOCTYPE>), which workbooks never need; entity declarations in it could read local files or expand without bound',
      );
    }
  }
}
