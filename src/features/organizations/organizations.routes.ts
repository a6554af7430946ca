import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Db } from '../../db/database.js';
import { rateLimit } from '../../security/rate-limit.js';
import { ErrorResponseSchema, ROUTE_ERRORS } from '../../server/errors.js';
import { SessionSchema } from '../accounts/accounts.schema.js';
import {
  acceptInvitation,
  createInvitation,
  listOrgInvitations,
  lookupInvitation,
  revokeInvitation,
} from './invitations.service.js';
import {
  ChangeRoleBodySchema,
  CreatedInvitationSchema,
  CreateInvitationBodySchema,
  CreateOrgBodySchema,
  InvitationLookupSchema,
  InvitationParamsSchema,
  InvitationSchema,
  InvitationTokenParamsSchema,
  MemberParamsSchema,
  MemberSchema,
  MyOrgSchema,
  OrgParamsSchema,
  OrgSchema,
} from './organizations.schema.js';
import {
  changeMemberRole,
  createOrg,
  getOrg,
  listMyOrgs,
  listOrgMembers,
  removeMember,
} from './organizations.service.js';

const E = ErrorResponseSchema;
/** What every signed-in, organization-scoped route may answer besides its success. */
const errors = ROUTE_ERRORS;
const tags = ['organizations'];

/** Organizations, their members and invitations. */
export const organizationsRoutes: FastifyPluginCallbackTypebox<{ db: Db }> = (app, { db }, done) => {
  const k = db.kysely;

  app.get(
    '/orgs',
    { schema: { tags, summary: 'Your organizations', response: { 200: Type.Array(MyOrgSchema), 401: E, 423: E } } },
    (request) => listMyOrgs(k, request.ctx),
  );

  app.post(
    '/orgs',
    {
      schema: {
        tags,
        summary: 'Create an organization',
        description: 'You become its owner, and your session switches to it.',
        body: CreateOrgBodySchema,
        response: { 201: MyOrgSchema, ...errors },
      },
    },
    async (request, reply) => reply.code(201).send(await createOrg(k, request.ctx, request.body)),
  );

  app.get(
    '/orgs/:orgId',
    {
      config: { twoFactorExempt: true },
      schema: { tags, summary: 'An organization', params: OrgParamsSchema, response: { 200: OrgSchema, ...errors } },
    },
    (request) => getOrg(k, request.ctx, request.params.orgId),
  );

  app.get(
    '/orgs/:orgId/members',
    {
      schema: {
        tags,
        summary: 'The members',
        params: OrgParamsSchema,
        response: { 200: Type.Array(MemberSchema), ...errors },
      },
    },
    (request) => listOrgMembers(k, request.ctx, request.params.orgId),
  );

  app.patch(
    '/orgs/:orgId/members/:userId',
    {
      config: { recentAuth: true },
      schema: {
        tags,
        summary: "Change a member's role (owner)",
        description: 'The last owner cannot be demoted (409).',
        params: MemberParamsSchema,
        body: ChangeRoleBodySchema,
        response: { 200: MemberSchema, ...errors, 409: E },
      },
    },
    (request) => changeMemberRole(k, request.ctx, { ...request.params, role: request.body.role }),
  );

  app.delete(
    '/orgs/:orgId/members/:userId',
    {
      config: { recentAuth: true },
      schema: {
        tags,
        summary: 'Remove a member (owner)',
        description: 'Not the last owner (409).',
        params: MemberParamsSchema,
        response: { 204: Type.Null(), ...errors, 409: E },
      },
    },
    async (request, reply) => {
      await removeMember(k, request.ctx, request.params);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/orgs/:orgId/invitations',
    {
      schema: {
        tags,
        summary: 'Invite someone by email (owner)',
        description: 'The answer carries the link (`url`) once; it is valid 7 days and works once.',
        params: OrgParamsSchema,
        body: CreateInvitationBodySchema,
        response: { 201: CreatedInvitationSchema, ...errors, 409: E },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createInvitation(k, request.ctx, { orgId: request.params.orgId, ...request.body })),
  );

  app.get(
    '/orgs/:orgId/invitations',
    {
      schema: {
        tags,
        summary: 'Invitations, newest first (owner)',
        params: OrgParamsSchema,
        response: { 200: Type.Array(InvitationSchema), ...errors },
      },
    },
    (request) => listOrgInvitations(k, request.ctx, request.params.orgId),
  );

  app.delete(
    '/orgs/:orgId/invitations/:id',
    {
      schema: {
        tags,
        summary: 'Revoke an invitation (owner)',
        params: InvitationParamsSchema,
        response: { 204: Type.Null(), ...errors, 409: E },
      },
    },
    async (request, reply) => {
      await revokeInvitation(k, request.ctx, request.params);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/invitations/:token',
    {
      config: { access: 'public' },
      onRequest: rateLimit(k, 'public-ip'),
      schema: {
        tags,
        summary: 'What an invitation link offers',
        description: '404 when the link is unknown, used, revoked or expired.',
        params: InvitationTokenParamsSchema,
        response: { 200: InvitationLookupSchema, 404: E, 423: E, 429: E },
      },
    },
    (request) => lookupInvitation(k, request.ctx, request.params.token),
  );

  app.post(
    '/invitations/:token/accept',
    {
      schema: {
        tags,
        summary: 'Accept an invitation',
        description: 'Signed in with the invited email. Answers the session, now with the new membership.',
        params: InvitationTokenParamsSchema,
        response: { 200: SessionSchema, ...errors, 409: E },
      },
    },
    (request) => acceptInvitation(k, request.ctx, request.params.token),
  );

  done();
};
