import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gunzipSync } from 'node:zlib';

/*
 * A backup is a gzip'd POSIX (ustar) tar archive of regular files, so that `tar -tzf` lists it and `tar -xzf`
 * unpacks it with no OpenMDS at hand. Only what a backup needs is written and read: regular files with short names.
 */

const BLOCK = 512;
const NAME_LENGTH = 100;
/** 11 octal digits: the largest size a plain ustar header holds (8 GiB - 1). */
const MAX_SIZE = 0o77777777777;

/** A damaged or unexpected archive; the message names the entry when there is one. */
export class ArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchiveError';
  }
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(name: string, size: number, mtime: Date): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  if (nameBytes.length > NAME_LENGTH) throw new ArchiveError(`${name}: name longer than ${NAME_LENGTH} bytes`);
  if (size > MAX_SIZE) throw new ArchiveError(`${name}: larger than 8 GiB`);
  const h = Buffer.alloc(BLOCK);
  nameBytes.copy(h, 0);
  h.write(octal(0o600, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(Math.floor(mtime.getTime() / 1000), 12), 136, 'ascii');
  h.write(' '.repeat(8), 148, 'ascii');
  h.write('0', 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write(`${checksum(h).toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

/** The sum of the header's bytes with the checksum field read as spaces. */
function checksum(h: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  return sum;
}

const padding = (size: number): Buffer => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

/** Writes a .tar.gz to a stream, one file at a time (each file is held in memory whole, the archive is not). */
export class TarGzWriter {
  private readonly gzip = createGzip();
  private readonly done: Promise<void>;

  constructor(
    destination: Writable,
    private readonly mtime: Date,
  ) {
    this.done = pipeline(this.gzip, destination);
    // pipeline reports a failure through `done`; this keeps an early one from being unhandled until then.
    this.done.catch(() => undefined);
  }

  /** Appends one regular file. */
  async add(name: string, data: Buffer): Promise<void> {
    for (const chunk of [header(name, data.length, this.mtime), data, padding(data.length)]) {
      if (chunk.length > 0 && !this.gzip.write(chunk)) await once(this.gzip, 'drain');
    }
  }

  /** Writes the end-of-archive marker and waits until everything reached the destination. */
  async finish(): Promise<void> {
    this.gzip.end(Buffer.alloc(BLOCK * 2));
    await this.done;
  }

  /** Stops writing (the destination gets an error, not a valid archive). */
  abort(error: Error): void {
    this.gzip.destroy(error);
  }
}

/** The files of a .tar.gz, in archive order. Throws ArchiveError when it is not one, or is damaged or cut short. */
export function readTarGz(data: Uint8Array): Map<string, Buffer> {
  if (data.length < 2 || data[0] !== 0x1f || data[1] !== 0x8b) {
    throw new ArchiveError('not a gzip file (an OpenMDS backup is a .tar.gz)');
  }
  let tar: Buffer;
  try {
    tar = gunzipSync(data);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new ArchiveError(`truncated or damaged: the gzip stream does not decompress (${reason})`);
  }
  const files = new Map<string, Buffer>();
  let offset = 0;
  for (;;) {
    if (offset + BLOCK > tar.length) throw new ArchiveError('truncated: the tar archive has no end marker');
    const h = tar.subarray(offset, offset + BLOCK);
    if (h.every((b) => b === 0)) return files;
    const name = cString(h.subarray(0, NAME_LENGTH));
    const prefix = cString(h.subarray(345, 500));
    const fullName = prefix === '' ? name : `${prefix}/${name}`;
    const stored = Number.parseInt(cString(h.subarray(148, 156)).trim(), 8);
    if (stored !== checksum(h)) throw new ArchiveError(`damaged: the tar header of ${fullName} fails its checksum`);
    const type = String.fromCharCode(h[156]!);
    if (type !== '0' && type !== '\0') {
      throw new ArchiveError(`${fullName}: not a regular file (tar type ${JSON.stringify(type)})`);
    }
    const size = Number.parseInt(cString(h.subarray(124, 136)).trim(), 8);
    if (!Number.isSafeInteger(size) || size < 0) throw new ArchiveError(`${fullName}: unreadable size in its header`);
    const start = offset + BLOCK;
    if (start + size > tar.length) throw new ArchiveError(`truncated: ${fullName} is cut short`);
    if (files.has(fullName)) throw new ArchiveError(`${fullName}: appears twice in the archive`);
    files.set(fullName, tar.subarray(start, start + size));
    offset = start + size + padding(size).length;
  }
}

function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end === -1 ? bytes.length : end).toString('utf8');
}
