import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { sha256Hex } from '../../db/hash.js';
import type { Database } from '../../db/schema.js';
import { requireUser } from '../../security/access.js';
import { AUDIT_ACTIONS, writeAudit } from '../../security/audit.js';
import type { RequestContext } from '../../security/context.js';
import { checkPassword } from '../../security/password-policy.js';
import { dummyVerify, hashPassword, verifyPassword } from '../../security/passwords.js';
import { revokeUserSessions } from '../../security/sessions.js';
import type { AppSettings } from '../../security/settings.js';
import { clearFailures, rateLimited, recordFailure, requireNotBlocked, throttleKey } from '../../security/throttle.js';
import { AppError } from '../../server/errors.js';
import { enqueueMail } from '../mail/mail-outbox.js';
import { normalizeEmail } from '../organizations/invitations.service.js';
import { countSignInFailure, findUserByEmail, findUserById, resetSignInFailures } from './accounts.repository.js';
import {
  consumeResetToken,
  deleteUnusedResetTokens,
  findResetToken,
  insertResetToken,
  isBreakGlassUser,
  recentPasswordHashes,
  replacePasswordHash,
} from './password.repository.js';

/** How long a reset link works. */
export const RESET_TOKEN_MINUTES = 30;

/** What a reset request answers, whether or not an account has the email (no account enumeration). */
export const RESET_REQUESTED_MESSAGE =
  `If an account has this email, a link to set a new password is on its way. It works once, ` +
  `within ${RESET_TOKEN_MINUTES} minutes.`;

const actorOf = (u: { id: string; displayName: string; email: string }) => ({
  id: u.id,
  name: `${u.displayName} <${u.email}>`,
});

/** The policy (length, not the email, not common) for a new password; throws naming the field. */
function requirePolicy(password: string, email: string, field: string): void {
  const problem = checkPassword({ password, email, field })[0];
  if (problem !== undefined) {
    throw new AppError('invalid-input', {
      message: `${problem.field}: ${problem.message}`,
      details: { problems: [problem] },
    });
  }
}

/**
 * Refuses a password that is one of the user's last `settings.passwordHistory` passwords (the current one
 * included). Each comparison is a scrypt verification, so this runs before any transaction is opened.
 */
async function requireNotRecent(
  db: Kysely<Database>,
  user: { id: string; passwordHash: string },
  password: string,
  field: string,
  settings: AppSettings,
): Promise<void> {
  const n = settings.passwordHistory;
  for (const hash of await recentPasswordHashes(db, user.id, user.passwordHash, n)) {
    if (await verifyPassword(password, hash)) {
      throw new AppError('invalid-input', {
        message:
          n === 1
            ? `${field}: must differ from your current password`
            : `${field}: must differ from your last ${n} passwords (password history)`,
        details: { problems: [{ field, message: 'reuses a recent password', rule: 'password-history', count: n }] },
      });
    }
  }
}

/** Checks a new password against the policy and the history, and hashes it. */
async function newPasswordHash(
  db: Kysely<Database>,
  user: { id: string; email: string; passwordHash: string },
  password: string,
  field: string,
  settings: AppSettings,
): Promise<string> {
  requirePolicy(password, user.email, field);
  await requireNotRecent(db, user, password, field, settings);
  return hashPassword(password, settings.passwordHashing);
}

// ---- Change ------------------------------------------------------------------------------------------------------

export interface ChangePasswordInput {
  currentPassword: string;
  newPassword: string;
}

/**
 * Changes the signed-in user's password: the current one must be right (a wrong one counts as a failed sign-in),
 * the new one must pass the policy and differ from the recent ones. The user's other sessions end; this one stays.
 */
