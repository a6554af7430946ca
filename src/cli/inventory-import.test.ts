import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  TEST_PASSWORD,
  addMember,
  createOrg,
  signUp,
  testApp,
  uniqueEmail,
  type TestApp,
} from '../../test/support/app.js';
import { captureCliOutput } from '../../test/support/cli-output.js';
import { testDatabases, type TestDatabase } from '../../test/support/databases.js';
import { generalPacs } from '../../test/support/statements.js';
import { makeZip } from '../../test/support/zip.js';
import { openDatabase, type Db } from '../db/database.js';
import { builtinTemplates } from '../domain/templates/registry.js';
import { exportStatement } from '../formats/index.js';
import { exportJson } from '../formats/json/json-format.js';
import { actAsUser } from './cli-context.js';
import { importBundle, readBundle } from './inventory-import.js';
import { runCli } from './main.js';

const io = captureCliOutput('openmds-inventory-');

const templates = builtinTemplates();
const nemaWorkbook = (): Buffer =>
  readFileSync(new URL('../../examples/nema-mds2-example-worksheet.xlsx', import.meta.url));

interface Hospital {
  orgId: string;
  orgName: string;
  editor: string;
  editorId: string;
  viewer: string;
}

/** A hospital with an editor and a viewer, made through the API on `database`. */
async function hospital(t: TestApp): Promise<Hospital> {
  const owner = await signUp(t.app);
  const org = await createOrg(t.app, owner, { kind: 'hospital', name: `病院 ${uniqueEmail('h').slice(2, 10)}` });
  const editor = await addMember(t.app, owner, org.id, { role: 'editor' });
  const viewer = await addMember(t.app, owner, org.id, { role: 'viewer' });
  return { orgId: org.id, orgName: org.name, editor: editor.email, editorId: editor.userId, viewer: viewer.email };
}

/** A folder of statement files: General-PACS as JSON and XLSX, a broken workbook between them, NEMA's workbook nested. */
async function statementFolder(dir: string): Promise<string> {
  const folder = join(dir, 'statements');
  mkdirSync(join(folder, 'nested'), { recursive: true });
  const gp = generalPacs();
  writeFileSync(join(folder, '1-general-pacs.json'), exportJson(gp));
  writeFileSync(join(folder, '2-broken.xlsx'), 'PK\u0003\u0004 this is not a workbook');
  const xlsx = { ...gp, header: { ...gp.header, productVersion: 'V1.21R00' } };
  writeFileSync(join(folder, '3-general-pacs.xlsx'), await exportStatement(xlsx, 'xlsx', templates));
  writeFileSync(join(folder, 'nested', '4-nema.xlsx'), nemaWorkbook());
  writeFileSync(join(folder, '.DS_Store'), 'junk');
  symlinkSync(join(folder, '1-general-pacs.json'), join(folder, 'link.json'));
  return folder;
}

async function sourceCount(db: Db, orgId: string): Promise<number> {
  const rows = await db.kysely.selectFrom('statement_sources').select('id').where('org_id', '=', orgId).execute();
  return rows.length;
}

/** The app on an SQLite file in the test's folder, which the CLI then opens with --data. */
const sqliteFile = (dir: string): TestDatabase => ({ name: 'sqlite', open: () => openDatabase({ dataDir: dir }) });

