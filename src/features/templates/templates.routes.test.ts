import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinTemplates } from '../../domain/templates/registry.js';
import type { Db } from '../../db/database.js';
import { memoryDb } from '../../../test/support/app.js';
import { buildApp } from '../../server/app.js';
import type { TemplateDetail, TemplateSummary } from './templates.schema.js';

let app: FastifyInstance;
let db: Db;

beforeAll(async () => {
  db = await memoryDb();
  app = await buildApp({ templates: builtinTemplates(), db, webRoot: '/nonexistent' });
});
afterAll(async () => {
  await app.close();
  await db.close();
});

describe('GET /api/v1/templates', () => {
  it('lists the built-in templates with their counts', async () => {
    const res = await app.inject({ url: '/api/v1/templates' });
    expect(res.statusCode).toBe(200);
    const list = res.json<TemplateSummary[]>();
    expect(list.length).toBe(builtinTemplates().list().length);
    expect(list.find((t) => t.id === 'jahis-jira-mds' && t.edition === '2')).toEqual({
      id: 'jahis-jira-mds',
      edition: '2',
      title: {
        ja: '製造業者による医療情報セキュリティ開示書 チェックリスト 第2版',
        en: 'Manufacturer Disclosure Statement for Medical Information Security, checklist, 2nd edition',
      },
      publisher: { ja: 'JAHIS・JIRA 合同開示書WG', en: 'JAHIS-JIRA joint disclosure statement working group' },
      languages: ['ja', 'en'],
      rowCount: 68,
      answerableCount: 66,
      sectionCount: 11,
    });
  });
});

describe('GET /api/v1/templates/:id/:edition', () => {
  it('answers the MDS 2nd edition with its 68 rows and rules', async () => {
    const res = await app.inject({ url: '/api/v1/templates/jahis-jira-mds/2' });
    expect(res.statusCode).toBe(200);
    const t = res.json<TemplateDetail>();
    expect(t.rows).toHaveLength(68);
    expect(t.rows.find((r) => r.id === '4.1.1')?.appliesWhen).toEqual({ row: '4.1-a', is: ['yes'] });
    expect(t.rows.find((r) => r.id === '17')?.appliesWhen).toEqual({ row: '16', is: ['no'] });
    expect('$schema' in t).toBe(false);
  });

  it('answers every built-in template exactly as its data file, without $schema', async () => {
    for (const template of builtinTemplates().list()) {
      const res = await app.inject({ url: `/api/v1/templates/${template.id}/${template.edition}` });
      expect(res.statusCode).toBe(200);
      const { $schema: _schema, ...expected } = template;
      // The response schema serializes only what it declares: a field missing from it would vanish here.
      expect(res.json()).toEqual(JSON.parse(JSON.stringify(expected)));
    }
  });

  it('answers an unknown template or edition with JSON 404', async () => {
    for (const url of ['/api/v1/templates/no-such-template/1', '/api/v1/templates/jahis-jira-mds/99']) {
      const res = await app.inject({ url });
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = res.json<{ error: { code: string; message: string } }>();
      expect(body.error.code).toBe('not-found');
      expect(body.error.message).toMatch(/^template .+ is not known$/);
    }
  });
});
