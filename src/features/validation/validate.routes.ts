import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '../../db/database.js';
import { validateStatement, type TemplateLookup } from '../../domain/validation.js';
import { rateLimit } from '../../security/rate-limit.js';
import { ErrorResponseSchema } from '../../server/errors.js';
import { ValidateBodySchema, ValidateQuerySchema, ValidationResultSchema } from './validate.schema.js';

export interface ValidateRoutesOptions {
  db: Db;
  templates: TemplateLookup;
}

/** Checks a statement against its template without storing it. */
export const validateRoutes: FastifyPluginCallbackTypebox<ValidateRoutesOptions> = (app, { db, templates }, done) => {
  app.post(
    '/validate',
    {
      // Counted before the body, up to 10 MB of JSON, is read and parsed.
      onRequest: rateLimit(db.kysely, 'validate-ip'),
      schema: {
        tags: ['validation'],
        summary: 'Validate a statement',
        description:
          'Checks a statement in the canonical JSON format against its template. Answers 200 with the result ' +
          'whether the statement is valid or not; 400 only when the body is not a statement at all (not JSON, ' +
          'or a field of the wrong type), naming the field.',
        querystring: ValidateQuerySchema,
        body: ValidateBodySchema,
        response: {
          200: ValidationResultSchema,
          400: ErrorResponseSchema,
          413: ErrorResponseSchema,
          415: ErrorResponseSchema,
          429: ErrorResponseSchema,
        },
      },
    },
    (request) => validateStatement(request.body, templates, { final: request.query.final }),
  );

  done();
};
