#!/usr/bin/env node
// Fails (exit 1) when a production dependency has a high or critical advisory that a fix is available for; lists
// the rest without failing. An advisory without a fix cannot be acted on by upgrading, so it is reported only.
// Usage: node scripts/audit-check.mjs   (CI runs it after `npm ci`; see docs/development.md)
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const SEVERE = new Set(['high', 'critical']);

// --report FILE evaluates a saved `npm audit --json` answer instead (to check this script, or an offline audit).
const at = process.argv.indexOf('--report');
let stdout;
let stderr = '';
if (at > 0 && process.argv[at + 1] !== undefined) {
  stdout = readFileSync(process.argv[at + 1], 'utf8');
} else {
  const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.error !== undefined) {
    console.error(`audit-check: could not run npm audit: ${run.error.message}`);
    process.exit(2);
  }
  stdout = run.stdout;
  stderr = run.stderr;
}

let report;
try {
  report = JSON.parse(stdout);
} catch {
  console.error('audit-check: npm audit did not answer with JSON (is the npm registry reachable?)');
  console.error((stderr || stdout).trim().split('\n').slice(0, 5).join('\n'));
  process.exit(2);
}
if (report.error !== undefined) {
  // npm audit --json reports a registry failure as { error: { code, summary } }.
  const why = [report.error.code, report.error.summary, report.message].filter((x) => x !== undefined && x !== '');
  console.error(`audit-check: npm audit failed: ${why.join(' ') || 'no reason given'}`);
  console.error('audit-check: the npm registry must be reachable for the dependency audit');
  process.exit(2);
}

const vulnerabilities = Object.values(report.vulnerabilities ?? {});
const severe = vulnerabilities.filter((v) => SEVERE.has(v.severity));
const fixable = severe.filter((v) => Boolean(v.fixAvailable));
const describe = (v) => {
  const via = (v.via ?? []).map((x) => (typeof x === 'string' ? x : (x.title ?? x.url ?? x.name))).join('; ');
  const fix =
    v.fixAvailable === true
      ? 'fix: npm audit fix'
      : typeof v.fixAvailable === 'object' && v.fixAvailable !== null
        ? `fix: ${v.fixAvailable.name}@${v.fixAvailable.version}${v.fixAvailable.isSemVerMajor ? ' (major)' : ''}`
        : 'no fix available';
  return `  ${v.severity.padEnd(8)} ${v.name} (${v.range}): ${via} [${fix}]`;
};

const counts = report.metadata?.vulnerabilities ?? {};
console.log(
  `audit-check: production dependencies: ${counts.critical ?? 0} critical, ${counts.high ?? 0} high, ` +
    `${counts.moderate ?? 0} moderate, ${counts.low ?? 0} low`,
);
for (const v of severe.filter((x) => !x.fixAvailable)) console.log(describe(v));
if (fixable.length > 0) {
  console.error(`audit-check: ${fixable.length} high or critical advisories have a fix available:`);
  for (const v of fixable) console.error(describe(v));
  process.exit(1);
}
console.log('audit-check: no high or critical advisory with a fix available');
