import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Db } from '../../db/database.js';
import type { TemplateRegistry } from '../../domain/templates/registry.js';
import { LIMITS } from '../../formats/errors.js';
import { rateLimit } from '../../security/rate-limit.js';
import { ErrorResponseSchema } from '../../server/errors.js';
import {
  getSigningKeys,
  instanceCaCertificate,
  rotateSigningKey,
  uploadSigningKey,
} from '../signing/signing.service.js';
import { getPublicationDetail, publicationForFile, searchDirectory } from './directory.service.js';
import { renderPublicationFile } from './publication-files.js';
import {
  DirectoryPageSchema,
  DirectoryQuerySchema,
  FileParamsSchema,
  OrgParamsSchema,
  OrgPublicationParamsSchema,
  OrgPublicationSchema,
  PublicationDetailSchema,
  PublicationParamsSchema,
  PublicationSummarySchema,
  PublishBodySchema,
  PublishParamsSchema,
  SigningKeySchema,
  SigningKeysSchema,
  UploadKeyBodySchema,
  VerifyResultSchema,
  WithdrawBodySchema,
} from './publishing.schema.js';
import { listPublicationsOfOrg, publishRevision, withdrawPublication } from './publishing.service.js';
import { verifyUploadedFile } from './verify.service.js';

const errors = {
  400: ErrorResponseSchema,
  401: ErrorResponseSchema,
  403: ErrorResponseSchema,
  404: ErrorResponseSchema,
  409: ErrorResponseSchema,
};

export interface PublishingRoutesOptions {
  db: Db;
  templates: TemplateRegistry;
}

/** The public side: the directory, statement pages, files, signature verification and the instance CA. */
export const directoryRoutes: FastifyPluginCallbackTypebox<PublishingRoutesOptions> = (
  app,
  { db, templates },
  done,
) => {
  const k = db.kysely;
  const deps = { templates };
  app.addContentTypeParser(
    'application/octet-stream',
    { parseAs: 'buffer', bodyLimit: LIMITS.maxFileBytes },
    (_req, body, next) => next(null, body),
  );

  app.get(
    '/directory',
    {
      config: { access: 'public' },
      onRequest: rateLimit(k, 'public-ip'),
      schema: {
        tags: ['directory'],
        summary: 'Search published statements',
        description:
          'Public publications, and restricted ones the caller may read, newest revision of each statement. ' +
          'answer=ROW:ANSWER filters repeat and all must hold, e.g. answer=4.1-d:yes&answer=12.4:yes.',
        querystring: DirectoryQuerySchema,
        response: { 200: DirectoryPageSchema, 400: ErrorResponseSchema, 429: ErrorResponseSchema },
      },
    },
    (req) => searchDirectory(k, deps, req.ctx, req.query),
  );
  app.get(
    '/directory/:publicationId',
    {
      config: { access: 'public' },
      onRequest: rateLimit(k, 'public-ip'),
      schema: {
        tags: ['directory'],
        summary: 'A published statement (stable link)',
        params: PublicationParamsSchema,
        response: { 200: PublicationDetailSchema, 404: ErrorResponseSchema, 429: ErrorResponseSchema },
      },
    },
    (req) => getPublicationDetail(k, deps, req.ctx, req.params.publicationId),
  );
  app.get(
    '/directory/:publicationId/files/:format',
    {
      config: { access: 'public' },
      onRequest: rateLimit(k, 'public-ip'),
      schema: {
        tags: ['directory'],
        summary: 'Download a published statement as signed JSON, PDF, XLSX, standalone HTML or CSV',
        params: FileParamsSchema,
        response: {
          200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'The file' }),
          404: ErrorResponseSchema,
          429: ErrorResponseSchema,
        },
      },
    },
    async (req, reply) => {
      const row = await publicationForFile(k, req.ctx, req.params.publicationId, req.params.format);
      const file = await renderPublicationFile(k, templates, row, req.params.format, req.ctx.now());
      return reply
        .header('content-type', file.contentType)
        .header(
          'content-disposition',
          `attachment; filename="${file.asciiName}"; filename*=UTF-8''${encodeURIComponent(file.name)}`,
        )
        .send(Buffer.from(file.data));
    },
  );
  app.post(
    '/verify',
    {
      config: { access: 'public' },
      onRequest: rateLimit(k, 'verify-ip'),
      bodyLimit: LIMITS.maxFileBytes,
      schema: {
        tags: ['directory'],
        summary: 'Verify a signed statement file',
        description:
          'The body is the file itself (Content-Type application/octet-stream): signed JSON, standalone HTML or ' +
          'a PDF exported by OpenMDS. Answers who signed it, when, and whether it was altered.',
        response: {
          200: VerifyResultSchema,
          400: ErrorResponseSchema,
          413: ErrorResponseSchema,
          415: ErrorResponseSchema,
          429: ErrorResponseSchema,
        },
      },
    },
    (req) => verifyUploadedFile(k, req.body as Buffer, req.ctx.now()),
  );
  app.get(
    '/signing/ca.pem',
    {
      config: { access: 'public' },
      onRequest: rateLimit(k, 'public-ip'),
      schema: {
        tags: ['directory'],
        summary: "The instance CA's certificate (PEM)",
        response: { 200: Type.Unsafe<string>({ type: 'string' }), 404: ErrorResponseSchema, 429: ErrorResponseSchema },
      },
    },
    async (_req, reply) => {
      const pem = await instanceCaCertificate(k);
      if (pem === undefined)
        return reply.code(404).send({ error: { code: 'not-found', message: 'no statement has been signed yet' } });
      return reply.header('content-type', 'application/x-pem-file').send(pem);
    },
  );
  done();
};

