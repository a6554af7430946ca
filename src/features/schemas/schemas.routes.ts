import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { PUBLISHED_SCHEMAS, publishedSchemaText } from '../../domain/published-schemas.js';
import { AppError } from '../../server/errors.js';

/** Serves the published JSON Schemas (statement, template, edition mapping) exactly as committed under schemas/. */
export const schemasRoutes: FastifyPluginCallbackTypebox = (app, _options, done) => {
  app.get(
    '/schemas/:name',
    {
      schema: {
        tags: ['schemas'],
        summary: 'Get a published JSON Schema',
        description: `One of ${Object.keys(PUBLISHED_SCHEMAS).join(', ')}.`,
        params: Type.Object({ name: Type.String({ maxLength: 64 }) }),
        // The body is the committed file's text, sent as is; a response schema would re-serialize it.
      },
    },
    (request, reply) => {
      const { name } = request.params;
      if (PUBLISHED_SCHEMAS[name] === undefined) {
        throw new AppError('not-found', {
          message: `no published schema "${name}" (known: ${Object.keys(PUBLISHED_SCHEMAS).join(', ')})`,
        });
      }
      return reply.type('application/schema+json; charset=utf-8').send(publishedSchemaText(name));
    },
  );
  done();
};
