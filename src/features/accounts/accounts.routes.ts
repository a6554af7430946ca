import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../../db/database.js';
import { clearSessionCookie, setSessionCookie } from '../../security/auth-plugin.js';
import { rateLimit } from '../../security/rate-limit.js';
import { SESSION_COOKIE } from '../../security/sessions.js';
import type { AppSettings } from '../../security/settings.js';
import { ErrorResponseSchema } from '../../server/errors.js';
import {
  SessionSchema,
  SetupBodySchema,
  SetupStatusSchema,
  SignInBodySchema,
  SignUpBodySchema,
  SwitchOrgBodySchema,
  UnlockBodySchema,
} from './accounts.schema.js';
import {
  completeSetup,
  getSession,
  lock,
  setupNeeded,
  signIn,
  signOut,
  signUp,
  switchOrg,
  unlock,
  type SessionResult,
  type SessionView,
} from './accounts.service.js';
import { setTwoFactorCookie } from './two-factor.routes.js';
import { TwoFactorPendingSchema } from './two-factor.schema.js';

export interface AccountsRoutesOptions {
  db: Db;
  settings: AppSettings;
}

const E = ErrorResponseSchema;
const tags = ['accounts'];

/** Sends a session that may have just started: the new token goes into the cookie, never into the body. */
function sendSession(request: FastifyRequest, reply: FastifyReply, result: SessionResult, status = 200): SessionView {
  if (result.token !== undefined) setSessionCookie(request, reply, result.token);
  void reply.code(status);
  return result.view;
}

/** The body with the token of the session the caller's cookie holds, which the new session replaces. */
function withPrevious<T extends object>(request: FastifyRequest & { body: T }): T & { previousToken?: string } {
  const previousToken = request.cookies[SESSION_COOKIE];
  return previousToken === undefined ? request.body : { ...request.body, previousToken };
}

/** First start, sign-up, sign-in, sign-out and the session: lock, unlock, switch organization. */
export const accountsRoutes: FastifyPluginCallbackTypebox<AccountsRoutesOptions> = (app, { db, settings }, done) => {
  const k = db.kysely;

  app.get(
    '/setup',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'Whether the operator account still needs creating',
        response: { 200: SetupStatusSchema },
      },
    },
    async () => ({ needed: await setupNeeded(k) }),
  );

  app.post(
    '/setup',
    {
      config: { access: 'public', startsSession: true },
      schema: {
        tags,
        summary: 'Create the operator account with the one-time setup link',
        description: 'The token comes from the link the server prints at first start (`/setup#token=…`).',
        body: SetupBodySchema,
        response: { 201: SessionSchema, 400: E, 403: E, 409: E },
      },
    },
    async (request, reply) =>
      sendSession(request, reply, await completeSetup(k, request.ctx, withPrevious(request), settings), 201),
  );

  app.post(
    '/auth/sign-up',
    {
      config: { access: 'public', startsSession: true },
      // Every attempt counts, before the body is read: mass account creation from one address (RATE_LIMITS).
      onRequest: rateLimit(k, 'signup-ip'),
      schema: {
        tags,
        summary: 'Create an account and sign in',
        description:
          'With `invitationToken` the new account joins the inviting organization. When sign-up is off ' +
          '(OPENMDS_SIGNUP=off) only an invitation allows it.',
        body: SignUpBodySchema,
        response: { 201: SessionSchema, 400: E, 403: E, 404: E, 409: E, 429: E },
      },
    },
    async (request, reply) =>
      sendSession(request, reply, await signUp(k, request.ctx, withPrevious(request), settings), 201),
  );

  app.post(
    '/auth/sign-in',
    {
      config: { access: 'public', startsSession: true },
      schema: {
        tags,
        summary: 'Sign in',
        description:
          'Sets the session cookie. A wrong email or password answers 401, the same for both; repeated failures ' +
          'answer 429 with `details.retryAfterSeconds` and Retry-After. With two-factor authentication on, a right ' +
          'password answers 202 and sets a short-lived pending cookie instead: send a code to POST /auth/two-factor.',
        body: SignInBodySchema,
        response: { 200: SessionSchema, 202: TwoFactorPendingSchema, 400: E, 401: E, 429: E },
      },
    },
    async (request, reply) => {
      const result = await signIn(k, request.ctx, withPrevious(request), settings);
      if ('challenge' in result) {
        // Two-factor authentication is on: no session until POST /auth/two-factor (two-factor.routes.ts).
        setTwoFactorCookie(request, reply, result.challenge);
        const { expiresAt, methods } = result.challenge;
        return reply.code(202).send({ twoFactorRequired: true as const, expiresAt, methods });
      }
      return sendSession(request, reply, result);
    },
  );

  app.post(
    '/auth/sign-out',
    {
      config: { access: 'public', allowWhenLocked: true },
      schema: { tags, summary: 'Sign out', response: { 204: Type.Null(), 403: E } },
    },
    async (request, reply) => {
      await signOut(k, request.ctx);
      clearSessionCookie(request, reply);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/auth/session',
    {
      config: { allowWhenLocked: true },
      schema: { tags, summary: 'The current session', response: { 200: SessionSchema, 401: E } },
    },
    (request) => getSession(k, request.ctx),
  );

  app.post(
    '/auth/lock',
    {
      schema: {
        tags,
        summary: 'Lock the screen',
        description: 'Until unlocked, every route but the session, unlock and sign-out answers 423 `locked`.',
        response: { 200: SessionSchema, 401: E, 403: E, 423: E },
      },
    },
    (request) => lock(k, request.ctx),
  );

  app.post(
    '/auth/unlock',
    {
      config: { allowWhenLocked: true },
      schema: {
        tags,
        summary: 'Unlock the screen with the password',
        description: 'A wrong password answers 423 `locked` (the screen stays locked) and counts as a failed sign-in.',
        body: UnlockBodySchema,
        response: { 200: SessionSchema, 400: E, 401: E, 403: E, 423: E, 429: E },
      },
    },
    (request) => unlock(k, request.ctx, request.body, settings),
  );

  app.post(
    '/auth/switch-org',
    {
      schema: {
        tags,
        summary: 'Switch to another of your organizations',
        body: SwitchOrgBodySchema,
        response: { 200: SessionSchema, 400: E, 401: E, 403: E, 404: E, 423: E },
      },
    },
    (request) => switchOrg(k, request.ctx, request.body),
  );

  done();
};
