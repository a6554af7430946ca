import { describe, expect, it } from 'vitest';
import { COMMON_PASSWORDS } from './common-passwords.js';
import { checkPassword, isCommonPassword } from './password-policy.js';

const check = (password: string, email = 'sato.hanako@example.jp') => checkPassword({ password, email });

describe('the password policy', () => {
  it('accepts a long passphrase, in any script', () => {
    expect(check('correct horse battery staple')).toEqual([]);
    expect(check('医療情報の安全管理は大切です')).toEqual([]);
    expect(check('x'.repeat(256))).not.toEqual([]); // repetitive, not too long
    expect(check('ab1'.repeat(85) + 'z')).toEqual([]);
  });

  it('wants 12 to 256 characters, counting characters, not bytes', () => {
    expect(check('short pass')).toEqual([{ field: 'password', message: 'must be at least 12 characters (it has 10)' }]);
    expect(check('医療情報の安全管理は大切')).toEqual([]); // 12 characters
    expect(check('医療情報の安全管理は大')[0]?.message).toMatch(/at least 12/);
    expect(check('𠮷'.repeat(11) + 'a')).toEqual([]); // astral characters count once
    expect(check(`${'long passphrase '.repeat(16)}x`)[0]?.message).toBe('must be at most 256 characters');
  });

  it('refuses the email or its local part, in any case and with digits added', () => {
    const email = 'sato.hanako.iryo@example.jp';
    for (const password of [email, email.toUpperCase(), 'sato.hanako.iryo', 'Sato.Hanako.Iryo2026!']) {
      expect(check(password, email)[0]?.message, password).toBe('must not be your email address or its part before @');
    }
    expect(checkPassword({ password: 'yamada.taro1', email: 'yamada.taro1@example.jp' })).not.toEqual([]);
  });

  it('refuses common passwords, case-insensitively and with trailing digits or symbols removed', () => {
    for (const password of [
      'password1234',
      'Password1234!',
      'PASSWORD-2026',
      'qwertyuiop123',
      'qwertyuiop!!',
      'iloveyou2026',
      'abc123456789',
      'administrator1',
      '123456789012',
      '1q2w3e4r5t6y',
      'sakura2026!!',
      'hospital12345',
      'aaaaaaaaaaaa',
      'abcabcabcabc',
      '121212121212',
    ]) {
      expect(isCommonPassword(password), password).toBe(true);
      expect(check(password, 'x@example.jp')[0], password).toEqual({
        field: 'password',
        message: 'is too common; choose a longer phrase that others would not guess',
      });
    }
  });

  it('names the field it checks', () => {
    expect(checkPassword({ password: 'short', email: 'a@b.jp', field: 'newPassword' })[0]?.field).toBe('newPassword');
  });

  it('bundles a list of several hundred common passwords, lower case', () => {
    expect(COMMON_PASSWORDS.size).toBeGreaterThan(400);
    for (const p of COMMON_PASSWORDS) expect(p).toBe(p.toLowerCase());
    for (const p of ['password', '123456', 'qwertyuiop', 'iloveyou', 'password1', 'abc123']) {
      expect(COMMON_PASSWORDS.has(p), p).toBe(true);
    }
  });
});
