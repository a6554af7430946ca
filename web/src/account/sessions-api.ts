import type { AccountSessionBody } from '../../../src/features/accounts/sessions.schema.js';
import { enc, request, V1 } from '../api';

export type AccountSession = AccountSessionBody;

export const SESSIONS_KEY = ['account-sessions'] as const;

/** The caller's sessions: list them, end one, end all the others. */
export const sessionsApi = {
  list: (): Promise<{ sessions: AccountSession[] }> => request('GET', `${V1}/account/sessions`),
  revoke: (id: string): Promise<void> => request('DELETE', `${V1}/account/sessions/${enc(id)}`),
  revokeOthers: (): Promise<{ revoked: number }> => request('POST', `${V1}/account/sessions/revoke-others`),
};