describe('openmds inventory import (SQLite file, through the CLI)', () => {
  it('imports a folder file by file: progress on stderr, a table on stdout, a bad file reported and passed', async () => {
    const t = await testApp({ database: sqliteFile(io.dir) });
    const h = await hospital(t);
    await t.close();
    const folder = await statementFolder(io.dir);

    const code = await runCli([
      'inventory',
      'import',
      folder,
      '--org',
      h.orgName,
      '--user',
      h.editor,
      '--data',
      io.dir,
    ]);

    expect(code).toBe(1);
    expect(io.err.trim().split('\n')).toEqual([
      '[1/4] 1-general-pacs.json: imported (unsigned)',
      expect.stringMatching(/^\[2\/4\] 2-broken\.xlsx: failed: .+/),
      '[3/4] 3-general-pacs.xlsx: imported (unsigned)',
      '[4/4] nested/4-nema.xlsx: imported (unsigned)',
    ]);
    const table = io.out.split('\n');
    expect(table[0]).toMatch(/^result\s+signature\s+file\s+error$/);
    expect(table[1]).toMatch(/^imported\s+unsigned\s+1-general-pacs\.json$/);
    expect(table[2]).toMatch(/^failed\s+-\s+2-broken\.xlsx\s+\S.+/);
    expect(table[4]).toMatch(/^imported\s+unsigned\s+nested\/4-nema\.xlsx$/);
    expect(io.out).toContain('3 imported, 0 held already, 1 failed, 2 skipped (.DS_Store, link.json)');

    const db = await openDatabase({ dataDir: io.dir });
    try {
      expect(await sourceCount(db, h.orgId)).toBe(3);
      const audit = await db.kysely
        .selectFrom('audit_events')
        .select(['actor_id', 'user_agent'])
        .where('action', '=', 'source.add')
        .execute();
      expect(audit).toHaveLength(3);
      expect(audit.every((a) => a.actor_id === h.editorId && a.user_agent === 'openmds inventory import')).toBe(true);
    } finally {
      await db.close();
    }
  });

  it('imports a zip archive by organization id, prints JSON, counts a file held already, and exits 0', async () => {
    const t = await testApp({ database: sqliteFile(io.dir) });
    const h = await hospital(t);
    await t.close();
    const zip = join(io.dir, 'statements.zip');
    writeFileSync(
      zip,
      makeZip([
        { name: 'a/general-pacs.json', data: exportJson(generalPacs()) },
        { name: 'b/nema.xlsx', data: nemaWorkbook() },
        { name: '__MACOSX/._nema.xlsx', data: 'junk' },
      ]),
    );
    const args = ['inventory', 'import', zip, '--org', h.orgId, '--user', h.editor.toUpperCase(), '--data', io.dir];
    expect(await runCli([...args, '--json'])).toBe(0);
    const first = JSON.parse(io.out) as {
      files: { name: string; ok: boolean; duplicate: boolean }[];
      imported: number;
    };
    expect(first.imported).toBe(2);
    expect(first.files.map((f) => [f.name, f.ok, f.duplicate])).toEqual([
      ['a/general-pacs.json', true, false],
      ['b/nema.xlsx', true, false],
    ]);
    io.out = '';
    io.err = '';
    expect(await runCli(args)).toBe(0);
    expect(io.err).toContain('[1/2] a/general-pacs.json: held already (unsigned)');
    // The MDS2 importer stamps the import time into the statement's provenance; the workbook is recognized all the same.
    expect(io.err).toContain('[2/2] b/nema.xlsx: held already (unsigned)');
    expect(io.out).toMatch(/^held already\s+unsigned\s+a\/general-pacs\.json$/m);
    expect(io.out).toContain('0 imported, 2 held already, 0 failed, 1 skipped (__MACOSX/._nema.xlsx)');
  });

  it('refuses a viewer, a stranger and an unknown account with exit 2, importing nothing', async () => {
    const t = await testApp({ database: sqliteFile(io.dir) });
    const h = await hospital(t);
    const stranger = await signUp(t.app, { password: TEST_PASSWORD });
    await t.close();
    const folder = await statementFolder(io.dir);
    const run = (user: string, org = h.orgId) =>
      runCli(['inventory', 'import', folder, '--org', org, '--user', user, '--data', io.dir]);

    expect(await run(h.viewer)).toBe(2);
    expect(io.err).toBe('openmds: --org: the viewer role may not inventory write\n');
    io.err = '';
    expect(await run(stranger.email)).toBe(2);
    expect(io.err).toMatch(/^openmds: --org: .*not found/);
    io.err = '';
    expect(await run(stranger.email, h.orgName)).toBe(2);
    expect(await run('nobody@example.jp')).toBe(2);
    expect(io.err).toContain('--user: no active account with the email nobody@example.jp');
    expect(io.out).toBe('');
    const db = await openDatabase({ dataDir: io.dir });
    try {
      expect(await sourceCount(db, h.orgId)).toBe(0);
    } finally {
      await db.close();
    }
  });

  it('refuses a path that is missing, a file that is not a zip archive, and an empty folder (exit 2)', async () => {
    const common = ['--org', 'x', '--user', 'a@example.jp', '--data', io.dir];
    expect(await runCli(['inventory', 'import', join(io.dir, 'missing'), ...common])).toBe(2);
    expect(io.err).toContain('missing: no such file or folder');
    const single = join(io.dir, 'one.json');
    writeFileSync(single, exportJson(generalPacs()));
    expect(await runCli(['inventory', 'import', single, ...common])).toBe(2);
    expect(io.err).toContain('one.json: is neither a folder nor a zip archive');
    mkdirSync(join(io.dir, 'empty', '.git'), { recursive: true });
    expect(await runCli(['inventory', 'import', join(io.dir, 'empty'), ...common])).toBe(2);
    expect(io.err).toContain('the folder holds no files to import');
    expect(await runCli(['inventory', 'import', io.dir])).toBe(2);
    expect(io.err).toContain("required option '--org <org>' not specified");
  });
});

describe('readBundle', () => {
  it('reports a file larger than the upload limit on its own and reads the others', () => {
    const folder = join(io.dir, 'big');
    mkdirSync(folder);
    writeFileSync(join(folder, 'a.json'), '{}');
    writeFileSync(join(folder, 'b.xlsx'), Buffer.alloc(10 * 1024 * 1024 + 1));
    const bundle = readBundle(folder);
    expect(bundle.entries.map((e) => ('error' in e ? `${e.name}: ${e.error}` : e.name))).toEqual([
      'a.json',
      'b.xlsx: the file is larger than 10 MiB',
    ]);
  });
});

describe.each(testDatabases().map((d) => [d.name, d] as const))('importBundle on %s', (_name, database) => {
  it('imports as the member the context names, one file at a time', async () => {
    const t = await testApp({ database });
    try {
      const h = await hospital(t);
      const folder = await statementFolder(io.dir);
      const ctx = await actAsUser(t.db, h.editor, 'inventory import');
      const lines: string[] = [];
      const r = await importBundle(t.db, ctx, {
        bundle: readBundle(folder),
        orgId: h.orgId,
        onProgress: (l) => lines.push(l),
      });
      expect(r.files.map((f) => f.ok)).toEqual([true, false, true, true]);
      expect(lines).toHaveLength(4);
      expect(await sourceCount(t.db, h.orgId)).toBe(3);
    } finally {
      await t.close();
    }
  });
});
