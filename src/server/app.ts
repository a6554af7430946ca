import fastifyCookie from '@fastify/cookie';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import Fastify, { type FastifyInstance, type RouteOptions } from 'fastify';
import type { Db } from '../db/database.js';
import type { TemplateRegistry } from '../domain/templates/registry.js';
import { accountsRoutes } from '../features/accounts/accounts.routes.js';
import { breakGlassRoutes } from '../features/accounts/break-glass.routes.js';
import { passkeyRoutes } from '../features/accounts/passkeys.routes.js';
import { sessionRoutes } from '../features/accounts/sessions.routes.js';
import { passwordRoutes } from '../features/accounts/password.routes.js';
import { twoFactorGuard } from '../features/accounts/two-factor.guard.js';
import { twoFactorRoutes } from '../features/accounts/two-factor.routes.js';
import { auditRoutes } from '../features/audit/audit.routes.js';
import { organizationsRoutes } from '../features/organizations/organizations.routes.js';
import { schemasRoutes } from '../features/schemas/schemas.routes.js';
import { templatesRoutes } from '../features/templates/templates.routes.js';
import { validateRoutes } from '../features/validation/validate.routes.js';
import { LIMITS } from '../formats/errors.js';
import { AccessDeniedError } from '../security/access.js';
import { productsRoutes } from '../features/products/products.routes.js';
import { statementsRoutes } from '../features/statements/statements.routes.js';
import { authPlugin, recordDenial, registerRequestContext } from '../security/auth-plugin.js';
import { fastifyTrustProxy, resolveSettings, type AppSettings } from '../security/settings.js';
import { handleError } from './errors.js';
import { directoryRoutes, publishingRoutes } from '../features/publishing/publishing.routes.js';
import { assessmentsRoutes } from '../features/assessments/assessments.routes.js';
import { dashboardRoutes } from '../features/dashboard/dashboard.routes.js';
import { collectionRoutes } from '../features/collection/collection.routes.js';
import { comparisonRoutes } from '../features/comparison/comparison.routes.js';
import { grantsRoutes } from '../features/grants/grants.routes.js';
import { inventoryRoutes } from '../features/inventory/inventory.routes.js';
import { notificationsRoutes } from '../features/notifications/notifications.routes.js';
import { requestsRoutes } from '../features/requests/requests.routes.js';
import { webhooksRoutes } from '../features/webhooks/webhooks.routes.js';
import { registerJsonBodyParser } from './json-body.js';
import { registerOpenApi } from './openapi.js';
import { defaultWebRoot } from './paths.js';
import { registerSecurityHeaders } from './security-headers.js';
import { buildValidator } from './validator.js';
import { registerWebUi } from './web-ui.js';

export type { AppSettings } from '../security/settings.js';

export interface AppDeps {
  templates: TemplateRegistry;
  /** The open, migrated database: accounts, sessions, the audit trail and the workspace live there. */
  db: Db;
  /** Session timeouts, trusted proxies, sign-up, the clock; defaults in DEFAULT_SETTINGS. */
  settings?: Partial<AppSettings>;
  /** Log requests and errors as JSON lines (pino) to stdout. Off by default, as tests want. */
  logger?: boolean;
  /** The built web UI; default <package root>/web/dist. */
  webRoot?: string;
  /** Called for every route as it is added (tooling: the isolation test walks every route this way). */
  onRoute?: (route: RouteOptions) => void;
}

/**
 * Assembles the HTTP server: error handling, security headers, body limits, cookies and the request context,
 * OpenAPI, the /api/v1 routes behind the auth chain, and the web UI. The instance is returned before `ready()`, so
 * tests may add routes; call `listen()` or `inject()` to start it.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const settings = resolveSettings(deps.settings);
  const { db } = deps;
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: LIMITS.maxFileBytes,
    trustProxy: fastifyTrustProxy(settings.trustProxy),
    schemaController: { compilersFactory: { buildValidator } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  if (deps.onRoute !== undefined) app.addHook('onRoute', deps.onRoute);

  // A refusal by the access gate is audited in its own transaction (the request's was rolled back), then answered.
  app.setErrorHandler(async (error, request, reply) => {
    if (error instanceof AccessDeniedError) await recordDenial(db, request, error);
    handleError(error as Error, request, reply);
    return reply;
  });
  registerSecurityHeaders(app);
  registerJsonBodyParser(app);
  await app.register(fastifyCookie);
  registerRequestContext(app, settings);
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
      // Every route below: cross-site writes refused, the session resolved, CSRF token, screen lock, sign-in
      // required unless the route is marked public, membership for /orgs/:orgId/… (see auth-plugin.ts).
      await api.register(authPlugin, { db, settings });
      // Organizations that require two-factor authentication; routes marked recentAuth (two-factor.guard.ts).
      await api.register(twoFactorGuard, { db });

      // Public: the checklists and stateless validation need no account.
      await api.register(async (open) => {
        open.addHook('onRoute', (route) => {
          route.config = { ...route.config, access: 'public' };
        });
        await open.register(templatesRoutes, { db, templates: deps.templates });
        await open.register(validateRoutes, { db, templates: deps.templates });
      });

      await api.register(accountsRoutes, { db, settings });
      await api.register(passwordRoutes, { db, settings });
      await api.register(breakGlassRoutes, { db, settings });
      await api.register(twoFactorRoutes, { db, settings });
      await api.register(passkeyRoutes, { db, settings });
      await api.register(sessionRoutes, { db });
      await api.register(organizationsRoutes, { db });
      await api.register(auditRoutes, { db });

      // ---- Workspace routes (products, statements) register here ------------------------------------------------
      await api.register(productsRoutes, { db });
      await api.register(statementsRoutes, { db, templates: deps.templates });
      // ---- Publishing and exchange ----------------------------------------------------------------------------
      await api.register(directoryRoutes, { db, templates: deps.templates });
      await api.register(publishingRoutes, { db, templates: deps.templates });
      await api.register(grantsRoutes, { db, templates: deps.templates });
      await api.register(requestsRoutes, { db, templates: deps.templates });
      await api.register(collectionRoutes, { db, templates: deps.templates });
      await api.register(notificationsRoutes, { db, templates: deps.templates });
      await api.register(webhooksRoutes, { db, templates: deps.templates });
      await api.register(assessmentsRoutes, { db, templates: deps.templates });
      await api.register(comparisonRoutes, { db, templates: deps.templates });
      // ---- The hospital's inventory -------------------------------------------------------------------------------
      await api.register(inventoryRoutes, { db, templates: deps.templates });
      await api.register(dashboardRoutes, { db });
      // ------------------------------------------------------------------------------------------------------------
    },
    { prefix: '/api/v1' },
  );

  await app.register(schemasRoutes);

  await registerWebUi(app, deps.webRoot ?? defaultWebRoot());

  return app;
}
