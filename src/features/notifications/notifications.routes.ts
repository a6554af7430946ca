import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Db } from '../../db/database.js';
import type { TemplateRegistry } from '../../domain/templates/registry.js';
import { ROUTE_ERRORS } from '../../server/errors.js';
import {
  ListNotificationsQuerySchema,
  MarkReadBodySchema,
  MarkReadResultSchema,
  NotificationSchema,
  OrgParamsSchema,
  UnreadCountSchema,
} from './notifications.schema.js';
import { listNotifications, markNotificationsRead, unreadNotificationCount } from './notifications.service.js';

const errors = ROUTE_ERRORS;
const tags = ['notifications'];

/** In-app notifications of an organization, with per-user read flags. */
export const notificationsRoutes: FastifyPluginCallbackTypebox<{ db: Db; templates: TemplateRegistry }> = (
  app,
  { db },
  done,
) => {
  const k = db.kysely;
  app.get(
    '/orgs/:orgId/notifications',
    {
      schema: {
        tags,
        summary: 'Notifications, newest first',
        description: 'Page with `before` (the last id seen). `read` is the calling user’s own flag.',
        params: OrgParamsSchema,
        querystring: ListNotificationsQuerySchema,
        response: { 200: Type.Array(NotificationSchema), ...errors },
      },
    },
    (req) => listNotifications(k, req.ctx, req.params.orgId, req.query),
  );
  app.get(
    '/orgs/:orgId/notifications/unread-count',
    {
      // The bell polls it: not the user's activity, so it does not keep an unattended session alive.
      config: { passive: true },
      schema: {
        tags,
        summary: 'How many notifications you have not read',
        description: "A background poll: it does not extend the session's idle deadline.",
        params: OrgParamsSchema,
        response: { 200: UnreadCountSchema, ...errors },
      },
    },
    (req) => unreadNotificationCount(k, req.ctx, req.params.orgId),
  );
  app.post(
    '/orgs/:orgId/notifications/read',
    {
      schema: {
        tags,
        summary: 'Mark notifications read (for yourself)',
        params: OrgParamsSchema,
        body: MarkReadBodySchema,
        response: { 200: MarkReadResultSchema, ...errors },
      },
    },
    (req) => markNotificationsRead(k, req.ctx, req.params.orgId, req.body),
  );
  done();
};
