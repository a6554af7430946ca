import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Db } from '../../db/database.js';
import type { TemplateRegistry } from '../../domain/templates/registry.js';
import { LIMITS } from '../../formats/errors.js';
import { ErrorResponseSchema, ROUTE_ERRORS } from '../../server/errors.js';
import { getCoverage } from './coverage.service.js';
import {
  CoverageSchema,
  CreateSystemSchema,
  FromPublicationBodySchema,
  ImportedSourceSchema,
  ImportQuerySchema,
  LinkBodySchema,
  LinkParamsSchema,
  OrgParamsSchema,
  SourceSchema,
  SystemDetailSchema,
  SystemParamsSchema,
  SystemSchema,
  UpdateSystemSchema,
  ZipImportResultSchema,
} from './inventory.schema.js';
import {
  addSourceFromPublication,
  importArchive,
  importSource,
  listSources,
  type InventoryDeps,
} from './sources.service.js';
import {
  createSystem,
  deleteSystem,
  getSystem,
  linkStatement,
  listSystems,
  unlinkStatement,
  updateSystem,
} from './systems.service.js';

const E = ErrorResponseSchema;
const errors = { ...ROUTE_ERRORS, 409: E };
const fileErrors = { ...ROUTE_ERRORS, 413: E, 415: E };
const tags = ['inventory'];

/** The uploaded bytes, when the body was sent as application/octet-stream. */
const bytes = (body: unknown): Uint8Array | undefined => (Buffer.isBuffer(body) ? body : undefined);

