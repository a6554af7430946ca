import { inventoryApi, type SignatureStatus } from './inventory-api';

/** One file's outcome in an upload, as the list under the progress bar shows it. */
export interface UploadResult {
  /** The file's path: its name, its folder path (folder picker), or "archive.zip/entry" for a zip entry. */
  name: string;
  state: 'imported' | 'duplicate' | 'error' | 'skipped';
  /** Why it failed (the server's message naming the place), or why it was skipped. */
  message: string | null;
  sourceId: string | null;
  signatureStatus: SignatureStatus | null;
}

export interface UploadProgress {
  done: number;
  total: number;
  current: string | null;
}

/** Folders and system files (macOS, Windows) a folder pick or a zip brings along: not statements, not read. */
export function isSystemFile(path: string): boolean {
  const parts = path.split('/');
  const last = parts[parts.length - 1] ?? '';
  return (
    parts.some((p) => p.startsWith('.') || p === '__MACOSX') || /^thumbs\.db$/i.test(last) || last === 'desktop.ini'
  );
}

/** The name a file is sent under: its path inside the folder picked, else its name. */
export function pathOf(file: File): string {
  return file.webkitRelativePath !== '' ? file.webkitRelativePath : file.name;
}

const isZip = (file: File) => /\.zip$/i.test(file.name) || file.type === 'application/zip';

/**
 * Imports the files one after another (a zip archive through the archive route, its entries reported one by one).
 * A file that fails is reported and the next one goes on; only `signal` stops the rest.
 */
export async function uploadFiles(
  orgId: string,
  files: readonly File[],
  onResult: (results: UploadResult[], progress: UploadProgress) => void,
  signal: AbortSignal,
): Promise<void> {
  const total = files.length;
  let done = 0;
  for (const file of files) {
    if (signal.aborted) return;
    const name = pathOf(file);
    onResult([], { done, total, current: name });
    let results: UploadResult[];
    if (isSystemFile(name)) {
      results = [{ name, state: 'skipped', message: null, sourceId: null, signatureStatus: null }];
    } else {
      try {
        if (isZip(file)) {
          const r = await inventoryApi.importZip(orgId, file, signal);
          results = [
            ...r.files.map((f): UploadResult => ({
              name: `${name}/${f.name}`,
              state: !f.ok ? 'error' : f.duplicate ? 'duplicate' : 'imported',
              message: f.error,
              sourceId: f.sourceId,
              signatureStatus: f.signatureStatus,
            })),
            ...r.skipped.map((s): UploadResult => ({
              name: `${name}/${s}`,
              state: 'skipped',
              message: null,
              sourceId: null,
              signatureStatus: null,
            })),
          ];
        } else {
          const s = await inventoryApi.importFile(orgId, file, name, signal);
          results = [
            {
              name,
              state: s.duplicate ? 'duplicate' : 'imported',
              message: null,
              sourceId: s.id,
              signatureStatus: s.signatureStatus,
            },
          ];
        }
      } catch (e) {
        if (signal.aborted) return;
        // The server's "file: line 2, column 7: …" names the place; the prefix adds nothing in a list of files.
        const message = e instanceof Error ? e.message.replace(/^(file|body): /, '') : String(e);
        results = [
          {
            name,
            state: 'error',
            message,
            sourceId: null,
            signatureStatus: null,
          },
        ];
      }
    }
    done++;
    onResult(results, { done, total, current: null });
  }
}
