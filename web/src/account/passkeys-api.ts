import {
  browserSupportsWebAuthn,
  startAuthentication,
  startRegistration,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';
import type { PasskeyBody } from '../../../src/features/accounts/passkeys.schema.js';
import { ApiError, enc, rememberSession, request, V1 } from '../api';
import type { Session } from '../api-types';

export type Passkey = PasskeyBody;

/** Whether this browser can use passkeys at all (WebAuthn; a secure context: https, or http://localhost). */
export const passkeysSupported = (): boolean => browserSupportsWebAuthn();

/**
 * True when the browser's passkey dialog ended without an answer: the user cancelled it, it timed out, or no passkey
 * of this site was on the device. Not an error to shout about.
 */
/**
 * What went wrong in the browser's part of a passkey ceremony, when it was not the server: the device holds a passkey
 * of this account already (registration), or the page is not where passkeys may work (no https, an IP address).
 */
export function passkeyProblem(e: unknown): 'registered' | 'insecure' | 'other' | null {
  if (!(e instanceof Error) || e instanceof ApiError || isPasskeyCancelled(e)) return null;
  const code = 'code' in e ? String((e as { code: unknown }).code) : '';
  if (e.name === 'InvalidStateError' || code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED') return 'registered';
  if (e.name === 'SecurityError' || code === 'ERROR_INVALID_DOMAIN' || code === 'ERROR_INVALID_RP_ID')
    return 'insecure';
  return 'other';
}

export function isPasskeyCancelled(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = 'code' in e ? String((e as { code: unknown }).code) : '';
  return e.name === 'NotAllowedError' || e.name === 'AbortError' || code === 'ERROR_CEREMONY_ABORTED';
}

/** Options from the server, then the browser's passkey dialog. Quiet: a refused passkey is no expired session. */
async function assertWith(optionsPath: string): Promise<unknown> {
  const optionsJSON = await request<PublicKeyCredentialRequestOptionsJSON>('POST', `${V1}${optionsPath}`, {
    quiet: true,
  });
  return startAuthentication({ optionsJSON });
}

export const passkeysApi = {
  list: (): Promise<{ passkeys: Passkey[] }> => request('GET', `${V1}/account/passkeys`),

  /** Asks the browser for a new passkey and registers it; recovery codes come with the first second factor. */
  async register(name: string): Promise<{ passkey: Passkey; recoveryCodes: string[] }> {
    const optionsJSON = await request<PublicKeyCredentialCreationOptionsJSON>('POST', `${V1}/account/passkeys/options`);
    const response = await startRegistration({ optionsJSON });
    return request('POST', `${V1}/account/passkeys`, { body: { name, response } });
  },

  rename: (id: string, name: string): Promise<Passkey> =>
    request('PATCH', `${V1}/account/passkeys/${enc(id)}`, { body: { name } }),

  remove: (id: string): Promise<void> => request('DELETE', `${V1}/account/passkeys/${enc(id)}`),

  /** Passwordless sign-in: the browser offers the passkeys it holds for this site. */
  async signIn(): Promise<Session> {
    const response = await assertWith('/auth/passkey/options');
    const session = await request<Session>('POST', `${V1}/auth/passkey`, { body: { response }, quiet: true });
    rememberSession(session);
    return session;
  },

  /** Sign-in's second step with a passkey (after the password). */
  async secondFactor(): Promise<Session> {
    const response = await assertWith('/auth/two-factor/passkey/options');
    const session = await request<Session>('POST', `${V1}/auth/two-factor/passkey`, {
      body: { response },
      quiet: true,
    });
    rememberSession(session);
    return session;
  },

  /** Confirms a sensitive action with a passkey instead of the password. */
  async reauthenticate(): Promise<{ reauthenticatedAt: string; validUntil: string }> {
    const response = await assertWith('/auth/reauthenticate/passkey/options');
    return request('POST', `${V1}/auth/reauthenticate/passkey`, { body: { response }, quiet: true });
  },
};

export const PASSKEYS_KEY = ['passkeys'] as const;
