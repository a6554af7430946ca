import { describe, expect, it, vi } from 'vitest';
import { captureCliOutput } from '../../test/support/cli-output.js';
import { openDatabase } from '../db/database.js';
import { verifyPassword } from '../security/passwords.js';
import { adminIo } from './admin.js';
import { runCli } from './main.js';

const io = captureCliOutput('openmds-admin-');

const PASSWORD = 'correct horse battery staple';

async function users(): Promise<{ email: string; display_name: string; is_operator: number; password_hash: string }[]> {
  const db = await openDatabase({ dataDir: io.dir });
  try {
    return await db.kysely
      .selectFrom('users')
      .select(['email', 'display_name', 'is_operator', 'password_hash'])
      .execute();
  } finally {
    await db.close();
  }
}

describe('openmds admin create', () => {
  it('creates the operator with a password from standard input', async () => {
    vi.spyOn(adminIo, 'readStdin').mockReturnValue(`${PASSWORD}\n`);
    const code = await runCli([
      'admin',
      'create',
      '--email',
      'Op@Example.jp',
      '--name',
      '運用 管理者',
      '--password-stdin',
      '--data',
      io.dir,
    ]);
    expect(io.err).toBe('');
    expect(code).toBe(0);
    expect(io.out).toMatch(/^Created the operator account op@example\.jp \(/);
    const [user] = await users();
    expect(user).toMatchObject({ email: 'op@example.jp', display_name: '運用 管理者', is_operator: 1 });
    expect(await verifyPassword(PASSWORD, user!.password_hash)).toBe(true);
  });

  it('asks twice on a terminal and refuses when the two differ', async () => {
    vi.spyOn(adminIo, 'isTty').mockReturnValue(true);
    const prompt = vi.spyOn(adminIo, 'promptHidden');
    prompt.mockResolvedValueOnce(PASSWORD).mockResolvedValueOnce(`${PASSWORD}!`);
    expect(await runCli(['admin', 'create', '--email', 'op@example.jp', '--name', 'Op', '--data', io.dir])).toBe(1);
    expect(io.err).toContain('the two passwords differ');
    prompt.mockResolvedValueOnce(PASSWORD).mockResolvedValueOnce(PASSWORD);
    expect(await runCli(['admin', 'create', '--email', 'op@example.jp', '--name', 'Op', '--data', io.dir])).toBe(0);
    expect(prompt).toHaveBeenCalledTimes(4);
  });

  it('applies the password policy and refuses a registered email', async () => {
    vi.spyOn(adminIo, 'readStdin').mockReturnValue('password1234\n');
    expect(
      await runCli([
        'admin',
        'create',
        '--email',
        'op@example.jp',
        '--name',
        'Op',
        '--password-stdin',
        '--data',
        io.dir,
      ]),
    ).toBe(1);
    expect(io.err).toContain('password: is too common');
    vi.spyOn(adminIo, 'readStdin').mockReturnValue(PASSWORD);
    expect(
      await runCli([
        'admin',
        'create',
        '--email',
        'op@example.jp',
        '--name',
        'Op',
        '--password-stdin',
        '--data',
        io.dir,
      ]),
    ).toBe(0);
    io.err = '';
    expect(
      await runCli([
        'admin',
        'create',
        '--email',
        'OP@example.jp',
        '--name',
        'Op',
        '--password-stdin',
        '--data',
        io.dir,
      ]),
    ).toBe(1);
    expect(io.err).toContain('email: is already registered');
  });

  it('refuses to ask without a terminal', async () => {
    vi.spyOn(adminIo, 'isTty').mockReturnValue(false);
    expect(await runCli(['admin', 'create', '--email', 'op@example.jp', '--name', 'Op', '--data', io.dir])).toBe(2);
    expect(io.err).toContain('--password-stdin');
  });
});

describe('openmds admin reset-setup', () => {
  it('prints a fresh setup link while no operator exists, and refuses afterwards', async () => {
    expect(await runCli(['admin', 'reset-setup', '--data', io.dir, '--url', 'https://mds.example.jp/'])).toBe(0);
    expect(io.out).toMatch(
      /^Open this link once to create the operator account: https:\/\/mds\.example\.jp\/setup#token=[A-Za-z0-9_-]{43}\n$/,
    );
    vi.spyOn(adminIo, 'readStdin').mockReturnValue(PASSWORD);
    expect(
      await runCli([
        'admin',
        'create',
        '--email',
        'op@example.jp',
        '--name',
        'Op',
        '--password-stdin',
        '--data',
        io.dir,
      ]),
    ).toBe(0);
    expect(await runCli(['admin', 'reset-setup', '--data', io.dir])).toBe(1);
    expect(io.err).toContain('an operator account exists already');
  });
});
