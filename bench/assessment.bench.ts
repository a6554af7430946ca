// Drafts, scores and summarizes the risk assessment of 1,000 inventory items, each with an MDS 2nd-edition
// statement and a profile, and compares with a baseline measured in the same run: validating the same 1,000
// statements with validateStatement. Target: the whole assessment under 200 ms.
import { performance } from 'node:perf_hooks';
import { openRisk, summarize, type Risk } from '../src/domain/risk/assessment.js';
import { catalogueLookup, draftRisks, type CatalogueEntry, type CatalogueLookup } from '../src/domain/risk/drafting.js';
import type { Connection, SystemProfile } from '../src/domain/risk/profile.js';
import { defaultAssetThreatVulnerability } from '../src/domain/risk/scoring.js';
import type { Statement } from '../src/domain/statement.js';
import { builtinTemplates } from '../src/domain/templates/registry.js';
import { validateStatement } from '../src/domain/validation.js';
import { completeMdsStatement } from '../test/support/statements.js';
import type { BenchResult } from './validate.bench.js';

const N = 1_000;
const ROUNDS = 5;
const TARGET_MS = 200;

const CONNECTION_SETS: Connection[][] = [
  ['internal-only'],
  ['internal-only', 'removable-media'],
  ['external', 'remote-maintenance'],
  ['wireless', 'removable-media'],
  ['external', 'wireless', 'scanning'],
];

function inventory(): { statement: Statement; profile: SystemProfile; id: string }[] {
  const answers = ['yes', 'no', 'na', 'yes', 'no'];
  const items: { statement: Statement; profile: SystemProfile; id: string }[] = [];
  for (let i = 0; i < N; i++) {
    const s = completeMdsStatement((row) =>
      row.length > 1 ? answers[(i + row.length * 7) % answers.length] : undefined,
    );
    // Every third statement leaves some rows blank, so unanswered gaps are drafted too.
    if (i % 3 === 0) for (const row of ['5', '14', '22', '27']) delete s.answers[row];
    s.header.productVersion = `V${i}`;
    s.revision = 1 + (i % 4);
    items.push({
      statement: s,
      profile: {
        patientData: i % 4 !== 3,
        connections: CONNECTION_SETS[i % CONNECTION_SETS.length]!,
        department: `部署${i % 12}`,
      },
      id: `item-${i}`,
    });
  }
  return items;
}

/** The built-in catalogue when catalogue.ts and its data are there; a small one of the bench's own otherwise. */
async function catalogue(): Promise<{ lookup: CatalogueLookup; source: string }> {
  const templates = builtinTemplates();
  try {
    const mod = await import('../src/domain/risk/catalogue.js');
    const cat = mod.builtinCatalogueFor({ id: 'jahis-jira-mds', edition: '2' });
    const template = templates.get('jahis-jira-mds', '2');
    if (cat !== undefined && template !== undefined) {
      return { lookup: (q) => mod.catalogueEntryFor(cat, q.rowId, template), source: 'built-in catalogue' };
    }
  } catch {
    // Not there yet: fall through.
  }
  const entry = (section: string, relevantWhen?: CatalogueEntry['relevantWhen']): CatalogueEntry => ({
    guidelineSection: section,
    threat: { ja: `${section} の脅威`, en: `threat of ${section}` },
    measure: { ja: `${section} の対策`, en: `measure for ${section}` },
    relevantWhen,
  });
  return {
    lookup: catalogueLookup([
      { rows: ['7'], ...entry('6.5', { connections: ['wireless'] }) },
      { rows: ['9', '10'], ...entry('6.9', { connections: ['removable-media'] }) },
      { sections: ['6.11'], ...entry('6.11', { connections: ['external', 'remote-maintenance'] }) },
      { sections: ['9'], ...entry('9', { connections: ['scanning'] }) },
      ...['6.2', '6.4', '6.5', '6.9', '6.10', '6.12', '7.1', '7.2', '7.3'].map((s) => ({
        sections: [s],
        ...entry(s, s === '7.1' ? { patientData: true } : undefined),
      })),
    ]),
    source: 'bench catalogue',
  };
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

export async function benchAssessment(): Promise<BenchResult> {
  const items = inventory();
  const templates = builtinTemplates();
  const template = templates.get('jahis-jira-mds', '2');
  if (template === undefined) throw new Error('the MDS 2nd edition is not built in');
  const { lookup, source } = await catalogue();
  const now = new Date('2026-06-01T09:00:00+09:00');
  const method = defaultAssetThreatVulnerability();
  let sink = 0;
  let drafted = 0;

  const assess = (): void => {
    const risks: Risk[] = [];
    drafted = 0;
    for (const item of items) {
      const result = draftRisks({
        template,
        statement: item.statement,
        profile: item.profile,
        catalogue: lookup,
        system: { id: item.id, name: item.id },
        options: { method },
      });
      drafted += result.drafts.length;
      for (const d of result.drafts) risks.push(openRisk(d));
    }
    sink += summarize(risks, method, now).total;
  };
  const baselineRun = (): void => {
    for (const item of items) if (validateStatement(item.statement, templates).valid) sink++;
  };

  // Warm both paths up before measuring.
  assess();
  baselineRun();
  const baseline = best(baselineRun);
  const ours = best(assess);
  if (sink < 0) process.stdout.write(String(sink));
  const ratio = baseline / ours;
  return {
    name: `risk assessment of ${N.toLocaleString('en-US')} inventory items`,
    figure: `${ours.toFixed(1)} ms to draft ${drafted.toLocaleString('en-US')} risks, score and summarize (${source}; baseline validateStatement ×${N.toLocaleString('en-US')}: ${baseline.toFixed(1)} ms)`,
    ratio,
    target: `under ${TARGET_MS} ms`,
    ok: ours < TARGET_MS,
  };
}
