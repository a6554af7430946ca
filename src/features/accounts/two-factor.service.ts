import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import { sha256Hex } from '../../db/hash.js';
import type { Database } from '../../db/schema.js';
import { requireAccess, requireUser } from '../../security/access.js';
import { AUDIT_ACTIONS, writeAudit, type AuditAction } from '../../security/audit.js';
import type { RequestContext } from '../../security/context.js';
import { verifyPassword } from '../../security/passwords.js';
import { REAUTH_MINUTES, requireRecentAuth, stampReauth } from '../../security/reauth.js';
import { createSession, revokeSession, sessionIdHash } from '../../security/sessions.js';
import type { AppSettings } from '../../security/settings.js';
import { clearFailures, rateLimited, recordFailure, requireNotBlocked, throttleKey } from '../../security/throttle.js';
import { AppError } from '../../server/errors.js';
import { countSignInFailure, findUserById, resetSignInFailures, type UserRecord } from './accounts.repository.js';
import { loadSessionView, type SessionResult } from './session-view.js';
import {
  claimTotpStep,
  confirmTotp,
  countChallengeAttempt,
  countUnusedRecoveryCodes,
  deleteChallenge,
  deleteTwoFactor,
  findChallenge,
  findSecurityPolicy,
  findTotp,
  hasTwoFactor,
  insertChallenge,
  membersWithoutTwoFactor,
  orgsRequiringTwoFactor,
  putPendingTotp,
  putSecurityPolicy,
  replaceRecoveryCodes,
  useRecoveryCode,
} from './two-factor.repository.js';

type Queryable = Kysely<Database> | Transaction<Database>;

/** TOTP as authenticator apps expect by default (RFC 6238): SHA-1, 6 digits, 30 seconds. */
export const TOTP_PARAMS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;
/** Codes of the previous and next step are accepted too, for clocks a little apart. */
const TOTP_WINDOW = 1;
const ISSUER = 'OpenMDS';
export const RECOVERY_CODE_COUNT = 10;
/** How long the second step of a sign-in may wait after the password. */
export const CHALLENGE_MINUTES = 5;
/** Wrong codes a pending sign-in takes before the password must be given again. */
export const CHALLENGE_MAX_ATTEMPTS = 5;

const actorOf = (u: { id: string; displayName: string; email: string }) => ({
  id: u.id,
  name: `${u.displayName} <${u.email}>`,
});

function totpOf(secret: string, label: string): TOTP {
  return new TOTP({ issuer: ISSUER, label, ...TOTP_PARAMS, secret: Secret.fromBase32(secret) });
}

/** The 30-second step a code belongs to, or undefined when it matches none in the window. */
function stepOf(secret: string, code: string, now: Date): number | undefined {
  const timestamp = now.getTime();
  const delta = totpOf(secret, '').validate({ token: code, timestamp, window: TOTP_WINDOW });
  return delta === null ? undefined : TOTP.counter({ period: TOTP_PARAMS.period, timestamp }) + delta;
}

const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** A recovery code: 10 characters (about 49 bits) as `xxxxx-xxxxx`, without look-alike characters. */
function newRecoveryCode(): string {
  const bytes = randomBytes(10);
  const chars = [...bytes].map((b) => RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length] ?? 'a');
  return `${chars.slice(0, 5).join('')}-${chars.slice(5).join('')}`;
}

/** Case, spaces and hyphens do not matter when a recovery code is typed back. */
function recoveryHash(code: string): string {
  return sha256Hex(code.toLowerCase().replace(/[^a-z0-9]/g, ''));
}

const isTotpShaped = (code: string): boolean => /^\d{6}$/.test(code.replace(/\s/g, ''));

async function newRecoveryCodes(trx: Transaction<Database>, userId: string, at: string): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  await replaceRecoveryCodes(
    trx,
    userId,
    codes.map((c) => ({ id: randomUUID(), hash: recoveryHash(c) })),
    at,
  );
  return codes;
}

