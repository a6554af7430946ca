/**
 * OpenMDS's own MDS statement (docs/self-statement.md): the signed file verifies against the committed project CA,
 * it is the current source, it validates as finalization requires, and every はい is backed by a check that the
 * feature exists. A はい row without a check, or a check whose feature is gone, fails here.
 */
import type { LightMyRequestResponse, RouteOptions } from 'fastify';
import { sql } from 'kysely';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableNames } from '../src/backup/schema-introspection.js';
import { checkBackup, restoreBackup } from '../src/backup/restore-backup.js';
import { createBackup } from '../src/backup/create-backup.js';
import { buildCli } from '../src/cli/main.js';
import { openDatabase } from '../src/db/database.js';
import { canonicalJson } from '../src/domain/canonical-json.js';
import { normalizeStatement } from '../src/domain/normalize.js';
import type { Statement } from '../src/domain/statement.js';
import { builtinTemplates } from '../src/domain/templates/registry.js';
import { validateStatement } from '../src/domain/validation.js';
import { EXPORT_FORMATS, IMPORT_FORMATS, exportStatement, importStatement } from '../src/formats/index.js';
import { timeSource } from '../src/features/statements/statements.workflow.js';
import { PERMISSIONS, requireAccess } from '../src/security/access.js';
import { AUDIT_ACTIONS, verifyAuditChain } from '../src/security/audit.js';
import { checkPassword } from '../src/security/password-policy.js';
import { SESSION_COOKIE } from '../src/security/sessions.js';
import type { SignedStatementDocument } from '../src/signing/signed-statement.js';
import { verifySignedStatement } from '../src/signing/verify-signed-statement.js';
import { PassThrough } from 'node:stream';
import { readFileSync } from 'node:fs';
import {
  TEST_PASSWORD,
  addMember,
  createFinalizedStatement,
  createOrg,
  createStatement,
  inject,
  sessionFrom,
  signUp,
  testApp,
  type TestApp,
  type TestOrg,
  type TestSession,
} from './support/app.js';
import { finalizableGeneralPacs, repoFile } from './support/statements.js';
import { SoftAuthenticator } from './support/webauthn.js';

const FILES = {
  source: 'examples/openmds-self-statement.source.json',
  signed: 'examples/openmds-self-statement.json',
  pdf: 'examples/openmds-self-statement.pdf',
  ca: 'examples/openmds-project-ca.pem',
  doc: 'docs/self-statement.md',
} as const;

const templates = builtinTemplates();
const source = (): Statement => JSON.parse(repoFile(FILES.source)) as Statement;
const signedDoc = (): SignedStatementDocument => JSON.parse(repoFile(FILES.signed)) as SignedStatementDocument;
const repoBytes = (path: string): Uint8Array => readFileSync(new URL(`../${path}`, import.meta.url));

/** The rows answered はい in the committed statement. */
function yesRows(): string[] {
  return Object.entries(signedDoc().statement.answers)
    .filter(([, e]) => e.answer === 'yes')
    .map(([row]) => row);
}

/** The text of a document's section: from its `## heading` line to the next `## `. */
function section(doc: string, heading: string): string {
  const text = repoFile(doc);
  const start = text.indexOf(`\n## ${heading}`);
  if (start < 0) throw new Error(`${doc} has no section "## ${heading}"`);
  const end = text.indexOf('\n## ', start + 4);
  return text.slice(start, end < 0 ? undefined : end);
}

