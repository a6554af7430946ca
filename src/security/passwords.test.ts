import { describe, expect, it } from 'vitest';
import { dummyVerify, hashPassword, needsRehash, SCRYPT_DEFAULTS, verifyPassword } from './passwords.js';

const FAST = { N: 2 ** 12, r: 8, p: 1, keyLength: 32 };

describe('password hashing (scrypt)', () => {
  it('hashes with the default cost into a self-describing string and verifies', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', hash)).toBe(false);
    expect(needsRehash(hash)).toBe(false);
  });

  it('salts every hash', async () => {
    const a = await hashPassword('same password twice', FAST);
    const b = await hashPassword('same password twice', FAST);
    expect(a).not.toBe(b);
    expect(await verifyPassword('same password twice', b)).toBe(true);
  });

  it('compares passwords as NFC, so composed and decomposed Japanese input match', async () => {
    const composed = 'パスワードは長いがぎ'.normalize('NFC');
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);
    const hash = await hashPassword(composed, FAST);
    expect(await verifyPassword(decomposed, hash)).toBe(true);
  });

  it('flags hashes made with other parameters, or not ours, for rehashing', async () => {
    const weak = await hashPassword('correct horse battery staple', FAST);
    expect(needsRehash(weak)).toBe(true);
    expect(needsRehash(weak, FAST)).toBe(false);
    expect(needsRehash('$2b$10$abcdefghijklmnopqrstuv')).toBe(true);
  });

  it('never matches a malformed or hostile hash', async () => {
    for (const bad of [
      '',
      'scrypt$32768$8$1$salt',
      'scrypt$0$8$1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5',
      'scrypt$1073741824$8$1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5',
      'scrypt$1000$8$1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5',
    ]) {
      expect(await verifyPassword('anything at all', bad), bad).toBe(false);
    }
  });

  it('refuses parameters weaker than the floor', async () => {
    await expect(hashPassword('x', { ...SCRYPT_DEFAULTS, N: 2 ** 8 })).rejects.toThrow(RangeError);
    await expect(hashPassword('x', { ...SCRYPT_DEFAULTS, N: 3000 })).rejects.toThrow(RangeError);
  });

  it('spends a verification on unknown emails, always failing', async () => {
    expect(await dummyVerify('whatever it is', FAST)).toBe(false);
  });
});
