import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeZip } from '../../test/support/zip.js';
import { FormatError, LIMITS } from './errors.js';
import { guardXlsx, readZipDirectory, readZipEntry } from './xlsx-guard.js';

const example = new Uint8Array(
  readFileSync(new URL('../../examples/nema-mds2-example-worksheet.xlsx', import.meta.url)),
);

function guardError(data: Uint8Array): FormatError {
  try {
    guardXlsx(data, 'xlsx');
  } catch (e) {
    if (e instanceof FormatError) return e;
    throw e;
  }
  throw new Error('guardXlsx accepted the input');
}

const workbookXml = '<?xml version="1.0"?><workbook/>';

describe('guardXlsx', () => {
  it("accepts NEMA's example workbook and lists its parts", () => {
    expect(() => guardXlsx(example, 'xlsx')).not.toThrow();
    const names = readZipDirectory(example, 'xlsx').map((e) => e.name);
    expect(names).toContain('xl/workbook.xml');
    expect(names).toContain('xl/worksheets/sheet1.xml');
    expect(names).toHaveLength(24);
  });

  it('unpacks an entry to its exact bytes', () => {
    const zip = makeZip([
      { name: 'xl/workbook.xml', data: workbookXml },
      { name: 'a.txt', data: '髙橋 𠮷', stored: true },
    ]);
    const entries = readZipDirectory(zip, 'xlsx');
    expect(entries.map((e) => e.name)).toEqual(['xl/workbook.xml', 'a.txt']);
    expect(new TextDecoder().decode(readZipEntry(zip, entries[0]!, 'xlsx'))).toBe(workbookXml);
    expect(new TextDecoder().decode(readZipEntry(zip, entries[1]!, 'xlsx'))).toBe('髙橋 𠮷');
  });

  it('reads ZIP64 records (written by `zip -fz`)', () => {
    const zip64 = Buffer.from(
      'UEsDBC0AAAAAAOKQeV26cRhO//////////8PADAAeGwvd29ya2Jvb2sueG1sVVQJAAPIIwdryCMHa3V4CwABBAAAAAAEAAAAAAEAEAAMAAAAAAAAAAwAAAA' +
        'AAAAAPHdvcmtib29rLz4KUEsBAh4DLQAAAAAA4pB5XbpxGE4MAAAA/////w8AJAAAAAAAAQAAAKSBAAAAAHhsL3dvcmtib29rLnhtbFVUBQADyCMHa3V4' +
        'CwABBAAAAAAEAAAAAAEACAAMAAAAAAAAAFBLBgYsAAAAAAAAAB4DLQAAAAAAAAAAAAEAAAAAAAAAAQAAAAAAAABhAAAAAAAAAGkAAAAAAAAAUEsGBwAAAA' +
        'DKAAAAAAAAAAEAAABQSwUGAAAAAAEAAQBhAAAA/////wAA',
      'base64',
    );
    const data = new Uint8Array(zip64);
    expect(() => guardXlsx(data, 'xlsx')).not.toThrow();
    const [entry] = readZipDirectory(data, 'xlsx');
    expect(entry?.uncompressedSize).toBe(12);
    expect(new TextDecoder().decode(readZipEntry(data, entry!, 'xlsx'))).toBe('<workbook/>\n');
  });

  it('rejects bytes that are not a zip archive', () => {
    expect(guardError(new TextEncoder().encode('Question ID,Question\nDOC-1,Manufacturer\n')).message).toBe(
      'not an XLSX workbook: the file is not a zip archive',
    );
    expect(guardError(new Uint8Array(0)).message).toMatch(/not a zip archive/);
  });

  it('names a legacy .xls or password-protected workbook as such', () => {
    const ole = new Uint8Array(4096);
    ole.set([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
    expect(guardError(ole).message).toMatch(/legacy \.xls file or a password-protected workbook/);
  });

  it('rejects a truncated workbook', () => {
    for (const length of [30, 1000, Math.floor(example.length / 2), example.length - 1]) {
      expect(guardError(example.subarray(0, length)).message).toMatch(/not (an|a readable) XLSX workbook/);
    }
  });

  it('rejects a zip archive without xl/workbook.xml', () => {
    const zip = makeZip([{ name: 'word/document.xml', data: '<document/>' }]);
    expect(guardError(zip).message).toBe('not an XLSX workbook: the zip archive has no xl/workbook.xml');
  });

  it('rejects more entries than the limit', () => {
    const files = Array.from({ length: LIMITS.maxZipEntries + 1 }, (_, i) => ({
      name: `f${i}`,
      data: '',
      stored: true,
    }));
    files[0] = { name: 'xl/workbook.xml', data: workbookXml, stored: true };
    expect(guardError(makeZip(files)).message).toBe(
      `the zip archive has ${LIMITS.maxZipEntries + 1} entries; at most ${LIMITS.maxZipEntries} are accepted`,
    );
  });

  it('rejects an archive that declares more unpacked bytes than the limit, without unpacking it', () => {
    const zip = makeZip([
      { name: 'xl/workbook.xml', data: workbookXml },
      { name: 'xl/worksheets/sheet1.xml', data: 'x', declaredSize: LIMITS.maxUnzippedBytes },
    ]);
    expect(guardError(zip).message).toBe(
      `the zip archive unpacks to more than ${LIMITS.maxUnzippedBytes} bytes; larger workbooks are not accepted`,
    );
  });

  it('catches an entry that unpacks to more than it declares (a bomb with a lying header)', () => {
    const zip = makeZip([
      { name: 'xl/workbook.xml', data: workbookXml },
      { name: 'xl/worksheets/sheet1.xml', data: '<a/>'.repeat(1_000_000), declaredSize: 100 },
    ]);
    const e = guardError(zip);
    expect(e.location).toBe('zip entry "xl/worksheets/sheet1.xml"');
    expect(e.message).toBe(
      'zip entry "xl/worksheets/sheet1.xml": not a readable XLSX workbook: it unpacks to more than its declared size',
    );
  });

  it('catches an entry that unpacks to less than it declares', () => {
    const zip = makeZip([{ name: 'xl/workbook.xml', data: workbookXml, declaredSize: 10_000 }]);
    expect(guardError(zip).message).toMatch(/unpacks to \d+ bytes, not the declared 10000/);
  });

  it('catches changed bytes inside an entry by its checksum', () => {
    const zip = makeZip([{ name: 'xl/workbook.xml', data: workbookXml, stored: true }]);
    const at = zip.indexOf('w'.charCodeAt(0), 30 + 'xl/workbook.xml'.length);
    zip[at + 1] = 'X'.charCodeAt(0);
    expect(guardError(zip).message).toMatch(/checksum mismatch/);
  });

  it('rejects files larger than the upload limit before reading them', () => {
    expect(guardError(new Uint8Array(LIMITS.maxFileBytes + 1)).message).toBe(
      `file is larger than ${LIMITS.maxFileBytes} bytes`,
    );
  });
});
