import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../db/database.js';
import { openReady, testDatabases } from '../../../test/support/databases.js';
import {
  closedPort,
  decodeEncodedWords,
  decodeTextBody,
  makeTestTls,
  parseRawMail,
  startSmtpServer,
  type TestSmtpServer,
  type TestTls,
} from '../../../test/support/smtp.js';
import { parseMailFrom, parseSmtpUrl, type SmtpSettings } from '../../security/settings.js';
import { deliverPendingMail, enqueueMail, MAX_MAIL_ATTEMPTS, retryDelayMinutes } from './mail-outbox.js';
import { smtpTransport } from './smtp-transport.js';

let tls: TestTls;
const servers: TestSmtpServer[] = [];

beforeAll(async () => {
  tls = await makeTestTls();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(options: Parameters<typeof startSmtpServer>[0]): Promise<TestSmtpServer> {
  const s = await startSmtpServer(options);
  servers.push(s);
  return s;
}

function settings(url: string, from = 'OpenMDS 病院 <openmds@hospital.example.jp>'): SmtpSettings {
  return { ...parseSmtpUrl(url), from: parseMailFrom(from) };
}

const SUBJECT = 'パスワード再設定のご案内 — OpenMDS';
const BODY =
  '佐藤様\n\nパスワードを再設定するには、次のリンクを 30 分以内に開いてください。\nhttps://mds.example.jp/password-reset/confirm#token=abc\n\n医療情報セキュリティ開示書（MDS）';

describe('the SMTP transport', () => {
  it('delivers over STARTTLS with AUTH, verifying the certificate against the trusted CA', async () => {
    const s = await server({ tls, users: { openmds: 'p@ss wörd' } });
    const t = smtpTransport(settings(`smtp://openmds:${encodeURIComponent('p@ss wörd')}@127.0.0.1:${s.port}`), {
      trustedCa: [tls.caPem],
    });
    try {
      await t.send({ to: 'sato@example.jp', subject: 'reset', body: 'hello' });
    } finally {
      t.close();
    }
    expect(s.logins).toEqual([{ user: 'openmds', ok: true }]);
    expect(s.received).toHaveLength(1);
    expect(s.received[0]).toMatchObject({
      from: 'openmds@hospital.example.jp',
      to: ['sato@example.jp'],
      user: 'openmds',
      secure: true,
    });
  });

  it('delivers Japanese subjects, bodies and sender names exactly, as UTF-8 encoded-words and base64', async () => {
    const s = await server({ tls });
    const t = smtpTransport(settings(`smtp://127.0.0.1:${s.port}`), { trustedCa: [tls.caPem] });
    try {
      await t.send({ to: 'sato@example.jp', subject: SUBJECT, body: BODY });
    } finally {
      t.close();
    }
    const raw = s.received[0]?.raw ?? '';
    const { headers } = parseRawMail(raw);
    // Headers travel as 7-bit ASCII: the Japanese is in encoded-words.
    expect(raw.slice(0, raw.indexOf('\r\n\r\n'))).toMatch(/^[\x20-\x7e\r\n\t]*$/);
    expect(headers.get('subject')).toMatch(/=\?UTF-8\?[BQ]\?/i);
    expect(decodeEncodedWords(headers.get('subject') ?? '')).toBe(SUBJECT);
    expect(decodeEncodedWords(headers.get('from') ?? '')).toBe('OpenMDS 病院 <openmds@hospital.example.jp>');
    expect(headers.get('content-type')).toMatch(/text\/plain; charset=utf-8/i);
    expect(decodeTextBody(raw).replace(/\r\n/g, '\n')).toBe(BODY);
  });

  it('speaks TLS from the first byte with smtps://', async () => {
    const s = await server({ tls, implicit: true, users: { u: 'p' } });
    const t = smtpTransport(settings(`smtps://u:p@127.0.0.1:${s.port}`), { trustedCa: [tls.caPem] });
    try {
      await t.send({ to: 'sato@example.jp', subject: 's', body: 'b' });
    } finally {
      t.close();
    }
    expect(s.received[0]?.secure).toBe(true);
  });

  it('refuses a server whose certificate no trusted CA issued', async () => {
    const s = await server({ tls });
    const t = smtpTransport(settings(`smtp://127.0.0.1:${s.port}`));
    try {
      await expect(t.send({ to: 'sato@example.jp', subject: 's', body: 'b' })).rejects.toThrow(/certificate/i);
    } finally {
      t.close();
    }
    expect(s.received).toHaveLength(0);
  });

  it('requires STARTTLS on smtp://: a server that does not offer it gets no mail and no password', async () => {
    const s = await server({ users: { u: 'secret' } });
    const t = smtpTransport(settings(`smtp://u:secret@127.0.0.1:${s.port}`), { trustedCa: [tls.caPem] });
    try {
      await expect(t.send({ to: 'sato@example.jp', subject: 's', body: 'b' })).rejects.toThrow(/STARTTLS/);
    } finally {
      t.close();
    }
    expect(s.logins).toEqual([]);
    expect(s.received).toHaveLength(0);
  });

  it('sends in plain text to a local relay with tls=none', async () => {
    const s = await server({});
    const t = smtpTransport(settings(`smtp://127.0.0.1:${s.port}?tls=none`));
    try {
      await t.send({ to: 'sato@example.jp', subject: SUBJECT, body: BODY });
    } finally {
      t.close();
    }
    expect(s.received[0]?.secure).toBe(false);
    expect(decodeTextBody(s.received[0]?.raw ?? '').replace(/\r\n/g, '\n')).toBe(BODY);
  });

  it('fails with the reason when the password is wrong', async () => {
    const s = await server({ tls, users: { u: 'right' } });
    const t = smtpTransport(settings(`smtp://u:wrong@127.0.0.1:${s.port}`), { trustedCa: [tls.caPem] });
    try {
      await expect(t.send({ to: 'sato@example.jp', subject: 's', body: 'b' })).rejects.toMatchObject({ code: 'EAUTH' });
    } finally {
      t.close();
    }
  });
});

describe.each(testDatabases())('the mail outbox through SMTP on $name', (database) => {
  let db: Db;
  beforeAll(async () => {
    db = await openReady(database);
  });
  afterAll(async () => {
    await db.close();
  });

  let clock = new Date('2026-03-01T09:00:00.000Z');
  const now = () => clock;
  const advance = (minutes: number) => {
    clock = new Date(clock.getTime() + minutes * 60_000);
  };

  async function queue(to: string): Promise<string> {
    return db.kysely
      .transaction()
      .execute((trx) =>
        enqueueMail(trx, { to, subject: SUBJECT, body: BODY, kind: 'password-reset', at: clock.toISOString() }),
      );
  }
  const row = (id: string) =>
    db.kysely.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('delivers queued mail with AUTH over STARTTLS and erases the body once sent', async () => {
    const s = await server({ tls, users: { openmds: 'pw' } });
    const t = smtpTransport(settings(`smtp://openmds:pw@127.0.0.1:${s.port}`), { trustedCa: [tls.caPem] });
    const id = await queue('deliver@example.jp');
    try {
      expect(await deliverPendingMail(db.kysely, t, now)).toEqual({ sent: 1, retrying: 0, failed: [] });
    } finally {
      t.close();
    }
    expect(decodeTextBody(s.received[0]?.raw ?? '').replace(/\r\n/g, '\n')).toBe(BODY);
    expect(await row(id)).toMatchObject({
      body: null,
      sent_at: clock.toISOString(),
      attempts: 1,
      last_error: null,
      next_attempt_at: null,
      failed_at: null,
    });
  });

  it('keeps mail a server rejects (5xx), records the attempt and error, and retries it after the back-off', async () => {
    const s = await server({ tls });
    s.rejectWith = { code: 550, message: 'mailbox unavailable' };
    const t = smtpTransport(settings(`smtp://127.0.0.1:${s.port}`), { trustedCa: [tls.caPem] });
    const id = await queue('rejected@example.jp');
    try {
      expect(await deliverPendingMail(db.kysely, t, now)).toMatchObject({ sent: 0, retrying: 1 });
      const first = await row(id);
      expect(first).toMatchObject({ attempts: 1, sent_at: null, body: BODY, failed_at: null });
      expect(first.last_error).toMatch(/550.*mailbox unavailable/);
      expect(first.next_attempt_at).toBe(new Date(clock.getTime() + 60_000).toISOString());

      // Not due yet: nothing is tried.
      advance(0.5);
      expect(await deliverPendingMail(db.kysely, t, now)).toMatchObject({ sent: 0, retrying: 0 });
      expect((await row(id)).attempts).toBe(1);

      advance(0.5);
      expect(await deliverPendingMail(db.kysely, t, now)).toMatchObject({ retrying: 1 });
      expect((await row(id)).next_attempt_at).toBe(new Date(clock.getTime() + 2 * 60_000).toISOString());

      s.rejectWith = undefined;
      advance(2);
      expect(await deliverPendingMail(db.kysely, t, now)).toMatchObject({ sent: 1 });
    } finally {
      t.close();
    }
    expect(await row(id)).toMatchObject({ attempts: 3, body: null, last_error: null, sent_at: clock.toISOString() });
    expect(s.received.map((m) => m.to)).toEqual([['rejected@example.jp']]);
  });

  it('keeps mail while the server is down, then gives up after the last attempt and marks it failed', async () => {
    const t = smtpTransport(settings(`smtp://127.0.0.1:${await closedPort()}`));
    const id = await queue('down@example.jp');
    try {
      for (let attempt = 1; attempt <= MAX_MAIL_ATTEMPTS; attempt++) {
        const r = await deliverPendingMail(db.kysely, t, now);
        const current = await row(id);
        expect(current.attempts).toBe(attempt);
        expect(current.last_error).toMatch(/ECONNREFUSED|connect/i);
        if (attempt < MAX_MAIL_ATTEMPTS) {
          expect(r.retrying).toBe(1);
          expect(current.body).toBe(BODY);
          advance(retryDelayMinutes(attempt));
        } else {
          expect(r.failed).toEqual([{ id, to: 'down@example.jp', kind: 'password-reset', error: current.last_error }]);
          expect(current).toMatchObject({ body: null, sent_at: null, failed_at: clock.toISOString() });
        }
      }
      advance(24 * 60);
      expect(await deliverPendingMail(db.kysely, t, now)).toEqual({ sent: 0, retrying: 0, failed: [] });
    } finally {
      t.close();
    }
  });
});
