import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Db } from '../../db/database.js';
import { ErrorResponseSchema } from '../../server/errors.js';
import {
  CreateProductSchema,
  CreateVersionSchema,
  OrgParamsSchema,
  ProductParamsSchema,
  ProductSchema,
  ProductVersionSchema,
  UpdateProductSchema,
} from './products.schema.js';
import { addProductVersion, createProduct, getProduct, listProducts, updateProduct } from './products.service.js';

const errors = {
  400: ErrorResponseSchema,
  401: ErrorResponseSchema,
  403: ErrorResponseSchema,
  404: ErrorResponseSchema,
  409: ErrorResponseSchema,
};

/** A manufacturer's products and their versions. */
export const productsRoutes: FastifyPluginCallbackTypebox<{ db: Db }> = (app, { db }, done) => {
  const k = db.kysely;
  app.get(
    '/orgs/:orgId/products',
    {
      schema: {
        tags: ['products'],
        summary: 'List products',
        params: OrgParamsSchema,
        response: { 200: Type.Array(ProductSchema), ...errors },
      },
    },
    (req) => listProducts(k, req.ctx, req.params.orgId),
  );
  app.post(
    '/orgs/:orgId/products',
    {
      schema: {
        tags: ['products'],
        summary: 'Add a product',
        params: OrgParamsSchema,
        body: CreateProductSchema,
        response: { 201: ProductSchema, ...errors },
      },
    },
    async (req, reply) => reply.code(201).send(await createProduct(k, req.ctx, req.params.orgId, req.body)),
  );
  app.get(
    '/orgs/:orgId/products/:productId',
    {
      schema: {
        tags: ['products'],
        summary: 'Get a product',
        params: ProductParamsSchema,
        response: { 200: ProductSchema, ...errors },
      },
    },
    (req) => getProduct(k, req.ctx, req.params.orgId, req.params.productId),
  );
  app.patch(
    '/orgs/:orgId/products/:productId',
    {
      schema: {
        tags: ['products'],
        summary: 'Change a product',
        params: ProductParamsSchema,
        body: UpdateProductSchema,
        response: { 200: ProductSchema, ...errors },
      },
    },
    (req) => updateProduct(k, req.ctx, req.params.orgId, req.params.productId, req.body),
  );
  app.post(
    '/orgs/:orgId/products/:productId/versions',
    {
      schema: {
        tags: ['products'],
        summary: 'Add a product version',
        params: ProductParamsSchema,
        body: CreateVersionSchema,
        response: { 201: ProductVersionSchema, ...errors },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await addProductVersion(k, req.ctx, req.params.orgId, req.params.productId, req.body)),
  );
  done();
};
