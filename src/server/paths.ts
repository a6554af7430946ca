import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * The repository (or installed package) root: the nearest folder above this file holding OpenMDS's package.json.
 * Walking up, rather than a fixed "../..", works both from src/server (tsx) and from dist/src/server (built).
 */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: unknown };
      if (pkg.name === 'openmds') return (root = dir);
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the openmds package.json above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** The version in package.json, shown in the OpenAPI document. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}

/** Where `npm run build:web` writes the UI. */
export function defaultWebRoot(): string {
  return join(packageRoot(), 'web', 'dist');
}
