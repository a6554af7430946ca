import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../../db/database.js';
import { setSessionCookie } from '../../security/auth-plugin.js';
import { rateLimit } from '../../security/rate-limit.js';
import { SESSION_COOKIE } from '../../security/sessions.js';
import type { AppSettings } from '../../security/settings.js';
import { ErrorResponseSchema } from '../../server/errors.js';
import { SessionSchema } from './accounts.schema.js';
import {
  AssertionBodySchema,
  CeremonyOptionsSchema,
  PasskeyCreateBodySchema,
  PasskeyCreatedSchema,
  PasskeyListSchema,
  PasskeyParamsSchema,
  PasskeyRenameBodySchema,
  PasskeySchema,
} from './passkeys.schema.js';
import {
  completePasskeySignIn,
  completeSecondFactorPasskey,
  listMyPasskeys,
  passkeyRegistrationOptions,
  passkeySignInOptions,
  reauthenticateWithPasskey,
  reauthPasskeyOptions,
  registerPasskey,
  relyingPartyOf,
  removeMyPasskey,
  renameMyPasskey,
  secondFactorPasskeyOptions,
} from './passkeys.service.js';
import { TWO_FACTOR_COOKIE } from './two-factor.routes.js';
import { ReauthSchema } from './two-factor.schema.js';
import { CHALLENGE_MINUTES } from './two-factor.service.js';

/** The cookie of a passwordless sign-in waiting for its passkey: only POST /auth/passkey reads it. */
export const PASSKEY_COOKIE = 'openmds_passkey';
const COOKIE_PATH = '/api/v1/auth';

function cookieOptions(request: FastifyRequest) {
  return { httpOnly: true, sameSite: 'strict' as const, path: COOKIE_PATH, secure: request.protocol === 'https' };
}

function clearPasskeyCookie(request: FastifyRequest, reply: FastifyReply): void {
  void reply.clearCookie(PASSKEY_COOKIE, cookieOptions(request));
}

export interface PasskeyRoutesOptions {
  db: Db;
  settings: AppSettings;
}

const E = ErrorResponseSchema;
const tags = ['accounts'];

