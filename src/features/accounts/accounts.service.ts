import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { isUniqueViolation } from '../../db/errors.js';
import { sha256Hex } from '../../db/hash.js';
import type { Database } from '../../db/schema.js';
import { requireAccess, requireUser } from '../../security/access.js';
import { AUDIT_ACTIONS, writeAudit } from '../../security/audit.js';
import type { RequestContext } from '../../security/context.js';
import { checkPassword } from '../../security/password-policy.js';
import { dummyVerify, hashPassword, needsRehash, verifyPassword } from '../../security/passwords.js';
import {
  findSession,
  lockSession,
  revokeSession,
  switchSessionOrg,
  unlockSession,
  type SessionRecord,
} from '../../security/sessions.js';
import type { AppSettings } from '../../security/settings.js';
import { clearFailures, rateLimited, recordFailure, requireNotBlocked, throttleKey } from '../../security/throttle.js';
import { AppError, type FieldProblem } from '../../server/errors.js';
import { cleanText } from '../organizations/organizations.service.js';
import { acceptInvitationIn, findPendingInvitation, normalizeEmail } from '../organizations/invitations.service.js';
import {
  countSignInFailure,
  deleteInstanceSetting,
  findUserByEmail,
  getInstanceSetting,
  insertUser,
  operatorExists,
  putInstanceSetting,
  resetSignInFailures,
  updatePasswordHash,
  type UserRecord,
} from './accounts.repository.js';
import {
  completeSignIn,
  sessionTimeoutsOf,
  startSession,
  toSessionView,
  type SessionResult,
  type SessionView,
} from './session-view.js';
import { hasTwoFactor } from './two-factor.repository.js';
import { beginTwoFactorChallenge, type TwoFactorChallenge } from './two-factor.service.js';

export type { SessionResult, SessionView } from './session-view.js';

/** instance_settings key of the sha256 of the one-time setup token. */
export const SETUP_TOKEN_KEY = 'setup_token_hash';

const WRONG_CREDENTIALS = 'email or password is wrong';

function invalid(problems: FieldProblem[]): AppError {
  const first = problems[0];
  return new AppError('invalid-input', {
    message: first === undefined ? 'input is invalid' : `${first.field}: ${first.message}`,
    details: { problems },
  });
}

function requirePolicy(password: string, email: string): void {
  const problems = checkPassword({ password, email });
  if (problems.length > 0) throw invalid(problems);
}

const actorOf = (u: { id: string; displayName: string; email: string }) => ({
  id: u.id,
  name: `${u.displayName} <${u.email}>`,
});

// ---- First start -------------------------------------------------------------------------------------------------

/** Whether the instance still needs its operator account. */
export async function setupNeeded(db: Kysely<Database>): Promise<boolean> {
  return !(await operatorExists(db));
}

/**
 * Issues a fresh one-time setup token (only its hash is stored, replacing any older one) while no operator exists.
 * Returns undefined when an operator exists already.
 */
export async function issueSetupToken(db: Kysely<Database>, ctx: RequestContext): Promise<string | undefined> {
  const token = randomBytes(32).toString('base64url');
  return db.transaction().execute(async (trx) => {
    if (await operatorExists(trx)) return undefined;
    await putInstanceSetting(trx, SETUP_TOKEN_KEY, sha256Hex(token), ctx.now());
    await writeAudit(trx, {
      ctx,
      orgId: null,
      action: AUDIT_ACTIONS.OPERATOR_SETUP_LINK,
      objectType: 'instance',
      objectId: null,
      outcome: 'success',
    });
    return token;
  });
}

export interface NewAccountInput {
  email: string;
  displayName: string;
  password: string;
  /** The token of the session the caller's cookie held, if any: it ends when the new one starts. */
  previousToken?: string;
}

/** Inserts an operator (after the policy check) and retires the setup token; shared by the link and the CLI. */
async function insertOperator(
  trx: Transaction<Database>,
  ctx: RequestContext,
  user: { id: string; email: string; displayName: string; passwordHash: string },
  via: 'setup-link' | 'cli',
): Promise<void> {
  if ((await findUserByEmail(trx, user.email)) !== undefined) {
    throw new AppError('conflict', { message: 'email: is already registered' });
  }
  await insertUser(trx, { ...user, isOperator: true, at: ctx.now() });
  await deleteInstanceSetting(trx, SETUP_TOKEN_KEY);
  await writeAudit(trx, {
    ctx,
    orgId: null,
    action: AUDIT_ACTIONS.OPERATOR_SETUP,
    objectType: 'user',
    objectId: user.id,
    outcome: 'success',
    details: { email: user.email, via },
    actor: actorOf(user),
  });
}

