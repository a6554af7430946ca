import type {
  RecoveryCodesBody,
  SecurityPolicyBody,
  TotpSetupBody,
  TwoFactorPendingBody,
  TwoFactorStatusBody,
} from '../../../src/features/accounts/two-factor.schema.js';
import { enc, rememberSession, request, V1 } from '../api';
import type { Session } from '../api-types';

export type TwoFactorStatus = TwoFactorStatusBody;
export type SecondFactorMethod = TwoFactorPendingBody['methods'][number];
export type TotpSetup = TotpSetupBody;
export type SecurityPolicy = SecurityPolicyBody;

/** Sign-in's first step: a session, or (2FA on) a pending sign-in waiting for a code. */
export async function signInWithPassword(body: {
  email: string;
  password: string;
}): Promise<Session | TwoFactorPendingBody> {
  const result = await request<Session | TwoFactorPendingBody>('POST', `${V1}/auth/sign-in`, { body });
  if (!('twoFactorRequired' in result)) rememberSession(result);
  return result;
}

export function isPending(result: Session | TwoFactorPendingBody): result is TwoFactorPendingBody {
  return 'twoFactorRequired' in result;
}

export const twoFactorApi = {
  /** Sign-in's second step (the pending sign-in's cookie goes along). */
  async verify(code: string): Promise<Session> {
    const session = await request<Session>('POST', `${V1}/auth/two-factor`, { body: { code }, quiet: true });
    rememberSession(session);
    return session;
  },
  status: (): Promise<TwoFactorStatus> => request('GET', `${V1}/account/two-factor`),
  setup: (password: string): Promise<TotpSetup> =>
    request('POST', `${V1}/account/two-factor/totp/setup`, { body: { password } }),
  confirm: (code: string): Promise<RecoveryCodesBody> =>
    request('POST', `${V1}/account/two-factor/totp/confirm`, { body: { code } }),
  disable: (password: string, code: string): Promise<void> =>
    request('POST', `${V1}/account/two-factor/disable`, { body: { password, code } }),
  /** With a TOTP code; without one, the server wants a recent sign-in or re-authentication. */
  regenerate: (code?: string): Promise<RecoveryCodesBody> =>
    request('POST', `${V1}/account/two-factor/recovery-codes`, { body: code === undefined ? {} : { code } }),
  reauthenticate: (password: string, code?: string): Promise<{ reauthenticatedAt: string; validUntil: string }> =>
    request('POST', `${V1}/auth/reauthenticate`, { body: code === undefined ? { password } : { password, code } }),
  policy: (orgId: string): Promise<SecurityPolicy> => request('GET', `${V1}/orgs/${enc(orgId)}/security-policy`),
  setPolicy: (orgId: string, requireTwoFactor: boolean): Promise<SecurityPolicy> =>
    request('PUT', `${V1}/orgs/${enc(orgId)}/security-policy`, { body: { requireTwoFactor } }),
};

export const TWO_FACTOR_KEY = ['two-factor'] as const;
