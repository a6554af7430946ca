// npm run bench: each benchmark prints its figure and its ratio to a baseline measured in the same run.
import { benchAssessment } from './assessment.bench.js';
import { benchComparisonBrowser } from './comparison-browser.bench.js';
import { benchDirectoryPostgres, benchDirectorySqlite } from './directory.bench.js';
import { benchEditor } from './editor.bench.js';
import { benchPdf } from './pdf.bench.js';
import { benchValidate, type BenchResult } from './validate.bench.js';

const benches: Record<string, () => BenchResult | Promise<BenchResult>> = {
  validate: benchValidate,
  editor: benchEditor,
  directory: benchDirectorySqlite,
  'directory-pg': benchDirectoryPostgres,
  pdf: benchPdf,
  assessment: benchAssessment,
  'comparison-browser': benchComparisonBrowser,
};

const only = process.argv.slice(2);
let failed = 0;
for (const [key, run] of Object.entries(benches)) {
  if (only.length > 0 && !only.includes(key)) continue;
  const r = await run();
  process.stdout.write(
    `${r.name}: ${r.figure}; ratio to baseline ${r.ratio.toFixed(2)} (target ${r.target}) ${r.ok ? 'OK' : 'BELOW TARGET'}\n`,
  );
  if (!r.ok) failed++;
}
// Benchmarks report; they do not fail the build (timings on shared machines are noisy).
if (failed > 0) process.stdout.write(`${failed} benchmark(s) below target\n`);
