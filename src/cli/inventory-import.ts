import { closeSync, lstatSync, openSync, readdirSync, readFileSync, readSync, type Stats } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Db } from '../db/database.js';
import { LIMITS } from '../formats/errors.js';
import type { FileResult, ZipImportResult } from '../features/inventory/inventory.schema.js';
import { requireInventory } from '../features/inventory/inventory.views.js';
import { importFiles, type ImportFile } from '../features/inventory/sources.service.js';
import { readStatementArchive, type ArchiveEntry } from '../features/inventory/statement-archive.js';
import type { RequestContext } from '../security/context.js';
import { AppError } from '../server/errors.js';
import { actAsUser, CommandError, openCliDatabase, type DatabaseOptions } from './cli-context.js';

const MIB = 1024 * 1024;

/** What `openmds inventory import` reads: the files of a folder or of a zip archive, each read or refused alone. */
export interface ImportBundle {
  entries: ArchiveEntry[];
  /** Hidden files and folders, links and other non-regular files that were not read. */
  skipped: string[];
}

function statOf(path: string): Stats {
  try {
    return lstatSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CommandError(`${path}: ${code === 'ENOENT' ? 'no such file or folder' : 'cannot be read'}`, 2);
  }
}

/**
 * Reads a folder within the limits of an uploaded zip archive (LIMITS): at most maxZipEntries files and
 * maxUnzippedBytes in all, or the folder is refused whole; a file larger than maxFileBytes is reported on its own.
 * Folders nest (a file's name is its path in the folder, with "/"); hidden files and folders (".git", ".DS_Store"),
 * Thumbs.db, and anything that is not a regular file (links, sockets) are skipped, so a link cannot lead outside.
 */
export function readFolder(root: string): ImportBundle {
  const found: { name: string; path: string; size: number }[] = [];
  const skipped: string[] = [];
  let total = 0;
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      throw new CommandError(`${dir}: the folder cannot be read`, 2);
    }
    for (const name of names) {
      const path = join(dir, name);
      const shown = relative(root, path).split(sep).join('/');
      if (name.startsWith('.') || name.toLowerCase() === 'thumbs.db') {
        skipped.push(shown);
        continue;
      }
      const st = statOf(path);
      if (st.isDirectory()) walk(path);
      else if (!st.isFile()) skipped.push(shown);
      else {
        found.push({ name: shown, path, size: st.size });
        if (found.length > LIMITS.maxZipEntries) {
          throw new CommandError(`${root}: holds more than ${LIMITS.maxZipEntries} files; import it in parts`, 2);
        }
        if (st.size <= LIMITS.maxFileBytes) total += st.size;
        if (total > LIMITS.maxUnzippedBytes) {
          throw new CommandError(
            `${root}: its files add up to more than ${LIMITS.maxUnzippedBytes / MIB} MiB; import it in parts`,
            2,
          );
        }
      }
    }
  };
  walk(root);
  if (found.length === 0) throw new CommandError(`${root}: the folder holds no files to import`, 2);
  const entries = found.map((f): ArchiveEntry => {
    if (f.size > LIMITS.maxFileBytes)
      return { name: f.name, error: `the file is larger than ${LIMITS.maxFileBytes / MIB} MiB` };
    try {
      return { name: f.name, data: readFileSync(f.path) };
    } catch {
      return { name: f.name, error: 'the file cannot be read' };
    }
  });
  return { entries, skipped };
}

/** Reads a zip archive as the upload does (the same checks and limits; the archive no larger than one file). */
export function readZip(path: string, size: number): ImportBundle {
  if (size > LIMITS.maxFileBytes) {
    throw new CommandError(`${path}: the archive is larger than ${LIMITS.maxFileBytes / MIB} MiB; split it`, 2);
  }
  let data: Uint8Array;
  try {
    data = readFileSync(path);
  } catch {
    throw new CommandError(`${path}: cannot be read`, 2);
  }
  try {
    return readStatementArchive(data);
  } catch (e) {
    if (e instanceof AppError) throw new CommandError(`${path}: ${e.message.replace(/^body: /, '')}`, 2);
    throw e;
  }
}

/** The folder or zip archive at `path`, read. */
export function readBundle(path: string): ImportBundle {
  const st = statOf(path);
  if (st.isDirectory()) return readFolder(path);
  if (!st.isFile()) throw new CommandError(`${path}: is neither a folder nor a zip archive`, 2);
  const head = Buffer.alloc(4);
  try {
    const fd = openSync(path, 'r');
    try {
      readSync(fd, head, 0, 4, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    throw new CommandError(`${path}: cannot be read`, 2);
  }
  if (head[0] !== 0x50 || head[1] !== 0x4b) {
    throw new CommandError(
      `${path}: is neither a folder nor a zip archive (to import one statement file, put it in a folder)`,
      2,
    );
  }
  return readZip(path, st.size);
}

/** One line of progress, as written to standard error: `[3/12] pacs.xlsx: imported (signature valid)`. */
export function progressLine(done: number, total: number, r: FileResult): string {
  const head = `[${done}/${total}] ${r.name}:`;
  if (!r.ok) return `${head} failed: ${r.error ?? 'unknown error'}`;
  const signature = r.signatureStatus === 'unsigned' ? 'unsigned' : `signature ${r.signatureStatus ?? '?'}`;
  return `${head} ${r.duplicate ? 'held already' : 'imported'} (${signature})`;
}

function outcome(r: FileResult): string {
  return !r.ok ? 'failed' : r.duplicate ? 'held already' : 'imported';
}

/** The per-file table printed on standard output, then the totals. */
export function resultTable(result: ZipImportResult): string {
  const rows = result.files.map((f) => [outcome(f), f.signatureStatus ?? '-', f.name, f.error ?? '']);
  const head = ['result', 'signature', 'file', 'error'];
  const width = (i: number): number => Math.max(head[i]!.length, ...rows.map((r) => r[i]!.length));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i < cells.length - 1 ? c.padEnd(width(i)) : c))
      .join('  ')
      .trimEnd();
  const skipped =
    result.skipped.length === 0 ? '' : `, ${result.skipped.length} skipped (${result.skipped.join(', ')})`;
  return [
    line(head),
    ...rows.map(line),
    '',
    `${result.imported} imported, ${result.duplicates} held already, ${result.failed} failed${skipped}`,
    '',
  ].join('\n');
}

