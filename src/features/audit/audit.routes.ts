import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '../../db/database.js';
import { ErrorResponseSchema } from '../../server/errors.js';
import {
  ActivityPageSchema,
  ActivityQuerySchema,
  AuditExportQuerySchema,
  AuditPageSchema,
  AuditParamsSchema,
  AuditQuerySchema,
} from './audit.schema.js';
import { exportAuditTrail, readAuditTrail, readOwnActivity } from './audit.service.js';
import { AUDIT_EXPORT_MAX_ROWS, instanceName } from './export-format.js';

const E = ErrorResponseSchema;

/**
 * The audit trail's views: an organization's trail and its export (owners, auditors), and each user's own activity.
 * Read-only by design: no route changes or removes a record (audit-routes.test.ts checks).
 */
export const auditRoutes: FastifyPluginCallbackTypebox<{ db: Db }> = (app, { db }, done) => {
  app.get(
    '/orgs/:orgId/audit',
    {
      schema: {
        tags: ['audit'],
        summary: "The organization's audit trail (owner, auditor)",
        description:
          'Newest first, at most `limit` (≤ 500) records; page with `before` (the smallest seq seen). Filters: ' +
          '`actor`, `action` (or a prefix `statement.*`), `object`, `from`/`to`. `chain` is the verification of ' +
          'the hash chain: records changed, deleted or reordered in the database show here.',
        params: AuditParamsSchema,
        querystring: AuditQuerySchema,
        response: { 200: AuditPageSchema, 400: E, 401: E, 403: E, 404: E, 423: E },
      },
    },
    (request) => readAuditTrail(db.kysely, request.ctx, { orgId: request.params.orgId, ...request.query }),
  );

  app.get(
    '/orgs/:orgId/audit/export',
    {
      schema: {
        tags: ['audit'],
        summary: "Export the organization's audit trail (owner, auditor)",
        description:
          'Oldest first, with the filters of the trail. `csv`: RFC 4180, UTF-8 with a BOM, cells that a ' +
          "spreadsheet would run as a formula prefixed with '. `fhir`: a FHIR R4 Bundle (collection) of " +
          'AuditEvent. `syslog`: RFC 5424 messages, one a line. At most ' +
          `${AUDIT_EXPORT_MAX_ROWS} records (the oldest); X-OpenMDS-Export-Truncated says when more matched. ` +
          'The export is itself audited (audit.export).',
        params: AuditParamsSchema,
        querystring: AuditExportQuerySchema,
        response: {
          200: Type.Unsafe<Readable>({ type: 'string', description: 'The export, streamed' }),
          400: E,
          401: E,
          403: E,
          404: E,
          423: E,
        },
      },
    },
    async (request, reply) => {
      const out = await exportAuditTrail(
        db.kysely,
        request.ctx,
        { orgId: request.params.orgId, ...request.query },
        { instance: instanceName(), exportedAt: request.ctx.now() },
      );
      return reply
        .header('content-type', out.contentType)
        .header('content-disposition', `attachment; filename="${out.fileName.replace(/[^\w.-]/g, '_')}"`)
        .header('cache-control', 'no-store')
        .header('x-openmds-export-rows', String(out.rows))
        .header('x-openmds-export-truncated', out.truncated ? 'true' : 'false')
        .send(Readable.from(out.chunks));
    },
  );

  app.get(
    '/account/activity',
    {
      schema: {
        tags: ['audit'],
        summary: 'Your own sign-in and access history',
        description:
          'The records naming you as the actor, in every organization: sign-ins, failed sign-ins on your ' +
          'account, sign-outs, screen locks, reads and writes. Newest first; page with `before`.',
        querystring: ActivityQuerySchema,
        response: { 200: ActivityPageSchema, 400: E, 401: E, 423: E },
      },
    },
    (request) => readOwnActivity(db.kysely, request.ctx, request.query),
  );
  done();
};