/** Passkeys (WebAuthn): registration, passwordless sign-in, the second step of a sign-in, re-authentication. */
export const passkeyRoutes: FastifyPluginCallbackTypebox<PasskeyRoutesOptions> = (app, { db, settings }, done) => {
  const k = db.kysely;
  const rp = (request: FastifyRequest) => relyingPartyOf(settings, request);

  app.get(
    '/account/passkeys',
    { schema: { tags, summary: 'Your passkeys', response: { 200: PasskeyListSchema, 401: E, 423: E } } },
    (request) => listMyPasskeys(k, request.ctx),
  );

  app.post(
    '/account/passkeys/options',
    {
      schema: {
        tags,
        summary: 'Start registering a passkey: options for navigator.credentials.create()',
        description:
          'Needs a sign-in or re-authentication in the last 15 minutes (403 `reauth-required`). The challenge is ' +
          'single use and valid 5 minutes; send what the browser makes of it to POST /account/passkeys.',
        response: { 200: CeremonyOptionsSchema, 401: E, 403: E, 409: E, 423: E },
      },
    },
    (request) => passkeyRegistrationOptions(k, request.ctx, rp(request)),
  );

  app.post(
    '/account/passkeys',
    {
      schema: {
        tags,
        summary: 'Register a passkey',
        description:
          'The browser’s RegistrationResponseJSON and a name. When it is your first second factor, recovery codes are ' +
          'issued with it (shown once). A response that fails verification (origin, challenge, RP ID) answers 400.',
        body: PasskeyCreateBodySchema,
        response: { 201: PasskeyCreatedSchema, 400: E, 401: E, 403: E, 409: E, 423: E },
      },
    },
    async (request, reply) => reply.code(201).send(await registerPasskey(k, request.ctx, rp(request), request.body)),
  );

  app.patch(
    '/account/passkeys/:passkeyId',
    {
      schema: {
        tags,
        summary: 'Rename a passkey',
        params: PasskeyParamsSchema,
        body: PasskeyRenameBodySchema,
        response: { 200: PasskeySchema, 400: E, 401: E, 403: E, 404: E, 423: E },
      },
    },
    (request) => renameMyPasskey(k, request.ctx, request.params.passkeyId, request.body.name),
  );

  app.delete(
    '/account/passkeys/:passkeyId',
    {
      schema: {
        tags,
        summary: 'Remove a passkey',
        description:
          'Needs a recent authentication (403 `reauth-required`). Removing your last second factor turns two-factor ' +
          'authentication off and voids the recovery codes.',
        params: PasskeyParamsSchema,
        response: { 204: Type.Null(), 401: E, 403: E, 404: E, 423: E },
      },
    },
    async (request, reply) => {
      await removeMyPasskey(k, request.ctx, request.params.passkeyId);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/auth/passkey/options',
    {
      config: { access: 'public' },
      onRequest: rateLimit(k, 'public-ip'),
      schema: {
        tags,
        summary: 'Start a passwordless sign-in: options for navigator.credentials.get()',
        description:
          'No account is named: the passkey says whose it is. User verification (the device’s PIN or biometrics) is ' +
          'required. Sets a short-lived cookie that POST /auth/passkey reads.',
        response: { 200: CeremonyOptionsSchema, 403: E, 429: E },
      },
    },
    async (request, reply) => {
      const started = await passkeySignInOptions(k, request.ctx, rp(request), settings);
      void reply.setCookie(PASSKEY_COOKIE, started.token, {
        ...cookieOptions(request),
        maxAge: CHALLENGE_MINUTES * 60,
      });
      return started.options;
    },
  );

  app.post(
    '/auth/passkey',
    {
      config: { access: 'public', startsSession: true },
      schema: {
        tags,
        summary: 'Sign in with a passkey',
        description:
          'The browser’s AuthenticationResponseJSON for the options of POST /auth/passkey/options. Sets the session ' +
          'cookie. A refused passkey answers 401 and counts like a wrong password (429 when blocked).',
        body: AssertionBodySchema,
        response: { 200: SessionSchema, 400: E, 401: E, 403: E, 429: E },
      },
    },
    async (request, reply) => {
      const result = await completePasskeySignIn(k, request.ctx, rp(request), settings, {
        response: request.body.response,
        token: request.cookies[PASSKEY_COOKIE],
        previousToken: request.cookies[SESSION_COOKIE],
      });
      clearPasskeyCookie(request, reply);
      if (result.token !== undefined) setSessionCookie(request, reply, result.token);
      return result.view;
    },
  );

  app.post(
    '/auth/two-factor/passkey/options',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'Second step of sign-in with a passkey: options',
        description: 'After POST /auth/sign-in answered 202 with `passkey` among its methods (its pending cookie).',
        response: { 200: CeremonyOptionsSchema, 401: E, 403: E, 409: E, 429: E },
      },
    },
    (request) => secondFactorPasskeyOptions(k, request.ctx, rp(request), settings, request.cookies[TWO_FACTOR_COOKIE]),
  );

  app.post(
    '/auth/two-factor/passkey',
    {
      config: { access: 'public', startsSession: true },
      schema: {
        tags,
        summary: 'Second step of sign-in with a passkey',
        description: 'Sets the session cookie. A refused passkey counts like a wrong code (401, 429 when blocked).',
        body: AssertionBodySchema,
        response: { 200: SessionSchema, 400: E, 401: E, 403: E, 429: E },
      },
    },
    async (request, reply) => {
      const result = await completeSecondFactorPasskey(k, request.ctx, rp(request), settings, {
        response: request.body.response,
        challengeToken: request.cookies[TWO_FACTOR_COOKIE],
        previousToken: request.cookies[SESSION_COOKIE],
      });
      void reply.clearCookie(TWO_FACTOR_COOKIE, cookieOptions(request));
      if (result.token !== undefined) setSessionCookie(request, reply, result.token);
      return result.view;
    },
  );

  app.post(
    '/auth/reauthenticate/passkey/options',
    {
      schema: {
        tags,
        summary: 'Confirm a sensitive action with a passkey: options',
        response: { 200: CeremonyOptionsSchema, 401: E, 403: E, 409: E, 423: E },
      },
    },
    (request) => reauthPasskeyOptions(k, request.ctx, rp(request)),
  );

  app.post(
    '/auth/reauthenticate/passkey',
    {
      schema: {
        tags,
        summary: 'Confirm a sensitive action with a passkey',
        description: 'Instead of the password and a code; user verification is required. Valid 15 minutes.',
        body: AssertionBodySchema,
        response: { 200: ReauthSchema, 400: E, 401: E, 403: E, 423: E, 429: E },
      },
    },
    (request) => reauthenticateWithPasskey(k, request.ctx, rp(request), settings, request.body),
  );

  done();
};
