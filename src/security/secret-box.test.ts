import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretKeyring, SecretUnreadableError, isSealed, sealedKeyId, secretKeyId, secretPlace } from './secret-box.js';
import { parseSecretKey, readSecretKeyFile, secretKeySettingFromEnv } from './settings.js';

const key = (): Buffer => randomBytes(32);
const place = secretPlace('user_totp', 'secret', 'u-1');

function unreadable(run: () => unknown): SecretUnreadableError {
  try {
    run();
  } catch (e) {
    if (e instanceof SecretUnreadableError) return e;
    throw e;
  }
  throw new Error('expected SecretUnreadableError');
}

describe('secret box', () => {
  it('round-trips a value, stored as enc:v1:<key id>:<base64url> with a fresh IV each time', () => {
    const k = key();
    const ring = new SecretKeyring(k);
    const a = ring.seal('JBSWY3DPEHPK3PXP', place);
    const b = ring.seal('JBSWY3DPEHPK3PXP', place);
    expect(a).toMatch(/^enc:v1:[0-9a-f]{8}:[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('JBSWY3DPEHPK3PXP');
    expect(sealedKeyId(a)).toBe(secretKeyId(k));
    expect(ring.primaryId).toBe(secretKeyId(k));
    expect(ring.open(a, place)).toBe('JBSWY3DPEHPK3PXP');
    expect(ring.open(ring.seal('', place), place)).toBe('');
    expect(ring.open(ring.seal('鍵 🔑\n-----BEGIN PRIVATE KEY-----', place), place)).toBe(
      '鍵 🔑\n-----BEGIN PRIVATE KEY-----',
    );
  });

  it('reads a value without the enc:v1: prefix as plain text (a database from before encryption)', () => {
    const ring = new SecretKeyring(key());
    expect(isSealed('JBSWY3DPEHPK3PXP')).toBe(false);
    expect(sealedKeyId('whsec_abc')).toBeUndefined();
    expect(ring.open('whsec_abc', place)).toBe('whsec_abc');
  });

  it('refuses a changed ciphertext, naming the place and never the value', () => {
    const ring = new SecretKeyring(key());
    const sealed = ring.seal('JBSWY3DPEHPK3PXP', place);
    const body = Buffer.from(sealed.slice('enc:v1:xxxxxxxx:'.length), 'base64url');
    body[14] = (body[14] ?? 0) ^ 1;
    const tampered = `${sealed.slice(0, 'enc:v1:xxxxxxxx:'.length)}${body.toString('base64url')}`;
    const e = unreadable(() => ring.open(tampered, place));
    expect(e.problem).toBe('tampered');
    expect(e.message).toContain('user_totp.secret:u-1');
    expect(e.message).toContain(ring.primaryId);
    expect(e.message).not.toContain('JBSWY3DPEHPK3PXP');
    expect(unreadable(() => ring.open(`${sealed.slice(0, 20)}`, place)).problem).toBe('malformed');
    expect(unreadable(() => ring.open('enc:v1:nothex!:AAAA', place)).problem).toBe('malformed');
  });

  it('refuses a ciphertext moved to another row or column (the place is authenticated data)', () => {
    const ring = new SecretKeyring(key());
    const sealed = ring.seal('whsec_secret', secretPlace('webhooks', 'secret', 'w-1'));
    const otherRow = unreadable(() => ring.open(sealed, secretPlace('webhooks', 'secret', 'w-2')));
    expect(otherRow.problem).toBe('tampered');
    expect(otherRow.message).toMatch(/^webhooks\.secret:w-2 .*copied from another row or column/);
    expect(unreadable(() => ring.open(sealed, secretPlace('user_totp', 'secret', 'w-1'))).problem).toBe('tampered');
  });

  it('names the key a value needs when another key is loaded, and reads it once that key is loaded too', () => {
    const [oldKey, newKey] = [key(), key()];
    const sealed = new SecretKeyring(oldKey).seal('v', place);
    const e = unreadable(() => new SecretKeyring(newKey).open(sealed, place));
    expect(e.problem).toBe('unknown-key');
    expect(e.keyId).toBe(secretKeyId(oldKey));
    expect(e.message).toContain(`key ${secretKeyId(oldKey)}, which is not loaded (loaded: ${secretKeyId(newKey)})`);
    const both = new SecretKeyring(newKey, [oldKey]);
    expect(both.open(sealed, place)).toBe('v');
    expect(sealedKeyId(both.seal('v', place))).toBe(secretKeyId(newKey));
    expect(() => new SecretKeyring(randomBytes(16))).toThrow(/32 bytes/);
  });
});

describe('secret key settings', () => {
  it('reads OPENMDS_SECRET_KEY as base64 of 32 bytes and names the variable when it is not', () => {
    const k = key();
    const s = secretKeySettingFromEnv({ OPENMDS_SECRET_KEY: k.toString('base64') });
    expect(s).toMatchObject({ kind: 'value', source: 'OPENMDS_SECRET_KEY' });
    expect(s.kind === 'value' && s.key.equals(k)).toBe(true);
    expect(parseSecretKey('X', k.toString('base64url')).equals(k)).toBe(true);
    expect(() => secretKeySettingFromEnv({ OPENMDS_SECRET_KEY: randomBytes(16).toString('base64') })).toThrow(
      /^OPENMDS_SECRET_KEY: must be base64 of 32 random bytes \(it decodes to 16 bytes\)/,
    );
    expect(() => secretKeySettingFromEnv({ OPENMDS_SECRET_KEY: 'not base64!' })).toThrow(/^OPENMDS_SECRET_KEY: /);
    expect(() =>
      secretKeySettingFromEnv({ OPENMDS_SECRET_KEY: k.toString('base64'), OPENMDS_SECRET_KEY_FILE: '/k' }),
    ).toThrow(/both set/);
    expect(secretKeySettingFromEnv({})).toEqual({ kind: 'none' });
    expect(secretKeySettingFromEnv({ OPENMDS_SECRET_KEY_FILE: '/etc/openmds/key' })).toMatchObject({
      kind: 'file',
      path: '/etc/openmds/key',
    });
  });

  it('reads a key file, warns when others may read it, and names the file when it is missing or wrong', () => {
    const dir = mkdtempSync(join(tmpdir(), 'openmds-key-'));
    const file = join(dir, 'key');
    const k = key();
    writeFileSync(file, `${k.toString('base64')}\n`, { mode: 0o600 });
    const read = readSecretKeyFile('OPENMDS_SECRET_KEY_FILE', file);
    expect(read.key.equals(k)).toBe(true);
    expect(read.warning).toBeUndefined();
    if (process.platform !== 'win32') {
      chmodSync(file, 0o644);
      expect(readSecretKeyFile('OPENMDS_SECRET_KEY_FILE', file).warning).toBe(
        `OPENMDS_SECRET_KEY_FILE: ${file} is readable by others (mode 0644); run chmod 600 ${file}`,
      );
    }
    expect(() => readSecretKeyFile('OPENMDS_SECRET_KEY_FILE', join(dir, 'none'))).toThrow(
      `OPENMDS_SECRET_KEY_FILE: ${join(dir, 'none')}: no such file`,
    );
    writeFileSync(join(dir, 'short'), 'c2hvcnQ=\n');
    expect(() => readSecretKeyFile('OPENMDS_SECRET_KEY_FILE', join(dir, 'short'))).toThrow(
      /OPENMDS_SECRET_KEY_FILE \(.*short\): must be base64 of 32 random bytes \(it decodes to 5 bytes\)/,
    );
  });
});