export async function changePassword(
  db: Kysely<Database>,
  ctx: RequestContext,
  input: ChangePasswordInput,
  settings: AppSettings,
): Promise<{ sessionsEnded: number }> {
  const actor = requireUser(ctx.actor);
  const emailKey = throttleKey('email', actor.email);
  const ipKey = throttleKey('ip', ctx.ip);
  await requireNotBlocked(db, [emailKey, ipKey], settings.now());
  const user = await findUserById(db, actor.userId);
  if (user === undefined) throw new AppError('unauthenticated', { message: 'the account is no longer active' });
  if (await isBreakGlassUser(db, user.id)) {
    throw new AppError('forbidden', { message: 'the break-glass account has no password; an owner rotates it' });
  }
  if (!(await verifyPassword(input.currentPassword, user.passwordHash))) {
    const now = settings.now();
    const blocked = await db.transaction().execute(async (trx) => {
      const seconds = await recordFailure(trx, [emailKey, ipKey], now);
      await countSignInFailure(
        trx,
        user.id,
        seconds > 0 ? new Date(now.getTime() + seconds * 1000).toISOString() : null,
      );
      await writeAudit(trx, {
        ctx,
        orgId: null,
        action: AUDIT_ACTIONS.PASSWORD_CHANGE,
        objectType: 'user',
        objectId: user.id,
        outcome: 'failure',
        details: { reason: 'current-password-wrong' },
      });
      return seconds;
    });
    if (blocked > 0) throw rateLimited(blocked);
    throw new AppError('invalid-input', { message: 'currentPassword: is wrong' });
  }
  const hash = await newPasswordHash(db, user, input.newPassword, 'newPassword', settings);
  return db.transaction().execute(async (trx) => {
    const at = ctx.now();
    await replacePasswordHash(trx, {
      userId: user.id,
      oldHash: user.passwordHash,
      newHash: hash,
      at,
      keep: settings.passwordHistory - 1,
    });
    await deleteUnusedResetTokens(trx, user.id);
    await clearFailures(trx, emailKey);
    await resetSignInFailures(trx, user.id);
    const sessionsEnded = await revokeUserSessions(trx, user.id, actor.sessionId);
    await writeAudit(trx, {
      ctx,
      orgId: null,
      action: AUDIT_ACTIONS.PASSWORD_CHANGE,
      objectType: 'user',
      objectId: user.id,
      outcome: 'success',
      details: { sessionsEnded },
    });
    return { sessionsEnded };
  });
}

// ---- Reset by single-use link -----------------------------------------------------------------------------------

/** The link a reset token travels in; the token sits in the fragment, which browsers never send to a server. */
export function passwordResetLink(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/password-reset/confirm#token=${token}`;
}

async function storeResetToken(
  trx: Transaction<Database>,
  userId: string,
  via: 'request' | 'operator',
  at: string,
): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await insertResetToken(trx, {
    userId,
    tokenHash: sha256Hex(token),
    at,
    expiresAt: new Date(Date.parse(at) + RESET_TOKEN_MINUTES * 60_000).toISOString(),
    via,
  });
  return token;
}

/**
 * POST /auth/password-reset: answers the same whatever the email. When an active account has it, a single-use
 * token (only its sha256 stored, 30 minutes) is issued and its link queued in the mail outbox. Requests are
 * throttled per email and per address, known or unknown alike, so a 429 tells nothing either.
 */
export async function requestPasswordReset(
  db: Kysely<Database>,
  ctx: RequestContext,
  input: { email: string; baseUrl: string },
  settings: AppSettings,
): Promise<{ message: string }> {
  const email = normalizeEmail(input.email);
  const keys = [throttleKey('reset', email), throttleKey('reset-ip', ctx.ip)];
  const now = settings.now();
  await requireNotBlocked(db, keys, now);
  const user = await findUserByEmail(db, email);
  const eligible =
    user !== undefined && user.disabledAt === null && !(await isBreakGlassUser(db, user.id)) ? user : undefined;
  await db.transaction().execute(async (trx) => {
    await recordFailure(trx, keys, now);
    if (eligible !== undefined) {
      const token = await storeResetToken(trx, eligible.id, 'request', ctx.now());
      await enqueueMail(trx, {
        to: eligible.email,
        subject: 'OpenMDS: reset your password / パスワードの再設定',
        body: resetMailBody(passwordResetLink(input.baseUrl, token)),
        kind: 'password-reset',
        at: ctx.now(),
      });
    }
    await writeAudit(trx, {
      ctx,
      orgId: null,
      action: AUDIT_ACTIONS.PASSWORD_RESET_REQUEST,
      objectType: 'user',
      objectId: eligible?.id ?? null,
      outcome: 'success',
      details: { email, known: eligible !== undefined, via: 'request' },
      ...(eligible === undefined ? {} : { actor: actorOf(eligible) }),
    });
  });
  return { message: RESET_REQUESTED_MESSAGE };
}

