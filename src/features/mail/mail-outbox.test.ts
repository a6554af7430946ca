import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../db/database.js';
import { openReady, testDatabases } from '../../../test/support/databases.js';
import { deliverPendingMail, enqueueMail, logTransport, MAX_MAIL_ATTEMPTS, type MailMessage } from './mail-outbox.js';

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
    ).toBe(1);
    expect(lines.join('')).toContain('Mail to sato@example.jp: reset');
    expect(lines.join('')).toContain('#token=abc');
    expect(
      await deliverPendingMail(
        db.kysely,
        logTransport((l) => lines.push(l)),
        now,
      ),
    ).toBe(0);
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
    for (let i = 0; i < MAX_MAIL_ATTEMPTS; i++) await deliverPendingMail(db.kysely, failing, now);
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
  });
});