/** POST /setup: creates the operator with the one-time token from the setup link, and signs them in. */
export async function completeSetup(
  db: Kysely<Database>,
  ctx: RequestContext,
  input: NewAccountInput & { token: string },
  settings: AppSettings,
): Promise<SessionResult> {
  const email = normalizeEmail(input.email);
  const displayName = cleanText('displayName', input.displayName);
  const checkToken = async (q: Kysely<Database> | Transaction<Database>): Promise<void> => {
    if (await operatorExists(q)) throw new AppError('conflict', { message: 'setup is done: the operator exists' });
    const stored = await getInstanceSetting(q, SETUP_TOKEN_KEY);
    const sent = Buffer.from(sha256Hex(input.token));
    if (stored === undefined || stored.length !== sent.length || !timingSafeEqual(sent, Buffer.from(stored))) {
      throw new AppError('forbidden', {
        message: 'token: the setup link is not valid (each server start prints a fresh one)',
      });
    }
  };
  await checkToken(db);
  requirePolicy(input.password, email);
  const passwordHash = await hashPassword(input.password, settings.passwordHashing);
  const id = randomUUID();
  return db.transaction().execute(async (trx) => {
    await checkToken(trx);
    await insertOperator(trx, ctx, { id, email, displayName, passwordHash }, 'setup-link');
    return startSession(trx, ctx, settings, id, null, input.previousToken);
  });
}

/** `openmds admin create`: an operator account from the shell, under the same password policy. */
export async function createOperator(
  db: Kysely<Database>,
  ctx: RequestContext,
  input: NewAccountInput,
  settings: AppSettings,
): Promise<{ id: string; email: string }> {
  const email = normalizeEmail(input.email);
  const displayName = cleanText('displayName', input.displayName);
  requirePolicy(input.password, email);
  const passwordHash = await hashPassword(input.password, settings.passwordHashing);
  const id = randomUUID();
  await db.transaction().execute((trx) => insertOperator(trx, ctx, { id, email, displayName, passwordHash }, 'cli'));
  return { id, email };
}

// ---- Sign-up, sign-in, sign-out ------------------------------------------------------------------------------------

/**
 * Creates an account and signs it in. With an invitation token the new user joins that organization (the invitation
 * must be pending and made out to this email). With sign-up off, only an invitation allows it.
 */
export async function signUp(
  db: Kysely<Database>,
  ctx: RequestContext,
  input: NewAccountInput & { invitationToken?: string },
  settings: AppSettings,
): Promise<SessionResult> {
  if (!settings.signup && input.invitationToken === undefined) {
    throw new AppError('forbidden', {
      message: 'sign-up is off on this server; ask an organization owner for an invitation',
    });
  }
  const email = normalizeEmail(input.email);
  const displayName = cleanText('displayName', input.displayName);
  const ipKey = throttleKey('ip', ctx.ip);
  const now = settings.now();
  await requireNotBlocked(db, [ipKey], now);
  requirePolicy(input.password, email);
  if (input.invitationToken !== undefined) {
    const inv = await findPendingInvitation(db, input.invitationToken, ctx.now());
    if (inv === undefined || inv.email !== email) {
      throw new AppError('not-found', {
        message: 'invitation not found (unknown, used, revoked, expired or for another email)',
      });
    }
  }
  if ((await findUserByEmail(db, email)) !== undefined) {
    // Counted like a failed sign-in, so that probing which emails have accounts is throttled too.
    await db.transaction().execute((trx) => recordFailure(trx, [ipKey], now));
    throw new AppError('conflict', { message: 'email: is already registered; sign in instead' });
  }
  const passwordHash = await hashPassword(input.password, settings.passwordHashing);
  const id = randomUUID();
  try {
    return await db.transaction().execute(async (trx) => {
      await insertUser(trx, { id, email, displayName, passwordHash, isOperator: false, at: ctx.now() });
      const actor = actorOf({ id, email, displayName });
      await writeAudit(trx, {
        ctx,
        orgId: null,
        action: AUDIT_ACTIONS.USER_SIGN_UP,
        objectType: 'user',
        objectId: id,
        outcome: 'success',
        details: { email, invited: input.invitationToken !== undefined },
        actor,
      });
      let orgId: string | null = null;
      if (input.invitationToken !== undefined) {
        const inv = await acceptInvitationIn(trx, ctx, { token: input.invitationToken, userId: id, email, actor });
        orgId = inv.orgId;
      }
      return startSession(trx, ctx, settings, id, orgId, input.previousToken);
    });
  } catch (e) {
    if (isUniqueViolation(e))
      throw new AppError('conflict', { message: 'email: is already registered; sign in instead' });
    throw e;
  }
}

