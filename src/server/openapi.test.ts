import { afterEach, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../../test/support/app.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
});

describe('the OpenAPI document', () => {
  it('declares every tag its operations use, and lists the workspace routes', async () => {
    t = await testApp();
    const doc = (await t.app.inject({ method: 'GET', url: '/api/docs/json' })).json<{
      tags: { name: string }[];
      paths: Record<string, Record<string, { tags?: string[] }>>;
    }>();
    const declared = new Set(doc.tags.map((tag) => tag.name));
    const used = new Set(Object.values(doc.paths).flatMap((ops) => Object.values(ops).flatMap((op) => op.tags ?? [])));
    expect([...used].filter((tag) => !declared.has(tag))).toEqual([]);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/orgs/{orgId}/statements/{id}/revisions/{rev}',
        '/api/v1/orgs/{orgId}/statements/{id}/diff',
        '/api/v1/orgs/{orgId}/products',
        '/api/v1/auth/sign-in',
      ]),
    );
  });
});