describe('the self statement file', () => {
  it('verifies against the committed project CA, as JSON and as PDF, signed by the OpenMDS project', async () => {
    const ca = repoFile(FILES.ca);
    const v = await verifySignedStatement(signedDoc(), { trustedRootsPem: [ca] });
    expect(v.problems).toEqual([]);
    expect(v.status).toBe('valid');
    expect(v.signer?.subject).toContain('O=OpenMDS project');

    const pdf = await importStatement(repoBytes(FILES.pdf), { file: FILES.pdf, templates });
    expect(pdf.format).toBe('pdf');
    expect(pdf.signed).toBeDefined();
    expect((await verifySignedStatement(pdf.signed, { trustedRootsPem: [ca] })).status).toBe('valid');
    expect(canonicalJson(pdf.signed!.statement)).toBe(canonicalJson(signedDoc().statement));
  });

  it('holds the current source (re-sign after every change: docs/self-statement.md)', () => {
    const t = templates.get('jahis-jira-mds', '2');
    expect(canonicalJson(signedDoc().statement)).toBe(canonicalJson(normalizeStatement(source(), t)));
  });

  it('is finalized, about this version of OpenMDS, and validates as finalization requires', () => {
    const s = signedDoc().statement;
    const pkg = JSON.parse(repoFile('package.json')) as { version: string };
    expect(s.status).toBe('finalized');
    expect(s.template).toEqual({ id: 'jahis-jira-mds', edition: '2' });
    expect(s.header).toMatchObject({
      manufacturer: 'OpenMDS project',
      product: 'OpenMDS',
      productVersion: pkg.version,
    });
    const v = validateStatement(s, templates, { final: true });
    expect(v.issues).toEqual([]);
    expect(v.valid).toBe(true);
  });

  it('gives every answer a remark with text, and leaves no remark uncited', () => {
    const s = signedDoc().statement;
    const text = new Map(s.remarks.map((r) => [r.number, r.text.trim()]));
    for (const [row, e] of Object.entries(s.answers)) {
      expect(e.answer, `row ${row}`).toBeDefined();
      expect(e.remarks?.length ?? 0, `row ${row} has no remark`).toBeGreaterThan(0);
      for (const n of e.remarks ?? []) expect(text.get(n), `row ${row}: remark ${n}`).toBeTruthy();
    }
  });

  it('has a check for every はい row, and none for a row that is not はい', () => {
    const yes = yesRows().sort();
    expect(yes.length).toBeGreaterThan(0);
    expect(yes.filter((r) => CHECKS[r] === undefined)).toEqual([]);
    expect(Object.keys(CHECKS).filter((r) => !yes.includes(r))).toEqual([]);
  });
});

// ---- The checks: one per はい row --------------------------------------------------------------------------------

let t: TestApp;
const routes: RouteOptions[] = [];
let owner: TestSession;
let org: TestOrg;
let viewer: TestSession;
let outsider: TestSession;

function hasRoute(method: string, url: string): boolean {
  return routes.some(
    (r) => r.url === `/api/v1${url}` && (Array.isArray(r.method) ? r.method.includes(method) : r.method === method),
  );
}
function route(method: string, url: string): RouteOptions {
  const r = routes.find(
    (r) => r.url === `/api/v1${url}` && (Array.isArray(r.method) ? r.method.includes(method) : r.method === method),
  );
  if (r === undefined) throw new Error(`no route ${method} /api/v1${url}`);
  return r;
}

/** A command of the `openmds` program, by its path of names ("audit", "verify"). */
function cliCommand(...names: string[]): boolean {
  let cmd = buildCli();
  for (const n of names) {
    const next = cmd.commands.find((c) => c.name() === n);
    if (next === undefined) return false;
    cmd = next;
  }
  return true;
}

const status = (res: LightMyRequestResponse) => [res.statusCode, res.body] as const;

/** A finalized statement of the owner's organization, made once for the checks that need one. */
let finalized: Promise<{ id: string; revision: number }> | undefined;
function finalizedStatement(): Promise<{ id: string; revision: number }> {
  finalized ??= createFinalizedStatement(t.app, owner, org.id);
  return finalized;
}

async function lockedFlow(): Promise<void> {
  const s = await signUp(t.app);
  expect((await inject(t.app, s, { method: 'POST', url: '/api/v1/auth/lock' })).statusCode).toBeLessThan(300);
  expect((await inject(t.app, s, { url: '/api/v1/orgs' })).statusCode).toBe(423);
  const wrong = await inject(t.app, s, {
    method: 'POST',
    url: '/api/v1/auth/unlock',
    payload: { password: 'not the password at all' },
  });
  expect(wrong.statusCode).toBe(423);
  const right = await inject(t.app, s, {
    method: 'POST',
    url: '/api/v1/auth/unlock',
    payload: { password: TEST_PASSWORD },
  });
  expect(...status(right)).toBe(200);
  expect((await inject(t.app, s, { url: '/api/v1/orgs' })).statusCode).toBe(200);
}

