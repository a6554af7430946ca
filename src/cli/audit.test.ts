import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createOrg, invite, signUp, testApp, uniqueEmail, type TestApp } from '../../test/support/app.js';
import { captureCliOutput } from '../../test/support/cli-output.js';
import type { TestDatabase } from '../../test/support/databases.js';
import { openDatabase, type Db } from '../db/database.js';
import { runCli } from './main.js';

const io = captureCliOutput('openmds-audit-');

/** A database the CLI can open by itself: an SQLite file in the test's folder, or a PostgreSQL schema by URL. */
interface Target {
  name: 'sqlite' | 'postgres';
  /** The database for testApp, and the CLI arguments naming the same database. */
  make(dir: string): { database: TestDatabase; args: string[]; drop(): Promise<void> };
}

async function withClient(url: string, run: (c: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await run(client);
  } finally {
    await client.end();
  }
}

const targets: Target[] = [
  {
    name: 'sqlite',
    make: (dir) => ({
      database: { name: 'sqlite', open: () => openDatabase({ dataDir: dir }) },
      args: ['--data', dir],
      drop: () => Promise.resolve(),
    }),
  },
];
const pgUrl = process.env.OPENMDS_TEST_DATABASE_URL;
if (pgUrl !== undefined && pgUrl !== '') {
  targets.push({
    name: 'postgres',
    make: () => {
      const schema = `openmds_test_${randomBytes(6).toString('hex')}`;
      const url = new URL(pgUrl);
      url.searchParams.set('options', `-c search_path=${schema}`);
      return {
        database: {
          name: 'postgres',
          open: async () => {
            await withClient(pgUrl, (c) => c.query(`CREATE SCHEMA ${schema}`));
            return openDatabase({ url: pgUrl, schema, maxConnections: 2 });
          },
        },
        args: ['--database', url.toString()],
        drop: () => withClient(pgUrl, (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)),
      };
    },
  });
}

/** A trail of a few records in one organization, and the seqs of some of them. */
async function trail(t: TestApp): Promise<{ orgId: string; seqs: number[] }> {
  const owner = await signUp(t.app, { displayName: '監査 太郎' });
  const orgId = (await createOrg(t.app, owner, { name: '検証株式会社' })).id;
  for (let i = 0; i < 3; i++) await invite(t.app, owner, orgId, { email: uniqueEmail(), role: 'viewer' });
  const rows = await t.db.kysely.selectFrom('audit_events').select('seq').orderBy('seq').execute();
  return { orgId, seqs: rows.map((r) => Number(r.seq)) };
}

