// Validates 10,000 statements and compares with a baseline measured in the same run: JSON.parse plus a compiled
// ajv check of the statement schema (the least any validator must do). Prints statements/s and the ratio.
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import { performance } from 'node:perf_hooks';
import { publishedSchema } from '../src/domain/published-schemas.js';
import type { Statement } from '../src/domain/statement.js';
import { builtinTemplates } from '../src/domain/templates/registry.js';
import { validateStatement } from '../src/domain/validation.js';
import { completeMdsStatement, generalPacs } from '../test/support/statements.js';

export interface BenchResult {
  name: string;
  figure: string;
  ratio: number;
  target: string;
  ok: boolean;
}

const N = 10_000;
const ROUNDS = 5;

function corpus(): string[] {
  const texts: string[] = [];
  const answers = ['yes', 'no', 'na'];
  for (let i = 0; i < N; i++) {
    const s: Statement =
      i % 2 === 0
        ? generalPacs()
        : completeMdsStatement((row) => (row.length > 3 ? answers[(i + row.length) % 3] : undefined));
    s.header.productVersion = `V${i}`;
    // Every tenth statement has mistakes, so the error paths are measured too.
    if (i % 10 === 0) {
      s.answers['99'] = { answer: 'yes' };
      s.answers['1'] = { answer: 'maybe', remarks: [99] };
    }
    texts.push(JSON.stringify(s));
  }
  return texts;
}

function best(run: () => void): number {
  let fastest = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    run();
    fastest = Math.min(fastest, performance.now() - t0);
  }
  return fastest;
}

export function benchValidate(): BenchResult {
  const texts = corpus();
  const templates = builtinTemplates();
  const Ajv = AjvModule.default;
  const ajv = new Ajv({ strict: false });
  addFormatsModule.default(ajv);
  const check = ajv.compile(publishedSchema('statement.json'));
  let sink = 0;
  // Warm both paths up before measuring.
  for (let i = 0; i < 2000; i++) {
    if (check(JSON.parse(texts[i]!))) sink++;
    if (validateStatement(JSON.parse(texts[i]!), templates).valid) sink++;
  }
  const baseline = best(() => {
    for (const t of texts) if (check(JSON.parse(t))) sink++;
  });
  const ours = best(() => {
    for (const t of texts) if (validateStatement(JSON.parse(t), templates, { final: true }).valid) sink++;
  });
  const perSecond = N / (ours / 1000);
  const ratio = baseline / ours;
  if (sink < 0) process.stdout.write(String(sink));
  return {
    name: 'validate 10,000 statements',
    figure: `${Math.round(perSecond).toLocaleString('en-US')} statements/s (baseline JSON.parse + ajv: ${Math.round(N / (baseline / 1000)).toLocaleString('en-US')}/s)`,
    ratio,
    target: 'ratio ≥ 0.5 and ≥ 20,000 statements/s',
    ok: ratio >= 0.5 && perSecond >= 20_000,
  };
}