export interface InventoryImportOptions {
  /** The folder or zip archive, read (readBundle). */
  bundle: ImportBundle;
  orgId: string;
  onProgress?: (line: string) => void;
  /** An unexpected failure on one file (reported as failed, with a generic message). */
  log?: (error: unknown, fileName: string) => void;
}

/**
 * Imports a folder or zip archive of statement files into a hospital's statement sources, as `ctx`'s user (who must
 * be an owner or editor of it: the service's gate decides). Each file is imported on its own; the result lists every
 * file in the bundle's order.
 */
export async function importBundle(
  db: Db,
  ctx: RequestContext,
  opts: InventoryImportOptions,
): Promise<ZipImportResult> {
  const bundle = opts.bundle;
  const readable = bundle.entries.filter((e): e is ImportFile => 'data' in e);
  const refused = bundle.entries.filter((e): e is { name: string; error: string } => 'error' in e);
  const total = bundle.entries.length;
  const refusedResults = refused.map((e): FileResult => ({
    name: e.name,
    ok: false,
    error: e.error,
    sourceId: null,
    duplicate: false,
    signatureStatus: null,
  }));
  try {
    // Checked before any progress is shown; importFiles checks again.
    requireInventory(ctx, opts.orgId, 'inventory.write');
  } catch (e) {
    if (e instanceof AppError && e.statusCode < 500) throw new CommandError(`--org: ${e.message}`, 2);
    throw e;
  }
  // The files that could not even be read come first in the progress; the table keeps the bundle's order.
  refusedResults.forEach((r, i) => opts.onProgress?.(progressLine(i + 1, total, r)));
  const imported = await importFiles(
    db.kysely,
    ctx,
    opts.orgId,
    readable,
    (done, _all, r) => opts.onProgress?.(progressLine(refused.length + done, total, r)),
    opts.log === undefined ? {} : { log: opts.log },
  );
  let next = 0;
  let nextRefused = 0;
  const files = bundle.entries.map((e) => ('data' in e ? imported[next++]! : refusedResults[nextRefused++]!));
  return {
    files,
    imported: files.filter((f) => f.ok && !f.duplicate).length,
    duplicates: files.filter((f) => f.duplicate).length,
    failed: files.filter((f) => !f.ok).length,
    skipped: bundle.skipped,
  };
}

/** Finds the organization `--org` names among the user's memberships: by id, or by its exact name. */
export function resolveOrg(ctx: RequestContext, org: string): string {
  if (ctx.actor.kind !== 'user') throw new CommandError('--user: no user to act as', 2);
  const byId = ctx.actor.memberships.find((m) => m.orgId === org);
  if (byId !== undefined) return byId.orgId;
  const wanted = org.normalize('NFC').trim();
  const byName = ctx.actor.memberships.filter((m) => m.orgName.normalize('NFC') === wanted);
  if (byName.length === 1) return byName[0]!.orgId;
  if (byName.length > 1)
    throw new CommandError(`--org: ${ctx.actor.email} belongs to several organizations named "${org}"; give the id`, 2);
  // Not a member: the gate answers the way it answers every request (not found, without saying whether it exists).
  return org;
}

/** `openmds inventory import`: the options as commander gives them. */
export interface InventoryImportCommand extends DatabaseOptions {
  org: string;
  user: string;
  json?: boolean;
  debug?: boolean;
}

/**
 * Runs `openmds inventory import PATH`: progress on standard error, the table (or JSON) on standard output. Returns
 * the exit code: 0 when every file was imported or held already, 1 when some failed.
 */
export async function runInventoryImport(path: string, opts: InventoryImportCommand): Promise<number> {
  const bundle = readBundle(path);
  const db = await openCliDatabase(opts);
  try {
    const ctx = await actAsUser(db, opts.user, 'inventory import');
    const orgId = resolveOrg(ctx, opts.org);
    const result = await importBundle(db, ctx, {
      bundle,
      orgId,
      onProgress: (line) => process.stderr.write(`${line}\n`),
      log: (e, name) => {
        process.stderr.write(`openmds: ${name}: unexpected error: ${e instanceof Error ? e.message : String(e)}\n`);
        if (opts.debug === true && e instanceof Error) process.stderr.write(`${e.stack ?? ''}\n`);
      },
    });
    process.stdout.write(opts.json === true ? `${JSON.stringify(result, null, 2)}\n` : resultTable(result));
    return result.failed > 0 ? 1 : 0;
  } finally {
    await db.close();
  }
}
