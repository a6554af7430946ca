import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { Secret, TOTP } from 'otpauth';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createFinalizedStatement,
  createOrg,
  inject,
  publishStatement,
  signUp,
  TEST_PASSWORD,
  testApp,
  type TestApp,
  type TestSession,
} from '../../test/support/app.js';
import { testDatabases } from '../../test/support/databases.js';
import { TEST_SECRET_KEY, useTestSecretKey } from '../../test/support/secret-key.js';
import { builtinTemplates } from '../domain/templates/registry.js';
import { findTotp } from '../features/accounts/two-factor.repository.js';
import type { TotpSetupBody } from '../features/accounts/two-factor.schema.js';
import { deliverDueWebhooks } from '../features/webhooks/dispatcher.js';
import { verifyWebhook } from '../features/webhooks/signature.js';
import type { WebhookView } from '../features/webhooks/webhooks.service.js';
import { startServer } from '../server/start.js';
import { verifySignedStatement } from '../signing/verify-signed-statement.js';
import { SecretKeyring, SecretUnreadableError, secretKeyId, useSecretKeys } from './secret-box.js';
import {
  SecretKeyError,
  encryptPlainSecrets,
  loadSecretKeys,
  reencryptSecrets,
  secretsStatus,
  unreadableSecrets,
} from './stored-secrets.js';

const ENC = /^enc:v1:[0-9a-f]{8}:[A-Za-z0-9_-]+$/;
const testKey = Buffer.from(TEST_SECRET_KEY, 'base64');

