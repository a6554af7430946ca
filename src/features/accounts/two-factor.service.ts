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
import { reauthWindow, requireRecentAuth, stampReauth } from '../../security/reauth.js';
import type { AppSettings } from '../../security/settings.js';
import { revokeUserSessions } from '../../security/sessions.js';
import { clearFailures, rateLimited, recordFailure, requireNotBlocked, throttleKey } from '../../security/throttle.js';
import { AppError } from '../../server/errors.js';
import { enqueueMail } from '../mail/mail-outbox.js';
import { normalizeEmail } from '../organizations/invitations.service.js';
import { countSignInFailure, findUserByEmail, findUserById, type UserRecord } from './accounts.repository.js';
import { countPasskeys, deleteAllPasskeys, deleteCeremoniesOf } from './passkeys.repository.js';
import { completeSignIn, type SessionResult } from './session-view.js';
import {
  claimTotpStep,
  confirmTotp,
  countChallengeAttempt,
  countUnusedRecoveryCodes,
  deleteChallenge,
  deleteTotp,
  deleteTwoFactor,
  findChallenge,
  findSecurityPolicy,
  findTotp,
  hasConfirmedTotp,
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

/** Issues a fresh set of recovery codes (the old ones stop working) and returns them, to show once. */
export async function issueRecoveryCodes(trx: Transaction<Database>, userId: string, at: string): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  await replaceRecoveryCodes(
    trx,
    userId,
    codes.map((c) => ({ id: randomUUID(), hash: recoveryHash(c) })),
    at,
  );
  return codes;
}

