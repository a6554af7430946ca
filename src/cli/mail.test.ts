import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { captureCliOutput } from '../../test/support/cli-output.js';
import {
  closedPort,
  decodeEncodedWords,
  decodeTextBody,
  makeTestTls,
  parseRawMail,
  startSmtpServer,
  type TestSmtpServer,
  type TestTls,
} from '../../test/support/smtp.js';
import { openDatabase, type Db } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { deliverPendingMail, enqueueMail, MAX_MAIL_ATTEMPTS } from '../features/mail/mail-outbox.js';
import { runCli } from './main.js';
import { runMailTest } from './mail.js';

const io = captureCliOutput('openmds-mail-');
const FROM = 'OpenMDS <openmds@hospital.example.jp>';

let tls: TestTls;
const servers: TestSmtpServer[] = [];
beforeAll(async () => {
  tls = await makeTestTls();
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(options: Parameters<typeof startSmtpServer>[0]): Promise<TestSmtpServer> {
  const s = await startSmtpServer(options);
  servers.push(s);
  return s;
}

describe('openmds mail test', () => {
  it('sends a Japanese test message to a local relay with AUTH and prints the reply', async () => {
    const s = await server({ users: { relay: 'pw' } });
    vi.stubEnv('OPENMDS_SMTP_URL', `smtp://relay:pw@127.0.0.1:${s.port}?tls=none`);
    vi.stubEnv('OPENMDS_MAIL_FROM', FROM);
    expect(await runCli(['mail', 'test', '--to', 'it@hospital.example.jp'])).toBe(0);
    expect(io.out).toContain('Sent a test message to it@hospital.example.jp through smtp://relay:***@127.0.0.1');
    expect(io.out).toMatch(/The server answered: 250/);
    expect(io.out + io.err).not.toContain(':pw@');
    const raw = s.received[0]?.raw ?? '';
    expect(decodeEncodedWords(parseRawMail(raw).headers.get('subject') ?? '')).toBe(
      'OpenMDS テストメール / test message',
    );
    expect(decodeTextBody(raw)).toContain('メール送信の設定は正しく動いています');
    expect(s.logins).toEqual([{ user: 'relay', ok: true }]);
  });

  it('sends over STARTTLS to a server whose CA it is told to trust', async () => {
    const s = await server({ tls, users: { u: 'p' } });
    const env = { OPENMDS_SMTP_URL: `smtp://u:p@127.0.0.1:${s.port}`, OPENMDS_MAIL_FROM: FROM };
    expect(await runMailTest({ to: 'it@hospital.example.jp' }, { env, trustedCa: [tls.caPem] })).toBe(0);
    expect(s.received[0]?.secure).toBe(true);
  });

  it('explains that nothing is configured, and names a malformed variable (exit 2)', async () => {
    vi.stubEnv('OPENMDS_SMTP_URL', '');
    vi.stubEnv('OPENMDS_MAIL_FROM', '');
    expect(await runCli(['mail', 'test', '--to', 'it@hospital.example.jp'])).toBe(2);
    expect(io.err).toMatch(/OPENMDS_SMTP_URL is not set: the server writes mail to its own output/);
    io.err = '';
    vi.stubEnv('OPENMDS_SMTP_URL', 'smtp://u:secret@relay.hospital.jp?tls=none');
    vi.stubEnv('OPENMDS_MAIL_FROM', FROM);
    expect(await runCli(['mail', 'test', '--to', 'it@hospital.example.jp'])).toBe(2);
    expect(io.err).toMatch(/^openmds: OPENMDS_SMTP_URL: tls=none/);
    expect(io.err).not.toContain('secret');
  });

  it('reports a server that is down, or refuses the password, with the reason (exit 1)', async () => {
    vi.stubEnv('OPENMDS_SMTP_URL', `smtp://127.0.0.1:${await closedPort()}?tls=none`);
    vi.stubEnv('OPENMDS_MAIL_FROM', FROM);
    expect(await runCli(['mail', 'test', '--to', 'it@hospital.example.jp'])).toBe(1);
    expect(io.err).toMatch(
      /openmds: mail test: not sent through smtp:\/\/127\.0\.0\.1:\d+\?tls=none \(plain text, local relay\): .*ECONNREFUSED/,
    );

    io.err = '';
    const s = await server({ users: { u: 'right' } });
    vi.stubEnv('OPENMDS_SMTP_URL', `smtp://u:wrong@127.0.0.1:${s.port}?tls=none`);
    expect(await runCli(['mail', 'test', '--to', 'it@hospital.example.jp'])).toBe(1);
    expect(io.err).toContain('the server refused the user name or password');
    expect(io.err).not.toContain('wrong@');
  });

  it('refuses an untrusted certificate and says how to trust a hospital CA', async () => {
    const s = await server({ tls });
    const env = { OPENMDS_SMTP_URL: `smtp://127.0.0.1:${s.port}`, OPENMDS_MAIL_FROM: FROM };
    await expect(runMailTest({ to: 'it@hospital.example.jp' }, { env })).rejects.toThrow(/NODE_EXTRA_CA_CERTS/);
    expect(s.received).toHaveLength(0);
  });
});

/** A database the CLI opens by itself: an SQLite file in the test's folder, or a PostgreSQL schema by URL. */
interface Target {
  name: string;
  open(dir: string): Promise<{ db: Db; args: string[]; drop(): Promise<void> }>;
}

async function admin(url: string, query: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(query);
  } finally {
    await client.end();
  }
}

const targets: Target[] = [
  {
    name: 'sqlite',
    open: async (dir) => ({
      db: await openDatabase({ dataDir: dir }),
      args: ['--data', dir],
      drop: () => Promise.resolve(),
    }),
  },
];
const pgUrl = process.env.OPENMDS_TEST_DATABASE_URL;
if (pgUrl !== undefined && pgUrl !== '') {
  targets.push({
    name: 'postgres',
    open: async () => {
      const schema = `openmds_test_${randomBytes(6).toString('hex')}`;
      await admin(pgUrl, `CREATE SCHEMA ${schema}`);
      const url = new URL(pgUrl);
      url.searchParams.set('options', `-c search_path=${schema}`);
      return {
        db: await openDatabase({ url: pgUrl, schema, maxConnections: 2 }),
        args: ['--database', url.toString()],
        drop: () => admin(pgUrl, `DROP SCHEMA IF EXISTS ${schema} CASCADE`),
      };
    },
  });
}

describe.each(targets)('openmds mail status on $name', (target) => {
  it('lists pending and failed mail without bodies, and exits 1 while some failed', async () => {
    const t = await target.open(io.dir);
    try {
      await migrateToLatest(t.db);
      const mail = (to: string) =>
        enqueueMail(t.db.kysely, {
          to,
          subject: 'パスワード再設定',
          body: 'https://mds.example.jp/password-reset/confirm#token=SECRET',
          kind: 'password-reset',
          at: '2026-03-01T09:00:00.000Z',
        });
      await t.db.kysely.updateTable('mail_outbox').set({ body: null }).execute();
      const delivered = await mail('delivered@example.jp');
      await deliverPendingMail(t.db.kysely, { name: 'ok', send: () => Promise.resolve() }, () => new Date());
      io.out = '';
      expect(await runCli(['mail', 'status', ...t.args])).toBe(0);
      expect(io.out).toBe('All mail has been delivered.\n');

      await mail('failed@example.jp');
      let clock = Date.parse('2026-03-01T09:00:00.000Z');
      const refusing = { name: 'refusing', send: () => Promise.reject(new Error('550 5.1.1 mailbox unavailable')) };
      for (let i = 0; i < MAX_MAIL_ATTEMPTS; i++) {
        await deliverPendingMail(t.db.kysely, refusing, () => new Date(clock));
        clock += 60 * 60_000;
      }
      await mail('pending@example.jp');
      await deliverPendingMail(t.db.kysely, refusing, () => new Date(clock));

      io.out = '';
      expect(await runCli(['mail', 'status', ...t.args])).toBe(1);
      expect(io.out).toContain('1 pending, 1 failed');
      expect(io.out).toMatch(/^failed .*failed@example\.jp {2}attempts 10, failed 2026-/m);
      expect(io.out).toMatch(/^pending .*pending@example\.jp {2}attempts 1, next attempt 2026-/m);
      expect(io.out).toContain('last error: 550 5.1.1 mailbox unavailable');
      expect(io.out).not.toContain('SECRET');
      expect(io.out).not.toContain('delivered@example.jp');
      expect(io.out).not.toContain(delivered);

      io.out = '';
      expect(await runCli(['mail', 'status', '--json', ...t.args])).toBe(1);
      const json = JSON.parse(io.out) as { to: string; state: string }[];
      expect(json.map((m) => [m.to, m.state])).toEqual([
        ['failed@example.jp', 'failed'],
        ['pending@example.jp', 'pending'],
      ]);
      expect(io.out).not.toContain('SECRET');
    } finally {
      await t.db.close();
      await t.drop();
    }
  });
});