/** The hospital's inventory: systems, the statements it holds, which system relies on which, and coverage. */
export const inventoryRoutes: FastifyPluginCallbackTypebox<{ db: Db; templates: TemplateRegistry }> = (
  app,
  { db, templates },
  done,
) => {
  const k = db.kysely;
  const deps: InventoryDeps = {
    templates,
    log: (error, fileName) => app.log.error({ err: error, fileName }, 'importing a file failed'),
  };
  // Files come as the body itself. The parser is this plugin's own (Fastify encapsulates it).
  app.addContentTypeParser(
    'application/octet-stream',
    { parseAs: 'buffer', bodyLimit: LIMITS.maxFileBytes },
    (_req, body, next) => next(null, body),
  );

  // ---- Systems ----
  app.get(
    '/orgs/:orgId/systems',
    {
      schema: {
        tags,
        summary: 'The systems and devices, by name (hospital)',
        params: OrgParamsSchema,
        response: { 200: Type.Array(SystemSchema), ...errors },
      },
    },
    (req) => listSystems(k, req.ctx, req.params.orgId),
  );
  app.post(
    '/orgs/:orgId/systems',
    {
      schema: {
        tags,
        summary: 'Add a system (hospital owner, editor)',
        params: OrgParamsSchema,
        body: CreateSystemSchema,
        response: { 201: SystemDetailSchema, ...errors },
      },
    },
    async (req, reply) => reply.code(201).send(await createSystem(k, req.ctx, req.params.orgId, req.body)),
  );
  app.get(
    '/orgs/:orgId/systems/:systemId',
    {
      schema: {
        tags,
        summary: 'A system with the statements it relies on',
        params: SystemParamsSchema,
        response: { 200: SystemDetailSchema, ...errors },
      },
    },
    (req) => getSystem(k, req.ctx, req.params.orgId, req.params.systemId),
  );
  app.patch(
    '/orgs/:orgId/systems/:systemId',
    {
      schema: {
        tags,
        summary: 'Change a system (owner, editor)',
        params: SystemParamsSchema,
        body: UpdateSystemSchema,
        response: { 200: SystemDetailSchema, ...errors },
      },
    },
    (req) => updateSystem(k, req.ctx, req.params.orgId, req.params.systemId, req.body),
  );
  app.delete(
    '/orgs/:orgId/systems/:systemId',
    {
      schema: {
        tags,
        summary: 'Remove a system (owner, editor); 409 while a risk assessment refers to it',
        params: SystemParamsSchema,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await deleteSystem(k, req.ctx, req.params.orgId, req.params.systemId);
      return reply.code(204).send(null);
    },
  );
  app.post(
    '/orgs/:orgId/systems/:systemId/statements',
    {
      schema: {
        tags,
        summary: 'The system relies on a statement the organization holds (owner, editor)',
        params: SystemParamsSchema,
        body: LinkBodySchema,
        response: { 201: SystemDetailSchema, ...errors },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await linkStatement(k, req.ctx, req.params.orgId, req.params.systemId, req.body)),
  );
  app.delete(
    '/orgs/:orgId/systems/:systemId/statements/:sourceId',
    {
      schema: {
        tags,
        summary: 'The system no longer relies on the statement (owner, editor)',
        params: LinkParamsSchema,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await unlinkStatement(k, req.ctx, req.params.orgId, req.params.systemId, req.params.sourceId);
      return reply.code(204).send(null);
    },
  );

  // ---- Statements held ----
  app.get(
    '/orgs/:orgId/sources',
    {
      schema: {
        tags,
        summary: 'The statements the hospital holds, with their signature checks and the systems relying on each',
        params: OrgParamsSchema,
        response: { 200: Type.Array(SourceSchema), ...errors },
      },
    },
    (req) => listSources(k, req.ctx, req.params.orgId),
  );
  app.post(
    '/orgs/:orgId/sources/import',
    {
      bodyLimit: LIMITS.maxFileBytes,
      schema: {
        tags,
        summary: 'Import a statement file (owner, editor)',
        description:
          'The body is the file itself (Content-Type application/octet-stream), its name in ?file=: canonical or ' +
          'signed JSON, form XLSX, NEMA MDS2 workbook, standalone HTML, OpenMDS PDF or CSV. A signature is ' +
          'verified and the check kept. 201 when added; 200 with duplicate: true when the same statement is held.',
        params: OrgParamsSchema,
        querystring: ImportQuerySchema,
        response: { 200: ImportedSourceSchema, 201: ImportedSourceSchema, ...fileErrors },
      },
    },
    async (req, reply) => {
      const source = await importSource(k, deps, req.ctx, req.params.orgId, {
        name: req.query.file,
        data: bytes(req.body),
      });
      return reply.code(source.duplicate ? 200 : 201).send(source);
    },
  );
  app.post(
    '/orgs/:orgId/sources/import-zip',
    {
      bodyLimit: LIMITS.maxFileBytes,
      schema: {
        tags,
        summary: 'Import every statement file of a zip archive (owner, editor)',
        description:
          'The body is the zip archive (Content-Type application/octet-stream). Each file is imported on its own: ' +
          'a bad one is reported and never stops the others. An archive over the limits, or with a path outside ' +
          'itself, is refused whole.',
        params: OrgParamsSchema,
        response: { 200: ZipImportResultSchema, ...fileErrors },
      },
    },
    (req) => importArchive(k, deps, req.ctx, req.params.orgId, bytes(req.body)),
  );
  app.post(
    '/orgs/:orgId/sources/from-publication',
    {
      schema: {
        tags,
        summary: 'Hold a publication of this instance the organization may read (owner, editor)',
        params: OrgParamsSchema,
        body: FromPublicationBodySchema,
        response: { 200: ImportedSourceSchema, 201: ImportedSourceSchema, ...errors },
      },
    },
    async (req, reply) => {
      const source = await addSourceFromPublication(k, req.ctx, req.params.orgId, req.body, { templates });
      return reply.code(source.duplicate ? 200 : 201).send(source);
    },
  );

  // ---- Coverage ----
  app.get(
    '/orgs/:orgId/coverage',
    {
      schema: {
        tags,
        summary: 'Whether each system has a current statement from its vendor (MHLW checklist 2-③)',
        params: OrgParamsSchema,
        response: { 200: CoverageSchema, ...errors },
      },
    },
    (req) => getCoverage(k, req.ctx, req.params.orgId),
  );
  done();
};
