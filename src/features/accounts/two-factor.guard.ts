import type { FastifyPluginCallback } from 'fastify';
import type { Db } from '../../db/database.js';
import { requireRecentAuth } from '../../security/reauth.js';
import { AppError } from '../../server/errors.js';
import { refusedByTwoFactorPolicy } from './two-factor.repository.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * A sensitive action: the caller must have signed in or re-authenticated within REAUTH_MINUTES, else
     * 403 `reauth-required` (checked after the body is validated, before the handler).
     */
    recentAuth?: boolean;
    /**
     * The route answers members of an organization that requires two-factor authentication even before they turn
     * it on (the organization itself, its policy), so the UI can say why and send them to the enrolment.
     */
    twoFactorExempt?: boolean;
  }
}

export interface TwoFactorGuardOptions {
  db: Db;
}

/**
 * Two checks after the auth chain (auth-plugin.ts):
 * 1. a route with an `:orgId` of an organization that requires two-factor authentication refuses a member without it
 *    (403 `two-factor-required`) unless marked `twoFactorExempt`; the account routes (enrolment, session) have no
 *    `:orgId` and stay open;
 * 2. a route marked `recentAuth` needs a recent sign-in or re-authentication (403 `reauth-required`).
 * Registered with skip-override after the auth plugin, so its hooks run after the plugin's, for the routes after it.
 */
const plugin: FastifyPluginCallback<TwoFactorGuardOptions> = (app, { db }, done) => {
  app.addHook('onRequest', async (request) => {
    const auth = request.auth;
    if (auth === null || request.routeOptions.config.twoFactorExempt === true) return;
    const orgId = (request.params as Record<string, unknown> | undefined)?.['orgId'];
    if (typeof orgId !== 'string') return;
    if (await refusedByTwoFactorPolicy(db.kysely, orgId, auth.actor.userId)) {
      throw new AppError('two-factor-required', {
        message: 'this organization requires two-factor authentication: turn it on under /account/security',
        details: { orgId },
      });
    }
  });
  app.addHook('preHandler', async (request) => {
    if (request.routeOptions.config.recentAuth !== true) return;
    await requireRecentAuth(db.kysely, request.ctx);
  });
  done();
};

// Fastify's documented alternative to the fastify-plugin wrapper: the hooks belong to the scope that registers it.
Object.assign(plugin, { [Symbol.for('skip-override')]: true });

export const twoFactorGuard = plugin;
