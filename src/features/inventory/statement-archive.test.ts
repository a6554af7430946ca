import { describe, expect, it } from 'vitest';
import { makeZip } from '../../../test/support/zip.js';
import { LIMITS } from '../../formats/errors.js';
import { AppError } from '../../server/errors.js';
import { readStatementArchive, type ArchiveEntry } from './statement-archive.js';

/** Changes the central directory record of entry `index` (the flags live at offset 8). */
function patchCentral(zip: Uint8Array, index: number, patch: (record: Buffer) => void): Uint8Array {
  const b = Buffer.from(zip);
  const end = b.length - 22;
  let at = b.readUInt32LE(end + 16);
  for (let i = 0; i < index; i++)
    at += 46 + b.readUInt16LE(at + 28) + b.readUInt16LE(at + 30) + b.readUInt16LE(at + 32);
  patch(b.subarray(at, at + 46 + b.readUInt16LE(at + 28)));
  return new Uint8Array(b);
}

function refusal(data: Uint8Array): string {
  try {
    readStatementArchive(data);
  } catch (e) {
    if (e instanceof AppError) return `${e.code}: ${e.message}`;
    throw e;
  }
  throw new Error('the archive was accepted');
}

const texts = (entries: ArchiveEntry[]) =>
  entries.map((e) => ('data' in e ? [e.name, Buffer.from(e.data).toString('utf8')] : [e.name, `error: ${e.error}`]));

describe('reading a zip archive of statements', () => {
  it('reads nested folders and leaves out folders and system files', () => {
    const archive = readStatementArchive(
      makeZip([
        { name: 'a/', data: '' },
        { name: 'a/b/c.json', data: '{"c":1}' },
        { name: 'd.csv', data: 'x,y', stored: true },
        { name: 'a/.DS_Store', data: '' },
        { name: '__MACOSX/a/._c.json', data: '' },
        { name: 'a/Thumbs.db', data: '' },
      ]),
    );
    expect(texts(archive.entries)).toEqual([
      ['a/b/c.json', '{"c":1}'],
      ['d.csv', 'x,y'],
    ]);
    expect(archive.skipped).toEqual(['a/.DS_Store', '__MACOSX/a/._c.json', 'a/Thumbs.db']);
  });

  it('reads names Windows wrote in Shift_JIS', () => {
    // "テスト.json" in Shift_JIS, written in place of a placeholder of the same length, without the UTF-8 flag.
    const sjis = Buffer.from([0x83, 0x65, 0x83, 0x58, 0x83, 0x67, 0x2e, 0x6a, 0x73, 0x6f, 0x6e]);
    const zip = patchCentral(makeZip([{ name: 'XXXXXX.json', data: '{}' }]), 0, (r) => {
      r.writeUInt16LE(0, 8);
      sjis.copy(r, 46);
    });
    expect(readStatementArchive(zip).entries.map((e) => e.name)).toEqual(['テスト.json']);
  });

  it('reports an entry it cannot unpack on its own, and reads the others', () => {
    const encrypted = patchCentral(
      makeZip([
        { name: 'secret.json', data: '{}' },
        { name: 'big.json', data: '{}', declaredSize: LIMITS.maxFileBytes + 1 },
        { name: 'fine.json', data: '{}' },
      ]),
      0,
      (r) => r.writeUInt16LE(r.readUInt16LE(8) | 1, 8),
    );
    expect(texts(readStatementArchive(encrypted).entries)).toEqual([
      ['secret.json', 'error: the entry is encrypted'],
      ['big.json', 'error: the file is larger than 10 MiB'],
      ['fine.json', '{}'],
    ]);
  });

  it('refuses an archive beyond the limits, or naming paths outside itself, whole', () => {
    expect(refusal(new TextEncoder().encode('{"not": "a zip"}'))).toBe('invalid-input: body: is not a zip archive');
    expect(refusal(makeZip([]))).toBe('invalid-input: body: the zip archive holds no files');
    expect(refusal(makeZip([{ name: 'a/', data: '' }]))).toBe('invalid-input: body: the zip archive holds no files');
    const many = makeZip(
      Array.from({ length: LIMITS.maxZipEntries + 1 }, (_, i) => ({ name: `${i}.json`, data: '', stored: true })),
    );
    expect(refusal(many)).toBe(
      `invalid-input: body: the zip archive has ${LIMITS.maxZipEntries + 1} entries; at most ${LIMITS.maxZipEntries} are accepted`,
    );
    const bomb = makeZip([
      { name: 'a.json', data: '{}', declaredSize: 30 * 1024 * 1024 },
      { name: 'b.json', data: '{}', declaredSize: 30 * 1024 * 1024 },
    ]);
    expect(refusal(bomb)).toBe(
      `invalid-input: body: the zip archive unpacks to more than ${LIMITS.maxUnzippedBytes} bytes; larger archives are not accepted`,
    );
    for (const name of ['/etc/passwd', '../up.json', 'a/../../up.json', 'C:/Windows/x.json', 'a\\..\\..\\x.json']) {
      expect(refusal(makeZip([{ name, data: '{}' }]))).toMatch(
        /^invalid-input: body: zip entry .* names a path outside/,
      );
    }
  });
});
