import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import type { TemplateRegistry } from '../domain/templates/registry.js';
import { schemasRoutes } from '../features/schemas/schemas.routes.js';
import { templatesRoutes } from '../features/templates/templates.routes.js';
import { validateRoutes } from '../features/validation/validate.routes.js';
import { LIMITS } from '../formats/errors.js';
import { handleError } from './errors.js';
import { registerJsonBodyParser } from './json-body.js';
import { registerOpenApi } from './openapi.js';
import { defaultWebRoot } from './paths.js';
import { registerSecurityHeaders } from './security-headers.js';
import { buildValidator } from './validator.js';
import { registerWebUi } from './web-ui.js';

export interface AppDeps {
  templates: TemplateRegistry;
  /** Log requests and errors as JSON lines (pino) to stdout. Off by default, as tests want. */
  logger?: boolean;
  /** The built web UI; default <package root>/web/dist. */
  webRoot?: string;
}

/**
 * Assembles the HTTP server: error handling, security headers, body limits, OpenAPI, the /api/v1 routes and the web
 * UI. The instance is returned before `ready()`, so tests may add routes; call `listen()` or `inject()` to start it.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: LIMITS.maxFileBytes,
    schemaController: { compilersFactory: { buildValidator } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setErrorHandler(handleError);
  registerSecurityHeaders(app);
  registerJsonBodyParser(app);
  await registerOpenApi(app);

  app.get(
    '/healthz',
    {
      schema: {
        hide: true,
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    () => ({ status: 'ok' as const }),
  );

  await app.register(
    async (api) => {
      await api.register(templatesRoutes, { templates: deps.templates });
      await api.register(validateRoutes, { templates: deps.templates });
    },
    { prefix: '/api/v1' },
  );

  await app.register(schemasRoutes);

  await registerWebUi(app, deps.webRoot ?? defaultWebRoot());

  return app;
}
