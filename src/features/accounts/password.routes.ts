import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Db } from '../../db/database.js';
import type { AppSettings } from '../../security/settings.js';
import { ErrorResponseSchema } from '../../server/errors.js';
import {
  ChangePasswordBodySchema,
  PasswordChangedSchema,
  ResetConfirmBodySchema,
  ResetRequestBodySchema,
  ResetRequestedSchema,
} from './password.schema.js';
import { changePassword, confirmPasswordReset, requestPasswordReset } from './password.service.js';

export interface PasswordRoutesOptions {
  db: Db;
  settings: AppSettings;
}

const E = ErrorResponseSchema;
const tags = ['accounts'];

/**
 * Where links in mail point: OPENMDS_PUBLIC_URL when set; otherwise the scheme and host the request came to (set
 * the variable before mail leaves the server, so nobody can make a link point elsewhere with a forged Host).
 */
function baseUrlOf(request: FastifyRequest, settings: AppSettings): string {
  return settings.publicUrl ?? `${request.protocol}://${request.host}`;
}

/** Changing the password, and resetting a forgotten one with a single-use link (checklist row 4.1.1). */
export const passwordRoutes: FastifyPluginCallbackTypebox<PasswordRoutesOptions> = (app, { db, settings }, done) => {
  const k = db.kysely;

  app.post(
    '/account/password',
    {
      schema: {
        tags,
        summary: 'Change your password',
        description:
          'The current password must be right (a wrong one counts as a failed sign-in). The new one must pass the ' +
          'policy and differ from your recent passwords. Your other sessions are signed out.',
        body: ChangePasswordBodySchema,
        response: { 200: PasswordChangedSchema, 400: E, 401: E, 403: E, 423: E, 429: E },
      },
    },
    (request) => changePassword(k, request.ctx, request.body, settings),
  );

  app.post(
    '/auth/password-reset',
    {
      // Anonymous, like sign-in: protected by the cross-site check, not by a session's CSRF token.
      config: { access: 'public', startsSession: true },
      schema: {
        tags,
        summary: 'Ask for a password reset link',
        description:
          'Always answers 202 with the same message. When an account has the email, a single-use link (30 minutes) ' +
          'is queued in the mail outbox. Repeated requests answer 429, for unknown emails too.',
        body: ResetRequestBodySchema,
        response: { 202: ResetRequestedSchema, 400: E, 403: E, 429: E },
      },
    },
    async (request, reply) => {
      const answer = await requestPasswordReset(
        k,
        request.ctx,
        { email: request.body.email, baseUrl: baseUrlOf(request, settings) },
        settings,
      );
      return reply.code(202).send(answer);
    },
  );

  app.post(
    '/auth/password-reset/confirm',
    {
      config: { access: 'public', startsSession: true },
      schema: {
        tags,
        summary: 'Set a new password with a reset link',
        description:
          'Uses the token up and signs out every session of the account; sign in with the new password afterwards.',
        body: ResetConfirmBodySchema,
        response: { 200: PasswordChangedSchema, 400: E, 403: E, 429: E },
      },
    },
    (request) => confirmPasswordReset(k, request.ctx, request.body, settings),
  );

  done();
};
