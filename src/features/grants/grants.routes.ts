import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Db } from '../../db/database.js';
import type { TemplateRegistry } from '../../domain/templates/registry.js';
import { ErrorResponseSchema, ROUTE_ERRORS } from '../../server/errors.js';
import {
  CreateGrantBodySchema,
  GrantParamsSchema,
  GrantSchema,
  HospitalSchema,
  HospitalSearchQuerySchema,
  OrgParamsSchema,
} from './grants.schema.js';
import { createGrant, listGrants, revokeGrant, searchHospitals } from './grants.service.js';

const E = ErrorResponseSchema;
const errors = ROUTE_ERRORS;
const tags = ['grants'];

/** A manufacturer's access grants to its restricted publications, and the hospital search that names grantees. */
export const grantsRoutes: FastifyPluginCallbackTypebox<{ db: Db; templates: TemplateRegistry }> = (
  app,
  { db },
  done,
) => {
  const k = db.kysely;
  app.get(
    '/orgs/:orgId/grants',
    {
      schema: {
        tags,
        summary: 'Access grants, newest first (manufacturer)',
        params: OrgParamsSchema,
        response: { 200: Type.Array(GrantSchema), ...errors },
      },
    },
    (req) => listGrants(k, req.ctx, req.params.orgId),
  );
  app.post(
    '/orgs/:orgId/grants',
    {
      schema: {
        tags,
        summary: 'Grant a hospital organization access (manufacturer owner)',
        params: OrgParamsSchema,
        body: CreateGrantBodySchema,
        response: { 201: GrantSchema, ...errors },
      },
    },
    async (req, reply) => reply.code(201).send(await createGrant(k, req.ctx, req.params.orgId, req.body)),
  );
  app.post(
    '/orgs/:orgId/grants/:grantId/revoke',
    {
      schema: {
        tags,
        summary: 'Revoke an access grant (manufacturer owner)',
        params: GrantParamsSchema,
        response: { 200: GrantSchema, ...errors, 409: E },
      },
    },
    (req) => revokeGrant(k, req.ctx, req.params.orgId, req.params.grantId),
  );
  app.get(
    '/organizations/hospitals',
    {
      schema: {
        tags,
        summary: 'Search hospital organizations by name (members of a manufacturer)',
        querystring: HospitalSearchQuerySchema,
        response: { 200: Type.Array(HospitalSchema), 401: E, 403: E, 423: E },
      },
    },
    (req) => searchHospitals(k, req.ctx, req.query.q),
  );
  done();
};
