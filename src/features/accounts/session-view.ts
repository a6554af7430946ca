import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { loadUserActor, type UserActor } from '../../security/actors.js';
import type { Membership, RequestContext } from '../../security/context.js';
import { createSession, revokeSession, sessionIdHash, type SessionRecord } from '../../security/sessions.js';
import { AUDIT_ACTIONS, writeAudit } from '../../security/audit.js';
import type { AppSettings } from '../../security/settings.js';
import { clearFailures, throttleKey } from '../../security/throttle.js';
import { resetSignInFailures } from './accounts.repository.js';
import { AppError } from '../../server/errors.js';

/** The session object of the API (docs/api-workspace.md). */
export interface SessionView {
  user: { id: string; email: string; displayName: string; isOperator: boolean };
  memberships: Membership[];
  /** The organization the UI works in; null when the user has none. */
  currentOrgId: string | null;
  csrfToken: string;
  locked: boolean;
  idleExpiresAt: string;
  absoluteExpiresAt: string;
}

/** A session and a token to put in the cookie, when the call started a new session. */
export interface SessionResult {
  view: SessionView;
  /** Set when a new session began: the route puts it in the cookie. */
  token?: string;
}

/**
 * The session as the API shows it. The current organization falls back to the first membership when the stored one
 * is no longer the user's (removed meanwhile).
 */
export function toSessionView(actor: UserActor, session: SessionRecord): SessionView {
  const current = actor.memberships.some((m) => m.orgId === session.currentOrgId)
    ? session.currentOrgId
    : (actor.memberships[0]?.orgId ?? null);
  return {
    user: { id: actor.userId, email: actor.email, displayName: actor.displayName, isOperator: actor.isOperator },
    memberships: [...actor.memberships],
    currentOrgId: current,
    csrfToken: session.csrfToken,
    locked: session.lockedAt !== null,
    idleExpiresAt: session.idleExpiresAt,
    absoluteExpiresAt: session.absoluteExpiresAt,
  };
}

/** Reloads the user and memberships (after a change) and builds the session view. */
export async function loadSessionView(
  db: Kysely<Database> | Transaction<Database>,
  session: SessionRecord,
): Promise<SessionView> {
  const actor = await loadUserActor(db, session.userId, session.idHash);
  if (actor === undefined) throw new AppError('unauthenticated', { message: 'the account is no longer active' });
  return toSessionView(actor, session);
}

export const sessionTimeoutsOf = (s: AppSettings) => ({
  idleMinutes: s.sessionIdleMinutes,
  maxHours: s.sessionMaxHours,
});

/**
 * Starts a session for a user inside a transaction and returns it with its view. The session the caller's cookie
 * named (`previousToken`) ends: a new account or sign-in never inherits it (no session fixation).
 */
export async function startSession(
  trx: Transaction<Database>,
  ctx: RequestContext,
  settings: AppSettings,
  userId: string,
  currentOrgId: string | null,
  previousToken?: string,
): Promise<SessionResult> {
  if (previousToken !== undefined && previousToken !== '') await revokeSession(trx, sessionIdHash(previousToken));
  const { token, session } = await createSession(trx, {
    userId,
    currentOrgId,
    ip: ctx.ip,
    userAgent: ctx.userAgent,
    now: settings.now(),
    timeouts: sessionTimeoutsOf(settings),
  });
  return { token, view: await loadSessionView(trx, session) };
}

/**
 * A sign-in that succeeded, by whatever means, inside its transaction: the throttle forgets the user's failures, a
 * session starts (ending the one `previousToken` named) and `user.sign-in` is audited with `details` (how).
 */
export async function completeSignIn(
  trx: Transaction<Database>,
  ctx: RequestContext,
  settings: AppSettings,
  user: { id: string; email: string; displayName: string },
  options: { previousToken?: string | undefined; details?: Record<string, unknown> } = {},
): Promise<SessionResult> {
  await clearFailures(trx, throttleKey('email', user.email));
  await resetSignInFailures(trx, user.id);
  const result = await startSession(trx, ctx, settings, user.id, null, options.previousToken);
  await writeAudit(trx, {
    ctx,
    orgId: null,
    action: AUDIT_ACTIONS.USER_SIGN_IN,
    objectType: 'user',
    objectId: user.id,
    outcome: 'success',
    ...(options.details === undefined ? {} : { details: options.details }),
    actor: { id: user.id, name: `${user.displayName} <${user.email}>` },
  });
  return result;
}