export type SecondFactorMethod = 'totp' | 'recovery-code' | 'passkey';

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
  accept: 'pending-totp' | 'totp' | 'any',
): Promise<{ ok: true; method: SecondFactorMethod } | { ok: false; reason: string }> {
  const compact = code.replace(/\s/g, '');
  if (isTotpShaped(compact)) {
    const totp = await findTotp(trx, userId);
    // An enrolment still waiting for its first code proves nothing, except to the confirmation itself.
    if (totp === undefined || (totp.confirmedAt === null) !== (accept === 'pending-totp')) {
      return { ok: false, reason: 'not-enrolled' };
    }
    const step = stepOf(totp.secret, compact, now);
    if (step === undefined) return { ok: false, reason: 'wrong-code' };
    if (!(await claimTotpStep(trx, userId, step))) return { ok: false, reason: 'replayed-code' };
    return { ok: true, method: 'totp' };
  }
  if (accept !== 'any' || !(await hasTwoFactor(trx, userId))) return { ok: false, reason: 'wrong-code' };
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
export async function failCheck(
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
  /** A confirmed TOTP enrolment or a passkey (or both). */
  enabled: boolean;
  /** TOTP is on (confirmed). */
  totp: boolean;
  /** A TOTP setup was started and waits for its first code. */
  pending: boolean;
  passkeys: number;
  recoveryCodesLeft: number;
  /** The caller's organizations that require two-factor authentication. */
  requiredBy: string[];
}

/** The caller's two-factor state (GET /account/two-factor). */
export async function getTwoFactorStatus(db: Kysely<Database>, ctx: RequestContext): Promise<TwoFactorStatus> {
  const actor = requireUser(ctx.actor);
  const totp = await findTotp(db, actor.userId);
  const totpOn = totp !== undefined && totp.confirmedAt !== null;
  const passkeys = await countPasskeys(db, actor.userId);
  const enabled = totpOn || passkeys > 0;
  return {
    enabled,
    totp: totpOn,
    pending: totp !== undefined && !totpOn,
    passkeys,
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
  if (await hasConfirmedTotp(db, user.id)) {
    throw new AppError('conflict', { message: 'an authenticator app is set up already; turn it off first' });
  }
  if (!(await verifyPassword(input.password, user.passwordHash))) {
    await failCheck(
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

/**
 * Confirms enrolment with a first code: 2FA is on. Returns the recovery codes, shown this once, when this is the
 * user's first second factor (none when they have passkeys, whose recovery codes stay).
 */
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
    // A user with passkeys has recovery codes already: they stay valid, and none are issued anew.
    const firstFactor = !(await hasTwoFactor(trx, user.id));
    const checked = await consumeSecondFactor(trx, user.id, input.code, settings.now(), 'pending-totp');
    if (!checked.ok) return checked;
    await confirmTotp(trx, user.id, ctx.now());
    const recoveryCodes = firstFactor ? await issueRecoveryCodes(trx, user.id, ctx.now()) : [];
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
    return failCheck(
      db,
      ctx,
      settings,
      { user, action: AUDIT_ACTIONS.TWO_FACTOR_ENABLE, objectType: 'user', reason: result.reason },
      wrongCode(),
    );
  }
  return { recoveryCodes: result.recoveryCodes };
}

/**
 * Turns the authenticator app (TOTP) off: needs the password and a code (TOTP or recovery code). Recovery codes go
 * with it unless the user still has a passkey.
 */
export async function disableTwoFactor(
  db: Kysely<Database>,
  ctx: RequestContext,
  input: { password: string; code: string },
  settings: AppSettings,
): Promise<void> {
  const user = await signedInUser(db, ctx);
  await requireNotBlocked(db, throttleKeysOf(ctx, user.email), settings.now());
  if (!(await hasConfirmedTotp(db, user.id))) {
    throw new AppError('conflict', { message: 'no authenticator app is set up' });
  }
  const failure = { user, action: AUDIT_ACTIONS.TWO_FACTOR_DISABLE, objectType: 'user' };
  if (!(await verifyPassword(input.password, user.passwordHash))) {
    await failCheck(db, ctx, settings, { ...failure, reason: 'wrong-password' }, wrongPassword());
  }
  const result = await db.transaction().execute(async (trx) => {
    const checked = await consumeSecondFactor(trx, user.id, input.code, settings.now(), 'any');
    if (!checked.ok) return checked;
    await deleteTotp(trx, user.id);
    if (!(await hasTwoFactor(trx, user.id))) await deleteTwoFactor(trx, user.id);
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
  if (!result.ok) await failCheck(db, ctx, settings, { ...failure, reason: result.reason }, wrongCode());
}

/**
 * Replaces the recovery codes; returns the new ones, shown this once. Confirmed by a current TOTP code, or, without a
 * code, by a recent sign-in or re-authentication (how a user with passkeys only confirms it).
 */
export async function regenerateRecoveryCodes(
  db: Kysely<Database>,
  ctx: RequestContext,
  input: { code?: string | undefined },
  settings: AppSettings,
): Promise<{ recoveryCodes: string[] }> {
  const user = await signedInUser(db, ctx);
  await requireNotBlocked(db, throttleKeysOf(ctx, user.email), settings.now());
  if (!(await hasTwoFactor(db, user.id))) {
    throw new AppError('conflict', { message: 'two-factor authentication is not on' });
  }
  const code = input.code?.trim() ?? '';
  if (code === '') await requireRecentAuth(db, ctx);
  const result = await db.transaction().execute(async (trx) => {
    if (code !== '') {
      const checked = await consumeSecondFactor(trx, user.id, code, settings.now(), 'totp');
      if (!checked.ok) return checked;
    }
    const recoveryCodes = await issueRecoveryCodes(trx, user.id, ctx.now());
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
    return failCheck(
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
  /** What the user can answer with. */
  methods: SecondFactorMethod[];
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
  const methods: SecondFactorMethod[] = [];
  if (await hasConfirmedTotp(trx, userId)) methods.push('totp');
  if ((await countPasskeys(trx, userId)) > 0) methods.push('passkey');
  methods.push('recovery-code');
  return { token, expiresAt, methods };
}

/** A pending sign-in, checked: the challenge is live and its user may sign in. */
export interface PendingSignIn {
  idHash: string;
  attempts: number;
  user: UserRecord;
}

/**
 * The pending sign-in the cookie token names, or 401 (enter the password again) when it expired, is unknown or its
 * user was disabled meanwhile; also 429 while the user's email or the address is blocked.
 */
export async function requirePendingSignIn(
  db: Kysely<Database>,
  ctx: RequestContext,
  challengeToken: string | undefined,
  now: Date,
): Promise<PendingSignIn> {
  const expired = () =>
    new AppError('unauthenticated', { message: 'the sign-in expired or was not started; enter your password again' });
  if (challengeToken === undefined || challengeToken === '' || challengeToken.length > 200) throw expired();
  const idHash = sha256Hex(challengeToken);
  const challenge = await findChallenge(db, idHash);
  if (challenge === undefined || Date.parse(challenge.expiresAt) <= now.getTime()) {
    if (challenge !== undefined) await deleteChallenge(db, idHash);
    throw expired();
  }
  const user = await findUserById(db, challenge.userId);
  if (user === undefined || user.disabledAt !== null) {
    await deleteChallenge(db, idHash);
    throw expired();
  }
  await requireNotBlocked(db, throttleKeysOf(ctx, user.email), now);
  return { idHash, attempts: challenge.attempts, user };
}

/**
 * Ends a pending sign-in whose second factor was right, inside the transaction that consumed it: the challenge goes,
 * the throttle forgets the user's failures, a new session begins (the one the caller's cookie named ends), and both
 * steps are audited.
 */
export async function finishTwoFactorSignIn(
  trx: Transaction<Database>,
  ctx: RequestContext,
  settings: AppSettings,
  input: { pending: PendingSignIn; method: SecondFactorMethod; previousToken?: string | undefined; details?: object },
): Promise<SessionResult> {
  const { user } = input.pending;
  await deleteChallenge(trx, input.pending.idHash);
  await writeAudit(trx, {
    ctx,
    orgId: null,
    action: AUDIT_ACTIONS.TWO_FACTOR_VERIFY,
    objectType: 'user',
    objectId: user.id,
    outcome: 'success',
    details: { method: input.method, ...input.details },
    actor: actorOf(user),
  });
  const result = await completeSignIn(trx, ctx, settings, user, {
    previousToken: input.previousToken,
    details: { twoFactor: input.method },
  });
  return result;
}

/**
 * A wrong second factor against a pending sign-in: counted against the challenge (it ends at CHALLENGE_MAX_ATTEMPTS),
 * like a wrong password by the throttle, and audited. Throws 401 (or 429 when it started a block).
 */
export async function failTwoFactorSignIn(
  db: Kysely<Database>,
  ctx: RequestContext,
  settings: AppSettings,
  pending: PendingSignIn,
  reason: string,
  message: string,
): Promise<never> {
  if (pending.attempts + 1 >= CHALLENGE_MAX_ATTEMPTS) await deleteChallenge(db, pending.idHash);
  else await countChallengeAttempt(db, pending.idHash);
  return failCheck(
    db,
    ctx,
    settings,
    { user: pending.user, action: AUDIT_ACTIONS.TWO_FACTOR_VERIFY_FAILED, objectType: 'user', reason },
    new AppError('unauthenticated', { message }),
  );
}

/**
 * Completes a sign-in with a TOTP code or a recovery code: a new session begins (the one the caller's cookie named,
 * if any, ends). Wrong codes count like wrong passwords (throttled per email and address, audited); a pending
 * sign-in takes at most CHALLENGE_MAX_ATTEMPTS wrong codes and lives CHALLENGE_MINUTES. Passkeys answer it through
 * passkeys.service.ts.
 */
export async function completeTwoFactorSignIn(
  db: Kysely<Database>,
  ctx: RequestContext,
  input: { code: string; challengeToken: string | undefined; previousToken?: string | undefined },
  settings: AppSettings,
): Promise<SessionResult> {
  const now = settings.now();
  const pending = await requirePendingSignIn(db, ctx, input.challengeToken, now);
  const result = await db.transaction().execute(async (trx) => {
    const checked = await consumeSecondFactor(trx, pending.user.id, input.code, now, 'any');
    if (!checked.ok) return checked;
    const session = await finishTwoFactorSignIn(trx, ctx, settings, {
      pending,
      method: checked.method,
      previousToken: input.previousToken,
    });
    return { ok: true as const, session };
  });
  if (result.ok) return result.session;
  return failTwoFactorSignIn(db, ctx, settings, pending, result.reason, 'code: is wrong, expired or used already');
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
    await failCheck(db, ctx, settings, { ...failure, reason: 'wrong-password' }, wrongPassword());
  }
  const enrolled = await hasTwoFactor(db, user.id);
  if (enrolled && (input.code === undefined || input.code.trim() === '')) {
    throw new AppError('invalid-input', {
      message: 'code: is required (two-factor authentication is on); or confirm with a passkey',
    });
  }
  const at = ctx.now();
  const result = await db.transaction().execute(async (trx) => {
    let method: SecondFactorMethod | undefined;
    if (enrolled) {
      const checked = await consumeSecondFactor(trx, user.id, input.code ?? '', settings.now(), 'any');
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
  if (!result.ok) await failCheck(db, ctx, settings, { ...failure, reason: result.reason }, wrongCode());
  await clearFailures(db, throttleKey('email', user.email));
  return reauthWindow(at);
}

// ---- The operator's reset ------------------------------------------------------------------------------------------

export interface TwoFactorResetResult {
  userId: string;
  email: string;
  removed: { totp: boolean; passkeys: number; recoveryCodes: number };
  sessionsEnded: number;
}

/**
 * `openmds admin reset-two-factor`: a user lost every second factor (the phone, the security key and the recovery
 * codes). Once the operator has made sure who is asking (in person, by a call back), this removes the TOTP enrolment,
 * every passkey and the recovery codes, ends the user's sessions, records the stated reason and tells the user by
 * mail. The password stays: the user signs in with it and sets up a second factor again (an organization that
 * requires one sends them to do so).
 */
export async function resetTwoFactorByOperator(
  db: Kysely<Database>,
  ctx: RequestContext,
  input: { email: string; reason: string },
): Promise<TwoFactorResetResult> {
  const reason = input.reason.normalize('NFC').trim();
  if (reason === '')
    throw new AppError('invalid-input', { message: 'reason: say why (who asked, how it was checked)' });
  if (reason.length > 500) throw new AppError('invalid-input', { message: 'reason: at most 500 characters' });
  const email = normalizeEmail(input.email);
  const user = await findUserByEmail(db, email);
  if (user === undefined || user.disabledAt !== null) {
    throw new AppError('not-found', { message: `email: no active account has ${email}` });
  }
  return db.transaction().execute(async (trx) => {
    const totp = await hasConfirmedTotp(trx, user.id);
    const recoveryCodes = await countUnusedRecoveryCodes(trx, user.id);
    const passkeys = await deleteAllPasskeys(trx, user.id);
    await deleteTwoFactor(trx, user.id);
    await deleteCeremoniesOf(trx, user.id);
    const sessionsEnded = await revokeUserSessions(trx, user.id);
    const removed = { totp, passkeys, recoveryCodes };
    await writeAudit(trx, {
      ctx,
      orgId: null,
      action: AUDIT_ACTIONS.TWO_FACTOR_OPERATOR_RESET,
      objectType: 'user',
      objectId: user.id,
      outcome: 'success',
      details: { email, reason, removed, sessionsEnded },
    });
    await enqueueMail(trx, {
      to: user.email,
      subject: 'OpenMDS: two-factor authentication was reset / 二要素認証がリセットされました',
      body:
        `${user.displayName} 様\n\n` +
        'OpenMDS の運用者が、あなたのアカウントの二要素認証 (認証アプリ、パスキー、リカバリーコード) を解除しました。\n' +
        `理由: ${reason}\n\n` +
        'パスワードでサインインし、「アカウントのセキュリティ」で二要素認証を設定し直してください。\n' +
        'この依頼に心当たりがない場合は、すぐに組織の管理者と運用者に連絡してください。\n\n' +
        'The operator of OpenMDS removed the second factors of your account (authenticator app, passkeys, recovery ' +
        `codes). Reason: ${reason}\nSign in with your password and set up two-factor authentication again under ` +
        '"Account security". If you did not ask for this, tell your organization and the operator at once.\n',
      kind: 'two-factor.reset',
      at: ctx.now(),
    });
    return { userId: user.id, email, removed, sessionsEnded };
  });
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
