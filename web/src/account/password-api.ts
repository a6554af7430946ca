import type { Static } from '@sinclair/typebox';
import type { BreakGlassSchema, SealedBreakGlassSchema } from '../../../src/features/accounts/break-glass.schema.js';
import type { PasswordChangedSchema, ResetRequestedSchema } from '../../../src/features/accounts/password.schema.js';
import { enc, rememberSession, request, V1 } from '../api';
import type { Session } from '../api-types';

export type BreakGlass = Static<typeof BreakGlassSchema>;
export type SealedBreakGlass = Static<typeof SealedBreakGlassSchema>;
export type PasswordChanged = Static<typeof PasswordChangedSchema>;

/** Password change and reset, and the break-glass account (docs/security.md). */
export const passwordApi = {
  changePassword: (body: { currentPassword: string; newPassword: string }): Promise<PasswordChanged> =>
    request('POST', `${V1}/account/password`, { body }),
  requestReset: (email: string): Promise<Static<typeof ResetRequestedSchema>> =>
    request('POST', `${V1}/auth/password-reset`, { body: { email } }),
  confirmReset: (body: { token: string; password: string }): Promise<PasswordChanged> =>
    request('POST', `${V1}/auth/password-reset/confirm`, { body, quiet: true }),

  breakGlass: (orgId: string): Promise<BreakGlass> => request('GET', `${V1}/orgs/${enc(orgId)}/break-glass`),
  createBreakGlass: (orgId: string): Promise<SealedBreakGlass> =>
    request('POST', `${V1}/orgs/${enc(orgId)}/break-glass`),
  rotateBreakGlass: (orgId: string): Promise<SealedBreakGlass> =>
    request('POST', `${V1}/orgs/${enc(orgId)}/break-glass/rotate`),
  async useBreakGlass(body: { org: string; credential: string; reason: string }): Promise<Session> {
    const session = await request<Session>('POST', `${V1}/auth/break-glass`, { body, quiet: true });
    rememberSession(session);
    return session;
  },
};
