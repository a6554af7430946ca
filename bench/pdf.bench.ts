// Exports General-PACS to PDF with exportPdf (pdfkit, in process) and compares with the way one would do it without
// OpenMDS: the same statement as the form XLSX, converted by `libreoffice --headless --convert-to pdf`. Medians of
// many runs of ours and a few of LibreOffice's; the ratio is LibreOffice's median over ours.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { builtinTemplates } from '../src/domain/templates/registry.js';
import { exportFormXlsx } from '../src/formats/form-xlsx/export-form-xlsx.js';
import { exportPdf } from '../src/formats/pdf/export-pdf.js';
import { generalPacs } from '../test/support/statements.js';
import type { BenchResult } from './validate.bench.js';

const OURS_RUNS = 40;
const LIBREOFFICE_RUNS = 5;
const TARGET = 10;

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

async function timeExports(run: () => Promise<unknown>, runs: number): Promise<number> {
  // Warm up: the first export reads and parses the fonts, which later ones reuse.
  for (let i = 0; i < 5; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  return median(times);
}

function hasLibreOffice(): boolean {
  const probe = spawnSync('libreoffice', ['--version'], { stdio: 'ignore', timeout: 60_000 });
  return probe.error === undefined && probe.status === 0;
}

export async function benchPdf(): Promise<BenchResult> {
  const templates = builtinTemplates();
  const mds = templates.get('jahis-jira-mds', '2')!;
  const statement = generalPacs();
  const ours = await timeExports(() => exportPdf(statement, mds), OURS_RUNS);
  const name = 'pdf: export General-PACS (68 rows) to PDF';
  const target = `libreoffice --convert-to pdf median ≥ ${TARGET}× ours`;
  const oursFigure = `exportPdf ${ours.toFixed(1)} ms (median of ${OURS_RUNS})`;

  if (!hasLibreOffice()) {
    return {
      name,
      figure: `${oursFigure}; LibreOffice comparison skipped: libreoffice is not installed (apt-get install libreoffice-calc-nogui)`,
      ratio: NaN,
      target,
      ok: true,
    };
  }

  const work = mkdtempSync(join(tmpdir(), 'openmds-bench-pdf-'));
  try {
    const xlsx = join(work, 'general-pacs.xlsx');
    writeFileSync(xlsx, await exportFormXlsx(statement, mds));
    // A profile of its own, so that no user's settings or running instance is involved. The first conversion
    // creates it and is not counted: the timed runs are LibreOffice at its best, already set up.
    const profile = `-env:UserInstallation=${pathToFileURL(join(work, 'profile')).href}`;
    const convert = (): void => {
      execFileSync(
        'libreoffice',
        [profile, '--headless', '--norestore', '--convert-to', 'pdf', '--outdir', join(work, 'out'), xlsx],
        { stdio: 'ignore', timeout: 300_000 },
      );
      if (!existsSync(join(work, 'out', 'general-pacs.pdf'))) throw new Error('libreoffice wrote no PDF');
    };
    convert();
    const times: number[] = [];
    for (let i = 0; i < LIBREOFFICE_RUNS; i++) {
      rmSync(join(work, 'out'), { recursive: true, force: true });
      const t0 = performance.now();
      convert();
      times.push(performance.now() - t0);
    }
    const theirs = median(times);
    const ratio = theirs / ours;
    return {
      name,
      figure: `${oursFigure}; libreoffice --headless --convert-to pdf of the form XLSX ${theirs.toFixed(0)} ms (median of ${LIBREOFFICE_RUNS})`,
      ratio,
      target,
      ok: ratio >= TARGET,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
