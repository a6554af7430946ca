import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { builtinTemplates } from '../domain/templates/registry.js';
import { listTemplates } from '../features/templates/templates.repository.js';
import { migrations } from '../db/migrate.js';
import { startServer, type RunningServer, type StartOptions } from './start.js';

let running: RunningServer | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
  vi.restoreAllMocks();
});

/** Start options on a new temporary data folder, and the lines the server prints to standard output. */
function onFreshFolder(): { lines: string[]; options: StartOptions } {
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => lines.push(String(chunk)) > 0);
  const dataDir = mkdtempSync(join(tmpdir(), 'openmds-start-'));
  return {
    lines,
    options: {
      port: 0,
      host: '127.0.0.1',
      dataDir,
      templates: builtinTemplates(),
      logger: false,
      handleSignals: false,
    },
  };
}

describe('startServer', () => {
  it('creates the SQLite database in the data folder, stores the built-in templates and serves them', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const dataDir = join(mkdtempSync(join(tmpdir(), 'openmds-start-')), 'data');
    running = await startServer({
      port: 0,
      host: '127.0.0.1',
      dataDir,
      templates: builtinTemplates(),
      logger: false,
      handleSignals: false,
    });
    expect(existsSync(join(dataDir, 'openmds.sqlite'))).toBe(true);
    expect(running.db.dialect).toBe('sqlite');
    const stored = await listTemplates(running.db.kysely);
    expect(stored.map((t) => `${t.id}@${t.edition}`).sort()).toEqual(
      builtinTemplates()
        .list()
        .map((t) => `${t.id}@${t.edition}`)
        .sort(),
    );
    const res = await fetch(`${running.url}/api/v1/templates`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as unknown[]).length).toBe(stored.length);
  });

  it('starts again on the same data folder without migrating twice', async () => {
    const { lines, options } = onFreshFolder();
    await (await startServer(options)).close();
    running = await startServer(options);
    const started = lines.filter((l) => l.startsWith('OpenMDS is running'));
    expect(started[0]).toContain(`${Object.keys(migrations('sqlite')).length} migrations applied`);
    expect(started[1]).toMatch(/0 migrations applied/);
  });

  it('prints a fresh one-time setup link at each start until the operator exists', async () => {
    const { lines, options } = onFreshFolder();
    const first = await startServer(options);
    const oldToken = first.setupUrl?.split('#token=')[1] ?? '';
    await first.close();
    running = await startServer(options);
    const links = lines.filter((l) => l.startsWith('Open this link once to create the operator account: '));
    expect(links.length).toBe(2);
    expect(links[1]).toBe(`Open this link once to create the operator account: ${running.setupUrl ?? ''}\n`);
    expect(running.setupUrl).toMatch(new RegExp(`^${running.url}/setup#token=[A-Za-z0-9_-]{43}$`));
    const token = running.setupUrl?.split('#token=')[1] ?? '';
    expect(token).not.toBe(oldToken);

    const body = { email: 'op@example.jp', displayName: '運用 管理者', password: 'correct horse battery staple' };
    const post = (t: string) =>
      fetch(`${running!.url}/api/v1/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...body, token: t }),
      });
    expect((await post(oldToken)).status).toBe(403);
    const res = await post(token);
    expect(res.status).toBe(201);
    expect(res.headers.get('set-cookie')).toMatch(/^openmds_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax$/);
    await running.close();

    lines.length = 0;
    running = await startServer(options);
    expect(running.setupUrl).toBeUndefined();
    expect(lines.some((l) => l.includes('/setup#token='))).toBe(false);
  });

  it('uses PostgreSQL when a database URL is given', async (ctx) => {
    const url = process.env['OPENMDS_TEST_DATABASE_URL'];
    if (url === undefined) {
      ctx.skip(true, 'OPENMDS_TEST_DATABASE_URL is not set');
      return;
    }
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    // A schema of its own, so the shared test database is left as it was.
    const schema = `openmds_start_${Math.random().toString(36).slice(2, 10)}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    try {
      const scoped = `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
      running = await startServer({
        port: 0,
        host: '127.0.0.1',
        dataDir: ':memory:',
        databaseUrl: scoped,
        templates: builtinTemplates(),
        logger: false,
        handleSignals: false,
      });
      expect(running.db.dialect).toBe('postgres');
      expect((await listTemplates(running.db.kysely)).length).toBe(builtinTemplates().list().length);
      const tables = await admin.query(
        `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'templates'`,
        [schema],
      );
      expect(tables.rows[0]).toEqual({ n: 1 });
    } finally {
      await running?.close();
      running = undefined;
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    }
  });
});
