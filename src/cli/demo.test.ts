import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TEST_PASSWORD_HASHING, inject, signIn, testApp, type TestApp } from '../../test/support/app.js';
import { captureCliOutput } from '../../test/support/cli-output.js';
import { openReady, testDatabases, type TestDatabase } from '../../test/support/databases.js';
import { generalPacs } from '../../test/support/statements.js';
import { openDatabase, type Db } from '../db/database.js';
import { builtinTemplates } from '../domain/templates/registry.js';
import { importStatement } from '../formats/index.js';
import { resolveSettings } from '../security/settings.js';
import { CommandError } from './command-error.js';
import { demoReport, runDemo, type DemoResult } from './demo.js';
import { DEMO_HOSPITAL, DEMO_SYSTEMS, generalPacsExample, nemaMds2Example, openmdsSelfStatement } from './demo-data.js';
import { runCli } from './main.js';

const io = captureCliOutput('openmds-demo-');
const templates = builtinTemplates();
const settings = resolveSettings({ passwordHashing: TEST_PASSWORD_HASHING });

/** The app on a database the demo already filled (testApp migrates again and finds the templates stored). */
function appOn(name: TestDatabase['name'], db: Db): Promise<TestApp> {
  return testApp({ database: { name, open: () => Promise.resolve(db) } });
}

/** What a newcomer sees after signing in with the printed passwords. */
async function checkSignedIn(t: TestApp, accounts: { email: string; password: string }[]): Promise<void> {
  const [xyz, example, openmds, hospitalOwner] = accounts;
  for (const a of [xyz!, example!, openmds!]) await signIn(t.app, a);
  const session = await signIn(t.app, hospitalOwner!);

  const orgs = (await inject(t.app, session, { url: '/api/v1/orgs' })).json<{ id: string; name: string }[]>();
  expect(orgs.map((o) => o.name)).toEqual([DEMO_HOSPITAL.org]);
  const orgId = orgs[0]!.id;

  const assessments = (await inject(t.app, session, { url: `/api/v1/orgs/${orgId}/assessments` })).json<
    { id: string; scope: string; risks: number }[]
  >();
  expect(assessments).toHaveLength(1);
  expect(assessments[0]).toMatchObject({ scope: 'facility' });
  const detail = await inject(t.app, session, { url: `/api/v1/orgs/${orgId}/assessments/${assessments[0]!.id}` });
  expect(detail.statusCode).toBe(200);
  const body = detail.json<{
    riskList: { systemName: string; record: { rowId: string; treatment: string | null; status: string } }[];
    filtered: { cause: string }[];
  }>();
  const treated = body.riskList.filter((r) => r.record.treatment !== null);
  expect(treated.map((r) => [r.record.rowId, r.record.treatment, r.record.status])).toEqual(
    expect.arrayContaining([
      ['DOC-8', 'transfer', 'in-progress'],
      ['PAUT-8', 'accept', 'accepted'],
    ]),
  );
  const systems = new Set(body.riskList.map((r) => r.systemName));
  expect(systems).toEqual(new Set(['放射線部門 PACS', '読影端末（3 台）', '病棟 血糖測定器']));
  // The NEMA statement's descriptive questions are filtered out, not drafted.
  expect(body.filtered.some((f) => f.cause === 'informational')).toBe(true);

  const coverage = (await inject(t.app, session, { url: `/api/v1/orgs/${orgId}/coverage` })).json<{
    counts: { systems: number; none: number };
  }>();
  expect(coverage.counts).toMatchObject({ systems: DEMO_SYSTEMS.length, none: 1 });

  const directory = (await inject(t.app, null, { url: '/api/v1/directory' })).json<{
    items: { manufacturer: { name: string }; product: { name: string }; template: { id: string } }[];
  }>();
  expect(directory.items.map((i) => [i.manufacturer.name, i.product.name, i.template.id]).sort()).toEqual([
    ['Example Medical Devices Inc.', 'Handheld Blood Glucose Monitor', 'nema-mds2'],
    ['OpenMDS project', 'OpenMDS', 'jahis-jira-mds'],
    ['XYZ株式会社', 'General-PACS', 'jahis-jira-mds'],
  ]);
}

