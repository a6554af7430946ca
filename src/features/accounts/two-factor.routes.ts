import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../../db/database.js';
import { setSessionCookie } from '../../security/auth-plugin.js';
import { SESSION_COOKIE } from '../../security/sessions.js';
import type { AppSettings } from '../../security/settings.js';
import { ErrorResponseSchema, ROUTE_ERRORS } from '../../server/errors.js';
import { OrgParamsSchema } from '../organizations/organizations.schema.js';
import { SessionSchema } from './accounts.schema.js';
import {
  CodeBodySchema,
  DisableBodySchema,
  OptionalCodeBodySchema,
  PasswordBodySchema,
  ReauthBodySchema,
  ReauthSchema,
  RecoveryCodesSchema,
  SecurityPolicyPutSchema,
  SecurityPolicySchema,
  TotpSetupSchema,
  TwoFactorStatusSchema,
} from './two-factor.schema.js';
import {
  CHALLENGE_MINUTES,
  completeTwoFactorSignIn,
  confirmTotpSetup,
  disableTwoFactor,
  getSecurityPolicy,
  getTwoFactorStatus,
  putOrgSecurityPolicy,
  reauthenticate,
  regenerateRecoveryCodes,
  setupTotp,
  type TwoFactorChallenge,
} from './two-factor.service.js';

/** The cookie of a sign-in waiting for its second factor: only the second-step route reads it. */
export const TWO_FACTOR_COOKIE = 'openmds_2fa';
const COOKIE_PATH = '/api/v1/auth';

/** Sets the pending sign-in's cookie: HttpOnly, SameSite=Strict, only for /api/v1/auth, gone after 5 minutes. */
export function setTwoFactorCookie(request: FastifyRequest, reply: FastifyReply, challenge: TwoFactorChallenge): void {
  void reply.setCookie(TWO_FACTOR_COOKIE, challenge.token, {
    httpOnly: true,
    sameSite: 'strict',
    path: COOKIE_PATH,
    maxAge: CHALLENGE_MINUTES * 60,
    secure: request.protocol === 'https',
  });
}

function clearTwoFactorCookie(request: FastifyRequest, reply: FastifyReply): void {
  void reply.clearCookie(TWO_FACTOR_COOKIE, {
    httpOnly: true,
    sameSite: 'strict',
    path: COOKIE_PATH,
    secure: request.protocol === 'https',
  });
}

export interface TwoFactorRoutesOptions {
  db: Db;
  settings: AppSettings;
}

const E = ErrorResponseSchema;
const tags = ['accounts'];

