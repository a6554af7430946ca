import { randomBytes, randomUUID } from 'node:crypto';
import type { LightMyRequestResponse, RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMember,
  createOrg,
  createProduct,
  createProductVersion,
  createFinalizedStatement,
  createStatement,
  inject,
  invite,
  publishStatement,
  signUp,
  testApp,
  uniqueEmail,
  type TestApp,
  type TestSession,
} from '../../test/support/app.js';
import { testDatabases } from '../../test/support/databases.js';
import { sampleFromSchema } from '../../test/support/schema-sample.js';
import { completeMdsStatement } from '../../test/support/statements.js';
import { SoftAuthenticator } from '../../test/support/webauthn.js';

/**
 * Organization A must be invisible to everyone outside it, on every route. The routes are collected as the app
 * registers them, so a new route is checked without anyone listing it here; a route with a parameter this file has no
 * value for fails the test until the fixture learns it.
 */

const API = '/api/v1/';
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

interface Route {
  method: string;
  url: string;
  params: string[];
  isPublic: boolean;
  body: unknown;
  query: unknown;
}

/** A parameter's key: the static path segment before it and its name, e.g. `statements/:id`. */
function paramKeys(url: string): { name: string; key: string }[] {
  const segments = url.slice(API.length).split('/');
  const out: { name: string; key: string }[] = [];
  let previous = '';
  for (const s of segments) {
    if (s.startsWith(':')) out.push({ name: s.slice(1), key: `${previous}/${s}` });
    else previous = s;
  }
  return out;
}

/** A WebAuthn answer of the right shape that no ceremony accepts. */
function webauthnResponse(kind: 'attestationObject' | 'signature') {
  const response =
    kind === 'attestationObject'
      ? { clientDataJSON: 'AAAA', attestationObject: 'AAAA' }
      : { clientDataJSON: 'AAAA', authenticatorData: 'AAAA', signature: 'AAAA' };
  return { id: 'AAAA', rawId: 'AAAA', type: 'public-key', clientExtensionResults: {}, response };
}

/**
 * Bodies the schema sampler cannot build (or that must be realistic), by "METHOD url". A key that names no route is
 * harmless.
 */
const BODY_EXAMPLES: Record<string, () => unknown> = {
  'POST /api/v1/account/passkeys': () => ({ name: 'x', response: webauthnResponse('attestationObject') }),
  'POST /api/v1/auth/passkey': () => ({ response: webauthnResponse('signature') }),
  'POST /api/v1/auth/two-factor/passkey': () => ({ response: webauthnResponse('signature') }),
  'POST /api/v1/auth/reauthenticate/passkey': () => ({ response: webauthnResponse('signature') }),
  'PUT /api/v1/orgs/:orgId/statements/:id/revisions/:rev': () => ({
    expectedVersion: 1,
    content: completeMdsStatement(),
  }),
};

/** Write routes a viewer may legitimately call inside their organization ("METHOD url"). */
const VIEWER_MAY_WRITE = new Set<string>([
  // Read flags are the caller's own (marking a notification read changes nothing of the organization's).
  'POST /api/v1/orgs/:orgId/notifications/read',
]);

/**
 * Routes of a hospital organization (the other side of the exchange: requests sent, the collection). Organization A
 * is a manufacturer, so these are walked in A's hospital twin, which alice owns and vera views.
 */
const HOSPITAL_ROUTES =
  /^\/api\/v1\/orgs\/:orgId\/(requests|collection|systems|sources|coverage|assessments|dashboard|comparison(?:\.xlsx)?)(\/|$)/;