/** The manufacturer's side: publish, withdraw, its publications, its signing key. */
export const publishingRoutes: FastifyPluginCallbackTypebox<PublishingRoutesOptions> = (
  app,
  { db, templates },
  done,
) => {
  const k = db.kysely;
  const deps = { templates };
  app.post(
    '/orgs/:orgId/statements/:id/revisions/:rev/publish',
    {
      schema: {
        tags: ['publishing'],
        summary: 'Publish a finalized revision, signed',
        params: PublishParamsSchema,
        body: PublishBodySchema,
        response: { 201: PublicationSummarySchema, ...errors },
      },
    },
    async (req, reply) =>
      reply.code(201).send(
        await publishRevision(k, deps, req.ctx, {
          orgId: req.params.orgId,
          statementId: req.params.id,
          revision: req.params.rev,
          visibility: req.body.visibility,
          ...(req.body.grantees === undefined ? {} : { grantees: req.body.grantees }),
          ...(req.body.grantExpiresAt === undefined ? {} : { grantExpiresAt: req.body.grantExpiresAt }),
        }),
      ),
  );
  app.get(
    '/orgs/:orgId/publications',
    {
      schema: {
        tags: ['publishing'],
        summary: "The organization's publications",
        params: OrgParamsSchema,
        response: { 200: Type.Array(OrgPublicationSchema), ...errors },
      },
    },
    (req) => listPublicationsOfOrg(k, deps, req.ctx, req.params.orgId),
  );
  app.post(
    '/orgs/:orgId/publications/:publicationId/withdraw',
    {
      schema: {
        tags: ['publishing'],
        summary: 'Withdraw a publication, with a reason',
        params: OrgPublicationParamsSchema,
        body: WithdrawBodySchema,
        response: { 200: PublicationSummarySchema, ...errors },
      },
    },
    (req) => withdrawPublication(k, deps, req.ctx, req.params.orgId, req.params.publicationId, req.body.reason),
  );
  app.get(
    '/orgs/:orgId/signing-keys',
    {
      schema: {
        tags: ['publishing'],
        summary: "The organization's signing certificate",
        params: OrgParamsSchema,
        response: { 200: SigningKeysSchema, ...errors },
      },
    },
    (req) => getSigningKeys(k, req.ctx, req.params.orgId),
  );
  app.post(
    '/orgs/:orgId/signing-keys/rotate',
    {
      config: { recentAuth: true },
      schema: {
        tags: ['publishing'],
        summary: 'Retire the signing key and issue a new one from the instance CA',
        params: OrgParamsSchema,
        response: { 200: SigningKeySchema, ...errors },
      },
    },
    (req) => rotateSigningKey(k, req.ctx, req.params.orgId),
  );
  app.put(
    '/orgs/:orgId/signing-keys',
    {
      config: { recentAuth: true },
      schema: {
        tags: ['publishing'],
        summary: "Sign with the organization's own certificate chain and private key (PEM)",
        params: OrgParamsSchema,
        body: UploadKeyBodySchema,
        response: { 200: SigningKeySchema, ...errors },
      },
    },
    (req) => uploadSigningKey(k, req.ctx, req.params.orgId, req.body),
  );
  done();
};