describe.each(testDatabases())('secrets at rest on $name', (database) => {
  let t: TestApp;
  let testKeys: SecretKeyring;

  beforeAll(async () => {
    testKeys = useTestSecretKey();
    t = await testApp({ database });
  });
  afterAll(async () => {
    await t.close();
  });
  afterEach(() => {
    // A test that rotated or swapped keys leaves the next one the test key.
    useSecretKeys(testKeys);
  });

  const codeFor = (secret: string): string =>
    new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({
      timestamp: t.clock.now().getTime(),
    });

  /** Enrols TOTP through the API; returns the secret the user's app got. */
  async function enrol(s: TestSession): Promise<string> {
    const setup = await inject(t.app, s, {
      method: 'POST',
      url: '/api/v1/account/two-factor/totp/setup',
      payload: { password: TEST_PASSWORD },
    });
    expect(setup.statusCode, setup.body).toBe(200);
    const { secret } = setup.json<TotpSetupBody>();
    t.clock.advance(30_000);
    const confirm = await inject(t.app, s, {
      method: 'POST',
      url: '/api/v1/account/two-factor/totp/confirm',
      payload: { code: codeFor(secret) },
    });
    expect(confirm.statusCode, confirm.body).toBe(200);
    return secret;
  }

  /** Signs in with password and a TOTP code; the status of the second step. */
  async function signInWithCode(email: string, secret: string): Promise<number> {
    const first = await inject(t.app, null, {
      method: 'POST',
      url: '/api/v1/auth/sign-in',
      payload: { email, password: TEST_PASSWORD },
    });
    expect(first.statusCode, first.body).toBe(202);
    const pending = first.cookies.find((c) => c.name === 'openmds_2fa');
    t.clock.advance(30_000);
    const second = await inject(t.app, null, {
      method: 'POST',
      url: '/api/v1/auth/two-factor',
      payload: { code: codeFor(secret) },
      headers: { cookie: `openmds_2fa=${pending?.value ?? ''}` },
    });
    return second.statusCode;
  }

  const storedTotp = async (userId: string): Promise<string> =>
    (await t.db.kysely.selectFrom('user_totp').select('secret').where('user_id', '=', userId).executeTakeFirstOrThrow())
      .secret;

  it('stores a TOTP secret encrypted after enrolment, and its codes still verify', async () => {
    const user = await signUp(t.app);
    const secret = await enrol(user);
    const stored = await storedTotp(user.userId);
    expect(stored).toMatch(ENC);
    expect(stored).not.toContain(secret);
    expect(await signInWithCode(user.email, secret)).toBe(200);
  });

  it('stores the signing keys encrypted, and a published statement signs and verifies', async () => {
    const owner = await signUp(t.app);
    const org = await createOrg(t.app, owner, { kind: 'manufacturer' });
    const s = await createFinalizedStatement(t.app, owner, org.id);
    const pub = await publishStatement(t.app, owner, org.id, s);

    const keys = await t.db.kysely.selectFrom('signing_keys').select('private_key_pem').execute();
    const ca = await t.db.kysely.selectFrom('signing_authorities').select('private_key_pem').execute();
    expect(keys.length).toBeGreaterThan(0);
    for (const r of [...keys, ...ca]) {
      expect(r.private_key_pem).toMatch(ENC);
      expect(r.private_key_pem).not.toContain('PRIVATE KEY');
    }
    const json = await inject(t.app, null, { url: `/api/v1/directory/${pub.id}/files/json` });
    const caPem = await inject(t.app, null, { url: '/api/v1/signing/ca.pem' });
    const v = await verifySignedStatement(JSON.parse(json.body), { trustedRootsPem: [caPem.body] });
    expect(v.status).toBe('valid');
    // A second publication reads the stored (encrypted) key back to sign.
    const again = await publishStatement(t.app, owner, org.id, await createFinalizedStatement(t.app, owner, org.id));
    const json2 = await inject(t.app, null, { url: `/api/v1/directory/${again.id}/files/json` });
    expect((await verifySignedStatement(JSON.parse(json2.body), { trustedRootsPem: [caPem.body] })).status).toBe(
      'valid',
    );
  });

  it('stores a webhook secret encrypted, and deliveries are signed with it as before', async () => {
    const got: { headers: IncomingHttpHeaders; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        got.push({ headers: req.headers, body });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const owner = await signUp(t.app);
      const org = await createOrg(t.app, owner, { kind: 'hospital' });
      const created = await inject(t.app, owner, {
        method: 'POST',
        url: `/api/v1/orgs/${org.id}/webhooks`,
        payload: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook` },
      });
      expect(created.statusCode, created.body).toBe(201);
      const w = created.json<WebhookView & { secret: string }>();
      const row = await t.db.kysely
        .selectFrom('webhooks')
        .select('secret')
        .where('id', '=', w.id)
        .executeTakeFirstOrThrow();
      expect(row.secret).toMatch(ENC);
      expect(row.secret).not.toContain(w.secret.slice('whsec_'.length));

      await inject(t.app, owner, { method: 'POST', url: `/api/v1/orgs/${org.id}/webhooks/${w.id}/test` });
      const now = t.clock.now();
      expect(await deliverDueWebhooks(t.db.kysely, { now })).toMatchObject({ delivered: 1 });
      const [req] = got;
      const headers = {
        id: String(req?.headers['webhook-id']),
        timestamp: String(req?.headers['webhook-timestamp']),
        signature: String(req?.headers['webhook-signature']),
      };
      expect(verifyWebhook(w.secret, headers, req?.body ?? '', { now })).toBe(true);
    } finally {
      server.close();
    }
  });

  it('reads plain-text secrets of an older database, and encrypts them all in one go', async () => {
    const user = await signUp(t.app);
    const secret = await enrol(user);
    await sql`update user_totp set secret = ${secret} where user_id = ${user.userId}`.execute(t.db.kysely);
    expect((await findTotp(t.db.kysely, user.userId))?.secret).toBe(secret);
    expect((await secretsStatus(t.db.kysely)).plain).toBeGreaterThanOrEqual(1);

    const done = await encryptPlainSecrets(t.db.kysely, testKeys);
    expect(done.total).toBeGreaterThanOrEqual(1);
    expect(done.columns['user_totp.secret']).toBeGreaterThanOrEqual(1);
    expect(await storedTotp(user.userId)).toMatch(ENC);
    expect((await secretsStatus(t.db.kysely)).plain).toBe(0);
    expect((await encryptPlainSecrets(t.db.kysely, testKeys)).total).toBe(0);
    expect(await signInWithCode(user.email, secret)).toBe(200);
  });

  it('refuses a secret moved to another row with an error naming the row, and answers 500 without the value', async () => {
    const [a, b] = [await signUp(t.app), await signUp(t.app)];
    const secretA = await enrol(a);
    await enrol(b);
    const moved = await storedTotp(a.userId);
    await sql`update user_totp set secret = ${moved} where user_id = ${b.userId}`.execute(t.db.kysely);

    const e = await findTotp(t.db.kysely, b.userId).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SecretUnreadableError);
    expect((e as Error).message).toMatch(
      new RegExp(`^user_totp\\.secret:${b.userId} does not decrypt with key ${testKeys.primaryId}: .*another row`),
    );
    expect((e as Error).message).not.toContain(secretA);

    const first = await inject(t.app, null, {
      method: 'POST',
      url: '/api/v1/auth/sign-in',
      payload: { email: b.email, password: TEST_PASSWORD },
    });
    const pending = first.cookies.find((c) => c.name === 'openmds_2fa');
    const res = await inject(t.app, null, {
      method: 'POST',
      url: '/api/v1/auth/two-factor',
      payload: { code: '123456' },
      headers: { cookie: `openmds_2fa=${pending?.value ?? ''}` },
    });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({ error: { code: 'internal' } });
    expect(res.body).not.toContain(secretA);
    expect(res.body).not.toContain(moved);
    expect((await unreadableSecrets(t.db.kysely, testKeys)).map((x) => x.place)).toEqual([
      `user_totp.secret:${b.userId}`,
    ]);
    await sql`delete from user_totp where user_id = ${b.userId}`.execute(t.db.kysely);
  });

  it('rotates the key: every secret re-encrypted under the new one, which alone then reads them', async () => {
    const user = await signUp(t.app);
    const secret = await enrol(user);
    const next = randomBytes(32);
    const n = await reencryptSecrets(t.db.kysely, new SecretKeyring(next, [testKey]));
    expect(n).toBeGreaterThanOrEqual(1);
    const status = await secretsStatus(t.db.kysely);
    expect(status.plain).toBe(0);
    expect(Object.keys(status.byKey)).toEqual([secretKeyId(next)]);
    expect(await unreadableSecrets(t.db.kysely, new SecretKeyring(next))).toEqual([]);

    // The old key alone no longer reads them, and says which key they need.
    const old = await findTotp(t.db.kysely, user.userId).catch((x: unknown) => x);
    expect((old as SecretUnreadableError).problem).toBe('unknown-key');
    expect((old as Error).message).toContain(`key ${secretKeyId(next)}, which is not loaded`);

    useSecretKeys(new SecretKeyring(next));
    expect(await signInWithCode(user.email, secret)).toBe(200);
    // Back to the test key, for the other tests of this file.
    await reencryptSecrets(t.db.kysely, new SecretKeyring(testKey, [next]));
  });

  it('refuses to load a key that does not fit the stored secrets, naming the key id they need', async () => {
    const user = await signUp(t.app);
    await enrol(user);
    const dir = mkdtempSync(join(tmpdir(), 'openmds-keys-'));
    const wrong = randomBytes(32);
    await expect(
      loadSecretKeys(t.db, { dataDir: dir, env: { OPENMDS_SECRET_KEY: wrong.toString('base64') } }),
    ).rejects.toThrow(
      new SecretKeyError(
        `the stored secrets are encrypted under key ${testKeys.primaryId}, but the key loaded (${secretKeyId(wrong)}, from OPENMDS_SECRET_KEY) is not it: set OPENMDS_SECRET_KEY_FILE to that key's file (or OPENMDS_SECRET_KEY), or put it in <data>/secret.key`,
      ),
    );
    // No key at all: refused too, and no new key file is made beside secrets it could not read.
    await expect(loadSecretKeys(t.db, { dataDir: dir, env: {} })).rejects.toThrow(/but no key is configured/);
    expect(existsSync(join(dir, 'secret.key'))).toBe(false);
  });
});

describe('the key at first start', () => {
  it('creates <data>/secret.key (mode 0600) on a fresh instance and uses it again at the next start', async () => {
    const saved = process.env['OPENMDS_SECRET_KEY'];
    delete process.env['OPENMDS_SECRET_KEY'];
    const dataDir = join(mkdtempSync(join(tmpdir(), 'openmds-first-')), 'data');
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    try {
      const options = {
        port: 0,
        host: '127.0.0.1',
        dataDir,
        templates: builtinTemplates(),
        logger: false,
        handleSignals: false,
      };
      const first = await startServer(options);
      const file = join(dataDir, 'secret.key');
      expect(existsSync(file)).toBe(true);
      if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
      const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
      expect(key.length).toBe(32);
      expect(out.join('')).toContain(`created the key that encrypts stored secrets: ${file} (key ${secretKeyId(key)})`);

      // A secret stored in plain text (as before encryption) is encrypted at the next start, and the start says so.
      await sql`insert into organizations (id, name, kind, created_at) values ('o-legacy', 'Legacy', 'hospital', '2025-01-01T00:00:00.000Z')`.execute(
        first.db.kysely,
      );
      await sql`insert into webhooks (id, org_id, url, secret, created_at) values ('w-legacy', 'o-legacy', 'https://h.example.jp/hook', 'whsec_bGVnYWN5', '2025-01-01T00:00:00.000Z')`.execute(
        first.db.kysely,
      );
      await first.close();
      out.length = 0;
      const second = await startServer(options);
      try {
        expect(out.join('')).toContain(
          `encrypted 1 secrets stored in plain text (webhooks.secret: 1) under key ${secretKeyId(key)}`,
        );
        const row = await second.db.kysely.selectFrom('webhooks').select('secret').executeTakeFirstOrThrow();
        expect(row.secret).toMatch(ENC);
        expect(new SecretKeyring(key).open(row.secret, 'webhooks.secret:w-legacy')).toBe('whsec_bGVnYWN5');
      } finally {
        await second.close();
      }
    } finally {
      vi.restoreAllMocks();
      if (saved !== undefined) process.env['OPENMDS_SECRET_KEY'] = saved;
      useTestSecretKey();
    }
  });
});
