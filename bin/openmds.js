#!/usr/bin/env node
// The built CLI. `npm run build` (run by `npm start`) compiles src/ into dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('openmds: not built yet; run "npm run build" (or "npm start", which builds first)\n');
  process.exit(2);
}
await import(entry.href);
