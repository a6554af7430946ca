import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { captureCliOutput } from '../../test/support/cli-output.js';
import { openDatabase } from '../db/database.js';
import { createSession } from '../security/sessions.js';
import { adminIo } from './admin.js';
import { runCli } from './main.js';

const io = captureCliOutput('openmds-admin-2fa-');

describe('openmds admin reset-two-factor', () => {
  it("removes a user's authenticator app, passkeys and recovery codes with the reason, ends the sessions, and mails the user", async () => {
    vi.spyOn(adminIo, 'readStdin').mockReturnValue('correct horse battery staple\n');
    const args = ['--data', io.dir];
    expect(
      await runCli([
        'admin',
        'create',
        '--email',
        'sato@example.jp',
        '--name',
        '佐藤 花子',
        '--password-stdin',
        ...args,
      ]),
    ).toBe(0);

    // Her second factors, and a session on the lost phone.
    const at = new Date().toISOString();
    const db = await openDatabase({ dataDir: io.dir });
    let userId = '';
    try {
      const user = await db.kysely
        .selectFrom('users')
        .select('id')
        .where('email', '=', 'sato@example.jp')
        .executeTakeFirstOrThrow();
      userId = user.id;
      await db.kysely
        .insertInto('user_totp')
        .values({ user_id: userId, secret: 'JBSWY3DPEHPK3PXP', confirmed_at: at, last_used_step: null, created_at: at })
        .execute();
      await db.kysely
        .insertInto('recovery_codes')
        .values(
          Array.from({ length: 3 }, () => ({
            id: randomUUID(),
            user_id: userId,
            code_hash: randomUUID(),
            created_at: at,
          })),
        )
        .execute();
      await db.kysely
        .insertInto('passkeys')
        .values({
          id: 'cred-1',
          user_id: userId,
          name: 'iPhone',
          public_key: 'AAAA',
          sign_count: 0,
          transports: '[]',
          device_type: 'multiDevice',
          backed_up: 1,
          aaguid: '00000000-0000-0000-0000-000000000000',
          created_at: at,
        })
        .execute();
      await createSession(db.kysely, {
        userId,
        currentOrgId: null,
        ip: '192.0.2.1',
        userAgent: 'lost phone',
        now: new Date(),
        timeouts: { idleMinutes: 30, maxHours: 12 },
      });
    } finally {
      await db.close();
    }

    io.out = '';
    const missingReason = await runCli([
      'admin',
      'reset-two-factor',
      '--email',
      'sato@example.jp',
      '--reason',
      ' ',
      ...args,
    ]);
    expect(missingReason).toBe(1);
    expect(io.err).toMatch(/reason: say why/);

    io.err = '';
    const reason = '本人が来庁、職員証で確認 (情報システム課 田中)';
    const code = await runCli(['admin', 'reset-two-factor', '--email', 'SATO@example.jp', '--reason', reason, ...args]);
    expect(io.err).toBe('');
    expect(code).toBe(0);
    expect(io.out).toMatch(
      /Removed the authenticator app, 1 passkey\(s\), 3 unused recovery code\(s\) of sato@example\.jp; 1 session\(s\) ended/,
    );

    const after = await openDatabase({ dataDir: io.dir });
    try {
      const count = async (table: 'user_totp' | 'recovery_codes' | 'passkeys' | 'sessions') =>
        (await after.kysely.selectFrom(table).select('user_id').where('user_id', '=', userId).execute()).length;
      expect(await count('user_totp')).toBe(0);
      expect(await count('recovery_codes')).toBe(0);
      expect(await count('passkeys')).toBe(0);
      expect(await count('sessions')).toBe(0);
      const audit = await after.kysely
        .selectFrom('audit_events')
        .select(['details', 'user_agent'])
        .where('action', '=', 'two-factor.operator-reset')
        .executeTakeFirstOrThrow();
      expect(JSON.parse(audit.details ?? '{}')).toMatchObject({
        reason,
        removed: { totp: true, passkeys: 1, recoveryCodes: 3 },
        sessionsEnded: 1,
      });
      expect(audit.user_agent).toBe('openmds admin reset-two-factor');
      const mail = await after.kysely
        .selectFrom('mail_outbox')
        .select(['to_address', 'body', 'kind'])
        .where('kind', '=', 'two-factor.reset')
        .executeTakeFirstOrThrow();
      expect(mail.to_address).toBe('sato@example.jp');
      expect(mail.body).toContain(reason);
      // The password stays: she signs in with it and sets up a second factor again.
      const password = await after.kysely
        .selectFrom('users')
        .select('password_hash')
        .where('id', '=', userId)
        .executeTakeFirstOrThrow();
      expect(password.password_hash).toMatch(/^scrypt\$/);
    } finally {
      await after.close();
    }

    expect(await runCli(['admin', 'reset-two-factor', '--email', 'nobody@example.jp', '--reason', 'x', ...args])).toBe(
      1,
    );
    expect(io.err).toMatch(/no active account has nobody@example\.jp/);
  });
});
