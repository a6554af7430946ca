import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { packageVersion } from './paths.js';

/**
 * The OpenAPI 3.1 document, built from the route schemas (so it cannot drift from what the routes validate and
 * serialize), at /api/docs/json, and Swagger UI at /api/docs. Swagger UI serves its own bundled files: nothing
 * is fetched from the internet. Register before the routes, so that it sees them.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'OpenMDS',
        version: packageVersion(),
        description:
          'The API of OpenMDS, the platform for the manufacturer disclosure statement for medical information ' +
          'security (製造業者による医療情報セキュリティ開示書, MDS) and NEMA MDS2. Errors answer ' +
          '{"error": {"code", "message"}}; see docs/api.md.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      tags: [
        { name: 'templates', description: 'Checklist templates (the forms statements answer)' },
        { name: 'validation', description: 'Checking statements against their template' },
        { name: 'accounts', description: 'Setup, sign-up, sign-in, sessions and the screen lock' },
        { name: 'organizations', description: 'Organizations, members, roles and invitations' },
        { name: 'products', description: "A manufacturer's products and their versions" },
        { name: 'statements', description: 'Writing, review, proxy entry, finalization, revisions and diffs' },
        { name: 'audit', description: 'The hash-chained audit trail' },
        {
          name: 'directory',
          description: 'The public directory, statement pages, downloads, signature verification and the instance CA',
        },
        { name: 'publishing', description: 'Publishing, withdrawing and the signing key (manufacturers)' },
        { name: 'assessments', description: "A hospital's risk assessments: drafting, treatment, acceptance" },
        { name: 'comparison', description: "A hospital's statements side by side, as JSON or XLSX" },
        { name: 'grants', description: "A manufacturer's access grants to its restricted publications" },
        { name: 'requests', description: "A hospital's requests for statements or access, and invitation links" },
        { name: 'inbox', description: "A manufacturer's received requests: answering and declining" },
        { name: 'collection', description: 'The publications a hospital holds' },
        { name: 'notifications', description: 'In-app notifications with per-user read flags' },
        { name: 'webhooks', description: 'Signed webhooks (Standard Webhooks) and their deliveries' },
        {
          name: 'inventory',
          description: "A hospital's systems, the statements it holds (imported or from publications) and coverage",
        },
        {
          name: 'dashboard',
          description: "A hospital's facility dashboard: coverage, assessments, current risks and what is overdue",
        },
        { name: 'schemas', description: 'The published JSON Schemas' },
      ],
    },
    // Name shared schemas after their $id instead of "def-0".
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    uiConfig: { deepLinking: true },
    // No call to validator.swagger.io: the document is checked by the test suite instead.
    validatorUrl: false,
  });
}
