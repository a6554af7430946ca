import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Db } from '../../db/database.js';
import { clearSessionCookie } from '../../security/auth-plugin.js';
import { ErrorResponseSchema } from '../../server/errors.js';
import { AccountSessionListSchema, AccountSessionParamsSchema, RevokeOthersResultSchema } from './sessions.schema.js';
import { listMySessions, revokeMyOtherSessions, revokeMySession } from './sessions.service.js';

export interface SessionRoutesOptions {
  db: Db;
}

const E = ErrorResponseSchema;
const tags = ['accounts'];

/**
 * The caller's sessions ("signed in on these devices"): list them, end one, end all the others. Ending a session needs
 * no recent authentication: it only takes access away, and a user who suspects a stolen session must act at once.
 */
export const sessionRoutes: FastifyPluginCallbackTypebox<SessionRoutesOptions> = (app, { db }, done) => {
  const k = db.kysely;

  app.get(
    '/account/sessions',
    {
      schema: {
        tags,
        summary: 'Your active sessions',
        description:
          'Every session of yours that has not expired or ended, the current one first, with where and in what ' +
          'browser it began. Each carries a public id, never the cookie or what the server looks the cookie up by.',
        response: { 200: AccountSessionListSchema, 401: E, 423: E },
      },
    },
    (request) => listMySessions(k, request.ctx),
  );

  app.delete(
    '/account/sessions/:sessionId',
    {
      schema: {
        tags,
        summary: 'End one of your sessions',
        description:
          'The browser holding it is signed out at its next request. Ending the current session signs you out here. ' +
          'An id that is not one of your live sessions answers 404. No re-authentication needed.',
        params: AccountSessionParamsSchema,
        response: { 204: Type.Null(), 401: E, 403: E, 404: E, 423: E },
      },
    },
    async (request, reply) => {
      const { wasCurrent } = await revokeMySession(k, request.ctx, request.params.sessionId);
      if (wasCurrent) clearSessionCookie(request, reply);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/account/sessions/revoke-others',
    {
      schema: {
        tags,
        summary: 'End all your other sessions',
        description: 'Every session of yours but this one ends. No re-authentication needed.',
        response: { 200: RevokeOthersResultSchema, 401: E, 403: E, 423: E },
      },
    },
    (request) => revokeMyOtherSessions(k, request.ctx),
  );

  done();
};
