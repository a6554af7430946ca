import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Db } from '../../db/database.js';
import type { TemplateRegistry } from '../../domain/templates/registry.js';
import { rateLimit } from '../../security/rate-limit.js';
import { ErrorResponseSchema, ROUTE_ERRORS } from '../../server/errors.js';
import { answerRequest, declineRequest, getInboxRequest, listInbox } from './inbox.service.js';
import { claimRequestInvitation, lookupRequestInvitation } from './request-invitations.service.js';
import {
  AnswerBodySchema,
  ClaimBodySchema,
  CreatedRequestSchema,
  CreateRequestBodySchema,
  DeclineBodySchema,
  InboxQuerySchema,
  ManufacturerSchema,
  ManufacturersQuerySchema,
  OrgParamsSchema,
  RequestInvitationSchema,
  RequestParamsSchema,
  RequestSchema,
  TokenParamsSchema,
} from './requests.schema.js';
import {
  cancelRequest,
  createRequest,
  getRequest,
  listManufacturers,
  listRequests,
  remindRequest,
} from './requests.service.js';

const E = ErrorResponseSchema;
const errors = ROUTE_ERRORS;

/**
 * Requests between hospitals and manufacturers: the hospital's sent requests, the manufacturer's inbox, and the
 * single-use invitation links for manufacturers not yet on the instance.
 */
export const requestsRoutes: FastifyPluginCallbackTypebox<{ db: Db; templates: TemplateRegistry }> = (
  app,
  { db, templates },
  done,
) => {
  const k = db.kysely;
  const deps = { db: k, templates };

  // ---- The hospital's side ----------------------------------------------------------------------------------------
  const tags = ['requests'];
  app.post(
    '/orgs/:orgId/requests',
    {
      schema: {
        tags,
        summary: 'Ask a manufacturer for a statement, or for access (hospital owner, editor)',
        description:
          'With `invite`, the answer carries `invitationUrl` (`/requests/invite/<token>`) once: send it to the ' +
          'manufacturer, who claims the request with it.',
        params: OrgParamsSchema,
        body: CreateRequestBodySchema,
        response: { 201: CreatedRequestSchema, ...errors, 409: E },
      },
    },
    async (req, reply) => reply.code(201).send(await createRequest(k, req.ctx, req.params.orgId, req.body)),
  );
  app.get(
    '/orgs/:orgId/requests',
    {
      schema: {
        tags,
        summary: 'Requests sent, newest first (hospital)',
        params: OrgParamsSchema,
        response: { 200: Type.Array(RequestSchema), ...errors },
      },
    },
    (req) => listRequests(k, req.ctx, req.params.orgId),
  );
  app.get(
    '/orgs/:orgId/requests/:requestId',
    {
      schema: {
        tags,
        summary: 'A request sent (hospital)',
        params: RequestParamsSchema,
        response: { 200: RequestSchema, ...errors },
      },
    },
    (req) => getRequest(k, req.ctx, req.params.orgId, req.params.requestId),
  );
  app.post(
    '/orgs/:orgId/requests/:requestId/remind',
    {
      schema: {
        tags,
        summary: 'Remind the manufacturer (hospital owner, editor; once per 24 hours)',
        params: RequestParamsSchema,
        response: { 200: RequestSchema, ...errors, 409: E },
      },
    },
    (req) => remindRequest(k, req.ctx, req.params.orgId, req.params.requestId),
  );
  app.post(
    '/orgs/:orgId/requests/:requestId/cancel',
    {
      schema: {
        tags,
        summary: 'Cancel an open request (hospital owner, editor)',
        params: RequestParamsSchema,
        response: { 200: RequestSchema, ...errors, 409: E },
      },
    },
    (req) => cancelRequest(k, req.ctx, req.params.orgId, req.params.requestId),
  );
  app.get(
    '/manufacturers',
    {
      schema: {
        tags,
        summary: 'Manufacturer organizations on this instance, with their products',
        querystring: ManufacturersQuerySchema,
        response: { 200: Type.Array(ManufacturerSchema), 401: E, 423: E },
      },
    },
    (req) => listManufacturers(k, req.ctx, req.query.q),
  );

  // ---- The manufacturer's inbox -----------------------------------------------------------------------------------
  const inbox = ['inbox'];
  app.get(
    '/orgs/:orgId/inbox',
    {
      schema: {
        tags: inbox,
        summary: 'Requests received, newest first (manufacturer)',
        params: OrgParamsSchema,
        querystring: InboxQuerySchema,
        response: { 200: Type.Array(RequestSchema), ...errors },
      },
    },
    (req) => listInbox(k, req.ctx, req.params.orgId, req.query),
  );
  app.get(
    '/orgs/:orgId/inbox/:requestId',
    {
      schema: {
        tags: inbox,
        summary: 'A request received (manufacturer)',
        params: RequestParamsSchema,
        response: { 200: RequestSchema, ...errors },
      },
    },
    (req) => getInboxRequest(k, req.ctx, req.params.orgId, req.params.requestId),
  );
  app.post(
    '/orgs/:orgId/inbox/:requestId/answer',
    {
      schema: {
        tags: inbox,
        summary: 'Answer with a publication (manufacturer owner, approver)',
        description:
          'A restricted publication, or any answer to an access request, also grants the hospital access to the ' +
          'product. The publication is put into the hospital’s collection.',
        params: RequestParamsSchema,
        body: AnswerBodySchema,
        response: { 200: RequestSchema, ...errors, 409: E },
      },
    },
    (req) => answerRequest(deps, req.ctx, req.params.orgId, req.params.requestId, req.body),
  );
  app.post(
    '/orgs/:orgId/inbox/:requestId/decline',
    {
      schema: {
        tags: inbox,
        summary: 'Decline with a reason (manufacturer owner, approver)',
        params: RequestParamsSchema,
        body: DeclineBodySchema,
        response: { 200: RequestSchema, ...errors, 409: E },
      },
    },
    (req) => declineRequest(k, req.ctx, req.params.orgId, req.params.requestId, req.body),
  );

  // ---- Invitation links for manufacturers not on the instance -----------------------------------------------------
  app.get(
    '/request-invitations/:token',
    {
      config: { access: 'public' },
      onRequest: rateLimit(k, 'public-ip'),
      schema: {
        tags,
        summary: 'What a request invitation link is about',
        description: '404 when the link is unknown; `claimable` says whether it still works.',
        params: TokenParamsSchema,
        response: { 200: RequestInvitationSchema, 404: E, 423: E, 429: E },
      },
    },
    (req) => lookupRequestInvitation(k, req.ctx, req.params.token),
  );
  app.post(
    '/request-invitations/:token/claim',
    {
      schema: {
        tags,
        summary: 'Claim the request for your manufacturer organization (owner, approver)',
        description: 'The link works once: a second claim answers 409.',
        params: TokenParamsSchema,
        body: ClaimBodySchema,
        response: { 200: RequestSchema, ...errors, 409: E },
      },
    },
    (req) => claimRequestInvitation(k, req.ctx, req.params.token, req.body),
  );
  done();
};
