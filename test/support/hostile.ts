import { crc32, constants, deflateRawSync } from 'node:zlib';

/**
 * Builders of hostile files for the tests of bad input (docs/security.md, "Bad input and attacks"). Each builds its
 * file in a few megabytes at most, however much it claims to hold.
 */

/** One entry of `rawZip`: bytes already packed the way `method` says, with whatever sizes the test wants declared. */
export interface RawZipEntry {
  name: string;
  packed: Uint8Array;
  /** 0 stored, 8 deflated. */
  method: number;
  crc: number;
  /** What the directory declares the entry unpacks to (a lie, if the test wants one). */
  uncompressedSize: number;
}

/**
 * Writes a zip archive from entries packed by the caller. With `zip64` (or more than 65,534 entries) the entry count
 * goes into a ZIP64 end record, as a writer must when it no longer fits 16 bits.
 */
export function rawZip(entries: readonly RawZipEntry[], options: { zip64?: boolean } = {}): Uint8Array {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(e.method, 8);
    local.writeUInt32LE(e.crc >>> 0, 14);
    local.writeUInt32LE(e.packed.length, 18);
    local.writeUInt32LE(Math.min(e.uncompressedSize, 0xffffffff), 22);
    local.writeUInt16LE(name.length, 26);
    parts.push(local, name, Buffer.from(e.packed));
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(0x800, 8);
    cd.writeUInt16LE(e.method, 10);
    cd.writeUInt32LE(e.crc >>> 0, 16);
    cd.writeUInt32LE(e.packed.length, 20);
    cd.writeUInt32LE(Math.min(e.uncompressedSize, 0xffffffff), 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(offset, 42);
    central.push(cd, name);
    offset += 30 + name.length + e.packed.length;
  }
  const dir = Buffer.concat(central);
  const zip64 = options.zip64 === true || entries.length > 0xfffe;
  const tail: Buffer[] = [];
  if (zip64) {
    const end64 = Buffer.alloc(56);
    end64.writeUInt32LE(0x06064b50, 0);
    end64.writeBigUInt64LE(44n, 4);
    end64.writeUInt16LE(45, 12);
    end64.writeUInt16LE(45, 14);
    end64.writeBigUInt64LE(BigInt(entries.length), 24);
    end64.writeBigUInt64LE(BigInt(entries.length), 32);
    end64.writeBigUInt64LE(BigInt(dir.length), 40);
    end64.writeBigUInt64LE(BigInt(offset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(offset + dir.length), 8);
    locator.writeUInt32LE(1, 16);
    tail.push(end64, locator);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(zip64 ? 0xffff : entries.length, 8);
  end.writeUInt16LE(zip64 ? 0xffff : entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...parts, dir, ...tail, end]));
}

/** A deflated entry of `rawZip` holding `data`, declared honestly. */
export function deflatedEntry(name: string, data: Uint8Array | string): RawZipEntry {
  const raw = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
  return { name, packed: deflateRawSync(raw), method: 8, crc: crc32(raw) >>> 0, uncompressedSize: raw.length };
}

/**
 * A raw deflate stream that inflates to `repeat` copies of `chunk`, built without ever holding the whole: the chunk
 * is deflated once with a full flush (byte-aligned, no back-references across it), the blocks repeated, and an empty
 * final block appended. 1 GiB of zeros comes out at about a megabyte.
 */
export function deflateRepeated(chunk: Uint8Array, repeat: number): { packed: Uint8Array; size: number; crc: number } {
  const block = deflateRawSync(chunk, { finishFlush: constants.Z_FULL_FLUSH });
  const packed = Buffer.alloc(block.length * repeat + 2);
  for (let i = 0; i < repeat; i++) block.copy(packed, i * block.length);
  // BFINAL=1, BTYPE=01 (fixed Huffman), then the end-of-block code: the bits 1, 10, 0000000 → 0x03 0x00.
  packed[packed.length - 2] = 0x03;
  packed[packed.length - 1] = 0x00;
  let crc = 0;
  for (let i = 0; i < repeat; i++) crc = crc32(chunk, crc);
  return { packed: new Uint8Array(packed), size: chunk.length * repeat, crc: crc >>> 0 };
}

let gigabyteOfZeros: ReturnType<typeof deflateRepeated> | undefined;

/** 1 GiB of zeros, deflated: the classic zip bomb entry, declared as `declaredSize` (default: honestly). */
export function zipBombEntry(name: string, declaredSize?: number): RawZipEntry {
  gigabyteOfZeros ??= deflateRepeated(new Uint8Array(1024 * 1024), 1024);
  const { packed, size, crc } = gigabyteOfZeros;
  return { name, packed, method: 8, crc, uncompressedSize: declaredSize ?? size };
}

/** The XML of an external entity that would read /etc/passwd, inside a worksheet. */
export const XXE_SHEET = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData></worksheet>`;

/** Shared strings with the "billion laughs" entity expansion: ten levels of ten, a billion "lol"s. */
export const BILLION_LAUGHS_XML = (() => {
  const lines = ['<!ENTITY lol0 "lol">'];
  for (let i = 1; i <= 9; i++) {
    lines.push(`<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE sst [${lines.join('')}]>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>`;
})();
