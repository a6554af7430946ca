import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../db/database.js';
import { AppError } from '../server/errors.js';
import { requireAccess, type AccessDeniedError } from './access.js';
import { loadUserActor, type UserActor } from './actors.js';
import { AUDIT_ACTIONS, writeAudit } from './audit.js';
import { ANONYMOUS, type RequestContext } from './context.js';
import { CSRF_HEADER, resolveSession, revokeSession, SESSION_COOKIE, type SessionRecord } from './sessions.js';
import type { AppSettings } from './settings.js';

/** The signed-in caller's session, as the auth plugin resolved it. */
export interface AuthState {
  session: SessionRecord;
  actor: UserActor;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling and from where: what every service receives. Set for every request. */
    ctx: RequestContext;
    /** The signed-in caller's session under /api/v1; null for anonymous callers and outside the API. */
    auth: AuthState | null;
  }
  interface FastifyContextConfig {
    /** 'public': anonymous callers may call the route. Default: only signed-in callers (others get 401 first). */
    access?: 'public' | 'signed-in';
    /** The route answers while the screen is locked (only the session, unlock and sign-out). */
    allowWhenLocked?: boolean;
    /**
     * A write that starts a new session (sign-in, sign-up, setup): protected by the Origin check only, since the
     * caller may hold a stale session whose CSRF token it no longer knows.
     */
    startsSession?: boolean;
    /**
     * A background poll (the notification bell): it does not count as the user's activity, so the idle deadline is
     * not extended and an unattended window still times out.
     */
    passive?: boolean;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function contextFor(request: FastifyRequest, settings: AppSettings): RequestContext {
  const ua = request.headers['user-agent'];
  return {
    actor: ANONYMOUS,
    ip: request.ip,
    userAgent: typeof ua === 'string' ? ua.slice(0, 512) : '',
    now: () => settings.now().toISOString(),
  };
}

/**
 * Decorates every request with `ctx` (anonymous until the auth plugin resolves a session) and `auth` (null).
 * Register once, at the root, before any route.
 */
export function registerRequestContext(app: FastifyInstance, settings: AppSettings): void {
  app.decorateRequest('ctx', null as unknown as RequestContext);
  app.decorateRequest('auth', null);
  app.addHook('onRequest', async (request) => {
    request.ctx = contextFor(request, settings);
    request.auth = null;
    return Promise.resolve();
  });
}

/**
 * True when a browser says the request comes from another site. Sec-Fetch-Site, which page scripts cannot set,
 * decides when present; otherwise the Origin header must name this server. Requests with neither (curl, other
 * servers) are not browser-driven and pass: cookies alone never authorize them, the CSRF token does.
 */
export function isCrossSite(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string') return site !== 'same-origin' && site !== 'none';
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  // The host decides, not the scheme: behind a TLS proxy the server may see http while the browser says https.
  try {
    return new URL(origin).host !== new URL(`${request.protocol}://${request.host}`).host;
  } catch {
    return true; // "null" (sandboxed frames, some redirects) or garbage
  }
}

function tokensEqual(sent: string | string[] | undefined, expected: string): boolean {
  if (typeof sent !== 'string') return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Sets the session cookie: HttpOnly, SameSite=Lax, Path=/, Secure when the request came over TLS. */
export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string): void {
  void reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: request.protocol === 'https',
  });
}

/** Tells the browser to forget the session cookie. */
export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  void reply.clearCookie(SESSION_COOKIE, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: request.protocol === 'https',
  });
}

export interface AuthPluginOptions {
  db: Db;
  settings: AppSettings;
}

/**
 * The request chain of every /api/v1 route, before its body is even read:
 * 1. a cross-site write (Sec-Fetch-Site or Origin) → 403 `csrf`;
 * 2. the session cookie is resolved (idle and absolute timeouts; a dead cookie is cleared);
 * 3. a signed-in caller's write must carry the session's token in X-CSRF-Token → else 403 `csrf`;
 * 4. a locked session gets 423 `locked` except on routes marked `allowWhenLocked`;
 * 5. an anonymous caller gets 401 except on routes marked `access: 'public'`;
 * 6. a route with an `:orgId` parameter needs membership of that organization → else 404 (the org scope guard,
 *    through requireAccess, so it is audited like any refusal). Services still check the role.
 * Registered inside the /api/v1 scope, with skip-override so its hooks apply to the routes registered after it.
 */
const plugin: FastifyPluginCallback<AuthPluginOptions> = (app, { db, settings }, done) => {
  const timeouts = { idleMinutes: settings.sessionIdleMinutes, maxHours: settings.sessionMaxHours };

  app.addHook('onRequest', async (request, reply) => {
    const config = request.routeOptions.config;
    const unsafe = UNSAFE.has(request.method);
    if (unsafe && isCrossSite(request)) {
      throw new AppError('csrf', { message: 'a request from another site is refused' });
    }

    const token = request.cookies[SESSION_COOKIE];
    if (token !== undefined && token !== '') {
      const session = await resolveSession(db.kysely, token, {
        now: settings.now(),
        timeouts,
        touch: config.passive !== true,
      });
      const actor = session === undefined ? undefined : await loadUserActor(db.kysely, session.userId, session.idHash);
      if (session !== undefined && actor !== undefined) {
        request.auth = { session, actor };
        request.ctx = { ...request.ctx, actor };
      } else {
        if (session !== undefined) await revokeSession(db.kysely, session.idHash);
        clearSessionCookie(request, reply);
      }
    }

    const auth = request.auth;
    if (auth !== null) {
      if (
        unsafe &&
        config.startsSession !== true &&
        !tokensEqual(request.headers[CSRF_HEADER], auth.session.csrfToken)
      ) {
        throw new AppError('csrf', {
          message: 'X-CSRF-Token: missing or wrong; send the csrfToken of GET /api/v1/auth/session',
        });
      }
      if (auth.session.lockedAt !== null && config.allowWhenLocked !== true) {
        throw new AppError('locked', { message: 'the screen is locked; unlock it with your password' });
      }
    } else if (config.access !== 'public') {
      throw new AppError('unauthenticated', { message: 'sign in first' });
    }

    const orgId = (request.params as Record<string, unknown> | undefined)?.['orgId'];
    if (auth !== null && typeof orgId === 'string') {
      requireAccess(auth.actor, 'org.read', { orgId, describe: 'organization' });
    }
  });
  done();
};

// Fastify's documented alternative to the fastify-plugin wrapper: the hooks belong to the scope that registers it.
Object.assign(plugin, { [Symbol.for('skip-override')]: true });

export const authPlugin = plugin;

/**
 * Records an `access.denied` event for a refusal of a signed-in caller, in a transaction of its own. Outside the
 * organization the record is the instance's (org_id null), so the organization's trail does not learn about
 * callers who are not its members; it says which action was tried, nothing about the organization.
 */
export async function recordDenial(db: Db, request: FastifyRequest, error: AccessDeniedError): Promise<void> {
  const ctx = request.ctx as RequestContext | null;
  if (ctx === null || ctx.actor.kind !== 'user') return;
  const { denial } = error;
  try {
    await writeAudit(db.kysely, {
      ctx,
      orgId: denial.member ? denial.orgId : null,
      action: AUDIT_ACTIONS.ACCESS_DENIED,
      objectType: 'organization',
      objectId: denial.orgId,
      outcome: 'denied',
      details: denial.member
        ? { action: denial.action, role: denial.role, route: request.routeOptions.url }
        : { action: denial.action, route: request.routeOptions.url },
    });
  } catch (e) {
    request.log.error({ err: e }, 'could not record an access denial in the audit trail');
  }
}