export type SecondFactorMethod = 'totp' | 'recovery-code';

/**
 * Checks a second factor of a user with 2FA on, using it up: a TOTP code's step is claimed (a code of that step or an
 * earlier one is refused afterwards: no replay), a recovery code is marked used. Returns the method, or the reason it
 * failed. Call inside the transaction that records the success.
 */
async function consumeSecondFactor(
  trx: Transaction<Database>,
  userId: string,
  code: string,
  now: Date,
  allowRecovery: boolean,
): Promise<{ ok: true; method: SecondFactorMethod } | { ok: false; reason: string }> {
  const totp = await findTotp(trx, userId);
  if (totp === undefined) return { ok: false, reason: 'not-enrolled' };
  const compact = code.replace(/\s/g, '');
  if (isTotpShaped(compact)) {
    const step = stepOf(totp.secret, compact, now);
    if (step === undefined) return { ok: false, reason: 'wrong-code' };
    if (!(await claimTotpStep(trx, userId, step))) return { ok: false, reason: 'replayed-code' };
    return { ok: true, method: 'totp' };
  }
  if (!allowRecovery || totp.confirmedAt === null) return { ok: false, reason: 'wrong-code' };
  if (!(await useRecoveryCode(trx, userId, recoveryHash(code), now.toISOString()))) {
    return { ok: false, reason: 'wrong-recovery-code' };
  }
  return { ok: true, method: 'recovery-code' };
}

interface FailureInput {
  user: UserRecord;
  action: AuditAction;
  objectType: string;
  reason: string;
}

/**
 * A failed password or code of a known user, in its own transaction: counted by the sign-in throttle (the email and
 * the address), on the user row, and audited. Returns the block it started (s).
 */
async function recordCheckFailure(
  db: Kysely<Database>,
  ctx: RequestContext,
  settings: AppSettings,
  input: FailureInput,
): Promise<number> {
  const now = settings.now();
  return db.transaction().execute(async (trx) => {
    const blocked = await recordFailure(trx, [throttleKey('email', input.user.email), throttleKey('ip', ctx.ip)], now);
    const until = blocked > 0 ? new Date(now.getTime() + blocked * 1000).toISOString() : null;
    await countSignInFailure(trx, input.user.id, until);
    await writeAudit(trx, {
      ctx,
      orgId: null,
      action: input.action,
      objectType: input.objectType,
      objectId: input.user.id,
      outcome: 'failure',
      details: blocked > 0 ? { reason: input.reason, blockedForSeconds: blocked } : { reason: input.reason },
      actor: actorOf(input.user),
    });
    return blocked;
  });
}

/** Records a failure and throws: 429 when it started a block, else `error`. */
async function fail(
  db: Kysely<Database>,
  ctx: RequestContext,
  settings: AppSettings,
  input: FailureInput,
  error: AppError,
): Promise<never> {
  const blocked = await recordCheckFailure(db, ctx, settings, input);
  if (blocked > 0) throw rateLimited(blocked);
  throw error;
}

const throttleKeysOf = (ctx: RequestContext, email: string) => [throttleKey('email', email), throttleKey('ip', ctx.ip)];

async function signedInUser(db: Queryable, ctx: RequestContext): Promise<UserRecord> {
  const actor = requireUser(ctx.actor);
  const user = await findUserById(db, actor.userId);
  if (user === undefined) throw new AppError('unauthenticated', { message: 'the account is no longer active' });
  return user;
}

const wrongPassword = () => new AppError('invalid-input', { message: 'password: is wrong' });
const wrongCode = () => new AppError('invalid-input', { message: 'code: is wrong, expired or used already' });

// ---- Status and enrolment -------------------------------------------------------------------------------------------

export interface TwoFactorStatus {
  enabled: boolean;
  /** A setup was started and waits for its first code. */
  pending: boolean;
  recoveryCodesLeft: number;
  /** The caller's organizations that require two-factor authentication. */
  requiredBy: string[];
}

