import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '../../db/database.js';
import { ErrorResponseSchema } from '../../server/errors.js';
import { AuditPageSchema, AuditParamsSchema, AuditQuerySchema } from './audit.schema.js';
import { readAuditTrail } from './audit.service.js';

const E = ErrorResponseSchema;

/** An organization's audit trail, for its owners and auditors. */
export const auditRoutes: FastifyPluginCallbackTypebox<{ db: Db }> = (app, { db }, done) => {
  app.get(
    '/orgs/:orgId/audit',
    {
      schema: {
        tags: ['audit'],
        summary: "The organization's audit trail (owner, auditor)",
        description:
          'Newest first, at most `limit` (≤ 500) records; page with `before` (the smallest seq seen). `chain` is ' +
          'the verification of the hash chain: records changed, deleted or reordered in the database show here.',
        params: AuditParamsSchema,
        querystring: AuditQuerySchema,
        response: { 200: AuditPageSchema, 400: E, 401: E, 403: E, 404: E, 423: E },
      },
    },
    (request) => readAuditTrail(db.kysely, request.ctx, { orgId: request.params.orgId, ...request.query }),
  );
  done();
};
