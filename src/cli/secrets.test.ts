import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createOrg, inject, signUp, testApp } from '../../test/support/app.js';
import { captureCliOutput } from '../../test/support/cli-output.js';
import { TEST_SECRET_KEY, useTestSecretKey } from '../../test/support/secret-key.js';
import { sharedDatabase, sharedDialects, type SharedDatabase } from '../../test/support/shared-database.js';
import { secretKeyId } from '../security/secret-box.js';
import { runCli } from './main.js';

const io = captureCliOutput('openmds-secrets-cli-');
const testKeyId = secretKeyId(Buffer.from(TEST_SECRET_KEY, 'base64'));

afterEach(() => {
  useTestSecretKey();
});

/** A database holding one webhook secret (encrypted under the test key), written through the API. */
async function withWebhook(db: SharedDatabase): Promise<void> {
  const server = await testApp({ database: { name: db.name, open: () => db.open() } });
  try {
    const owner = await signUp(server.app);
    const org = await createOrg(server.app, owner, { kind: 'hospital' });
    const res = await inject(server.app, owner, {
      method: 'POST',
      url: `/api/v1/orgs/${org.id}/webhooks`,
      payload: { url: 'https://hospital.example.jp/hook' },
    });
    expect(res.statusCode, res.body).toBe(201);
  } finally {
    await server.close();
  }
}

function keyFile(dir: string, name: string, key = randomBytes(32)): { file: string; id: string } {
  const file = path.join(dir, name);
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600 });
  return { file, id: secretKeyId(key) };
}

describe.each(sharedDialects())('openmds restore and the secret key on %s', (name) => {
  it('refuses a backup whose secrets the configured key does not decrypt, naming the key it needs', async () => {
    const source = await sharedDatabase(name);
    const target = await sharedDatabase(name);
    try {
      await withWebhook(source);
      const file = path.join(io.dir, 'b.tar.gz');
      expect(await runCli(['backup', '-o', file, '--database', source.url])).toBe(0);

      const other = keyFile(io.dir, 'other.key');
      process.env['OPENMDS_SECRET_KEY'] = readFileSync(other.file, 'utf8').trim();
      expect(await runCli(['restore', file, '--database', target.url, '--data', io.dir])).toBe(2);
      expect(io.err).toBe(
        `openmds: the backup's secrets are encrypted under key ${testKeyId}, but the key loaded (${other.id}, from OPENMDS_SECRET_KEY) is not it: give the key the backup was made with (OPENMDS_SECRET_KEY_FILE, OPENMDS_SECRET_KEY, or <data>/secret.key of the target); nothing was restored\n`,
      );
      expect(io.out).not.toContain('restored');

      // With the right key it restores.
      process.env['OPENMDS_SECRET_KEY'] = TEST_SECRET_KEY;
      expect(await runCli(['restore', file, '--database', target.url, '--data', io.dir])).toBe(0);
      expect(io.out).toMatch(/restored \d+ rows/);
    } finally {
      useTestSecretKey();
      await source.drop();
      await target.drop();
    }
  });
});

describe('openmds secrets', () => {
  it('refuses a restore into a folder without a key when the backup holds encrypted secrets', async () => {
    const source = await sharedDatabase('sqlite');
    try {
      await withWebhook(source);
      const file = path.join(io.dir, 'b.tar.gz');
      expect(await runCli(['backup', '-o', file, '--data', source.dataDir!])).toBe(0);
      delete process.env['OPENMDS_SECRET_KEY'];
      const target = path.join(io.dir, 'target');
      expect(await runCli(['restore', file, '--data', target])).toBe(2);
      expect(io.err).toContain(`encrypted under key ${testKeyId}, but no key is configured`);
      expect(existsSync(target)).toBe(false);
    } finally {
      useTestSecretKey();
      await source.drop();
    }
  });

  it('reports the secrets by key id, rotates them to a new key in the data folder, and reports again', async () => {
    const source = await sharedDatabase('sqlite');
    try {
      await withWebhook(source);
      const data = source.dataDir!;
      expect(await runCli(['secrets', 'status', '--data', data])).toBe(0);
      expect(io.out).toContain(`key: ${testKeyId} (from OPENMDS_SECRET_KEY)`);
      expect(io.out).toContain('stored secrets: 1 encrypted, 0 in plain text');
      expect(io.out).toContain(`under key ${testKeyId}: 1 (the configured key)`);
      expect(io.out).toContain('webhooks.secret: 1 encrypted, 0 plain');

      // The data folder's own key file takes over from the environment's test key.
      delete process.env['OPENMDS_SECRET_KEY'];
      writeFileSync(path.join(data, 'secret.key'), `${TEST_SECRET_KEY}\n`, { mode: 0o600 });
      io.out = '';
      expect(await runCli(['secrets', 'generate-key', path.join(io.dir, 'new.key')])).toBe(0);
      const newId = /key ([0-9a-f]{8})/.exec(io.out)?.[1];
      if (process.platform !== 'win32') expect(statSync(path.join(io.dir, 'new.key')).mode & 0o777).toBe(0o600);
      expect(await runCli(['secrets', 'generate-key', path.join(io.dir, 'new.key')])).toBe(2);

      io.out = '';
      const rotate = ['secrets', 'rotate-key', '--new-key-file', path.join(io.dir, 'new.key'), '--data', data];
      expect(await runCli(rotate)).toBe(0);
      expect(io.out).toContain(`re-encrypted 1 stored secrets under key ${newId} (was ${testKeyId})`);
      expect(io.out).toContain(`backups made before now still need key ${testKeyId}`);
      expect(readFileSync(path.join(data, 'secret.key'), 'utf8')).toBe(
        readFileSync(path.join(io.dir, 'new.key'), 'utf8'),
      );

      io.out = '';
      expect(await runCli(['secrets', 'status', '--data', data, '--json'])).toBe(0);
      expect(JSON.parse(io.out)).toMatchObject({
        key: { id: newId },
        encrypted: { [newId!]: 1 },
        plain: 0,
        unreadable: [],
      });

      // The old key no longer fits: status says which key the secrets need.
      writeFileSync(path.join(data, 'secret.key'), `${TEST_SECRET_KEY}\n`, { mode: 0o600 });
      io.out = '';
      expect(await runCli(['secrets', 'status', '--data', data])).toBe(1);
      expect(io.out).toContain(`unreadable: webhooks.secret:`);
      expect(io.out).toContain(`is encrypted under key ${newId}, which is not loaded (loaded: ${testKeyId})`);
    } finally {
      useTestSecretKey();
      await source.drop();
    }
  });
});
