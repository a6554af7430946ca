import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Db } from '../../db/database.js';
import type { TemplateRegistry } from '../../domain/templates/registry.js';
import { ErrorResponseSchema, ROUTE_ERRORS } from '../../server/errors.js';
import {
  CreatedWebhookSchema,
  CreateWebhookBodySchema,
  DeliverySchema,
  OrgParamsSchema,
  WebhookParamsSchema,
  WebhookSchema,
} from './webhooks.schema.js';
import { createWebhook, deleteWebhook, listWebhookDeliveries, listWebhooks, testWebhook } from './webhooks.service.js';

const E = ErrorResponseSchema;
const errors = ROUTE_ERRORS;
const tags = ['webhooks'];

/** Signed webhooks (Standard Webhooks) that carry an organization's notifications to its own systems. */
export const webhooksRoutes: FastifyPluginCallbackTypebox<{ db: Db; templates: TemplateRegistry }> = (
  app,
  { db },
  done,
) => {
  const k = db.kysely;
  app.get(
    '/orgs/:orgId/webhooks',
    {
      schema: {
        tags,
        summary: 'Webhooks (owner)',
        params: OrgParamsSchema,
        response: { 200: Type.Array(WebhookSchema), ...errors },
      },
    },
    (req) => listWebhooks(k, req.ctx, req.params.orgId),
  );
  app.post(
    '/orgs/:orgId/webhooks',
    {
      schema: {
        tags,
        summary: 'Add a webhook (owner)',
        description: 'The answer carries the signing secret (`whsec_…`) once; it is never shown again.',
        params: OrgParamsSchema,
        body: CreateWebhookBodySchema,
        response: { 201: CreatedWebhookSchema, ...errors, 409: E },
      },
    },
    async (req, reply) => reply.code(201).send(await createWebhook(k, req.ctx, req.params.orgId, req.body)),
  );
  app.delete(
    '/orgs/:orgId/webhooks/:webhookId',
    {
      schema: {
        tags,
        summary: 'Remove a webhook and its delivery history (owner)',
        params: WebhookParamsSchema,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await deleteWebhook(k, req.ctx, req.params.orgId, req.params.webhookId);
      return reply.code(204).send(null);
    },
  );
  app.get(
    '/orgs/:orgId/webhooks/:webhookId/deliveries',
    {
      schema: {
        tags,
        summary: 'The last 100 deliveries, newest first (owner)',
        params: WebhookParamsSchema,
        response: { 200: Type.Array(DeliverySchema), ...errors },
      },
    },
    (req) => listWebhookDeliveries(k, req.ctx, req.params.orgId, req.params.webhookId),
  );
  app.post(
    '/orgs/:orgId/webhooks/:webhookId/test',
    {
      schema: {
        tags,
        summary: 'Queue a ping delivery (owner)',
        params: WebhookParamsSchema,
        response: { 202: DeliverySchema, ...errors, 409: E },
      },
    },
    async (req, reply) => reply.code(202).send(await testWebhook(k, req.ctx, req.params.orgId, req.params.webhookId)),
  );
  done();
};
