import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, vi } from 'vitest';

/** What a CLI test captured: standard output, standard error, and a fresh temporary folder. */
export interface CliOutput {
  out: string;
  err: string;
  dir: string;
}

/**
 * Captures process.stdout and process.stderr around each test of the file (the CLI writes there in process), and
 * gives each test a new temporary folder. Read the fields inside a test; they are reset before each.
 */
export function captureCliOutput(prefix: string): CliOutput {
  const captured: CliOutput = { out: '', err: '', dir: '' };
  beforeEach(() => {
    captured.out = '';
    captured.err = '';
    captured.dir = mkdtempSync(join(tmpdir(), prefix));
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      captured.out += String(chunk);
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      captured.err += String(chunk);
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });
  return captured;
}