/** TOTP enrolment, the second step of sign-in, re-authentication and organizations' 2FA policy. */
export const twoFactorRoutes: FastifyPluginCallbackTypebox<TwoFactorRoutesOptions> = (app, { db, settings }, done) => {
  const k = db.kysely;

  app.get(
    '/account/two-factor',
    {
      schema: {
        tags,
        summary: 'Your two-factor authentication',
        response: { 200: TwoFactorStatusSchema, 401: E, 423: E },
      },
    },
    (request) => getTwoFactorStatus(k, request.ctx),
  );

  app.post(
    '/account/two-factor/totp/setup',
    {
      schema: {
        tags,
        summary: 'Start TOTP enrolment (current password)',
        description:
          'Returns a new secret as base32, otpauth URI and QR code. Two-factor authentication is on only once ' +
          '`…/totp/confirm` receives a code of it. A wrong password answers 400 and counts as a failed sign-in.',
        body: PasswordBodySchema,
        response: { 200: TotpSetupSchema, 400: E, 401: E, 403: E, 409: E, 423: E, 429: E },
      },
    },
    (request) => setupTotp(k, request.ctx, request.body, settings),
  );

  app.post(
    '/account/two-factor/totp/confirm',
    {
      schema: {
        tags,
        summary: 'Confirm TOTP enrolment with a code; returns the recovery codes once',
        body: CodeBodySchema,
        response: { 200: RecoveryCodesSchema, 400: E, 401: E, 403: E, 409: E, 423: E, 429: E },
      },
    },
    (request) => confirmTotpSetup(k, request.ctx, request.body, settings),
  );

  app.post(
    '/account/two-factor/disable',
    {
      schema: {
        tags,
        summary: 'Turn two-factor authentication off (password and a code or recovery code)',
        body: DisableBodySchema,
        response: { 204: Type.Null(), 400: E, 401: E, 403: E, 409: E, 423: E, 429: E },
      },
    },
    async (request, reply) => {
      await disableTwoFactor(k, request.ctx, request.body, settings);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/account/two-factor/recovery-codes',
    {
      schema: {
        tags,
        summary: 'Replace the recovery codes; returns the new ones once',
        description:
          'Confirmed by a current TOTP `code`; without one, by a sign-in or re-authentication (a passkey) in the ' +
          'last 15 minutes (else 403 `reauth-required`).',
        body: OptionalCodeBodySchema,
        response: { 200: RecoveryCodesSchema, 400: E, 401: E, 403: E, 409: E, 423: E, 429: E },
      },
    },
    (request) => regenerateRecoveryCodes(k, request.ctx, request.body, settings),
  );

  app.post(
    '/auth/two-factor',
    {
      config: { access: 'public', startsSession: true },
      schema: {
        tags,
        summary: 'Second step of sign-in: a TOTP code or a recovery code',
        description:
          'After POST /auth/sign-in answered 202, with the pending sign-in cookie it set. Sets the session cookie. ' +
          'A wrong, replayed or used code answers 401 and counts like a wrong password (429 when blocked); the ' +
          'pending sign-in ends after 5 wrong codes or 5 minutes (401: enter the password again).',
        body: CodeBodySchema,
        response: { 200: SessionSchema, 400: E, 401: E, 403: E, 429: E },
      },
    },
    async (request, reply) => {
      const result = await completeTwoFactorSignIn(
        k,
        request.ctx,
        {
          code: request.body.code,
          challengeToken: request.cookies[TWO_FACTOR_COOKIE],
          previousToken: request.cookies[SESSION_COOKIE],
        },
        settings,
      );
      clearTwoFactorCookie(request, reply);
      if (result.token !== undefined) setSessionCookie(request, reply, result.token);
      return result.view;
    },
  );

  app.post(
    '/auth/reauthenticate',
    {
      schema: {
        tags,
        summary: 'Confirm your password (and code) before a sensitive action',
        description:
          'Routes that answer 403 `reauth-required` accept the session for 15 minutes after this (or after ' +
          'sign-in). `code` is required when two-factor authentication is on.',
        body: ReauthBodySchema,
        response: { 200: ReauthSchema, 400: E, 401: E, 403: E, 423: E, 429: E },
      },
    },
    (request) => reauthenticate(k, request.ctx, request.body, settings),
  );

  app.get(
    '/orgs/:orgId/security-policy',
    {
      config: { twoFactorExempt: true },
      schema: {
        tags: ['organizations'],
        summary: "The organization's security policy",
        params: OrgParamsSchema,
        response: { 200: SecurityPolicySchema, ...ROUTE_ERRORS },
      },
    },
    (request) => getSecurityPolicy(k, request.ctx, request.params.orgId),
  );

  app.put(
    '/orgs/:orgId/security-policy',
    {
      schema: {
        tags: ['organizations'],
        summary: 'Require two-factor authentication of members (owner)',
        description:
          'Members without 2FA then get 403 `two-factor-required` on the organization’s routes until they turn it ' +
          'on. The owner must have 2FA on first (409) and have authenticated recently (403 `reauth-required`).',
        params: OrgParamsSchema,
        body: SecurityPolicyPutSchema,
        response: { 200: SecurityPolicySchema, ...ROUTE_ERRORS, 409: E },
      },
    },
    (request) => putOrgSecurityPolicy(k, request.ctx, request.params.orgId, request.body),
  );

  done();
};
