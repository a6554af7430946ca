import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinTemplates } from '../../domain/templates/registry.js';
import type { ValidationResult } from '../../domain/validation.js';
import { LIMITS } from '../../formats/errors.js';
import type { Db } from '../../db/database.js';
import { memoryDb } from '../../../test/support/app.js';
import { buildApp } from '../../server/app.js';
import { packageRoot } from '../../server/paths.js';

const example = JSON.parse(readFileSync(`${packageRoot()}/examples/general-pacs-v1.20R00.json`, 'utf8')) as Record<
  string,
  unknown
>;

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

const validate = (payload: unknown, query = '') =>
  app.inject({ method: 'POST', url: `/api/v1/validate${query}`, payload: payload as object });

const errorOf = (body: string) => (JSON.parse(body) as { error: { code: string; message: string } }).error;

describe('POST /api/v1/validate', () => {
  it('counts the answers of the General-PACS example and finds it valid as a draft', async () => {
    const res = await validate(example);
    expect(res.statusCode).toBe(200);
    const result = res.json<ValidationResult>();
    expect(result.valid).toBe(true);
    expect(result.template).toBe('jahis-jira-mds');
    expect(result.edition).toBe('2');
    expect(result.counts).toMatchObject({ yes: 15, no: 16, na: 1 });
  });

  it('finds the example not final, naming row 14 among the unanswered rows', async () => {
    const res = await validate(example, '?final=true');
    expect(res.statusCode).toBe(200);
    const result = res.json<ValidationResult>();
    expect(result.valid).toBe(false);
    expect(result.issues).toContainEqual(
      expect.objectContaining({ row: '14', field: 'answers/14/answer', code: 'missing-answer', severity: 'error' }),
    );
  });

  it('answers 200 with the issues for a statement on an unknown template', async () => {
    const res = await validate({ ...example, template: { id: 'no-such-template', edition: '1' } });
    expect(res.statusCode).toBe(200);
    const result = res.json<ValidationResult>();
    expect(result.valid).toBe(false);
    expect(result.issues[0]?.code).toBe('unknown-template');
  });

  it('answers 400 naming the field when the body is not a statement', async () => {
    const wrongType = await validate({ ...example, header: { ...(example.header as object), date: 20160126 } });
    expect(wrongType.statusCode).toBe(400);
    expect(errorOf(wrongType.body)).toEqual(
      expect.objectContaining({ code: 'invalid-input', message: 'body/header/date: must be string' }),
    );

    const { format: _format, ...noFormat } = example;
    expect(errorOf((await validate(noFormat)).body).message).toBe('body/format: is required');

    const extra = await validate({ ...example, signature: 'x' });
    expect(errorOf(extra.body).message).toBe('body/signature: is not a known field');

    const answer = await validate({ ...example, answers: { '1': { answer: 1 } } });
    expect(errorOf(answer.body).message).toBe('body/answers/1/answer: must be string');
  });

  it('checks the body as sent, without coercing types', async () => {
    const res = await validate({ ...example, revision: '1' });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res.body).message).toBe('body/revision: must be integer');
  });

  it('answers 400 for a query that is not a boolean', async () => {
    const res = await validate(example, '?final=maybe');
    expect(res.statusCode).toBe(400);
    expect(errorOf(res.body).message).toBe('querystring/final: must be boolean');
  });

  it('answers 400 for a body that is not JSON', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/validate',
      headers: { 'content-type': 'application/json' },
      payload: '{"format": "openmds-statement",',
    });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res.body)).toEqual({ code: 'invalid-input', message: 'body: is not valid JSON' });
  });

  it('answers 400 for an empty JSON body', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/validate',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res.body).code).toBe('invalid-input');
  });

  it('refuses prototype pollution keys', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/validate',
      headers: { 'content-type': 'application/json' },
      payload: '{"__proto__": {"polluted": true}}',
    });
    expect(res.statusCode).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it(`answers 400 naming the limit for JSON nested deeper than ${LIMITS.maxJsonDepth}`, async () => {
    let deep: unknown = 'x';
    for (let i = 0; i < LIMITS.maxJsonDepth + 1; i++) deep = [deep];
    const res = await validate({ ...example, header: { manufacturer: deep } });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res.body)).toEqual({
      code: 'invalid-input',
      message: `body: JSON is nested deeper than the limit of ${LIMITS.maxJsonDepth} levels`,
    });
  });

  it('answers 413 for a body over 10 MiB', async () => {
    const payload = JSON.stringify({ ...example, remarks: [{ number: 1, text: 'a'.repeat(LIMITS.maxFileBytes) }] });
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/validate',
      headers: { 'content-type': 'application/json' },
      payload,
    });
    expect(res.statusCode).toBe(413);
    expect(errorOf(res.body)).toEqual({ code: 'payload-too-large', message: 'body: larger than the limit of 10 MiB' });
  });
});
