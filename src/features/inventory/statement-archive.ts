import { FormatError, LIMITS } from '../../formats/errors.js';
import { readZipDirectory, readZipEntry, type ZipEntry } from '../../formats/xlsx-guard.js';
import { AppError } from '../../server/errors.js';

/** One file of an archive: its bytes, or why they could not be read. */
export type ArchiveEntry = { name: string; data: Uint8Array } | { name: string; error: string };

export interface StatementArchive {
  /** The files, in the archive's order. */
  entries: ArchiveEntry[];
  /** Folders and system files that were not read. */
  skipped: string[];
}

const ZIP_LOCAL = [0x50, 0x4b, 0x03, 0x04];
const ZIP_EMPTY = [0x50, 0x4b, 0x05, 0x06];
const MIB = 1024 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const shiftJis = new TextDecoder('shift_jis');

/**
 * An entry's name. Without the UTF-8 flag the guard decodes names as Latin-1, which keeps every byte; Windows'
 * "compressed folder" writes Japanese names in Shift_JIS (CP932) that way, other tools UTF-8 without the flag.
 */
function entryName(entry: ZipEntry): string {
  if ((entry.flags & 0x800) !== 0) return entry.name;
  const bytes = Buffer.from(entry.name, 'latin1');
  try {
    return utf8.decode(bytes);
  } catch {
    return shiftJis.decode(bytes);
  }
}

/** The guard's messages speak of workbooks; here the archive is a bundle of statements. */
function archiveMessage(e: FormatError): string {
  return e.message.replace(/not an? (readable )?XLSX workbook: /g, '').replace('larger workbooks', 'larger archives');
}

/** True for a path that would leave the folder it is unpacked into: absolute, a drive, or a `..` segment. */
function escapes(path: string): boolean {
  const p = path.replace(/\\/g, '/');
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p)) return true;
  return p.split('/').some((s) => s === '..');
}

/** Folders, and what macOS and Windows add to archives they make. */
function isClutter(path: string): boolean {
  if (path.endsWith('/')) return true;
  const segments = path.split('/');
  const base = segments[segments.length - 1] ?? '';
  return segments.includes('__MACOSX') || base.startsWith('.') || base.toLowerCase() === 'thumbs.db';
}

/**
 * Reads a zip archive of statement files within the upload limits (LIMITS: its size, the number of entries, the
 * total unpacked size, each entry unpacked no larger than declared). An archive that breaks a limit, or names a
 * path outside itself, is refused whole (AppError invalid-input, `body: …`); an entry that cannot be unpacked
 * (encrypted, corrupt, too large for one file) is reported on its own and does not stop the others. Folders nest
 * freely: an entry keeps its path as its name.
 */
export function readStatementArchive(data: Uint8Array): StatementArchive {
  const starts = (magic: number[]): boolean => magic.every((b, i) => data[i] === b);
  if (!starts(ZIP_LOCAL) && !starts(ZIP_EMPTY)) {
    throw new AppError('invalid-input', { message: 'body: is not a zip archive' });
  }
  let directory: ZipEntry[];
  try {
    directory = readZipDirectory(data, 'zip');
  } catch (e) {
    if (e instanceof FormatError) throw new AppError('invalid-input', { message: `body: ${archiveMessage(e)}` });
    throw e;
  }
  const named = directory.map((entry) => ({ entry, name: entryName(entry) }));
  const unsafe = named.find((n) => escapes(n.name) || n.name.includes('\0'));
  if (unsafe !== undefined) {
    throw new AppError('invalid-input', {
      message: `body: zip entry ${JSON.stringify(unsafe.name.slice(0, 200))} names a path outside the archive (absolute, or with ..); the archive is refused`,
    });
  }
  const entries: ArchiveEntry[] = [];
  const skipped: string[] = [];
  for (const { entry, name } of named) {
    if (isClutter(name)) {
      if (!name.endsWith('/')) skipped.push(name);
      continue;
    }
    if (entry.uncompressedSize > LIMITS.maxFileBytes) {
      entries.push({ name, error: `the file is larger than ${LIMITS.maxFileBytes / MIB} MiB` });
      continue;
    }
    try {
      entries.push({ name, data: readZipEntry(data, entry, 'zip') });
    } catch (e) {
      if (!(e instanceof FormatError)) throw e;
      // The guard names the entry in its location; the answer names it already.
      const own = e.location === undefined ? e.message : e.message.slice(e.location.length + 2);
      entries.push({ name, error: archiveMessage(new FormatError('zip', undefined, own)) });
    }
  }
  if (entries.length === 0) throw new AppError('invalid-input', { message: 'body: the zip archive holds no files' });
  return { entries, skipped };
}