async function breakGlassFlow(): Promise<void> {
  const o = await signUp(t.app);
  const g = await createOrg(t.app, o);
  const created = await inject(t.app, o, { method: 'POST', url: `/api/v1/orgs/${g.id}/break-glass` });
  expect(...status(created)).toBe(201);
  const { credential } = created.json<{ credential: string }>();
  const use = (reason: string) =>
    inject(t.app, null, {
      method: 'POST',
      url: '/api/v1/auth/break-glass',
      payload: { org: g.id, credential, reason },
      remoteAddress: '198.51.100.77',
    });
  const used = await use('停電で担当者に連絡できないため');
  expect(...status(used)).toBe(200);
  const bg = sessionFrom(used);
  expect((await inject(t.app, bg, { url: `/api/v1/orgs/${g.id}` })).statusCode).toBe(200);
  // Single use: a second use needs a rotation first.
  expect((await use('もう一度')).statusCode).toBe(409);
}

async function backupRoundTrip(): Promise<void> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  const manifest = await createBackup(t.db, sink);
  const archive = Buffer.concat(chunks);
  // Restore takes an empty, unmigrated database: a new "medium".
  const target = await openDatabase({ url: ':memory:' });
  try {
    const report = await restoreBackup(target, checkBackup(archive));
    expect(report.restoredAt).toBe(manifest.migrations.at(-1));
    const count = async (db: typeof target) =>
      Number(
        (
          await db.kysely
            .selectFrom('statement_revisions')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await count(target)).toBe(await count(t.db));
    expect(await verifyAuditChain(target.kysely)).toMatchObject({ ok: true });
  } finally {
    await target.close();
  }
}

