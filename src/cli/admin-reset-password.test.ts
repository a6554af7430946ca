import { describe, expect, it, vi } from 'vitest';
import { captureCliOutput } from '../../test/support/cli-output.js';
import { openDatabase } from '../db/database.js';
import { sha256Hex } from '../db/hash.js';
import { adminIo } from './admin.js';
import { runCli } from './main.js';

const io = captureCliOutput('openmds-admin-reset-');

describe('openmds admin reset-password', () => {
  it('prints a single-use reset link for an existing account, and refuses an unknown email', async () => {
    vi.spyOn(adminIo, 'readStdin').mockReturnValue('correct horse battery staple\n');
    const args = ['--data', io.dir];
    expect(
      await runCli(['admin', 'create', '--email', 'op@example.jp', '--name', '運用', '--password-stdin', ...args]),
    ).toBe(0);
    io.out = '';
    const code = await runCli([
      'admin',
      'reset-password',
      '--email',
      'OP@example.jp',
      '--url',
      'https://mds.example.jp/',
      ...args,
    ]);
    expect(io.err).toBe('');
    expect(code).toBe(0);
    const m = /https:\/\/mds\.example\.jp\/password-reset\/confirm#token=([A-Za-z0-9_-]{43})\n$/.exec(io.out);
    expect(m, io.out).not.toBeNull();
    const db = await openDatabase({ dataDir: io.dir });
    try {
      const rows = await db.kysely.selectFrom('password_reset_tokens').select(['token_hash', 'issued_via']).execute();
      expect(rows).toEqual([{ token_hash: sha256Hex(m![1]!), issued_via: 'operator' }]);
    } finally {
      await db.close();
    }
    expect(await runCli(['admin', 'reset-password', '--email', 'nobody@example.jp', ...args])).toBe(1);
    expect(io.err).toMatch(/no active account has nobody@example\.jp/);
  });
});
