import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '../../db/database.js';
import type { CompiledTemplate } from '../../domain/compiled-template.js';
import type { TemplateRegistry } from '../../domain/templates/registry.js';
import { rateLimit } from '../../security/rate-limit.js';
import { AppError, ErrorResponseSchema } from '../../server/errors.js';
import {
  TemplateDetailSchema,
  TemplateListSchema,
  TemplateParamsSchema,
  type TemplateDetail,
  type TemplateSummary,
} from './templates.schema.js';

export interface TemplatesRoutesOptions {
  db: Db;
  templates: TemplateRegistry;
}

function summarize(c: CompiledTemplate): TemplateSummary {
  const t = c.template;
  return {
    id: t.id,
    edition: t.edition,
    title: t.title,
    publisher: t.publisher,
    languages: t.languages,
    rowCount: t.rows.length,
    answerableCount: c.answerableCount,
    sectionCount: t.sections.length,
  };
}

function detail(c: CompiledTemplate): TemplateDetail {
  const { $schema: _schema, ...rest } = c.template;
  return rest;
}

/** Read-only access to the templates the server knows (built-in ones, for now). */
export const templatesRoutes: FastifyPluginCallbackTypebox<TemplatesRoutesOptions> = (app, { db, templates }, done) => {
  const k = db.kysely;
  app.get(
    '/templates',
    {
      onRequest: rateLimit(k, 'public-ip'),
      schema: {
        tags: ['templates'],
        summary: 'List templates',
        description: 'Every template the server knows, built-in ones first, with row and section counts.',
        response: { 200: TemplateListSchema, 429: ErrorResponseSchema },
      },
    },
    () => templates.compiled().map(summarize),
  );

  app.get(
    '/templates/:id/:edition',
    {
      onRequest: rateLimit(k, 'public-ip'),
      schema: {
        tags: ['templates'],
        summary: 'Get a template',
        description: 'The whole template: header fields, answer sets, sections and rows with their rules.',
        params: TemplateParamsSchema,
        response: {
          200: TemplateDetailSchema,
          400: ErrorResponseSchema,
          404: ErrorResponseSchema,
          429: ErrorResponseSchema,
        },
      },
    },
    (request) => {
      const { id, edition } = request.params;
      const compiled = templates.get(id, edition);
      if (compiled === undefined) {
        throw new AppError('not-found', { message: `template ${id} edition ${edition} is not known` });
      }
      return detail(compiled);
    },
  );

  done();
};
