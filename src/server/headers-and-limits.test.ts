import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createFinalizedStatement,
  createOrg,
  inject,
  publishStatement,
  signUp,
  testApp,
  type TestApp,
} from '../../test/support/app.js';
import { generalPacs } from '../../test/support/statements.js';
import { LIMITS } from '../formats/errors.js';
import { RATE_LIMITS } from '../security/rate-limit.js';
import { THROTTLE } from '../security/throttle.js';
import { CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY } from './security-headers.js';

// Security headers on every kind of answer, rate limits on the public routes, and body limits. SQLite only: none of
// this depends on the database.

const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': PERMISSIONS_POLICY,
};

describe('security headers and request limits', () => {
  let t: TestApp;
  let publicationId: string;

  beforeAll(async () => {
    t = await testApp();
    const owner = await signUp(t.app);
    const orgId = (await createOrg(t.app, owner, { kind: 'manufacturer' })).id;
    const statement = await createFinalizedStatement(t.app, owner, orgId);
    publicationId = (await publishStatement(t.app, owner, orgId, statement)).id;
  });
  afterAll(async () => {
    await t.close();
  });

  const from = (
    remoteAddress: string,
    url: string,
    extra: { method?: 'GET' | 'POST'; payload?: unknown; headers?: Record<string, string> } = {},
  ) => inject(t.app, null, { url, remoteAddress, ...extra });

  it('sends the security headers on HTML, API, download and error answers', async () => {
    const answers = {
      'HTML (Swagger UI)': await from('203.0.113.1', '/api/docs/'),
      'HTML (standalone statement)': await from('203.0.113.1', `/api/v1/directory/${publicationId}/files/html`),
      'API (JSON)': await from('203.0.113.1', '/api/v1/directory'),
      'download (PDF)': await from('203.0.113.1', `/api/v1/directory/${publicationId}/files/pdf`),
      'download (XLSX)': await from('203.0.113.1', `/api/v1/directory/${publicationId}/files/xlsx`),
      'error (404)': await from('203.0.113.1', '/api/v1/directory/does-not-exist'),
      'error (401)': await from('203.0.113.1', '/api/v1/orgs'),
    };
    for (const [what, res] of Object.entries(answers)) {
      expect(res.statusCode, what).toBeLessThan(500);
      for (const [name, value] of Object.entries(SECURITY_HEADERS))
        expect(res.headers[name], `${what}: ${name}`).toBe(value);
    }
    expect(answers['HTML (standalone statement)'].headers['content-type']).toMatch(/^text\/html/);
    expect(answers['download (PDF)'].headers['content-disposition']).toMatch(/^attachment;/);
    // API answers may carry private data: no shared cache keeps them.
    expect(answers['API (JSON)'].headers['cache-control']).toBe('no-store');
    // The CSP forbids inline scripts, plugins and framing.
    expect(CONTENT_SECURITY_POLICY).toMatch(/script-src 'self'(;|$)/);
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
  });

  it('limits sign-up attempts per address, whatever their outcome, with 429 and Retry-After', async () => {
    const { limit } = RATE_LIMITS['signup-ip'];
    for (let i = 0; i < limit; i++) {
      const res = await from('203.0.113.2', '/api/v1/auth/sign-up', { method: 'POST', payload: { email: 'x' } });
      expect(res.statusCode).toBe(400);
    }
    const blocked = await from('203.0.113.2', '/api/v1/auth/sign-up', {
      method: 'POST',
      payload: { email: 'new@example.jp', password: 'correct horse battery staple', displayName: '新規' },
    });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json<{ error: { code: string; message: string } }>().error.message).toMatch(/too many requests/);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // Another address is not affected.
    expect((await from('203.0.113.3', '/api/v1/auth/sign-up', { method: 'POST', payload: {} })).statusCode).toBe(400);
  });

  it('limits the public directory and verification per address, and lets them through once the window passes', async () => {
    const d = RATE_LIMITS['public-ip'];
    for (let i = 0; i < d.limit; i++) expect((await from('203.0.113.4', '/api/v1/directory')).statusCode).toBe(200);
    const blocked = await from('203.0.113.4', `/api/v1/directory/${publicationId}`);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['retry-after']).toBeDefined();
    expect((await from('203.0.113.5', '/api/v1/directory')).statusCode).toBe(200);

    const v = RATE_LIMITS['verify-ip'];
    const verify = (ip: string) =>
      from(ip, '/api/v1/verify', {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        payload: Buffer.from('{"format":"openmds-statement"}'),
      });
    for (let i = 0; i < v.limit; i++) expect((await verify('203.0.113.4')).statusCode).toBe(200);
    expect((await verify('203.0.113.4')).statusCode).toBe(429);

    t.clock.advance(Math.max(d.windowMs, v.windowMs) + 1000);
    expect((await from('203.0.113.4', '/api/v1/directory')).statusCode).toBe(200);
    expect((await verify('203.0.113.4')).statusCode).toBe(200);
  });

  it('limits POST /validate per address with 429 and Retry-After, counted before the body is parsed', async () => {
    const v = RATE_LIMITS['validate-ip'];
    const validate = (ip: string, payload: unknown = generalPacs()) =>
      from(ip, '/api/v1/validate', { method: 'POST', payload });
    for (let i = 0; i < v.limit; i++) expect((await validate('203.0.113.8')).statusCode).toBe(200);
    const blocked = await validate('203.0.113.8');
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json<{ error: { code: string } }>().error.code).toBe('rate-limited');
    const retryAfter = Number(blocked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(v.windowMs / 1000);
    // Refused before the body is read: a body that would be a 400 is a 429 as well.
    const malformed = await from('203.0.113.8', '/api/v1/validate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      payload: '{not json',
    });
    expect(malformed.statusCode).toBe(429);
    // Another address is not affected, and the address is let through once the window passes.
    expect((await validate('203.0.113.9')).statusCode).toBe(200);
    t.clock.advance(v.windowMs + 1000);
    expect((await validate('203.0.113.8')).statusCode).toBe(200);
  });

  it('counts the templates, the instance CA and invitation look-ups with the directory, 429 only past the limit', async () => {
    const d = RATE_LIMITS['public-ip'];
    // Each public read route and what it answers when the address is under the limit.
    const routes = [
      ['/api/v1/templates', 200],
      ['/api/v1/templates/jahis-jira-mds/2', 200],
      ['/api/v1/signing/ca.pem', 200],
      ['/api/v1/invitations/no-such-token', 404],
      ['/api/v1/request-invitations/no-such-token', 404],
      ['/api/v1/directory', 200],
    ] as const;
    for (let i = 0; i < d.limit; i++) {
      const [url, status] = routes[i % routes.length]!;
      expect((await from('203.0.113.10', url)).statusCode, url).toBe(status);
    }
    for (const [url] of routes) {
      const blocked = await from('203.0.113.10', url);
      expect(blocked.statusCode, url).toBe(429);
      expect(Number(blocked.headers['retry-after']), url).toBeGreaterThan(0);
    }
    for (const [url, status] of routes) expect((await from('203.0.113.11', url)).statusCode, url).toBe(status);
    t.clock.advance(d.windowMs + 1000);
    for (const [url, status] of routes) expect((await from('203.0.113.10', url)).statusCode, url).toBe(status);
  });

  it('throttles sign-in failures per email like before', async () => {
    const attempt = () =>
      from('203.0.113.6', '/api/v1/auth/sign-in', {
        method: 'POST',
        payload: { email: 'nobody@example.jp', password: 'wrong password, long enough' },
      });
    for (let i = 0; i < THROTTLE.threshold.email; i++) expect((await attempt()).statusCode).toBe(401);
    expect((await attempt()).statusCode).toBe(429);
  });

  it('answers 413 to a JSON body over the limit, and to a file over the limit', async () => {
    const big = `{"x":"${'A'.repeat(LIMITS.maxFileBytes)}"}`;
    for (const [url, type, payload] of [
      ['/api/v1/validate', 'application/json', big],
      ['/api/v1/auth/sign-in', 'application/json', big],
      ['/api/v1/verify', 'application/octet-stream', Buffer.alloc(LIMITS.maxFileBytes + 1)],
    ] as const) {
      const res = await from('203.0.113.7', url, { method: 'POST', headers: { 'content-type': type }, payload });
      expect(res.statusCode, url).toBe(413);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('payload-too-large');
      expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    }
  });
});
