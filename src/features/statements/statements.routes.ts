import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Db } from '../../db/database.js';
import type { TemplateRegistry } from '../../domain/templates/registry.js';
import { ErrorResponseSchema } from '../../server/errors.js';
import {
  CreateStatementSchema,
  DiffQuerySchema,
  DiffSchema,
  ExpectedVersionSchema,
  OrgParamsSchema,
  ReturnSchema,
  RevisionDetailSchema,
  RevisionParamsSchema,
  SaveResultSchema,
  SaveRevisionSchema,
  SetResponsibleSchema,
  StatementDetailSchema,
  StatementParamsSchema,
  StatementSummarySchema,
} from './statements.schema.js';
import {
  confirmOrgProxy,
  createOrgStatement,
  diffOrgRevisions,
  finalizeOrgRevision,
  getOrgRevision,
  getOrgStatement,
  listOrgStatements,
  returnOrgRevision,
  saveOrgRevision,
  setStatementResponsible,
  startOrgRevision,
  submitOrgRevision,
} from './statements.workflow.js';

const errors = {
  400: ErrorResponseSchema,
  401: ErrorResponseSchema,
  403: ErrorResponseSchema,
  404: ErrorResponseSchema,
  409: ErrorResponseSchema,
  423: ErrorResponseSchema,
};
const tags = ['statements'];

/** The manufacturer's statements: writing, review, proxy entry, finalization, history. */
export const statementsRoutes: FastifyPluginCallbackTypebox<{ db: Db; templates: TemplateRegistry }> = (
  app,
  { db, templates },
  done,
) => {
  const deps = { db: db.kysely, templates };
  const base = '/orgs/:orgId/statements';
  const rev = `${base}/:id/revisions/:rev`;

  app.get(
    base,
    {
      schema: {
        tags,
        summary: 'List statements',
        params: OrgParamsSchema,
        response: { 200: Type.Array(StatementSummarySchema), ...errors },
      },
    },
    (req) => listOrgStatements(deps, req.ctx, req.params.orgId),
  );
  app.post(
    base,
    {
      schema: {
        tags,
        summary: 'Create a statement for a product version (or carry one forward)',
        params: OrgParamsSchema,
        body: CreateStatementSchema,
        response: { 201: StatementDetailSchema, ...errors },
      },
    },
    async (req, reply) => reply.code(201).send(await createOrgStatement(deps, req.ctx, req.params.orgId, req.body)),
  );
  app.get(
    `${base}/:id`,
    {
      schema: {
        tags,
        summary: 'Get a statement',
        params: StatementParamsSchema,
        response: { 200: StatementDetailSchema, ...errors },
      },
    },
    (req) => getOrgStatement(deps, req.ctx, req.params.orgId, req.params.id),
  );
  app.patch(
    `${base}/:id`,
    {
      schema: {
        tags,
        summary: 'Name the responsible person (作成責任者)',
        params: StatementParamsSchema,
        body: SetResponsibleSchema,
        response: { 200: StatementDetailSchema, ...errors },
      },
    },
    (req) => setStatementResponsible(deps, req.ctx, req.params.orgId, req.params.id, req.body.responsibleUserId),
  );
  app.post(
    `${base}/:id/revisions`,
    {
      schema: {
        tags,
        summary: 'Start a new revision from the finalized one',
        params: StatementParamsSchema,
        response: { 201: StatementDetailSchema, ...errors },
      },
    },
    async (req, reply) => reply.code(201).send(await startOrgRevision(deps, req.ctx, req.params.orgId, req.params.id)),
  );
  app.get(
    rev,
    {
      schema: {
        tags,
        summary: 'Get a revision',
        params: RevisionParamsSchema,
        response: { 200: RevisionDetailSchema, ...errors },
      },
    },
    (req) => getOrgRevision(deps, req.ctx, req.params.orgId, req.params.id, req.params.rev),
  );
  app.put(
    rev,
    {
      schema: {
        tags,
        summary: 'Save the draft (autosave); 409 with what changed when stale',
        params: RevisionParamsSchema,
        body: SaveRevisionSchema,
        response: { 200: SaveResultSchema, ...errors },
      },
    },
    (req) => saveOrgRevision(deps, req.ctx, req.params.orgId, req.params.id, req.params.rev, req.body),
  );
  app.post(
    `${rev}/submit`,
    {
      schema: {
        tags,
        summary: 'Submit for review',
        params: RevisionParamsSchema,
        body: ExpectedVersionSchema,
        response: { 200: StatementDetailSchema, ...errors },
      },
    },
    (req) =>
      submitOrgRevision(deps, req.ctx, req.params.orgId, req.params.id, req.params.rev, req.body.expectedVersion),
  );
  app.post(
    `${rev}/return`,
    {
      schema: {
        tags,
        summary: 'Return to draft with a reason',
        params: RevisionParamsSchema,
        body: ReturnSchema,
        response: { 200: StatementDetailSchema, ...errors },
      },
    },
    (req) => returnOrgRevision(deps, req.ctx, req.params.orgId, req.params.id, req.params.rev, req.body.reason),
  );
  app.post(
    `${rev}/confirm-proxy`,
    {
      schema: {
        tags,
        summary: 'Confirm proxy entries (代行入力の承認)',
        params: RevisionParamsSchema,
        response: { 200: StatementDetailSchema, ...errors },
      },
    },
    (req) => confirmOrgProxy(deps, req.ctx, req.params.orgId, req.params.id, req.params.rev),
  );
  app.post(
    `${rev}/finalize`,
    {
      config: { recentAuth: true },
      schema: {
        tags,
        summary: 'Finalize (確定)',
        params: RevisionParamsSchema,
        body: ExpectedVersionSchema,
        response: { 200: StatementDetailSchema, ...errors },
      },
    },
    (req) =>
      finalizeOrgRevision(deps, req.ctx, req.params.orgId, req.params.id, req.params.rev, req.body.expectedVersion),
  );
  app.get(
    `${base}/:id/diff`,
    {
      schema: {
        tags,
        summary: 'Compare two revisions row by row',
        params: StatementParamsSchema,
        querystring: DiffQuerySchema,
        response: { 200: DiffSchema, ...errors },
      },
    },
    (req) => diffOrgRevisions(deps, req.ctx, req.params.orgId, req.params.id, req.query.from, req.query.to),
  );
  done();
};
