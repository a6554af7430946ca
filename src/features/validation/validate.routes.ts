import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { validateStatement, type TemplateLookup } from '../../domain/validation.js';
import { ErrorResponseSchema } from '../../server/errors.js';
import { ValidateBodySchema, ValidateQuerySchema, ValidationResultSchema } from './validate.schema.js';

export interface ValidateRoutesOptions {
  templates: TemplateLookup;
}

/** Checks a statement against its template without storing it. */
export const validateRoutes: FastifyPluginCallbackTypebox<ValidateRoutesOptions> = (app, { templates }, done) => {
  app.post(
    '/validate',
    {
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
        },
      },
    },
    (request) => validateStatement(request.body, templates, { final: request.query.final }),
  );

  done();
};
