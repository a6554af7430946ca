import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryDb } from '../../test/support/app.js';
import type { Db } from '../db/database.js';
import { builtinTemplates } from '../domain/templates/registry.js';
import { buildApp } from './app.js';
import { packageRoot } from './paths.js';
import { CONTENT_SECURITY_POLICY } from './security-headers.js';

let webRoot: string;
let app: FastifyInstance;
let db: Db;

beforeAll(async () => {
  webRoot = mkdtempSync(join(tmpdir(), 'openmds-web-'));
  mkdirSync(join(webRoot, 'assets'));
  writeFileSync(
    join(webRoot, 'index.html'),
    '<!doctype html><html lang="ja"><title>OpenMDS</title><div id="root"></div>',
  );
  writeFileSync(join(webRoot, 'assets', 'index-abc123.js'), 'console.log(1)');
  db = await memoryDb();
  app = await buildApp({ templates: builtinTemplates(), db, webRoot });
  // A route that fails unexpectedly, to see what a client learns from a 500.
  app.get('/api/v1/test-failure', { schema: { hide: true } }, () => {
    throw new Error('database password is hunter2');
  });
});

afterAll(async () => {
  await app.close();
  await db.close();
  rmSync(webRoot, { recursive: true, force: true });
});

function expectSecurityHeaders(res: LightMyRequestResponse): void {
  expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  expect(res.headers['x-frame-options']).toBe('DENY');
  expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
  expect(res.headers['permissions-policy']).toContain('camera=()');
}

describe('security headers', () => {
  it('are on the HTML page', async () => {
    const res = await app.inject({ url: '/', headers: { accept: 'text/html' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expectSecurityHeaders(res);
  });

  it('are on JSON answers', async () => {
    const res = await app.inject({ url: '/api/v1/templates' });
    expect(res.statusCode).toBe(200);
    expectSecurityHeaders(res);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('are on 404s and errors', async () => {
    expectSecurityHeaders(await app.inject({ url: '/api/v1/nothing-here' }));
    expectSecurityHeaders(await app.inject({ url: '/api/v1/test-failure' }));
  });

  it('leave out Strict-Transport-Security over plain HTTP', async () => {
    const res = await app.inject({ url: '/healthz' });
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });

  it('include a CSP that forbids inline scripts and other origins', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/https?:/);
  });
});

describe('errors', () => {
  it('answers an unknown API route with JSON 404', async () => {
    const res = await app.inject({ url: '/api/v1/nothing-here?x=1', headers: { accept: 'text/html' } });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'not-found', message: 'no route GET /api/v1/nothing-here' } });
  });

  it('answers an unexpected failure with a generic 500, without the error or a stack', async () => {
    const res = await app.inject({ url: '/api/v1/test-failure' });
    expect(res.statusCode).toBe(500);
    const body = res.json<{ error: { code: string; message: string } }>();
    expect(body.error.code).toBe('internal');
    expect(body.error.message).toMatch(/^internal server error \(request .+\)$/);
    expect(res.body).not.toContain('hunter2');
    expect(res.body).not.toContain('at ');
  });

  it('refuses a body in a media type other than JSON with 415', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/validate',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ error: { code: 'unsupported-media-type' } });
  });
});

describe('health', () => {
  it('answers ok', async () => {
    const res = await app.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });
});

describe('web UI', () => {
  it('serves index.html at /, to be revalidated', async () => {
    const res = await app.inject({ url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<div id="root">');
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('serves hashed assets as immutable', async () => {
    const res = await app.inject({ url: '/assets/index-abc123.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toContain('immutable');
  });

  it('falls back to index.html for client-side routes that accept HTML', async () => {
    const res = await app.inject({ url: '/templates/jahis-jira-mds/2', headers: { accept: 'text/html,*/*' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('<div id="root">');
  });

  it('answers a missing file that is not a page with 404', async () => {
    const res = await app.inject({ url: '/assets/missing.js', headers: { accept: '*/*' } });
    expect(res.statusCode).toBe(404);
  });

  it('answers 503 with how to build it when web/dist is missing', async () => {
    const bare = await buildApp({ templates: builtinTemplates(), db, webRoot: join(webRoot, 'does-not-exist') });
    try {
      const res = await bare.inject({ url: '/' });
      expect(res.statusCode).toBe(503);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.body).toContain('npm run build');
      const page = await bare.inject({ url: '/templates', headers: { accept: 'text/html' } });
      expect(page.statusCode).toBe(503);
      expect((await bare.inject({ url: '/api/v1/templates' })).statusCode).toBe(200);
    } finally {
      await bare.close();
    }
  });
});

describe('OpenAPI', () => {
  interface OpenApiDoc {
    openapi: string;
    info: { title: string; version: string };
    paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
    components?: { schemas?: Record<string, unknown> };
  }

  it('is an OpenAPI 3.1 document listing the API routes with their responses', async () => {
    const res = await app.inject({ url: '/api/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<OpenApiDoc>();
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'OpenMDS', version: pkg.version });
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/templates', '/api/v1/templates/{id}/{edition}', '/api/v1/validate']),
    );
    expect(doc.paths['/api/v1/templates']?.get?.responses?.['200']).toBeDefined();
    expect(doc.paths['/api/v1/templates/{id}/{edition}']?.get?.responses?.['404']).toBeDefined();
    expect(doc.paths['/api/v1/validate']?.post?.responses?.['200']).toBeDefined();
    // Every reference points into the document.
    const refs = [...res.body.matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components?.schemas?.[ref!.slice('#/components/schemas/'.length)]).toBeDefined();
    }
  });

  it('serves Swagger UI from its own bundled files', async () => {
    const res = await app.inject({ url: '/api/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('swagger-ui-bundle.js');
    expect(res.body).not.toMatch(/(src|href)="https?:/);
    expectSecurityHeaders(res);
    const bundle = await app.inject({ url: '/api/docs/static/swagger-ui-bundle.js' });
    expect(bundle.statusCode).toBe(200);
  });
});