/** Records a failed password check (sign-in or unlock) in its own transaction; returns the block it started (s). */
async function recordPasswordFailure(
  db: Kysely<Database>,
  ctx: RequestContext,
  settings: AppSettings,
  input: { email: string; user: UserRecord | undefined; action: 'user.sign-in-failed' | 'session.unlock' },
): Promise<number> {
  const now = settings.now();
  return db.transaction().execute(async (trx) => {
    const blocked = await recordFailure(trx, [throttleKey('email', input.email), throttleKey('ip', ctx.ip)], now);
    const until = blocked > 0 ? new Date(now.getTime() + blocked * 1000).toISOString() : null;
    if (input.user !== undefined) await countSignInFailure(trx, input.user.id, until);
    await writeAudit(trx, {
      ctx,
      orgId: null,
      action: input.action,
      objectType: input.action === 'session.unlock' ? 'session' : 'user',
      objectId: input.user?.id ?? null,
      outcome: 'failure',
      details: blocked > 0 ? { email: input.email, blockedForSeconds: blocked } : { email: input.email },
      ...(input.user === undefined ? {} : { actor: actorOf(input.user) }),
    });
    return blocked;
  });
}

/**
 * Checks email and password and starts a new session (ending the one the caller's cookie named, if any: no session
 * fixation). Unknown emails, wrong passwords and disabled accounts get the same answer after the same work.
 * Repeated failures per email and per address are throttled (429 with the seconds to wait).
 */
export async function signIn(
  db: Kysely<Database>,
  ctx: RequestContext,
  input: { email: string; password: string; previousToken?: string | undefined },
  settings: AppSettings,
): Promise<SessionResult | { challenge: TwoFactorChallenge }> {
  const email = normalizeEmail(input.email);
  const emailKey = throttleKey('email', email);
  await requireNotBlocked(db, [emailKey, throttleKey('ip', ctx.ip)], settings.now());
  const user = await findUserByEmail(db, email);
  const ok =
    user !== undefined && user.disabledAt === null
      ? await verifyPassword(input.password, user.passwordHash)
      : await dummyVerify(input.password, settings.passwordHashing);
  if (!ok || user === undefined) {
    await recordPasswordFailure(db, ctx, settings, { email, user, action: AUDIT_ACTIONS.USER_SIGN_IN_FAILED });
    throw new AppError('unauthenticated', { message: WRONG_CREDENTIALS });
  }
  const rehash = needsRehash(user.passwordHash, settings.passwordHashing)
    ? await hashPassword(input.password, settings.passwordHashing)
    : undefined;
  if (await hasTwoFactor(db, user.id)) {
    // The password was right, but no session yet: it begins with the second factor (two-factor.service.ts), which
    // also clears the throttle's failures.
    return db.transaction().execute(async (trx) => {
      if (rehash !== undefined) await updatePasswordHash(trx, user.id, rehash);
      return { challenge: await beginTwoFactorChallenge(trx, ctx, user.id) };
    });
  }
  return db.transaction().execute(async (trx) => {
    if (rehash !== undefined) await updatePasswordHash(trx, user.id, rehash);
    return completeSignIn(trx, ctx, settings, user, { previousToken: input.previousToken });
  });
}

