import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '../../db/database.js';
import { ROUTE_ERRORS } from '../../server/errors.js';
import { DashboardParamsSchema, DashboardSchema } from './dashboard.schema.js';
import { getDashboard } from './dashboard.service.js';

/** A hospital's facility dashboard. */
export const dashboardRoutes: FastifyPluginCallbackTypebox<{ db: Db }> = (app, { db }, done) => {
  app.get(
    '/orgs/:orgId/dashboard',
    {
      schema: {
        tags: ['dashboard'],
        summary: 'Systems without current statements, assessments, and the current risks: heat map, sections, overdue',
        params: DashboardParamsSchema,
        response: { 200: DashboardSchema, ...ROUTE_ERRORS },
      },
    },
    (req) => getDashboard(db.kysely, req.ctx, req.params.orgId),
  );
  done();
};