function resetMailBody(link: string): string {
  return [
    'パスワードの再設定が依頼されました。次のリンクを開いて、新しいパスワードを設定してください。',
    `リンクは一度だけ、${RESET_TOKEN_MINUTES} 分以内に使えます。心当たりがなければ、このメールは無視してください。`,
    '',
    'Someone asked to reset your OpenMDS password. Open this link to choose a new one.',
    `It works once, within ${RESET_TOKEN_MINUTES} minutes. If it was not you, ignore this message.`,
    '',
    link,
  ].join('\n');
}

/**
 * `openmds admin reset-password`: a reset link for an account, for the operator to hand over (nothing is mailed).
 * Unlike the public request it says when no active account has the email.
 */
export async function issuePasswordResetByOperator(
  db: Kysely<Database>,
  ctx: RequestContext,
  input: { email: string },
): Promise<{ token: string; userId: string; email: string; expiresAt: string }> {
  const email = normalizeEmail(input.email);
  const user = await findUserByEmail(db, email);
  if (user === undefined || user.disabledAt !== null || (await isBreakGlassUser(db, user.id))) {
    throw new AppError('not-found', { message: `email: no active account has ${email}` });
  }
  return db.transaction().execute(async (trx) => {
    const at = ctx.now();
    const token = await storeResetToken(trx, user.id, 'operator', at);
    await writeAudit(trx, {
      ctx,
      orgId: null,
      action: AUDIT_ACTIONS.PASSWORD_RESET_REQUEST,
      objectType: 'user',
      objectId: user.id,
      outcome: 'success',
      details: { email, known: true, via: 'operator' },
    });
    const expiresAt = new Date(Date.parse(at) + RESET_TOKEN_MINUTES * 60_000).toISOString();
    return { token, userId: user.id, email, expiresAt };
  });
}

const INVALID_LINK = 'token: the link is not valid (used, expired or replaced by a newer one); ask for a new link';

/**
 * POST /auth/password-reset/confirm: sets the password with a reset token, which is used up; every session of the
 * user ends (nobody is signed in by it: sign in with the new password, and the second factor if any).
 */
export async function confirmPasswordReset(
  db: Kysely<Database>,
  ctx: RequestContext,
  input: { token: string; password: string },
  settings: AppSettings,
): Promise<{ sessionsEnded: number }> {
  const ipKey = throttleKey('ip', ctx.ip);
  await requireNotBlocked(db, [ipKey], settings.now());
  const stored = await findResetToken(db, sha256Hex(input.token));
  const user = stored === undefined ? undefined : await findUserById(db, stored.userId);
  if (
    stored === undefined ||
    stored.usedAt !== null ||
    Date.parse(stored.expiresAt) <= settings.now().getTime() ||
    user === undefined ||
    user.disabledAt !== null
  ) {
    // A wrong token costs as much as a right one, and counts against the address.
    await dummyVerify(input.password, settings.passwordHashing);
    await db.transaction().execute((trx) => recordFailure(trx, [ipKey], settings.now()));
    throw new AppError('invalid-input', { message: INVALID_LINK });
  }
  const hash = await newPasswordHash(db, user, input.password, 'password', settings);
  return db.transaction().execute(async (trx) => {
    const at = ctx.now();
    if (!(await consumeResetToken(trx, stored.id, at))) throw new AppError('invalid-input', { message: INVALID_LINK });
    await replacePasswordHash(trx, {
      userId: user.id,
      oldHash: user.passwordHash,
      newHash: hash,
      at,
      keep: settings.passwordHistory - 1,
    });
    await deleteUnusedResetTokens(trx, user.id);
    await clearFailures(trx, throttleKey('email', user.email));
    await resetSignInFailures(trx, user.id);
    const sessionsEnded = await revokeUserSessions(trx, user.id);
    await writeAudit(trx, {
      ctx,
      orgId: null,
      action: AUDIT_ACTIONS.PASSWORD_RESET,
      objectType: 'user',
      objectId: user.id,
      outcome: 'success',
      details: { sessionsEnded },
      actor: actorOf(user),
    });
    return { sessionsEnded };
  });
}
