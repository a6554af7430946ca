import { readFileSync } from 'node:fs';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { generalPacs, repoFile } from '../../test/support/statements.js';
import { PUBLISHED_SCHEMAS, publishedSchemaText } from './published-schemas.js';

const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;

describe('published JSON Schemas', () => {
  it.each(Object.keys(PUBLISHED_SCHEMAS))('schemas/%s matches the code (run npm run generate:schemas)', (name) => {
    const committed = readFileSync(new URL(`../../schemas/${name}`, import.meta.url), 'utf8');
    expect(committed).toBe(publishedSchemaText(name));
  });

  it('validate the shipped files with a plain JSON Schema validator', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const load = (n: string) => JSON.parse(repoFile(`schemas/${n}`)) as object;
    expect(ajv.validate(load('statement.json'), generalPacs())).toBe(true);
    const template = JSON.parse(repoFile('src/domain/templates/builtin/jahis-jira-mds-2.json')) as object;
    expect(ajv.validate(load('template.json'), template)).toBe(true);
    const mapping = JSON.parse(repoFile('test/fixtures/jahis-jira-mds-2-to-3-synthetic.mapping.json')) as object;
    expect(ajv.validate(load('edition-mapping.json'), mapping)).toBe(true);
    expect(ajv.validate(load('statement.json'), { ...generalPacs(), status: 'lost' })).toBe(false);
  });
});
