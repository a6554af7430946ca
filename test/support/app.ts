import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse, RouteOptions } from 'fastify';
import type { Db } from '../../src/db/database.js';
import type { Statement } from '../../src/domain/statement.js';
import { builtinTemplates } from '../../src/domain/templates/registry.js';
import { CSRF_HEADER, SESSION_COOKIE } from '../../src/security/sessions.js';
import type { AppSettings } from '../../src/security/settings.js';
import { buildApp } from '../../src/server/app.js';
// Side effect: the fixed test key (the repositories encrypt stored secrets with it; nothing touches ./data).
import './secret-key.js';
import { openReady, testDatabases, type TestDatabase } from './databases.js';
import { finalizableGeneralPacs } from './statements.js';

/**
 * scrypt parameters for tests: 2^12 instead of 2^15, so that the many sign-ups of a test file take milliseconds.
 * Tests about hashing itself use the real defaults.
 */
export const TEST_PASSWORD_HASHING = Object.freeze({ N: 2 ** 12, r: 8, p: 1, keyLength: 32 });

/** A password the policy accepts, for tests that are not about passwords. */
export const TEST_PASSWORD = 'correct horse battery staple';

/** The test's clock: real time plus an offset that `advance` moves. */
export interface TestClock {
  now(): Date;
  /** Moves time forward by `ms` (minutes: `advance(31 * 60_000)`). */
  advance(ms: number): void;
  /** Jumps to an instant. */
  set(at: Date | string): void;
}

export function testClock(): TestClock {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    advance(ms) {
      offset += ms;
    },
    set(at) {
      offset = new Date(at).getTime() - Date.now();
    },
  };
}

export interface TestAppOptions {
  /** Settings on top of the test defaults (fast password hashing, the test clock). */
  settings?: Partial<AppSettings>;
  /** The database to run on (from testDatabases()); default in-memory SQLite. */
  database?: TestDatabase;
  /** Called for every route as it is added. */
  onRoute?: (route: RouteOptions) => void;
}

export interface TestApp {
  app: FastifyInstance;
  /** The migrated database, holding the built-in templates. */
  db: Db;
  clock: TestClock;
  close(): Promise<void>;
}

/** The whole app on a fresh migrated database (in-memory SQLite unless `database` says otherwise), not listening. */
export async function testApp(options: TestAppOptions = {}): Promise<TestApp> {
  const db = await openReady(options.database ?? testDatabases()[0]!);
  const clock = testClock();
  try {
    const app = await buildApp({
      templates: builtinTemplates(),
      db,
      webRoot: '/nonexistent',
      settings: { passwordHashing: TEST_PASSWORD_HASHING, now: () => clock.now(), ...options.settings },
      ...(options.onRoute === undefined ? {} : { onRoute: options.onRoute }),
    });
    await app.ready();
    return {
      app,
      db,
      clock,
      async close() {
        await app.close();
        await db.close();
      },
    };
  } catch (e) {
    await db.close();
    throw e;
  }
}

/** A signed-in browser, as far as the server can tell: its cookie and CSRF token. */
export interface TestSession {
  /** The `Cookie` header value: `openmds_session=…`. */
  cookie: string;
  csrfToken: string;
  userId: string;
  email: string;
}