/** The caller's two-factor state (GET /account/two-factor). */
export async function getTwoFactorStatus(db: Kysely<Database>, ctx: RequestContext): Promise<TwoFactorStatus> {
  const actor = requireUser(ctx.actor);
  const totp = await findTotp(db, actor.userId);
  const enabled = totp !== undefined && totp.confirmedAt !== null;
  return {
    enabled,
    pending: totp !== undefined && !enabled,
    recoveryCodesLeft: enabled ? await countUnusedRecoveryCodes(db, actor.userId) : 0,
    requiredBy: await orgsRequiringTwoFactor(db, actor.userId),
  };
}

export interface TotpSetup {
  /** base32, for typing into the app by hand. */
  secret: string;
  /** otpauth://totp/OpenMDS:<email>?secret=…&issuer=OpenMDS… */
  uri: string;
  /** The URI as a QR code: an SVG data URL. */
  qrCode: string;
}

/** Starts TOTP enrolment with the current password: a new secret, not active until a code confirms it. */
export async function setupTotp(
  db: Kysely<Database>,
  ctx: RequestContext,
  input: { password: string },
  settings: AppSettings,
): Promise<TotpSetup> {
  const user = await signedInUser(db, ctx);
  await requireNotBlocked(db, throttleKeysOf(ctx, user.email), settings.now());
  if (await hasTwoFactor(db, user.id)) {
    throw new AppError('conflict', { message: 'two-factor authentication is on already; turn it off first' });
  }
  if (!(await verifyPassword(input.password, user.passwordHash))) {
    await fail(
      db,
      ctx,
      settings,
      { user, action: AUDIT_ACTIONS.TWO_FACTOR_SETUP, objectType: 'user', reason: 'wrong-password' },
      wrongPassword(),
    );
  }
  const secret = new Secret({ size: 20 }).base32;
  const uri = totpOf(secret, user.email).toString();
  await db.transaction().execute(async (trx) => {
    await putPendingTotp(trx, user.id, secret, ctx.now());
    await writeAudit(trx, {
      ctx,
      orgId: null,
      action: AUDIT_ACTIONS.TWO_FACTOR_SETUP,
      objectType: 'user',
      objectId: user.id,
      outcome: 'success',
    });
  });
  const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return { secret, uri, qrCode: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` };
}

/** Confirms enrolment with a first code: 2FA is on; returns the recovery codes, shown this once. */
export async function confirmTotpSetup(
  db: Kysely<Database>,
  ctx: RequestContext,
  input: { code: string },
  settings: AppSettings,
): Promise<{ recoveryCodes: string[] }> {
  const user = await signedInUser(db, ctx);
  await requireNotBlocked(db, throttleKeysOf(ctx, user.email), settings.now());
  const totp = await findTotp(db, user.id);
  if (totp === undefined) throw new AppError('conflict', { message: 'start the setup first' });
  if (totp.confirmedAt !== null) throw new AppError('conflict', { message: 'two-factor authentication is on already' });
  const sessionId = requireUser(ctx.actor).sessionId;
  const result = await db.transaction().execute(async (trx) => {
    const checked = await consumeSecondFactor(trx, user.id, input.code, settings.now(), false);
    if (!checked.ok) return checked;
    await confirmTotp(trx, user.id, ctx.now());
    const recoveryCodes = await newRecoveryCodes(trx, user.id, ctx.now());
    await stampReauth(trx, sessionId, ctx.now());
    await writeAudit(trx, {
      ctx,
      orgId: null,
      action: AUDIT_ACTIONS.TWO_FACTOR_ENABLE,
      objectType: 'user',
      objectId: user.id,
      outcome: 'success',
      details: { method: 'totp' },
    });
    return { ok: true as const, recoveryCodes };
  });
  if (!result.ok) {
    return fail(
      db,
      ctx,
      settings,
      { user, action: AUDIT_ACTIONS.TWO_FACTOR_ENABLE, objectType: 'user', reason: result.reason },
      wrongCode(),
    );
  }
  return { recoveryCodes: result.recoveryCodes };
}

/** Turns 2FA off: needs the password and a code (TOTP or recovery code). Recovery codes go with it. */
export async function disableTwoFactor(
  db: Kysely<Database>,
  ctx: RequestContext,
  input: { password: string; code: string },
  settings: AppSettings,
): Promise<void> {
  const user = await signedInUser(db, ctx);
  await requireNotBlocked(db, throttleKeysOf(ctx, user.email), settings.now());
  if (!(await hasTwoFactor(db, user.id))) {
    throw new AppError('conflict', { message: 'two-factor authentication is not on' });
  }
  const failure = { user, action: AUDIT_ACTIONS.TWO_FACTOR_DISABLE, objectType: 'user' };
  if (!(await verifyPassword(input.password, user.passwordHash))) {
    await fail(db, ctx, settings, { ...failure, reason: 'wrong-password' }, wrongPassword());
  }
  const result = await db.transaction().execute(async (trx) => {
    const checked = await consumeSecondFactor(trx, user.id, input.code, settings.now(), true);
    if (!checked.ok) return checked;
    await deleteTwoFactor(trx, user.id);
    await writeAudit(trx, {
      ctx,
      orgId: null,
      action: AUDIT_ACTIONS.TWO_FACTOR_DISABLE,
      objectType: 'user',
      objectId: user.id,
      outcome: 'success',
      details: { method: checked.method },
    });
    return checked;
  });
  if (!result.ok) await fail(db, ctx, settings, { ...failure, reason: result.reason }, wrongCode());
}

/** Replaces the recovery codes (a current TOTP code needed); returns the new ones, shown this once. */
export async function regenerateRecoveryCodes(
  db: Kysely<Database>,
  ctx: RequestContext,
  input: { code: string },
  settings: AppSettings,
): Promise<{ recoveryCodes: string[] }> {
  const user = await signedInUser(db, ctx);
  await requireNotBlocked(db, throttleKeysOf(ctx, user.email), settings.now());
  if (!(await hasTwoFactor(db, user.id))) {
    throw new AppError('conflict', { message: 'two-factor authentication is not on' });
  }
  const result = await db.transaction().execute(async (trx) => {
    const checked = await consumeSecondFactor(trx, user.id, input.code, settings.now(), false);
    if (!checked.ok) return checked;
    const recoveryCodes = await newRecoveryCodes(trx, user.id, ctx.now());
    await writeAudit(trx, {
      ctx,
      orgId: null,
      action: AUDIT_ACTIONS.TWO_FACTOR_RECOVERY_REGENERATE,
      objectType: 'user',
      objectId: user.id,
      outcome: 'success',
    });
    return { ok: true as const, recoveryCodes };
  });
  if (!result.ok) {
    return fail(
      db,
      ctx,
      settings,
      { user, action: AUDIT_ACTIONS.TWO_FACTOR_RECOVERY_REGENERATE, objectType: 'user', reason: result.reason },
      wrongCode(),
    );
  }
  return { recoveryCodes: result.recoveryCodes };
}

// ---- Sign-in's second step ------------------------------------------------------------------------------------------

/** A sign-in waiting for its second factor: the token goes into a short-lived cookie, never into the body. */
export interface TwoFactorChallenge {
  token: string;
  expiresAt: string;
}

/** Starts the second step of a sign-in (called by signIn after a correct password, when the user has 2FA on). */
export async function beginTwoFactorChallenge(
  trx: Transaction<Database>,
  ctx: RequestContext,
  userId: string,
): Promise<TwoFactorChallenge> {
  const token = randomBytes(32).toString('base64url');
  const at = ctx.now();
  const expiresAt = new Date(Date.parse(at) + CHALLENGE_MINUTES * 60_000).toISOString();
  await insertChallenge(trx, { idHash: sha256Hex(token), userId, at, expiresAt });
  return { token, expiresAt };
}

/**
 * Completes a sign-in with a TOTP code or a recovery code: a new session begins (the one the caller's cookie named,
 * if any, ends). Wrong codes count like wrong passwords (throttled per email and address, audited); a pending
 * sign-in takes at most CHALLENGE_MAX_ATTEMPTS wrong codes and lives CHALLENGE_MINUTES.
 */
export async function completeTwoFactorSignIn(
  db: Kysely<Database>,
  ctx: RequestContext,
  input: { code: string; challengeToken: string | undefined; previousToken?: string | undefined },
  settings: AppSettings,
): Promise<SessionResult> {
  const expired = () =>
    new AppError('unauthenticated', { message: 'the sign-in expired or was not started; enter your password again' });
  if (input.challengeToken === undefined || input.challengeToken === '' || input.challengeToken.length > 200) {
    throw expired();
  }
  const idHash = sha256Hex(input.challengeToken);
  const challenge = await findChallenge(db, idHash);
  const now = settings.now();
  if (challenge === undefined || Date.parse(challenge.expiresAt) <= now.getTime()) {
    if (challenge !== undefined) await deleteChallenge(db, idHash);
    throw expired();
  }
  const user = await findUserById(db, challenge.userId);
  if (user === undefined || user.disabledAt !== null) {
    await deleteChallenge(db, idHash);
    throw expired();
  }
  const emailKey = throttleKey('email', user.email);
  await requireNotBlocked(db, [emailKey, throttleKey('ip', ctx.ip)], now);

  const result = await db.transaction().execute(async (trx) => {
    const checked = await consumeSecondFactor(trx, user.id, input.code, now, true);
    if (!checked.ok) return checked;
    await deleteChallenge(trx, idHash);
    await clearFailures(trx, emailKey);
    await resetSignInFailures(trx, user.id);
    if (input.previousToken !== undefined && input.previousToken !== '') {
      await revokeSession(trx, sessionIdHash(input.previousToken));
    }
    const { token, session } = await createSession(trx, {
      userId: user.id,
      currentOrgId: null,
      ip: ctx.ip,
      userAgent: ctx.userAgent,
      now,
      timeouts: { idleMinutes: settings.sessionIdleMinutes, maxHours: settings.sessionMaxHours },
    });
    const actor = actorOf(user);
    await writeAudit(trx, {
      ctx,
      orgId: null,
      action: AUDIT_ACTIONS.TWO_FACTOR_VERIFY,
      objectType: 'user',
      objectId: user.id,
      outcome: 'success',
      details: { method: checked.method },
      actor,
    });
    await writeAudit(trx, {
      ctx,
      orgId: null,
      action: AUDIT_ACTIONS.USER_SIGN_IN,
      objectType: 'user',
      objectId: user.id,
      outcome: 'success',
      details: { twoFactor: checked.method },
      actor,
    });
    return { ok: true as const, result: { token, view: await loadSessionView(trx, session) } };
  });
  if (result.ok) return result.result;

  if (challenge.attempts + 1 >= CHALLENGE_MAX_ATTEMPTS) await deleteChallenge(db, idHash);
  else await countChallengeAttempt(db, idHash);
  return fail(
    db,
    ctx,
    settings,
    { user, action: AUDIT_ACTIONS.TWO_FACTOR_VERIFY_FAILED, objectType: 'user', reason: result.reason },
    new AppError('unauthenticated', { message: 'code: is wrong, expired or used already' }),
  );
}

// ---- Re-authentication ----------------------------------------------------------------------------------------------

/**
 * Confirms the caller's password (and a code when 2FA is on) and stamps the session: sensitive actions are allowed
 * for REAUTH_MINUTES.
 */
export async function reauthenticate(
  db: Kysely<Database>,
  ctx: RequestContext,
  input: { password: string; code?: string | undefined },
  settings: AppSettings,
): Promise<{ reauthenticatedAt: string; validUntil: string }> {
  const user = await signedInUser(db, ctx);
  const sessionId = requireUser(ctx.actor).sessionId;
  await requireNotBlocked(db, throttleKeysOf(ctx, user.email), settings.now());
  const failure = { user, action: AUDIT_ACTIONS.SESSION_REAUTHENTICATE, objectType: 'session' };
  if (!(await verifyPassword(input.password, user.passwordHash))) {
    await fail(db, ctx, settings, { ...failure, reason: 'wrong-password' }, wrongPassword());
  }
  const enrolled = await hasTwoFactor(db, user.id);
  if (enrolled && (input.code === undefined || input.code.trim() === '')) {
    throw new AppError('invalid-input', { message: 'code: is required (two-factor authentication is on)' });
  }
  const at = ctx.now();
  const result = await db.transaction().execute(async (trx) => {
    let method: SecondFactorMethod | undefined;
    if (enrolled) {
      const checked = await consumeSecondFactor(trx, user.id, input.code ?? '', settings.now(), true);
      if (!checked.ok) return checked;
      method = checked.method;
    }
    await stampReauth(trx, sessionId, at);
    await writeAudit(trx, {
      ctx,
      orgId: null,
      action: AUDIT_ACTIONS.SESSION_REAUTHENTICATE,
      objectType: 'session',
      objectId: null,
      outcome: 'success',
      ...(method === undefined ? {} : { details: { method } }),
    });
    return { ok: true as const };
  });
  if (!result.ok) await fail(db, ctx, settings, { ...failure, reason: result.reason }, wrongCode());
  await clearFailures(db, throttleKey('email', user.email));
  return { reauthenticatedAt: at, validUntil: new Date(Date.parse(at) + REAUTH_MINUTES * 60_000).toISOString() };
}

// ---- Organizations' security policy ---------------------------------------------------------------------------------

export interface SecurityPolicyView {
  requireTwoFactor: boolean;
  updatedAt: string | null;
  /** Members who have not turned two-factor authentication on (user ids). */
  membersWithoutTwoFactor: string[];
}

export async function getSecurityPolicy(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
): Promise<SecurityPolicyView> {
  requireAccess(ctx.actor, 'member.read', { orgId, describe: 'organization' });
  const policy = await findSecurityPolicy(db, orgId);
  return { ...policy, membersWithoutTwoFactor: await membersWithoutTwoFactor(db, orgId) };
}

/**
 * An owner requires (or stops requiring) two-factor authentication of the organization's members. The owner must
 * have it on first, and have authenticated recently.
 */
export async function putOrgSecurityPolicy(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  input: { requireTwoFactor: boolean },
): Promise<SecurityPolicyView> {
  requireAccess(ctx.actor, 'org.manage', { orgId, describe: 'organization' });
  const actor = requireUser(ctx.actor);
  await requireRecentAuth(db, ctx);
  if (input.requireTwoFactor && !(await hasTwoFactor(db, actor.userId))) {
    throw new AppError('conflict', {
      message: 'requireTwoFactor: turn on two-factor authentication for your own account first',
    });
  }
  await db.transaction().execute(async (trx) => {
    const before = await findSecurityPolicy(trx, orgId);
    await putSecurityPolicy(trx, orgId, { ...input, at: ctx.now(), by: actor.userId });
    if (before.requireTwoFactor !== input.requireTwoFactor) {
      await writeAudit(trx, {
        ctx,
        orgId,
        action: AUDIT_ACTIONS.ORG_SECURITY_POLICY_CHANGE,
        objectType: 'organization',
        objectId: orgId,
        outcome: 'success',
        details: { requireTwoFactor: input.requireTwoFactor },
      });
    }
  });
  return getSecurityPolicy(db, ctx, orgId);
}
