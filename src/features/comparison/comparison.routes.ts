import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Db } from '../../db/database.js';
import type { TemplateRegistry } from '../../domain/templates/registry.js';
import { ROUTE_ERRORS } from '../../server/errors.js';
import { comparisonXlsx } from './comparison-xlsx.js';
import { ComparisonQuerySchema, ComparisonSchema, OrgParamsSchema } from './comparison.schema.js';
import { getComparison } from './comparison.service.js';

const tags = ['comparison'];
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** A hospital's comparison of the statements it holds: products as columns, template rows as lines. */
export const comparisonRoutes: FastifyPluginCallbackTypebox<{ db: Db; templates: TemplateRegistry }> = (
  app,
  { db, templates },
  done,
) => {
  const k = db.kysely;
  const deps = { templates };
  app.get(
    '/orgs/:orgId/comparison',
    {
      schema: {
        tags,
        summary: "The statements side by side on a base template's rows (other templates via the cross-reference)",
        params: OrgParamsSchema,
        querystring: ComparisonQuerySchema,
        response: { 200: ComparisonSchema, ...ROUTE_ERRORS },
      },
    },
    (req) => getComparison(k, deps, req.ctx, req.params.orgId, req.query),
  );
  app.get(
    '/orgs/:orgId/comparison.xlsx',
    {
      schema: {
        tags,
        summary: 'The same comparison as an XLSX workbook (はい/いいえ/対象外/未回答, coloured; remarks as cell notes)',
        params: OrgParamsSchema,
        querystring: ComparisonQuerySchema,
        response: {
          200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'The workbook' }),
          ...ROUTE_ERRORS,
        },
      },
    },
    async (req, reply) => {
      const comparison = await getComparison(k, deps, req.ctx, req.params.orgId, req.query);
      const data = await comparisonXlsx(comparison);
      return reply
        .header('content-type', XLSX_TYPE)
        .header('content-disposition', 'attachment; filename="comparison.xlsx"')
        .send(Buffer.from(data));
    },
  );
  done();
};