/** A unique email address for a test user: `prefix-<random>@example.jp`. */
export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}@example.jp`;
}

function fail(what: string, res: LightMyRequestResponse): never {
  throw new Error(`${what} answered ${res.statusCode}: ${res.body}`);
}

/** Reads the session the answer set: the cookie from Set-Cookie, the CSRF token and user from the body. */
export function sessionFrom(res: LightMyRequestResponse): TestSession {
  const cookie = res.cookies.find((c) => c.name === SESSION_COOKIE);
  const body = res.json<{ csrfToken: string; user: { id: string; email: string } }>();
  if (cookie === undefined || cookie.value === '') throw new Error(`no session cookie in: ${res.body}`);
  return {
    cookie: `${SESSION_COOKIE}=${cookie.value}`,
    csrfToken: body.csrfToken,
    userId: body.user.id,
    email: body.user.email,
  };
}

/** Creates an account through POST /auth/sign-up and returns its session. Defaults: a unique email, TEST_PASSWORD. */
export async function signUp(
  app: FastifyInstance,
  input: { email?: string; password?: string; displayName?: string; invitationToken?: string } = {},
): Promise<TestSession> {
  const payload = {
    email: input.email ?? uniqueEmail(),
    password: input.password ?? TEST_PASSWORD,
    displayName: input.displayName ?? 'テスト 利用者',
    ...(input.invitationToken === undefined ? {} : { invitationToken: input.invitationToken }),
  };
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/sign-up', payload });
  if (res.statusCode !== 201) fail('sign-up', res);
  return sessionFrom(res);
}

/** Signs in through POST /auth/sign-in and returns the new session. */
export async function signIn(app: FastifyInstance, input: { email: string; password?: string }): Promise<TestSession> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/sign-in',
    payload: { email: input.email, password: input.password ?? TEST_PASSWORD },
  });
  if (res.statusCode !== 200) fail('sign-in', res);
  return sessionFrom(res);
}

export interface InjectRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  payload?: unknown;
  headers?: Record<string, string>;
  /** The client's address (default 127.0.0.1): tests of the per-address throttle vary it. */
  remoteAddress?: string;
}

/**
 * A request as the signed-in browser sends it: the session cookie, and X-CSRF-Token on writes. With `session` null,
 * an anonymous request.
 */
export function inject(
  app: FastifyInstance,
  session: TestSession | null,
  request: InjectRequest,
): Promise<LightMyRequestResponse> {
  const method = request.method ?? 'GET';
  const headers: Record<string, string> = { ...request.headers };
  if (session !== null) {
    headers['cookie'] = session.cookie;
    if (method !== 'GET') headers[CSRF_HEADER] = session.csrfToken;
  }
  return app.inject({
    method,
    url: request.url,
    headers,
    ...(request.payload === undefined ? {} : { payload: request.payload as object }),
    ...(request.remoteAddress === undefined ? {} : { remoteAddress: request.remoteAddress }),
  });
}

export interface TestOrg {
  id: string;
  name: string;
  kind: 'manufacturer' | 'hospital';
  role: string;
}

/** Creates an organization through POST /orgs; the session's user becomes its owner. */
export async function createOrg(
  app: FastifyInstance,
  session: TestSession,
  input: { name?: string; kind?: 'manufacturer' | 'hospital' } = {},
): Promise<TestOrg> {
  const res = await inject(app, session, {
    method: 'POST',
    url: '/api/v1/orgs',
    payload: { name: input.name ?? `組織 ${randomBytes(3).toString('hex')}`, kind: input.kind ?? 'manufacturer' },
  });
  if (res.statusCode !== 201) fail('create organization', res);
  return res.json<TestOrg>();
}

/** Invites an email through POST /orgs/:orgId/invitations; returns the invitation and its token. */
export async function invite(
  app: FastifyInstance,
  owner: TestSession,
  orgId: string,
  input: { email: string; role: string },
): Promise<{ id: string; token: string; url: string; expiresAt: string }> {
  const res = await inject(app, owner, { method: 'POST', url: `/api/v1/orgs/${orgId}/invitations`, payload: input });
  if (res.statusCode !== 201) fail('invite', res);
  const body = res.json<{ id: string; url: string; expiresAt: string }>();
  return { ...body, token: body.url.slice(body.url.lastIndexOf('/') + 1) };
}

/**
 * A new user who is a member of `orgId` with `role`: invited by `owner`, signed up, and the invitation accepted.
 * Returns their session.
 */
export async function addMember(
  app: FastifyInstance,
  owner: TestSession,
  orgId: string,
  input: { role: string; email?: string; displayName?: string; password?: string },
): Promise<TestSession> {
  const email = input.email ?? uniqueEmail(input.role);
  const { token } = await invite(app, owner, orgId, { email, role: input.role });
  const session = await signUp(app, {
    email,
    ...(input.password === undefined ? {} : { password: input.password }),
    displayName: input.displayName ?? `${input.role} 利用者`,
  });
  const res = await inject(app, session, { method: 'POST', url: `/api/v1/invitations/${token}/accept` });
  if (res.statusCode !== 200) fail('accept invitation', res);
  return session;
}

/** A fresh migrated in-memory SQLite database with the built-in templates, for tests that build the app themselves. */
export function memoryDb(): Promise<Db> {
  return openReady(testDatabases()[0]!);
}

// ---- Workspace factories (products and statements, per docs/api-workspace.md) -------------------------------------

/** Adds a product through POST /orgs/:orgId/products. */
export async function createProduct(
  app: FastifyInstance,
  session: TestSession,
  orgId: string,
  input: { name?: string; category?: string; description?: string } = {},
): Promise<{ id: string; name: string }> {
  const res = await inject(app, session, {
    method: 'POST',
    url: `/api/v1/orgs/${orgId}/products`,
    payload: {
      name: input.name ?? `製品 ${randomBytes(3).toString('hex')}`,
      category: input.category ?? 'pacs',
      ...(input.description === undefined ? {} : { description: input.description }),
    },
  });
  if (res.statusCode !== 201) fail('create product', res);
  return res.json<{ id: string; name: string }>();
}

/** Adds a version to a product through POST /orgs/:orgId/products/:productId/versions. */
export async function createProductVersion(
  app: FastifyInstance,
  session: TestSession,
  orgId: string,
  productId: string,
  input: { version?: string } = {},
): Promise<{ id: string; version: string }> {
  const res = await inject(app, session, {
    method: 'POST',
    url: `/api/v1/orgs/${orgId}/products/${productId}/versions`,
    payload: { version: input.version ?? 'V1.00' },
  });
  if (res.statusCode !== 201) fail('create product version', res);
  return res.json<{ id: string; version: string }>();
}

/**
 * Creates a statement through POST /orgs/:orgId/statements, building its parents (a product and a version) unless
 * `productVersionId` is given. Default template: the MDS 2nd edition.
 */
export async function createStatement(
  app: FastifyInstance,
  session: TestSession,
  orgId: string,
  input: { productVersionId?: string; template?: { id: string; edition: string } } = {},
): Promise<{ id: string; productVersionId: string; body: unknown }> {
  let productVersionId = input.productVersionId;
  if (productVersionId === undefined) {
    const product = await createProduct(app, session, orgId);
    productVersionId = (await createProductVersion(app, session, orgId, product.id)).id;
  }
  const res = await inject(app, session, {
    method: 'POST',
    url: `/api/v1/orgs/${orgId}/statements`,
    payload: { productVersionId, template: input.template ?? { id: 'jahis-jira-mds', edition: '2' } },
  });
  if (res.statusCode !== 201) fail('create statement', res);
  return { id: res.json<{ id: string }>().id, productVersionId, body: res.json() };
}

/**
 * A finalized revision, the way a manufacturer makes one: create a statement (unless `statementId` names a draft),
 * save content into its draft revision, submit it and finalize it (the session must be an owner, who may do all).
 * Default content: General-PACS, completed so it can be finalized (finalizableGeneralPacs), under the draft's header.
 */
export async function createFinalizedStatement(
  app: FastifyInstance,
  session: TestSession,
  orgId: string,
  input: {
    productVersionId?: string;
    template?: { id: string; edition: string };
    content?: (draft: Statement) => Statement;
  } = {},
): Promise<{ id: string; revision: number; productVersionId: string; content: Statement }> {
  const created = await createStatement(app, session, orgId, {
    ...(input.productVersionId === undefined ? {} : { productVersionId: input.productVersionId }),
    ...(input.template === undefined ? {} : { template: input.template }),
  });
  const url = `/api/v1/orgs/${orgId}/statements/${created.id}`;
  const detail = (await inject(app, session, { method: 'GET', url })).json<{
    latest: { revision: number; version: number; content: Statement };
  }>();
  const draft = detail.latest.content;
  const example = finalizableGeneralPacs();
  const content = input.content?.(draft) ?? { ...draft, answers: example.answers, remarks: example.remarks };
  const revUrl = `${url}/revisions/${detail.latest.revision}`;
  const saved = await inject(app, session, {
    method: 'PUT',
    url: revUrl,
    payload: { expectedVersion: detail.latest.version, content },
  });
  if (saved.statusCode !== 200) fail('save statement', saved);
  const version = saved.json<{ version: number }>().version;
  const submitted = await inject(app, session, {
    method: 'POST',
    url: `${revUrl}/submit`,
    payload: { expectedVersion: version },
  });
  if (submitted.statusCode !== 200) fail('submit statement', submitted);
  const finalized = await inject(app, session, {
    method: 'POST',
    url: `${revUrl}/finalize`,
    payload: { expectedVersion: version + 1 },
  });
  if (finalized.statusCode !== 200) fail('finalize statement', finalized);
  return { id: created.id, revision: detail.latest.revision, productVersionId: created.productVersionId, content };
}

/** Publishes a finalized revision through the API; returns the publication. */
export async function publishStatement(
  app: FastifyInstance,
  session: TestSession,
  orgId: string,
  statement: { id: string; revision: number },
  input: { visibility?: 'public' | 'restricted'; grantees?: string[] } = {},
): Promise<{ id: string; statementId: string; revision: number; visibility: string }> {
  const res = await inject(app, session, {
    method: 'POST',
    url: `/api/v1/orgs/${orgId}/statements/${statement.id}/revisions/${statement.revision}/publish`,
    payload: {
      visibility: input.visibility ?? 'public',
      ...(input.grantees === undefined ? {} : { grantees: input.grantees }),
    },
  });
  if (res.statusCode !== 201) fail('publish statement', res);
  return res.json<{ id: string; statementId: string; revision: number; visibility: string }>();
}

/**
 * Creates the organization's break-glass account as its owner and uses it (POST /auth/break-glass with a reason,
 * from `remoteAddress`): the break-glass session.
 */
export async function breakGlassSession(
  app: FastifyInstance,
  owner: TestSession,
  orgId: string,
  remoteAddress = '203.0.113.9',
): Promise<TestSession> {
  const created = await inject(app, owner, { method: 'POST', url: `/api/v1/orgs/${orgId}/break-glass` });
  if (created.statusCode !== 201) fail('break-glass', created);
  const { credential } = created.json<{ credential: string }>();
  const used = await inject(app, null, {
    method: 'POST',
    url: '/api/v1/auth/break-glass',
    payload: { org: orgId, credential, reason: '停電で電子カルテに入れない' },
    remoteAddress,
  });
  if (used.statusCode !== 200) fail('break-glass sign-in', used);
  return sessionFrom(used);
}
