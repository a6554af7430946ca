import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtinTemplates } from '../../domain/templates/registry.js';
import { memoryDb } from '../../../test/support/app.js';
import { buildApp } from '../../server/app.js';

describe('GET /schemas/:name', () => {
  it('serves the committed statement schema byte for byte', async () => {
    const db = await memoryDb();
    const app = await buildApp({ templates: builtinTemplates(), db });
    const res = await app.inject({ method: 'GET', url: '/schemas/statement.json' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/schema+json');
    expect(res.body).toBe(readFileSync(new URL('../../../schemas/statement.json', import.meta.url), 'utf8'));
    await app.close();
    await db.close();
  });

  it('answers 404 JSON for an unknown schema', async () => {
    const db = await memoryDb();
    const app = await buildApp({ templates: builtinTemplates(), db });
    const res = await app.inject({ method: 'GET', url: '/schemas/nope.json', headers: { accept: 'application/json' } });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: { code: 'not-found' } });
    await app.close();
    await db.close();
  });
});
