import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Db } from '../../db/database.js';
import { setSessionCookie } from '../../security/auth-plugin.js';
import { SESSION_COOKIE } from '../../security/sessions.js';
import type { AppSettings } from '../../security/settings.js';
import { ErrorResponseSchema, ROUTE_ERRORS } from '../../server/errors.js';
import { SessionSchema } from './accounts.schema.js';
import { BreakGlassSchema, SealedBreakGlassSchema, UseBreakGlassBodySchema } from './break-glass.schema.js';
import { createBreakGlass, getBreakGlass, rotateBreakGlass, useBreakGlass } from './break-glass.service.js';

export interface BreakGlassRoutesOptions {
  db: Db;
  settings: AppSettings;
}

const E = ErrorResponseSchema;
const tags = ['accounts'];
const OrgParams = Type.Object({ orgId: Type.String({ minLength: 1, maxLength: 64 }) });

/** The organization's break-glass account (非常時アカウント, checklist row 11): owners manage it, anyone holding it uses it. */
export const breakGlassRoutes: FastifyPluginCallbackTypebox<BreakGlassRoutesOptions> = (
  app,
  { db, settings },
  done,
) => {
  const k = db.kysely;

  app.get(
    '/orgs/:orgId/break-glass',
    {
      schema: {
        tags,
        summary: "The organization's break-glass account: state and last use (owners)",
        params: OrgParams,
        response: { 200: BreakGlassSchema, ...ROUTE_ERRORS },
      },
    },
    (request) => getBreakGlass(k, request.ctx, request.params.orgId, settings),
  );

  app.post(
    '/orgs/:orgId/break-glass',
    {
      schema: {
        tags,
        summary: 'Create the break-glass account, sealed (owners)',
        description: 'The answer carries the credential once: print it and seal it. 409 when it exists already.',
        params: OrgParams,
        response: { 201: SealedBreakGlassSchema, ...ROUTE_ERRORS, 409: E },
      },
    },
    async (request, reply) => {
      const sealed = await createBreakGlass(k, request.ctx, request.params.orgId, settings);
      return reply.code(201).send(sealed);
    },
  );

  app.post(
    '/orgs/:orgId/break-glass/rotate',
    {
      schema: {
        tags,
        summary: 'Seal a new break-glass credential (owners)',
        description:
          'Needed after every use before the account works again. The old credential stops working and a running ' +
          'break-glass session ends. The answer carries the new credential once.',
        params: OrgParams,
        response: { 200: SealedBreakGlassSchema, ...ROUTE_ERRORS },
      },
    },
    (request) => rotateBreakGlass(k, request.ctx, request.params.orgId, settings),
  );

  app.post(
    '/auth/break-glass',
    {
      config: { access: 'public', startsSession: true },
      schema: {
        tags,
        summary: 'Sign in with the break-glass account',
        description:
          'Needs the organization, the sealed credential and a reason. Starts a time-limited editor session in the ' +
          'organization, alerts every owner and audits `break-glass.use`. A used credential answers 409 until an ' +
          'owner rotates it; a wrong one 401, repeated failures 429.',
        body: UseBreakGlassBodySchema,
        response: { 200: SessionSchema, 400: E, 401: E, 403: E, 409: E, 429: E },
      },
    },
    async (request, reply) => {
      const previousToken = request.cookies[SESSION_COOKIE];
      const result = await useBreakGlass(
        k,
        request.ctx,
        { ...request.body, ...(previousToken === undefined ? {} : { previousToken }) },
        settings,
      );
      if (result.token !== undefined) setSessionCookie(request, reply, result.token);
      return result.view;
    },
  );

  done();
};