describe.each(testDatabases())('isolation between organizations on $name', (database) => {
  const collected: RouteOptions[] = [];
  let t: TestApp;
  let alice: TestSession; // owner of A
  let vera: TestSession; // viewer of A
  let bob: TestSession; // owner of B, stranger to A
  let orgA: string;
  let orgB: string;
  let orgAH: string; // A's hospital twin, for HOSPITAL_ROUTES
  /** Real values of A's resources, by parameter key. */
  const valuesA = new Map<string, string>();
  /** Ids of A's resources a body may name, by body field. */
  const bodyIdsA = new Map<string, string>();
  /** Text of A's that must never reach an outsider. */
  const secretsA: string[] = [];
  let routes: Route[] = [];

  beforeAll(async () => {
    t = await testApp({ database, onRoute: (r) => collected.push(r) });
    const marker = randomBytes(4).toString('hex');
    const has = (method: string, url: string): boolean => t.app.hasRoute({ method: method, url });

    alice = await signUp(t.app, { email: uniqueEmail('alice'), displayName: `Alice ${marker}` });
    const a = await createOrg(t.app, alice, { name: `A社秘密-${marker}` });
    orgA = a.id;
    vera = await addMember(t.app, alice, orgA, { role: 'viewer', displayName: `Vera ${marker}` });
    const carol = uniqueEmail('carol');
    const pending = await invite(t.app, alice, orgA, { email: carol, role: 'editor' });
    bob = await signUp(t.app, { email: uniqueEmail('bob') });
    orgB = (await createOrg(t.app, bob, { name: 'B社' })).id;
    secretsA.push(a.name, alice.email, vera.email, carol, `Alice ${marker}`, `Vera ${marker}`);

    valuesA.set('orgs/:orgId', orgA);
    valuesA.set('members/:userId', alice.userId);
    valuesA.set('invitations/:id', pending.id);
    valuesA.set('invitations/:token', pending.token);
    if (has('POST', '/api/v1/account/passkeys')) {
      // alice's passkey: another account must not rename or remove it.
      const options = await inject(t.app, alice, { method: 'POST', url: '/api/v1/account/passkeys/options' });
      const response = new SoftAuthenticator({ origin: 'http://localhost' }).create(options.json());
      const res = await inject(t.app, alice, {
        method: 'POST',
        url: '/api/v1/account/passkeys',
        payload: { name: `A鍵-${marker}`, response },
      });
      if (res.statusCode !== 201) throw new Error(`passkey answered ${res.statusCode}: ${res.body}`);
      valuesA.set('passkeys/:passkeyId', res.json<{ passkey: { id: string } }>().passkey.id);
      secretsA.push(`A鍵-${marker}`);
    }
    if (has('GET', '/api/v1/account/sessions')) {
      // alice's session, by its public id: another account must not end it.
      const res = await inject(t.app, alice, { url: '/api/v1/account/sessions' });
      const current = res.json<{ sessions: { id: string; current: boolean }[] }>().sessions.find((s) => s.current);
      if (current === undefined) throw new Error(`sessions answered ${res.statusCode}: ${res.body}`);
      valuesA.set('sessions/:sessionId', current.id);
    }
    bodyIdsA.set('responsibleUserId', alice.userId);

    if (has('POST', '/api/v1/orgs/:orgId/products')) {
      const product = await createProduct(t.app, alice, orgA, {
        name: `A製品-${marker}`,
        description: `説明-${marker}`,
      });
      valuesA.set('products/:productId', product.id);
      secretsA.push(product.name, `説明-${marker}`);
      if (has('POST', '/api/v1/orgs/:orgId/products/:productId/versions')) {
        const version = await createProductVersion(t.app, alice, orgA, product.id, { version: `V-${marker}` });
        valuesA.set('versions/:versionId', version.id);
        bodyIdsA.set('productVersionId', version.id);
        secretsA.push(`V-${marker}`);
        if (has('POST', '/api/v1/orgs/:orgId/statements')) {
          const statement = await createStatement(t.app, alice, orgA, { productVersionId: version.id });
          valuesA.set('statements/:id', statement.id);
          valuesA.set('revisions/:rev', '1');
          bodyIdsA.set('carryForwardFrom', statement.id);
          if (has('POST', '/api/v1/orgs/:orgId/statements/:id/revisions/:rev/publish')) {
            // A restricted publication: nobody outside A may read it.
            const finalized = await createFinalizedStatement(t.app, alice, orgA);
            const publication = await publishStatement(t.app, alice, orgA, finalized, { visibility: 'restricted' });
            valuesA.set('publications/:publicationId', publication.id);
            bodyIdsA.set('publicationId', publication.id);
          }
        }
      }
    }

    if (has('POST', '/api/v1/orgs/:orgId/requests')) {
      // Publishing and exchange: A's hospital twin asks A for a statement, holds A's publication under A's grant,
      // invites a manufacturer by link; A has a webhook.
      const created = async (method: 'POST', url: string, payload: object): Promise<Record<string, string>> => {
        const res = await inject(t.app, alice, { method, url: `/api/v1${url}`, payload });
        if (res.statusCode !== 201) throw new Error(`${method} ${url} answered ${res.statusCode}: ${res.body}`);
        return res.json<Record<string, string>>();
      };
      const ah = await createOrg(t.app, alice, { name: `A病院秘密-${marker}`, kind: 'hospital' });
      orgAH = ah.id;
      const asViewer = await invite(t.app, alice, orgAH, { email: vera.email, role: 'viewer' });
      await inject(t.app, vera, { method: 'POST', url: `/api/v1/invitations/${asViewer.token}/accept` });
      const request = await created('POST', `/orgs/${orgAH}/requests`, {
        manufacturerOrgId: orgA,
        productName: `A依頼製品-${marker}`,
        message: `A相談-${marker}`,
      });
      valuesA.set('requests/:requestId', request.id ?? '');
      valuesA.set('inbox/:requestId', request.id ?? '');
      const invitation = await created('POST', `/orgs/${orgAH}/requests`, {
        invite: { manufacturerName: `A招待先-${marker}`, email: uniqueEmail('maker') },
        productName: `A招待製品-${marker}`,
      });
      valuesA.set('request-invitations/:token', invitation.invitationUrl?.split('/').pop() ?? '');
      const grant = await created('POST', `/orgs/${orgA}/grants`, {
        granteeOrgId: orgAH,
        productId: null,
        expiresAt: null,
      });
      valuesA.set('grants/:grantId', grant.id ?? '');
      const publicationId = valuesA.get('publications/:publicationId');
      if (publicationId !== undefined) {
        const item = await created('POST', `/orgs/${orgAH}/collection`, { publicationId });
        valuesA.set('collection/:itemId', item.id ?? '');
      }
      if (publicationId !== undefined && has('POST', '/api/v1/orgs/:orgId/systems')) {
        // The hospital twin's inventory: a system relying on A's publication, held as a statement source.
        const system = await created('POST', `/orgs/${orgAH}/systems`, { name: `A病院システム-${marker}` });
        const source = await created('POST', `/orgs/${orgAH}/sources/from-publication`, { publicationId });
        await created('POST', `/orgs/${orgAH}/systems/${system.id}/statements`, { sourceId: source.id });
        valuesA.set('systems/:systemId', system.id ?? '');
        valuesA.set('statements/:sourceId', source.id ?? '');
        bodyIdsA.set('sourceId', source.id ?? '');
        secretsA.push(`A病院システム-${marker}`);
        if (has('POST', '/api/v1/orgs/:orgId/assessments')) {
          const assessment = await created('POST', `/orgs/${orgAH}/assessments`, {
            title: `A評価-${marker}`,
            scope: 'system',
            systemId: system.id,
          });
          valuesA.set('assessments/:assessmentId', assessment.id ?? '');
          bodyIdsA.set('systemId', system.id ?? '');
          secretsA.push(`A評価-${marker}`);
          const detail = await inject(t.app, alice, { url: `/api/v1/orgs/${orgAH}/assessments/${assessment.id}` });
          const risk = detail.json<{ riskList: Array<{ id: string }> }>().riskList[0];
          if (risk === undefined) throw new Error('the fixture assessment drafted no risk');
          valuesA.set('risks/:riskId', risk.id);
        }
      }
      const webhook = await created('POST', `/orgs/${orgA}/webhooks`, { url: `https://a-${marker}.example.jp/hook` });
      valuesA.set('webhooks/:webhookId', webhook.id ?? '');
      secretsA.push(ah.name, `A依頼製品-${marker}`, `A相談-${marker}`, `A招待先-${marker}`, `a-${marker}.example.jp`);
    }

    if (has('POST', '/api/v1/orgs/:orgId/break-glass')) {
      // A's sealed break-glass account: its credential must never reach anyone else.
      const res = await inject(t.app, alice, { method: 'POST', url: `/api/v1/orgs/${orgA}/break-glass` });
      if (res.statusCode !== 201) throw new Error(`break-glass answered ${res.statusCode}: ${res.body}`);
      secretsA.push(res.json<{ credential: string }>().credential);
    }

    routes = collected
      .flatMap((r) =>
        (Array.isArray(r.method) ? r.method : [r.method]).map((method) => ({
          method,
          url: r.url,
          params: paramKeys(r.url).map((p) => p.key),
          isPublic: r.config?.access === 'public',
          body: r.schema?.body,
          query: r.schema?.querystring,
        })),
      )
      .filter((r) => r.url.startsWith(API) && r.method !== 'HEAD' && r.method !== 'OPTIONS');
  });

  afterAll(async () => {
    await t.close();
  });

  /** The url with each parameter from `pick`, and the values used. */
  function fill(route: Route, pick: (key: string) => string): { url: string; values: string[] } {
    let url = route.url;
    const values: string[] = [];
    for (const { name, key } of paramKeys(route.url)) {
      const value = pick(key);
      values.push(value);
      url = url.replace(`:${name}`, encodeURIComponent(value));
    }
    return { url, values };
  }

  /** A value no record has, shaped like the real one. */
  function missing(key: string): string {
    if (key === 'revisions/:rev') return '999';
    if (key.endsWith(':token')) return randomBytes(32).toString('base64url');
    // An enumerated parameter: any valid value, the record named beside it is what is missing.
    if (key === 'files/:format') return 'json';
    // Ids are UUIDs; parameters of public routes that are no record of an organization's (a template id) are names.
    return valuesA.has(key) ? randomUUID() : `nothing-${randomBytes(4).toString('hex')}`;
  }

  /** A's value for a parameter; the organization is A's hospital twin on HOSPITAL_ROUTES. */
  function realIn(route: Route): (key: string) => string {
    return (key) => (key === 'orgs/:orgId' && HOSPITAL_ROUTES.test(route.url) ? orgAH : realA(key));
  }

  function realA(key: string): string {
    const value = valuesA.get(key);
    if (value === undefined) {
      throw new Error(`no value of organization A for parameter ${key}: add one to the isolation test's fixture`);
    }
    return value;
  }

  function payloadFor(route: Route, ids: (field: string) => string | undefined = () => undefined): unknown {
    const example = BODY_EXAMPLES[`${route.method} ${route.url}`];
    if (example !== undefined) return example();
    return route.body === undefined ? undefined : sampleFromSchema(route.body, ids);
  }

  function queryFor(route: Route): string {
    if (route.query === undefined) return '';
    const q = sampleFromSchema(route.query) as Record<string, unknown>;
    const s = new URLSearchParams(Object.entries(q).map(([k, v]): [string, string] => [k, String(v)])).toString();
    return s === '' ? '' : `?${s}`;
  }

  function send(
    who: TestSession | null,
    route: Route,
    url: string,
    payload?: unknown,
  ): Promise<LightMyRequestResponse> {
    return inject(t.app, who, {
      method: route.method as 'GET',
      url: url + queryFor(route),
      ...(payload === undefined && WRITES.has(route.method) && route.body !== undefined ? { payload: {} } : {}),
      ...(payload === undefined ? {} : { payload }),
    });
  }

  function expectNoSecrets(res: LightMyRequestResponse, what: string): void {
    for (const secret of secretsA) expect(res.body, `${what} leaks "${secret}"`).not.toContain(secret);
  }

  /** The body with the substituted values masked, to compare a refusal with the answer for a missing record. */
  function masked(res: LightMyRequestResponse, values: string[]): string {
    let text = res.body;
    for (const v of [...values].sort((x, y) => y.length - x.length)) text = text.split(v).join('<value>');
    return text;
  }

  it('walks a meaningful set of routes, every parameter having a value', () => {
    const withParams = routes.filter((r) => r.params.length > 0);
    expect(withParams.length).toBeGreaterThanOrEqual(8);
    const unknown = [...new Set(withParams.filter((r) => !r.isPublic).flatMap((r) => r.params))].filter(
      (key) => !valuesA.has(key),
    );
    expect(unknown, 'parameters without a value of organization A: extend the fixture').toEqual([]);
  });

  it('(a) answers anonymous callers 401 (public lookups: 404 for unknown values) and never with A’s data', async () => {
    for (const route of routes) {
      const what = `${route.method} ${route.url}`;
      if (route.isPublic) {
        if (route.params.length === 0) continue;
        const res = await send(null, route, fill(route, missing).url, payloadFor(route));
        expect(res.statusCode, what).toBe(404);
        expectNoSecrets(res, what);
      } else {
        const res = await send(null, route, fill(route, realIn(route)).url, payloadFor(route));
        expect(res.statusCode, what).toBe(401);
        expectNoSecrets(res, what);
      }
    }
  });

  it('(b) answers a member of another organization, given A’s ids, exactly as for ids that do not exist', async () => {
    let checked = 0;
    for (const route of routes.filter((r) => r.params.length > 0 && !r.isPublic)) {
      const what = `${route.method} ${route.url}`;
      const payload = payloadFor(route);
      const real = fill(route, realIn(route));
      const fake = fill(route, missing);
      const leaked = await send(bob, route, real.url, payload);
      const absent = await send(bob, route, fake.url, payload);
      expect(leaked.statusCode, `${what}: ${leaked.body}`).toBe(404);
      expect(absent.statusCode, what).toBe(404);
      expect(masked(leaked, real.values), what).toBe(masked(absent, fake.values));
      expectNoSecrets(leaked, what);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(6);
  });

  it('(b) answers 404 when A’s ids are used under the caller’s own organization', async () => {
    const inB = (pick: (key: string) => string) => (key: string) => (key === 'orgs/:orgId' ? orgB : pick(key));
    for (const route of routes.filter((r) => r.url.startsWith(`${API}orgs/:orgId`) && !r.isPublic)) {
      const what = `${route.method} ${route.url} in B`;
      if (route.params.length > 1) {
        const payload = payloadFor(route);
        const real = fill(route, inB(realA));
        const fake = fill(route, inB(missing));
        const leaked = await send(bob, route, real.url, payload);
        const absent = await send(bob, route, fake.url, payload);
        expect(leaked.statusCode, `${what}: ${leaked.body}`).toBe(404);
        expect(absent.statusCode, what).toBe(404);
        expect(masked(leaked, real.values), what).toBe(masked(absent, fake.values));
        expectNoSecrets(leaked, what);
      }
      // Ids of A's records inside the body (productVersionId, carryForwardFrom, …) get nowhere either.
      if (route.body !== undefined && WRITES.has(route.method)) {
        let used = false;
        const payload = payloadFor(route, (field) => {
          const id = bodyIdsA.get(field);
          if (id !== undefined) used = true;
          return id;
        });
        if (!used) continue;
        const res = await send(bob, route, fill(route, inB(missing)).url, payload);
        expect(res.statusCode, `${what} with A's ids in the body: ${res.body}`).toBeGreaterThanOrEqual(400);
        expectNoSecrets(res, `${what} with A's ids in the body`);
      }
    }
  });

  it('(c) refuses every write of a viewer of A with 403', async () => {
    let checked = 0;
    for (const route of routes.filter((r) => WRITES.has(r.method) && r.url.startsWith(`${API}orgs/:orgId`))) {
      const what = `${route.method} ${route.url}`;
      if (VIEWER_MAY_WRITE.has(what)) continue;
      const res = await send(vera, route, fill(route, realIn(route)).url, payloadFor(route));
      expect(res.statusCode, `${what}: ${res.body}`).toBe(403);
      expect(res.json<{ error: { code: string } }>().error.code, what).toBe('forbidden');
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(4);
  });

  it('lets A’s owner read every route, so the refusals above are about the organization, not broken routes', async () => {
    for (const route of routes.filter((r) => r.method === 'GET' && r.url.startsWith(`${API}orgs/:orgId`))) {
      const res = await send(alice, route, fill(route, realIn(route)).url);
      expect(res.statusCode, `${route.method} ${route.url}: ${res.body}`).toBe(200);
    }
  });
});