/** Ends the caller's session, if any. */
export async function signOut(db: Kysely<Database>, ctx: RequestContext): Promise<void> {
  if (ctx.actor.kind !== 'user') return;
  const sessionId = ctx.actor.sessionId;
  await db.transaction().execute(async (trx) => {
    await revokeSession(trx, sessionId);
    await writeAudit(trx, {
      ctx,
      orgId: null,
      action: AUDIT_ACTIONS.USER_SIGN_OUT,
      objectType: 'session',
      objectId: null,
      outcome: 'success',
    });
  });
}

// ---- The session: read, lock, unlock, switch ----------------------------------------------------------------------

async function currentSession(
  db: Kysely<Database> | Transaction<Database>,
  ctx: RequestContext,
): Promise<SessionRecord> {
  const user = requireUser(ctx.actor);
  const session = await findSession(db, user.sessionId);
  if (session === undefined) throw new AppError('unauthenticated', { message: 'the session ended' });
  return session;
}

/** The caller's session. */
export async function getSession(db: Kysely<Database>, ctx: RequestContext): Promise<SessionView> {
  const user = requireUser(ctx.actor);
  return toSessionView(user, await currentSession(db, ctx));
}

/** Turns the screen lock on (checklist row 3): every route but session, unlock and sign-out answers 423. */
export async function lock(db: Kysely<Database>, ctx: RequestContext): Promise<SessionView> {
  const user = requireUser(ctx.actor);
  return db.transaction().execute(async (trx) => {
    const session = await currentSession(trx, ctx);
    if (session.lockedAt === null) {
      await lockSession(trx, session.idHash, new Date(ctx.now()));
      await writeAudit(trx, {
        ctx,
        orgId: null,
        action: AUDIT_ACTIONS.SESSION_LOCK,
        objectType: 'session',
        objectId: null,
        outcome: 'success',
      });
    }
    return toSessionView(user, { ...session, lockedAt: session.lockedAt ?? ctx.now() });
  });
}

/**
 * Unlocks with the account's password. A wrong one keeps the screen locked (423 `locked`), counts as a failed
 * sign-in for the throttle and is audited.
 */
export async function unlock(
  db: Kysely<Database>,
  ctx: RequestContext,
  input: { password: string },
  settings: AppSettings,
): Promise<SessionView> {
  const actor = requireUser(ctx.actor);
  const emailKey = throttleKey('email', actor.email);
  await requireNotBlocked(db, [emailKey, throttleKey('ip', ctx.ip)], settings.now());
  const session = await currentSession(db, ctx);
  const user = await findUserByEmail(db, actor.email);
  if (user === undefined || !(await verifyPassword(input.password, user.passwordHash))) {
    const blocked = await recordPasswordFailure(db, ctx, settings, {
      email: actor.email,
      user,
      action: AUDIT_ACTIONS.SESSION_UNLOCK,
    });
    if (blocked > 0) throw rateLimited(blocked);
    throw new AppError('locked', { message: 'password: is wrong; the screen stays locked' });
  }
  return db.transaction().execute(async (trx) => {
    await clearFailures(trx, emailKey);
    await resetSignInFailures(trx, user.id);
    const unlocked =
      session.lockedAt === null
        ? session
        : await unlockSession(trx, session, settings.now(), sessionTimeoutsOf(settings));
    if (session.lockedAt !== null) {
      await writeAudit(trx, {
        ctx,
        orgId: null,
        action: AUDIT_ACTIONS.SESSION_UNLOCK,
        objectType: 'session',
        objectId: null,
        outcome: 'success',
      });
    }
    return toSessionView(actor, unlocked);
  });
}

/** Makes one of the caller's organizations the current one; 404 for any other. */
export async function switchOrg(
  db: Kysely<Database>,
  ctx: RequestContext,
  input: { orgId: string },
): Promise<SessionView> {
  const actor = requireUser(ctx.actor);
  requireAccess(actor, 'org.read', { orgId: input.orgId, describe: 'organization' });
  return db.transaction().execute(async (trx) => {
    await switchSessionOrg(trx, actor.sessionId, input.orgId);
    await writeAudit(trx, {
      ctx,
      orgId: input.orgId,
      action: AUDIT_ACTIONS.SESSION_SWITCH_ORG,
      objectType: 'session',
      objectId: null,
      outcome: 'success',
    });
    return toSessionView(actor, { ...(await currentSession(trx, ctx)), currentOrgId: input.orgId });
  });
}