/** Lets the test change the trail in place, as an intruder with database access would. */
async function dropAppendOnly(db: Db): Promise<void> {
  if (db.dialect === 'sqlite') {
    await sql`DROP TRIGGER audit_events_no_update`.execute(db.kysely);
    await sql`DROP TRIGGER audit_events_no_delete`.execute(db.kysely);
  } else {
    await sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`.execute(db.kysely);
  }
}

describe.each(targets)('openmds audit verify on $name', (target) => {
  async function scenario(
    tamper: (db: Db, seqs: number[]) => Promise<void>,
  ): Promise<{ code: number; out: string; orgId: string; seqs: number[] }> {
    const made = target.make(io.dir);
    const t = await testApp({ database: made.database });
    try {
      const { orgId, seqs } = await trail(t);
      await tamper(t.db, seqs);
      await t.close();
      io.out = '';
      const code = await runCli(['audit', 'verify', ...made.args]);
      return { code, out: io.out, orgId, seqs };
    } finally {
      await t.close().catch(() => undefined);
      await made.drop();
    }
  }

  it('prints OK with the count and the latest hash of an intact trail, and exits 0', async () => {
    const made = target.make(io.dir);
    const t = await testApp({ database: made.database });
    try {
      const { orgId, seqs } = await trail(t);
      const last = await t.db.kysely
        .selectFrom('audit_events')
        .select('hash')
        .orderBy('seq', 'desc')
        .executeTakeFirstOrThrow();
      expect(await runCli(['audit', 'verify', ...made.args])).toBe(0);
      expect(io.out).toMatch(
        new RegExp(
          `^OK: ${seqs.length} audit records verified; latest seq ${seqs.at(-1)} at .+, hash ${last.hash}\\n$`,
        ),
      );
      io.out = '';
      expect(await runCli(['audit', 'verify', '--org', '検証株式会社', '--json', ...made.args])).toBe(0);
      expect(JSON.parse(io.out)).toMatchObject({ ok: true, total: seqs.length, org: { id: orgId } });
    } finally {
      await t.close();
      await made.drop();
    }
  });

  it('names a record edited in place: changed, at its seq', async () => {
    const r = await scenario(async (db, seqs) => {
      await dropAppendOnly(db);
      await db.kysely
        .updateTable('audit_events')
        .set({ details: '{"forged":true}' })
        .where('seq', '=', seqs[2]!)
        .execute();
    });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      new RegExp(
        `^BROKEN: the audit trail fails to verify at seq ${r.seqs[2]} \\(id [0-9a-f-]{36}, action [a-z.-]+, at \\S+\\): changed\\n`,
      ),
    );
  });

  it('names the record after a deleted one: deleted', async () => {
    const r = await scenario(async (db, seqs) => {
      await dropAppendOnly(db);
      await db.kysely.deleteFrom('audit_events').where('seq', '=', seqs[3]!).execute();
    });
    expect(r.code).toBe(1);
    expect(r.out).toContain(`at seq ${r.seqs[4]} `);
    expect(r.out).toMatch(/\): deleted\n/);
  });

  it('names the first of two swapped records: reordered', async () => {
    const r = await scenario(async (db, seqs) => {
      await dropAppendOnly(db);
      // Swap the contents of two records, hashes included: each still hashes right, but the links no longer follow.
      const [a, b] = [seqs[2]!, seqs[3]!];
      const rows = await db.kysely
        .selectFrom('audit_events')
        .selectAll()
        .where('seq', 'in', [a, b])
        .orderBy('seq')
        .execute();
      const fields = (row: (typeof rows)[number]) => {
        const { seq: _seq, ...rest } = row;
        return rest;
      };
      const temp = { ...fields(rows[0]!), id: `${rows[0]!.id}-x`, hash: `${rows[0]!.hash}-x` };
      await db.kysely.updateTable('audit_events').set(temp).where('seq', '=', a).execute();
      // Through a temporary id and hash first, should either column be unique.
      await db.kysely.updateTable('audit_events').set(fields(rows[0]!)).where('seq', '=', b).execute();
      await db.kysely.updateTable('audit_events').set(fields(rows[1]!)).where('seq', '=', a).execute();
    });
    expect(r.code).toBe(1);
    expect(r.out).toContain(`at seq ${r.seqs[2]} `);
    expect(r.out).toMatch(/\): reordered\n/);
  });

  it('exports an organization’s trail as CSV, audited as the command', async () => {
    const made = target.make(io.dir);
    const t = await testApp({ database: made.database });
    try {
      const { orgId, seqs } = await trail(t);
      const file = join(io.dir, 'trail.csv');
      expect(await runCli(['audit', 'export', '--org', orgId, '--format', 'csv', '-o', file, ...made.args])).toBe(0);
      const text = readFileSync(file, 'utf8');
      expect(text.startsWith('\uFEFFseq,id,at,')).toBe(true);
      expect(text).toContain('監査 太郎');
      expect(io.err).toMatch(/exported \d+ audit records of 検証株式会社/);
      const exported = await t.db.kysely
        .selectFrom('audit_events')
        .select(['user_agent', 'actor_id', 'details'])
        .where('action', '=', 'audit.export')
        .executeTakeFirstOrThrow();
      expect(exported).toMatchObject({ user_agent: 'openmds audit export', actor_id: null });
      expect(JSON.parse(exported.details ?? '{}')).toMatchObject({ format: 'csv', throughSeq: seqs.at(-1) });
      io.out = '';
      expect(await runCli(['audit', 'export', '--org', orgId, '--format', 'syslog', ...made.args])).toBe(0);
      expect(io.out.split('\n')[0]).toMatch(/^<\d+>1 /);
      expect(await runCli(['audit', 'export', '--org', orgId, '--format', 'csv', '--from', 'soon', ...made.args])).toBe(
        2,
      );
      expect(io.err).toContain('--from: must be');
    } finally {
      await t.close();
      await made.drop();
    }
  });
});

describe('openmds audit verify, unreadable', () => {
  it('exits 2 without creating a database where there is none', async () => {
    expect(await runCli(['audit', 'verify', '--data', join(io.dir, 'nothing')])).toBe(2);
    expect(io.err).toMatch(/no such database file/);
  });

  it('exits 2 for a database without the audit trail', async () => {
    const db = await openDatabase({ dataDir: io.dir });
    await sql`CREATE TABLE unrelated (x integer)`.execute(db.kysely);
    await db.close();
    expect(await runCli(['audit', 'verify', '--data', io.dir])).toBe(2);
    expect(io.err).toMatch(/cannot read the audit trail/);
  });
});
