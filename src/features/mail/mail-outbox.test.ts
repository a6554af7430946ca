import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../db/database.js';
import { openReady, testDatabases } from '../../../test/support/databases.js';
import {
  deliverPendingMail,
  enqueueMail,
  listUndeliveredMail,
  logTransport,
  MAX_MAIL_ATTEMPTS,
  retryDelayMinutes,
  type MailMessage,
} from './mail-outbox.js';

describe.each(testDatabases())('mail outbox on $name', (database) => {
  let db: Db;
  beforeAll(async () => {
    db = await openReady(database);
  });
  afterAll(async () => {
    await db.close();
  });

  const now = () => new Date('2026-01-01T00:00:00.000Z');

  it('sends queued mail through the log transport once, and erases the body after delivery', async () => {
    const lines: string[] = [];
    await db.kysely.transaction().execute((trx) =>
      enqueueMail(trx, {
        to: 'sato@example.jp',
        subject: 'reset',
        body: 'http://x/password-reset/confirm#token=abc',
        kind: 'password-reset',
        at: now().toISOString(),
      }),
    );
    expect(
      await deliverPendingMail(
        db.kysely,
        logTransport((l) => lines.push(l)),
        now,
      ),
    ).toEqual({ sent: 1, retrying: 0, failed: [] });
    expect(lines.join('')).toContain('Mail to sato@example.jp: reset');
    expect(lines.join('')).toContain('#token=abc');
    expect(
      await deliverPendingMail(
        db.kysely,
        logTransport((l) => lines.push(l)),
        now,
      ),
    ).toEqual({ sent: 0, retrying: 0, failed: [] });
    const row = await db.kysely.selectFrom('mail_outbox').selectAll().executeTakeFirstOrThrow();
    expect(row.body).toBeNull();
    expect(row.sent_at).toBe(now().toISOString());
  });

  it('keeps a message for another try when the transport fails, and gives up after the limit', async () => {
    await enqueueMail(db.kysely, {
      to: 'x@example.jp',
      subject: 's',
      body: 'b',
      kind: 'password-reset',
      at: '2026-01-02',
    });
    const failing = {
      name: 'failing',
      send: (_m: MailMessage) => Promise.reject(new Error('connection refused')),
    };
    let clock = Date.parse('2026-01-02T00:00:00.000Z');
    for (let i = 0; i < MAX_MAIL_ATTEMPTS; i++) {
      await deliverPendingMail(db.kysely, failing, () => new Date(clock));
      clock += 60 * 60_000; // the longest back-off
    }
    const row = await db.kysely
      .selectFrom('mail_outbox')
      .selectAll()
      .where('to_address', '=', 'x@example.jp')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      sent_at: null,
      body: null,
      attempts: MAX_MAIL_ATTEMPTS,
      last_error: 'connection refused',
    });
    expect(row.failed_at).not.toBeNull();
    const listed = (await listUndeliveredMail(db.kysely)).find((m) => m.to === 'x@example.jp');
    expect(listed).toMatchObject({ state: 'failed', attempts: MAX_MAIL_ATTEMPTS, lastError: 'connection refused' });
    expect(listed).not.toHaveProperty('body');
  });

  it('sends each attempt once when two servers run the outbox at the same time', async () => {
    await enqueueMail(db.kysely, {
      to: 'twice@example.jp',
      subject: 's',
      body: 'b',
      kind: 'password-reset',
      at: '2026-01-03',
    });
    const sent: string[] = [];
    const slow = {
      name: 'slow',
      send: async (m: MailMessage) => {
        sent.push(m.to);
        await new Promise((r) => setTimeout(r, 20));
      },
    };
    const later = () => new Date('2026-01-03T00:00:00.000Z');
    const [a, b] = await Promise.all([
      deliverPendingMail(db.kysely, slow, later),
      deliverPendingMail(db.kysely, slow, later),
    ]);
    expect(a.sent + b.sent).toBe(1);
    expect(sent.filter((t) => t === 'twice@example.jp')).toHaveLength(1);
  });

  it('lists pending mail with its next attempt and never its body', async () => {
    await enqueueMail(db.kysely, {
      to: 'pending@example.jp',
      subject: 'パスワード再設定',
      body: 'secret link',
      kind: 'password-reset',
      at: '2026-01-04',
    });
    const listed = (await listUndeliveredMail(db.kysely)).find((m) => m.to === 'pending@example.jp');
    expect(listed).toMatchObject({ state: 'pending', attempts: 0, nextAttemptAt: null, subject: 'パスワード再設定' });
    expect(JSON.stringify(listed)).not.toContain('secret link');
  });
});

describe('retryDelayMinutes', () => {
  it('doubles from one minute and stops at an hour', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map(retryDelayMinutes)).toEqual([1, 2, 4, 8, 16, 32, 60, 60, 60]);
  });
});
