import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Db } from '../../db/database.js';
import type { TemplateRegistry } from '../../domain/templates/registry.js';
import { ErrorResponseSchema, ROUTE_ERRORS } from '../../server/errors.js';
import {
  AddToCollectionBodySchema,
  CollectionItemDetailSchema,
  CollectionItemSchema,
  ItemParamsSchema,
  OrgParamsSchema,
} from './collection.schema.js';
import { addToCollection, getCollectionItem, listCollection } from './collection.service.js';

const E = ErrorResponseSchema;
const errors = ROUTE_ERRORS;
const tags = ['collection'];

/** The publications a hospital holds. */
export const collectionRoutes: FastifyPluginCallbackTypebox<{ db: Db; templates: TemplateRegistry }> = (
  app,
  { db },
  done,
) => {
  const k = db.kysely;
  app.get(
    '/orgs/:orgId/collection',
    {
      schema: {
        tags,
        summary: 'The collection, most recently received first (hospital)',
        params: OrgParamsSchema,
        response: { 200: Type.Array(CollectionItemSchema), ...errors },
      },
    },
    (req) => listCollection(k, req.ctx, req.params.orgId),
  );
  app.post(
    '/orgs/:orgId/collection',
    {
      schema: {
        tags,
        summary: 'Add a publication (hospital owner, editor)',
        description: 'A public publication, or a restricted one your organization has been granted.',
        params: OrgParamsSchema,
        body: AddToCollectionBodySchema,
        response: { 201: CollectionItemSchema, ...errors, 409: E },
      },
    },
    async (req, reply) => reply.code(201).send(await addToCollection(k, req.ctx, req.params.orgId, req.body)),
  );
  app.get(
    '/orgs/:orgId/collection/:itemId',
    {
      schema: {
        tags,
        summary: 'A collection item with its statement (hospital)',
        params: ItemParamsSchema,
        response: { 200: CollectionItemDetailSchema, ...errors },
      },
    },
    (req) => getCollectionItem(k, req.ctx, req.params.orgId, req.params.itemId),
  );
  done();
};
