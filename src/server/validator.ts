import AjvModule, { type AnySchema } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyServerOptions } from 'fastify';

// ajv and ajv-formats ship CommonJS with a default export; under NodeNext ESM the class sits on `.default`.
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;

type BuildValidator = NonNullable<
  NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
>['buildValidator'];

function newAjv(urlPart: boolean, external: Record<string, unknown>): InstanceType<typeof Ajv> {
  const ajv = new Ajv({
    strict: true,
    allowUnionTypes: true,
    allErrors: false,
    // Query strings, params and headers arrive as text: "?final=true" must become a boolean.
    coerceTypes: urlPart ? 'array' : false,
    useDefaults: urlPart,
    removeAdditional: false,
  });
  addFormats(ajv, ['date', 'date-time', 'uri', 'email', 'uuid']);
  for (const schema of Object.values(external)) ajv.addSchema(schema as AnySchema);
  return ajv;
}

/**
 * Two validators instead of Fastify's one: request bodies are checked exactly as sent (no type coercion, no
 * silently dropped unknown fields, no defaults written in) so that what a route validates is what the client
 * wrote; URL parts are coerced from text as usual.
 */
export const buildValidator: BuildValidator = (externalSchemas = {}) => {
  const body = newAjv(false, externalSchemas);
  const url = newAjv(true, externalSchemas);
  return ({ schema, httpPart }) => (httpPart === 'body' ? body : url).compile(schema);
};