describe.each(testDatabases().map((d) => [d.name, d] as const))('runDemo on %s', (name, database) => {
  it('fills a fresh instance that the printed accounts can sign in to, and refuses a second run', async () => {
    const db = await openReady(database);
    let result: DemoResult;
    try {
      result = await runDemo(db, templates, settings);
    } catch (e) {
      await db.close();
      throw e;
    }
    const t = await appOn(name, db);
    try {
      expect(result.accounts.map((a) => a.role)).toEqual([
        'manufacturer owner',
        'manufacturer owner',
        'manufacturer owner',
        'hospital owner',
      ]);
      const passwords = result.accounts.map((a) => a.password);
      expect(new Set(passwords).size).toBe(4);
      for (const p of passwords) expect(p).toMatch(/^[A-Za-z0-9_-]{24}$/);
      expect(result.hospital).toMatchObject({ systems: 4, treated: 3 });
      await checkSignedIn(t, result.accounts);

      const again = runDemo(db, templates, settings);
      await expect(again).rejects.toBeInstanceOf(CommandError);
      await expect(again).rejects.toMatchObject({ exitCode: 1 });
      await expect(again).rejects.toThrow(/has 4 organization/);

      const audited = await db.kysely
        .selectFrom('audit_events')
        .select('action')
        .where('action', 'in', ['org.create', 'publication.create', 'assessment.create', 'risk.update'])
        .execute();
      expect(audited.map((a) => a.action).sort()).toEqual(
        [
          'assessment.create',
          'org.create',
          'org.create',
          'org.create',
          'org.create',
          'publication.create',
          'publication.create',
          'publication.create',
          'risk.update',
          'risk.update',
          'risk.update',
        ].sort(),
      );
    } finally {
      await t.close();
    }
  });
});

describe('openmds demo (SQLite file, through the CLI)', () => {
  it('prints each account with a fresh password once, and refuses to run on an instance with organizations', async () => {
    expect(await runCli(['demo', '--data', io.dir])).toBe(0);
    expect(io.err).toBe('');
    const accounts = [...io.out.matchAll(/^ {2}(?:manufacturer|hospital) owner\s+(\S+@\S+)\s+(\S{24})\s/gm)].map(
      (m) => ({ email: m[1]!, password: m[2]! }),
    );
    expect(accounts).toHaveLength(4);
    const out = io.out;

    io.out = '';
    expect(await runCli(['demo', '--data', io.dir])).toBe(1);
    expect(io.err).toMatch(/^openmds: this instance has 4 organization\(s\) already; openmds demo fills only a fresh/);
    expect(io.out).toBe('');

    const t = await appOn('sqlite', await openDatabase({ dataDir: io.dir }));
    try {
      await checkSignedIn(t, accounts);
    } finally {
      await t.close();
    }
    expect(out).toContain('/directory/');
  });
});

describe('the demo data', () => {
  it('carries the seed’s General-PACS as examples/ has it', () => {
    expect(generalPacsExample()).toEqual(generalPacs());
  });

  it('carries OpenMDS’s own statement as examples/ has it', () => {
    const { $schema: _schema, ...source } = JSON.parse(
      readFileSync(new URL('../../examples/openmds-self-statement.source.json', import.meta.url), 'utf8'),
    ) as Record<string, unknown>;
    expect(openmdsSelfStatement()).toEqual(source);
  });

  it('carries NEMA’s example workbook as the mds2-xlsx importer reads it', async () => {
    const workbook = readFileSync(new URL('../../examples/nema-mds2-example-worksheet.xlsx', import.meta.url));
    const imported = await importStatement(workbook, { file: 'nema-mds2-example-worksheet.xlsx', templates });
    expect(imported.format).toBe('mds2-xlsx');
    const { provenance: a, ...fresh } = imported.statement;
    const { provenance: b, ...shipped } = nemaMds2Example();
    expect(shipped).toEqual(fresh);
    expect(b?.map((p) => ({ ...p, at: '' }))).toEqual(a?.map((p) => ({ ...p, at: '' })));
  });

  it('reports what it made', () => {
    const text = demoReport({
      accounts: [
        { role: 'hospital owner', organization: 'デモ総合病院', email: 'h@example.jp', password: 'p'.repeat(24) },
      ],
      manufacturers: [{ orgId: 'm', name: 'XYZ株式会社', publicationId: 'pub-1' }],
      hospital: { orgId: 'h', name: 'デモ総合病院', systems: 4, assessmentId: 'a', risks: 10, treated: 3 },
    });
    expect(text).toContain('/directory/pub-1');
    expect(text).toContain('h@example.jp');
  });
});
