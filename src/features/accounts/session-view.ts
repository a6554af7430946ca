import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { loadUserActor, type UserActor } from '../../security/actors.js';
import type { Membership } from '../../security/context.js';
import type { SessionRecord } from '../../security/sessions.js';
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