/** Row id → a check that the feature its remark names exists and works. */
const CHECKS: Record<string, () => Promise<void>> = {
  // 扱う情報のリスト: every table of a freshly migrated database is listed in docs/self-statement.md.
  '1': async () => {
    const list = section(FILES.doc, '扱う情報');
    const tables = await tableNames(t.db.kysely, t.db.dialect);
    expect(tables.length).toBeGreaterThan(20);
    expect(tables.filter((name) => !list.includes(`\`${name}\``))).toEqual([]);
  },
  // 窃視防止: the lock screen covers the page; while locked the server answers nothing but 423.
  '2': async () => {
    expect(repoFile('web/src/shell/lock-overlay.tsx')).toContain('export function LockOverlay');
    expect(repoFile('web/src/shell/idle-banner.tsx')).toContain('signs out');
    await lockedFlow();
  },
  // 不正入力防止: screen lock with password to unlock; writes without the CSRF token are refused.
  '3': async () => {
    await lockedFlow();
    const noCsrf = await t.app.inject({
      method: 'POST',
      url: '/api/v1/orgs',
      headers: { cookie: owner.cookie },
      payload: { name: 'CSRF なし', kind: 'manufacturer' },
    });
    expect(noCsrf.statusCode).toBe(403);
    expect(route('POST', '/auth/reauthenticate')).toBeDefined();
  },
  // アクセス管理: the one gate: anonymous 401, outsider 404, role without the action 403.
  '4': async () => {
    expect(typeof requireAccess).toBe('function');
    expect((await inject(t.app, null, { url: `/api/v1/orgs/${org.id}` })).statusCode).toBe(401);
    expect((await inject(t.app, outsider, { url: `/api/v1/orgs/${org.id}` })).statusCode).toBe(404);
    const write = await inject(t.app, viewer, {
      method: 'POST',
      url: `/api/v1/orgs/${org.id}/products`,
      payload: { name: '閲覧者の製品', category: 'other' },
    });
    expect(write.statusCode).toBe(403);
  },
  // パスワード認証: sign-in by password; scrypt hashes stored.
  '4.1-a': async () => {
    const signIn = (password: string) =>
      t.app.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: owner.email, password } });
    expect((await signIn('a wrong password, surely')).statusCode).toBe(401);
    expect((await signIn(TEST_PASSWORD)).statusCode).toBe(200);
    const row = await t.db.kysely
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', owner.userId)
      .executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^scrypt\$/);
  },
  // 生体認証: a passkey whose device verified the user (biometrics) signs in without a password; without it, refused.
  '4.1-b': async () => {
    const s = await signUp(t.app);
    const device = new SoftAuthenticator({ origin: 'http://localhost', userVerification: true });
    const options = await inject(t.app, s, { method: 'POST', url: '/api/v1/account/passkeys/options' });
    expect(...status(options)).toBe(200);
    const registered = await inject(t.app, s, {
      method: 'POST',
      url: '/api/v1/account/passkeys',
      payload: { name: 'Touch ID', response: device.create(options.json()) },
    });
    expect(...status(registered)).toBe(201);
    const signIn = async (userVerified: boolean) => {
      const start = await t.app.inject({ method: 'POST', url: '/api/v1/auth/passkey/options' });
      return t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/passkey',
        headers: { cookie: start.cookies.map((c) => `${c.name}=${c.value}`).join('; ') },
        payload: { response: device.get(start.json(), { userVerified }) },
      });
    };
    expect((await signIn(false)).statusCode).toBe(401);
    const ok = await signIn(true);
    expect(...status(ok)).toBe(200);
    expect(ok.json<{ user: { id: string } }>().user.id).toBe(s.userId);
  },
  // 物理媒体認証: a FIDO2 security key (no user verification, a signature counter) as the second step after the
  // password; a cloned key, its counter going back, is refused.
  '4.1-c': async () => {
    const s = await signUp(t.app);
    const key = new SoftAuthenticator({
      origin: 'http://localhost',
      userVerification: false,
      counter: true,
      synced: false,
    });
    const options = await inject(t.app, s, { method: 'POST', url: '/api/v1/account/passkeys/options' });
    const registered = await inject(t.app, s, {
      method: 'POST',
      url: '/api/v1/account/passkeys',
      payload: { name: 'YubiKey', response: key.create(options.json()) },
    });
    expect(...status(registered)).toBe(201);
    const secondStep = async (bend: { signCount?: number }) => {
      const first = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/sign-in',
        payload: { email: s.email, password: TEST_PASSWORD },
      });
      expect(first.json()).toMatchObject({ twoFactorRequired: true, methods: ['passkey', 'recovery-code'] });
      const cookie = first.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
      const start = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/two-factor/passkey/options',
        headers: { cookie },
      });
      return t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/two-factor/passkey',
        headers: { cookie },
        payload: { response: key.get(start.json(), bend) },
      });
    };
    const ok = await secondStep({});
    expect(...status(ok)).toBe(200);
    expect(ok.cookies.find((c) => c.name === SESSION_COOKIE)?.value).toBeTruthy();
    expect((await secondStep({ signCount: 1 })).statusCode).toBe(401);
  },
  // 二要素認証: with TOTP enrolled, a right password answers 202 and the code starts the session.
  '4.1-d': async () => {
    const s = await signUp(t.app);
    const codeFor = (secret: string) => {
      t.clock.advance(30_000);
      return new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({
        timestamp: t.clock.now().getTime(),
      });
    };
    const setup = await inject(t.app, s, {
      method: 'POST',
      url: '/api/v1/account/two-factor/totp/setup',
      payload: { password: TEST_PASSWORD },
    });
    expect(...status(setup)).toBe(200);
    const { secret } = setup.json<{ secret: string }>();
    const confirm = await inject(t.app, s, {
      method: 'POST',
      url: '/api/v1/account/two-factor/totp/confirm',
      payload: { code: codeFor(secret) },
    });
    expect(...status(confirm)).toBe(200);
    const first = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-in',
      payload: { email: s.email, password: TEST_PASSWORD },
    });
    expect(first.statusCode).toBe(202);
    expect(first.json()).toMatchObject({ twoFactorRequired: true });
    expect(first.cookies.find((c) => c.name === SESSION_COOKIE)).toBeUndefined();
    const pending = first.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const second = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/two-factor',
      headers: { cookie: pending },
      payload: { code: codeFor(secret) },
    });
    expect(...status(second)).toBe(200);
    expect(second.cookies.find((c) => c.name === SESSION_COOKIE)?.value).toBeTruthy();
    expect(hasRoute('PUT', '/orgs/:orgId/security-policy')).toBe(true);
  },
  // その他: the sealed, single-use break-glass credential.
  '4.1-e': breakGlassFlow,
  // パスワード管理: policy, change with history, reset by link, the operator's reset.
  '4.1.1': async () => {
    expect(checkPassword({ password: 'password1234', email: 'someone@example.jp' })).not.toEqual([]);
    expect(checkPassword({ password: TEST_PASSWORD, email: 'someone@example.jp' })).toEqual([]);
    const s = await signUp(t.app);
    const same = await inject(t.app, s, {
      method: 'POST',
      url: '/api/v1/account/password',
      payload: { currentPassword: TEST_PASSWORD, newPassword: TEST_PASSWORD },
    });
    expect(same.statusCode).toBe(400);
    expect(same.body).toContain('password history');
    const reset = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password-reset',
      payload: { email: s.email },
      remoteAddress: '198.51.100.78',
    });
    expect(reset.statusCode).toBe(202);
    expect(hasRoute('POST', '/auth/password-reset/confirm')).toBe(true);
    expect(cliCommand('admin', 'reset-password')).toBe(true);
    // The link goes by mail: the reset is queued in the outbox, which SMTP delivers (`openmds mail test` checks it).
    const queued = await t.db.kysely
      .selectFrom('mail_outbox')
      .select(['kind', 'to_address'])
      .where('to_address', '=', s.email)
      .execute();
    expect(queued.map((m) => m.kind)).toContain('password-reset');
    expect(cliCommand('mail', 'test')).toBe(true);
  },
  // アクセスログの出力: the audit trail exports as CSV and FHIR AuditEvent; `openmds audit export`.
  '4.2': async () => {
    const csv = await inject(t.app, owner, { url: `/api/v1/orgs/${org.id}/audit/export?format=csv` });
    expect(...status(csv)).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body).toContain('org.create');
    const fhir = await inject(t.app, owner, { url: `/api/v1/orgs/${org.id}/audit/export?format=fhir` });
    expect(...status(fhir)).toBe(200);
    expect(fhir.json()).toMatchObject({ resourceType: 'Bundle' });
    const syslog = await inject(t.app, owner, { url: `/api/v1/orgs/${org.id}/audit/export?format=syslog` });
    expect(...status(syslog)).toBe(200);
    expect(cliCommand('audit', 'export')).toBe(true);
  },
  // アクセスログの確認: the organization's trail with its chain check; each user's own activity.
  '4.2.1': async () => {
    const trail = await inject(t.app, owner, { url: `/api/v1/orgs/${org.id}/audit` });
    expect(...status(trail)).toBe(200);
    const body = trail.json<{ events: { action: string }[]; chain: { ok: boolean } }>();
    expect(body.events.map((e) => e.action)).toContain('org.create');
    expect(body.chain.ok).toBe(true);
    const own = await inject(t.app, owner, { url: '/api/v1/account/activity' });
    expect(...status(own)).toBe(200);
    expect(own.json<{ events: unknown[] }>().events.length).toBeGreaterThan(0);
  },
  // アクセスログへのアクセス制限: only owners and auditors; append-only in the database.
  '4.2.2': async () => {
    const roles = Object.entries(PERMISSIONS)
      .filter(([, actions]) => actions.has('audit.read'))
      .map(([role]) => role)
      .sort();
    expect(roles).toEqual(['auditor', 'owner']);
    expect((await inject(t.app, viewer, { url: `/api/v1/orgs/${org.id}/audit` })).statusCode).toBe(403);
    expect((await inject(t.app, outsider, { url: `/api/v1/orgs/${org.id}/audit` })).statusCode).toBe(404);
    await expect(sql`UPDATE audit_events SET action = 'changed'`.execute(t.db.kysely)).rejects.toThrow();
    await expect(sql`DELETE FROM audit_events`.execute(t.db.kysely)).rejects.toThrow();
  },
  // 時刻: server time only, the time source recorded with each finalization; the NTP procedure documented.
  '5': async () => {
    expect(timeSource()).toMatch(/\S/);
    expect(section('docs/operations.md', 'Time synchronisation')).toContain('chrony');
    const f = await finalizedStatement();
    const d = await inject(t.app, owner, { url: `/api/v1/orgs/${org.id}/statements/${f.id}` });
    expect(d.json<{ latest: { timeSource: string | null } }>().latest.timeSource).toBe(timeSource());
  },
  // 非常時アカウント.
  '11': breakGlassFlow,
  // 利用者の識別・認証: named sessions; only the token's hash is stored.
  '14': async () => {
    expect((await inject(t.app, null, { url: '/api/v1/orgs' })).statusCode).toBe(401);
    expect((await inject(t.app, owner, { url: '/api/v1/orgs' })).statusCode).toBe(200);
    const token = owner.cookie.slice(`${SESSION_COOKIE}=`.length);
    const stored = await t.db.kysely.selectFrom('sessions').select('id_hash').execute();
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.some((s) => s.id_hash === token)).toBe(false);
  },
  // 権限管理: per organization and role.
  '14.1': async () => {
    expect(PERMISSIONS.viewer.has('statement.write')).toBe(false);
    expect(PERMISSIONS.editor.has('statement.finalize')).toBe(false);
    expect(PERMISSIONS.approver.has('statement.finalize')).toBe(true);
    expect((await inject(t.app, outsider, { url: `/api/v1/orgs/${org.id}/statements` })).statusCode).toBe(404);
    expect((await inject(t.app, viewer, { url: `/api/v1/orgs/${org.id}/statements` })).statusCode).toBe(200);
  },
  // 作成・追記・変更の防止: a viewer cannot write a statement.
  '14.2': async () => {
    const f = await finalizedStatement();
    const res = await inject(t.app, viewer, {
      method: 'POST',
      url: `/api/v1/orgs/${org.id}/statements/${f.id}/revisions`,
    });
    expect(res.statusCode).toBe(403);
  },
  // 記録の確定: finalization, behind re-authentication.
  '16': async () => {
    expect(route('POST', '/orgs/:orgId/statements/:id/revisions/:rev/finalize').config).toMatchObject({
      recentAuth: true,
    });
    const f = await finalizedStatement();
    const d = await inject(t.app, owner, { url: `/api/v1/orgs/${org.id}/statements/${f.id}` });
    expect(d.json<{ revisions: { revision: number; status: string }[] }>().revisions[0]).toMatchObject({
      revision: 1,
      status: 'finalized',
    });
  },
  // 確定情報: who is responsible, who finalized, when, by which time source, and the content hash.
  '16.1': async () => {
    const f = await finalizedStatement();
    const d = await inject(t.app, owner, { url: `/api/v1/orgs/${org.id}/statements/${f.id}/revisions/1` });
    expect(...status(d)).toBe(200);
    const r = d.json<{
      finalizedAt: string | null;
      approver: { id: string } | null;
      responsible: { id: string } | null;
      timeSource: string | null;
      contentHash: string;
    }>();
    expect(r.finalizedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(r.approver?.id).toBe(owner.userId);
    expect(r.responsible?.id).toBe(owner.userId);
    expect(r.timeSource).toBeTruthy();
    expect(r.contentHash).toMatch(/^[0-9a-f]{64}$/);
  },
  // 確定前の確認: submit, return, confirm-proxy, finalize with re-authentication.
  '16.2': () => {
    for (const step of ['submit', 'return', 'confirm-proxy', 'finalize']) {
      expect(hasRoute('POST', `/orgs/:orgId/statements/:id/revisions/:rev/${step}`), step).toBe(true);
    }
    expect(route('POST', '/orgs/:orgId/statements/:id/revisions/:rev/finalize').config).toMatchObject({
      recentAuth: true,
    });
    return Promise.resolve();
  },
  // 確定後の改ざん防止: the service refuses a save, the database refuses an UPDATE or DELETE.
  '16.3': async () => {
    const f = await finalizedStatement();
    const save = await inject(t.app, owner, {
      method: 'PUT',
      url: `/api/v1/orgs/${org.id}/statements/${f.id}/revisions/1`,
      payload: { expectedVersion: 99, content: finalizableGeneralPacs() },
    });
    expect(save.statusCode).toBe(409);
    await expect(
      sql`UPDATE statement_revisions SET content = '{}' WHERE statement_id = ${f.id} AND revision = 1`.execute(
        t.db.kysely,
      ),
    ).rejects.toThrow(/immutable/);
    await expect(
      sql`DELETE FROM statement_revisions WHERE statement_id = ${f.id}`.execute(t.db.kysely),
    ).rejects.toThrow(/immutable/);
  },
  // 更新履歴: a new revision keeps the old one; the diff shows before and after.
  '18': async () => {
    const f = await finalizedStatement();
    const url = `/api/v1/orgs/${org.id}/statements/${f.id}`;
    const next = await inject(t.app, owner, { method: 'POST', url: `${url}/revisions` });
    expect(next.statusCode).toBeLessThan(300);
    const d = (await inject(t.app, owner, { url })).json<{
      revisions: { revision: number; status: string }[];
      latest: { revision: number; version: number; content: Statement };
    }>();
    expect(d.latest.revision).toBe(2);
    const changed = { ...d.latest.content, answers: { ...d.latest.content.answers, '2': { answer: 'no' } } };
    const saved = await inject(t.app, owner, {
      method: 'PUT',
      url: `${url}/revisions/2`,
      payload: { expectedVersion: d.latest.version, content: changed },
    });
    expect(...status(saved)).toBe(200);
    const diff = await inject(t.app, owner, { url: `${url}/diff?from=1&to=2` });
    expect(...status(diff)).toBe(200);
    expect(diff.json<{ rows: { row: string }[] }>().rows.map((r) => r.row)).toEqual(['2']);
  },
  // 順序性: revisions are numbered per statement, in order.
  '18.1': async () => {
    const f = await finalizedStatement();
    const d = (await inject(t.app, owner, { url: `/api/v1/orgs/${org.id}/statements/${f.id}` })).json<{
      revisions: { revision: number }[];
    }>();
    const numbers = d.revisions.map((r) => r.revision);
    expect(numbers.length).toBeGreaterThan(0);
    expect([...numbers].sort((a, b) => a - b)).toEqual(numbers.map((_, i) => i + 1));
  },
  // 代行操作の承認, its record and its finalization: one flow.
  '19': proxyFlow,
  '19.1': proxyFlow,
  '19.2': proxyFlow,
  // 検索: the directory's search by answers.
  '20': async () => {
    const res = await inject(t.app, null, { url: '/api/v1/directory?answer=4.1-d:yes&answer=12.4:yes' });
    expect(...status(res)).toBe(200);
    expect(res.json<{ items: unknown[] }>().items).toBeInstanceOf(Array);
    expect(section('docs/publishing.md', 'The directory')).toMatch(/answer/);
  },
  // 代替的な見読化手段: files that read without OpenMDS (the committed PDF is one).
  '22': async () => {
    expect(EXPORT_FORMATS).toEqual(expect.arrayContaining(['pdf', 'html', 'xlsx', 'csv']));
    expect(Buffer.from(repoBytes(FILES.pdf).subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    const html = new TextDecoder().decode(
      await exportStatement(signedDoc().statement, 'html', templates, { signed: signedDoc() }),
    );
    expect(html).toContain('openmds-signed-statement');
  },
  // 記録媒体・記録機器の取扱い: documented for the hospital's 運用管理規程.
  '24': async () => {
    expect(section('docs/operations.md', 'Installation behind TLS')).toContain('chmod 700');
    expect(section('docs/operations.md', 'Backups')).toContain('Encrypt it at rest');
    expect(section('docs/security.md', 'Secrets at rest')).toContain('AES-256-GCM');
    // The secrets the server reads back are stored encrypted: a TOTP secret, after enrolment.
    const s = await signUp(t.app);
    const setup = await inject(t.app, s, {
      method: 'POST',
      url: '/api/v1/account/two-factor/totp/setup',
      payload: { password: TEST_PASSWORD },
    });
    const { secret } = setup.json<{ secret: string }>();
    const stored = await t.db.kysely
      .selectFrom('user_totp')
      .select('secret')
      .where('user_id', '=', s.userId)
      .executeTakeFirstOrThrow();
    expect(stored.secret).toMatch(/^enc:v1:/);
    expect(stored.secret).not.toContain(secret);
    expect(cliCommand('secrets', 'rotate-key')).toBe(true);
  },
  // 保存・バックアップ: documented, and the commands exist.
  '25': () => {
    expect(section('docs/operations.md', 'Backups')).toContain('openmds backup');
    expect(section('docs/operations.md', 'Restore')).toContain('openmds restore');
    expect(cliCommand('backup')).toBe(true);
    expect(cliCommand('restore')).toBe(true);
    return Promise.resolve();
  },
  // アクセス履歴: reads and sign-ins are recorded.
  '26': async () => {
    const f = await finalizedStatement();
    await inject(t.app, viewer, { url: `/api/v1/orgs/${org.id}/statements/${f.id}` });
    const rows = await t.db.kysely
      .selectFrom('audit_events')
      .select(['action', 'actor_id'])
      .where('actor_id', '=', viewer.userId)
      .execute();
    expect(rows.map((r) => r.action)).toEqual(expect.arrayContaining([AUDIT_ACTIONS.USER_SIGN_UP, 'statement.read']));
  },
  // 履歴の管理: the chain verifies on this database (tampering is detected: src/security/audit.test.ts); the CLI.
  '26.1': async () => {
    expect(await verifyAuditChain(t.db.kysely)).toMatchObject({ ok: true });
    expect(cliCommand('audit', 'verify')).toBe(true);
    expect(hasRoute('GET', '/orgs/:orgId/audit')).toBe(true);
  },
  // 復元: a backup of this database restores into an empty one, chain verified.
  '27': backupRoundTrip,
  // 新しい媒体への複写: the same copy, onto a new database.
  '28': async () => {
    expect(cliCommand('backup')).toBe(true);
    await backupRoundTrip();
  },
  // 標準形式: JSON (with a published schema), CSV, XLSX in and out; the statement round-trips through CSV.
  '29': async () => {
    for (const f of ['json', 'csv', 'xlsx', 'pdf', 'html'] as const) {
      expect(IMPORT_FORMATS).toContain(f);
      expect(EXPORT_FORMATS).toContain(f);
    }
    expect(JSON.parse(repoFile('schemas/statement.json'))).toHaveProperty('$schema');
    const s = signedDoc().statement;
    const csv = await exportStatement(s, 'csv', templates);
    const back = await importStatement(csv, { file: 'self.csv', templates });
    expect(canonicalJson(back.statement)).toBe(canonicalJson(s));
  },
};

async function proxyFlow(): Promise<void> {
  const editor = await addMember(t.app, owner, org.id, { role: 'editor' });
  const created = await createStatement(t.app, owner, org.id);
  const url = `/api/v1/orgs/${org.id}/statements/${created.id}`;
  type Detail = {
    latest: {
      revision: number;
      version: number;
      content: Statement;
      proxyEntries: { row: string; enteredBy: { id: string }; onBehalfOf: { id: string } }[];
    };
  };
  const get = async () => (await inject(t.app, owner, { url })).json<Detail>();
  let d = await get();
  const example = finalizableGeneralPacs();
  const saved = await inject(t.app, editor, {
    method: 'PUT',
    url: `${url}/revisions/1`,
    payload: {
      expectedVersion: d.latest.version,
      content: { ...d.latest.content, answers: example.answers, remarks: example.remarks },
    },
  });
  expect(...status(saved)).toBe(200);
  expect(saved.json<{ proxyEntries: number }>().proxyEntries).toBeGreaterThan(0);
  d = await get();
  expect(d.latest.proxyEntries.find((p) => p.row === '1')).toMatchObject({
    enteredBy: { id: editor.userId },
    onBehalfOf: { id: owner.userId },
  });
  const submit = await inject(t.app, editor, {
    method: 'POST',
    url: `${url}/revisions/1/submit`,
    payload: { expectedVersion: d.latest.version },
  });
  expect(...status(submit)).toBe(200);
  d = await get();
  const finalize = () =>
    inject(t.app, owner, {
      method: 'POST',
      url: `${url}/revisions/1/finalize`,
      payload: { expectedVersion: d.latest.version },
    });
  expect((await finalize()).statusCode).toBe(409);
  expect((await inject(t.app, editor, { method: 'POST', url: `${url}/revisions/1/confirm-proxy` })).statusCode).toBe(
    403,
  );
  expect((await inject(t.app, owner, { method: 'POST', url: `${url}/revisions/1/confirm-proxy` })).statusCode).toBe(
    200,
  );
  d = await get();
  expect(...status(await finalize())).toBe(200);
}

describe('each はい row: the feature its remark names exists', () => {
  beforeAll(async () => {
    t = await testApp({ onRoute: (r) => routes.push(r) });
    owner = await signUp(t.app, { displayName: 'OpenMDS 所有者' });
    org = await createOrg(t.app, owner, { name: 'OpenMDS self-statement check', kind: 'manufacturer' });
    viewer = await addMember(t.app, owner, org.id, { role: 'viewer' });
    outsider = await signUp(t.app);
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each(yesRows())('row %s', async (row) => {
    const check = CHECKS[row];
    if (check === undefined)
      throw new Error(`row ${row} is answered はい but has no check in test/self-statement.test.ts`);
    await check();
  });
});
