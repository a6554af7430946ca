import { randomBytes } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Kysely, Transaction } from 'kysely';
import { sha256Hex } from '../../db/hash.js';
import type { Database } from '../../db/schema.js';
import { requireUser } from '../../security/access.js';
import { AUDIT_ACTIONS, writeAudit } from '../../security/audit.js';
import type { RequestContext } from '../../security/context.js';
import { reauthWindow, requireRecentAuth, stampReauth } from '../../security/reauth.js';
import type { AppSettings } from '../../security/settings.js';
import { clearFailures, rateLimited, recordFailure, requireNotBlocked, throttleKey } from '../../security/throttle.js';
import { AppError } from '../../server/errors.js';
import { countSignInFailure, findUserById, type UserRecord } from './accounts.repository.js';
import type { AuthenticationResponseBody, PasskeyCreateBody } from './passkeys.schema.js';
import {
  deletePasskey,
  findPasskey,
  insertPasskey,
  listPasskeys,
  putCeremony,
  renamePasskey,
  recordPasskeyUse,
  takeCeremony,
  type CeremonyPurpose,
  type CeremonyRecord,
  type PasskeyRecord,
} from './passkeys.repository.js';
import { isBreakGlassUser } from './password.repository.js';
import { completeSignIn, type SessionResult } from './session-view.js';
import { deleteTwoFactor, hasTwoFactor } from './two-factor.repository.js';
import {
  CHALLENGE_MINUTES,
  failCheck,
  failTwoFactorSignIn,
  finishTwoFactorSignIn,
  issueRecoveryCodes,
  requirePendingSignIn,
} from './two-factor.service.js';

type Queryable = Kysely<Database> | Transaction<Database>;

/** A user has at most this many passkeys: enough for every device and a spare security key. */
export const MAX_PASSKEYS = 20;

/** COSE algorithms accepted for new passkeys: ES256 (nearly every authenticator), EdDSA, RS256 (Windows Hello). */
const ALGORITHMS = [-7, -8, -257];

/**
 * The relying party: WebAuthn binds every passkey to a domain (the RP ID) and checks each answer came from our origin,
 * which is what makes passkeys phishing-resistant.
 */
export interface RelyingParty {
  /** The domain, e.g. mds.example.jp (localhost in development). */
  id: string;
  /** e.g. https://mds.example.jp */
  origin: string;
  name: string;
}

/**
 * The relying party of a request: OPENMDS_PUBLIC_URL when set (production, behind a proxy: set it), else the address
 * the request came to. A forged Host header gains nothing: the browser signs the origin it really talked to, and a
 * passkey answers only for the domain it was made for.
 */
export function relyingPartyOf(settings: AppSettings, request: { protocol: string; host: string }): RelyingParty {
  const origin = new URL(settings.publicUrl ?? `${request.protocol}://${request.host}`).origin;
  return { id: new URL(origin).hostname, origin, name: 'OpenMDS' };
}

const actorOf = (u: { id: string; displayName: string; email: string }) => ({
  id: u.id,
  name: `${u.displayName} <${u.email}>`,
});

export interface PasskeyView {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  synced: boolean;
  transports: string[];
}

const viewOf = (p: PasskeyRecord): PasskeyView => ({
  id: p.id,
  name: p.name,
  createdAt: p.createdAt,
  lastUsedAt: p.lastUsedAt,
  synced: p.deviceType === 'multiDevice' || p.backedUp,
  transports: p.transports,
});

/** The WebAuthn user handle: the user's id, never their email (it is stored on the authenticator). */
const userHandleOf = (userId: string): Uint8Array<ArrayBuffer> => new Uint8Array(Buffer.from(userId, 'utf8'));

const expiresAt = (at: string): string => new Date(Date.parse(at) + CHALLENGE_MINUTES * 60_000).toISOString();
const TIMEOUT_MS = CHALLENGE_MINUTES * 60_000;

async function signedInUser(db: Queryable, ctx: RequestContext): Promise<UserRecord> {
  const actor = requireUser(ctx.actor);
  const user = await findUserById(db, actor.userId);
  if (user === undefined) throw new AppError('unauthenticated', { message: 'the account is no longer active' });
  return user;
}

// ---- The caller's passkeys ------------------------------------------------------------------------------------------

export async function listMyPasskeys(db: Kysely<Database>, ctx: RequestContext): Promise<{ passkeys: PasskeyView[] }> {
  const actor = requireUser(ctx.actor);
  return { passkeys: (await listPasskeys(db, actor.userId)).map(viewOf) };
}

/**
 * Options for navigator.credentials.create(): a new passkey for the caller, who must have authenticated recently.
 * The passkeys they have are excluded (an authenticator is not registered twice). A discoverable credential with
 * user verification is asked for, so the passkey can also sign in without a password.
 */
export async function passkeyRegistrationOptions(
  db: Kysely<Database>,
  ctx: RequestContext,
  rp: RelyingParty,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const user = await signedInUser(db, ctx);
  await requireRecentAuth(db, ctx);
  if (await isBreakGlassUser(db, user.id)) {
    // Its sealed, single-use credential is the only way in: a passkey would skip the reason and the alert.
    throw new AppError('forbidden', { message: 'the break-glass account cannot have passkeys' });
  }
  const existing = await listPasskeys(db, user.id);
  if (existing.length >= MAX_PASSKEYS) {
    throw new AppError('conflict', { message: `at most ${MAX_PASSKEYS} passkeys; remove one first` });
  }
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.email,
    userDisplayName: user.displayName,
    userID: userHandleOf(user.id),
    timeout: TIMEOUT_MS,
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.id, transports: p.transports })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    supportedAlgorithmIDs: ALGORITHMS,
  });
  const at = ctx.now();
  await putCeremony(db, {
    id: `register:${requireUser(ctx.actor).sessionId}`,
    purpose: 'register',
    userId: user.id,
    challenge: options.challenge,
    at,
    expiresAt: expiresAt(at),
  });
  return options;
}

function registrationResponseOf(body: PasskeyCreateBody['response']): RegistrationResponseJSON {
  const { authenticatorAttachment, ...rest } = body;
  return {
    ...rest,
    clientExtensionResults: {},
    ...(authenticatorAttachment === undefined ? {} : { authenticatorAttachment }),
  };
}

function authenticationResponseOf(body: AuthenticationResponseBody): AuthenticationResponseJSON {
  const { authenticatorAttachment, ...rest } = body;
  return {
    ...rest,
    clientExtensionResults: {},
    ...(authenticatorAttachment === undefined ? {} : { authenticatorAttachment }),
  };
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Registers the passkey the browser made with the last options. When it is the user's first second factor, recovery
 * codes are issued with it (shown this once).
 */
export async function registerPasskey(
  db: Kysely<Database>,
  ctx: RequestContext,
  rp: RelyingParty,
  input: PasskeyCreateBody,
): Promise<{ passkey: PasskeyView; recoveryCodes: string[] }> {
  const user = await signedInUser(db, ctx);
  await requireRecentAuth(db, ctx);
  const sessionId = requireUser(ctx.actor).sessionId;
  const name = input.name.trim();
  if (name === '') throw new AppError('invalid-input', { message: 'name: is empty' });
  return db.transaction().execute(async (trx) => {
    const ceremony = await takeCeremony(trx, `register:${sessionId}`, ctx.now());
    if (ceremony === undefined || ceremony.userId !== user.id) {
      throw new AppError('conflict', { message: 'response: no passkey registration is waiting; start again' });
    }
    let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
    try {
      verified = await verifyRegistrationResponse({
        response: registrationResponseOf(input.response),
        expectedChallenge: ceremony.challenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.id,
        requireUserVerification: false,
        supportedAlgorithmIDs: ALGORITHMS,
      });
    } catch (e) {
      throw new AppError('invalid-input', { message: `response: ${messageOf(e)}` });
    }
    if (!verified.verified) throw new AppError('invalid-input', { message: 'response: could not be verified' });
    const info = verified.registrationInfo;
    if ((await findPasskey(trx, info.credential.id)) !== undefined) {
      throw new AppError('conflict', { message: 'response: this passkey is registered already' });
    }
    const first = !(await hasTwoFactor(trx, user.id));
    const at = ctx.now();
    const record = {
      id: info.credential.id,
      userId: user.id,
      name,
      publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
      signCount: info.credential.counter,
      transports: [...(info.credential.transports ?? [])],
      deviceType: info.credentialDeviceType,
      backedUp: info.credentialBackedUp,
      aaguid: info.aaguid,
      createdAt: at,
    };
    await insertPasskey(trx, record);
    const recoveryCodes = first ? await issueRecoveryCodes(trx, user.id, at) : [];
    await writeAudit(trx, {
      ctx,
      orgId: null,
      action: AUDIT_ACTIONS.PASSKEY_REGISTER,
      objectType: 'passkey',
      objectId: record.id,
      outcome: 'success',
      details: { name, synced: viewOf({ ...record, lastUsedAt: null }).synced, aaguid: info.aaguid },
    });
    return { passkey: viewOf({ ...record, lastUsedAt: null }), recoveryCodes };
  });
}

const noSuchPasskey = () => new AppError('not-found', { message: 'no such passkey of yours' });

export async function renameMyPasskey(
  db: Kysely<Database>,
  ctx: RequestContext,
  id: string,
  name: string,
): Promise<PasskeyView> {
  const actor = requireUser(ctx.actor);
  const trimmed = name.trim();
  if (trimmed === '') throw new AppError('invalid-input', { message: 'name: is empty' });
  return db.transaction().execute(async (trx) => {
    if (!(await renamePasskey(trx, actor.userId, id, trimmed))) throw noSuchPasskey();
    await writeAudit(trx, {
      ctx,
      orgId: null,
      action: AUDIT_ACTIONS.PASSKEY_RENAME,
      objectType: 'passkey',
      objectId: id,
      outcome: 'success',
      details: { name: trimmed },
    });
    const passkey = await findPasskey(trx, id);
    if (passkey === undefined) throw noSuchPasskey();
    return viewOf(passkey);
  });
}

/**
 * Removes one of the caller's passkeys (a recent authentication needed). When it was their last second factor, the
 * recovery codes go with it: two-factor authentication is off.
 */
export async function removeMyPasskey(db: Kysely<Database>, ctx: RequestContext, id: string): Promise<void> {
  const actor = requireUser(ctx.actor);
  await requireRecentAuth(db, ctx);
  await db.transaction().execute(async (trx) => {
    const passkey = await findPasskey(trx, id);
    if (passkey === undefined || passkey.userId !== actor.userId) throw noSuchPasskey();
    await deletePasskey(trx, actor.userId, id);
    const last = !(await hasTwoFactor(trx, actor.userId));
    if (last) await deleteTwoFactor(trx, actor.userId);
    await writeAudit(trx, {
      ctx,
      orgId: null,
      action: AUDIT_ACTIONS.PASSKEY_REMOVE,
      objectType: 'passkey',
      objectId: id,
      outcome: 'success',
      details: { name: passkey.name, twoFactorOff: last },
    });
  });
}

// ---- Assertions: sign-in, second step, re-authentication ------------------------------------------------------------

type AssertionCheck = { ok: true; passkey: PasskeyRecord } | { ok: false; reason: string; passkey?: PasskeyRecord };

/**
 * Checks an assertion against a ceremony's challenge, inside the transaction that records the success: the passkey
 * must exist (and be `userId`'s, when the ceremony names a user), the signature, origin, RP ID and counter must hold,
 * and user verification when `requireUserVerification`. Its counter and last use are then recorded.
 */
async function checkAssertion(
  trx: Transaction<Database>,
  rp: RelyingParty,
  ceremony: CeremonyRecord,
  body: AuthenticationResponseBody,
  options: { requireUserVerification: boolean; at: string },
): Promise<AssertionCheck> {
  const passkey = await findPasskey(trx, body.id);
  if (passkey === undefined) return { ok: false, reason: 'unknown-passkey' };
  if (ceremony.userId !== null && passkey.userId !== ceremony.userId) return { ok: false, reason: 'foreign-passkey' };
  const handle = body.response.userHandle;
  if (handle !== undefined && handle !== '' && Buffer.from(handle, 'base64url').toString('utf8') !== passkey.userId) {
    return { ok: false, reason: 'user-handle-mismatch', passkey };
  }
  let verified: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  try {
    verified = await verifyAuthenticationResponse({
      response: authenticationResponseOf(body),
      expectedChallenge: ceremony.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      credential: {
        id: passkey.id,
        publicKey: new Uint8Array(Buffer.from(passkey.publicKey, 'base64url')),
        counter: passkey.signCount,
        transports: passkey.transports,
      },
      requireUserVerification: options.requireUserVerification,
    });
  } catch (e) {
    const message = messageOf(e);
    return { ok: false, reason: /counter/i.test(message) ? 'counter-regression' : 'invalid-assertion', passkey };
  }
  if (!verified.verified) return { ok: false, reason: 'invalid-assertion', passkey };
  const info = verified.authenticationInfo;
  const recorded = await recordPasskeyUse(trx, {
    id: passkey.id,
    seenCount: passkey.signCount,
    newCount: info.newCounter,
    backedUp: info.credentialBackedUp,
    deviceType: info.credentialDeviceType,
    at: options.at,
  });
  if (!recorded) return { ok: false, reason: 'replayed-assertion', passkey };
  return { ok: true, passkey };
}

async function assertionOptions(
  db: Queryable,
  rp: RelyingParty,
  c: {
    id: string;
    purpose: CeremonyPurpose;
    userId: string | null;
    at: string;
    userVerification: 'required' | 'preferred';
  },
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const allow = c.userId === null ? [] : await listPasskeys(db, c.userId);
  if (c.userId !== null && allow.length === 0) {
    throw new AppError('conflict', { message: 'you have no passkey; use your password or code' });
  }
  const options = await generateAuthenticationOptions({
    rpID: rp.id,
    timeout: TIMEOUT_MS,
    userVerification: c.userVerification,
    allowCredentials: allow.map((p) => ({ id: p.id, transports: p.transports })),
  });
  await putCeremony(db, {
    id: c.id,
    purpose: c.purpose,
    userId: c.userId,
    challenge: options.challenge,
    at: c.at,
    expiresAt: expiresAt(c.at),
  });
  return options;
}

const passkeyRefused = () =>
  new AppError('unauthenticated', { message: 'response: the passkey was not accepted; try again' });

/** Counts a failure by the sign-in throttle (address, and the email when the passkey is known), audited; throws. */
async function failSignIn(
  db: Kysely<Database>,
  ctx: RequestContext,
  settings: AppSettings,
  reason: string,
  user: UserRecord | undefined,
): Promise<never> {
  const now = settings.now();
  const keys = [throttleKey('ip', ctx.ip), ...(user === undefined ? [] : [throttleKey('email', user.email)])];
  const blocked = await db.transaction().execute(async (trx) => {
    const seconds = await recordFailure(trx, keys, now);
    if (user !== undefined) {
      const until = seconds > 0 ? new Date(now.getTime() + seconds * 1000).toISOString() : null;
      await countSignInFailure(trx, user.id, until);
    }
    await writeAudit(trx, {
      ctx,
      orgId: null,
      action: AUDIT_ACTIONS.USER_SIGN_IN_FAILED,
      objectType: 'user',
      objectId: user?.id ?? null,
      outcome: 'failure',
      details: { method: 'passkey', reason, ...(seconds > 0 ? { blockedForSeconds: seconds } : {}) },
      ...(user === undefined ? {} : { actor: actorOf(user) }),
    });
    return seconds;
  });
  if (blocked > 0) throw rateLimited(blocked);
  throw passkeyRefused();
}

/** A passwordless sign-in waiting for its passkey: the token goes into a short-lived cookie. */
export interface PasskeySignInStart {
  token: string;
  options: PublicKeyCredentialRequestOptionsJSON;
}

/**
 * Options for a passwordless sign-in: no user is named (the passkey says who), user verification is required (the
 * device's PIN or biometrics: with possession of the passkey, two factors).
 */
export async function passkeySignInOptions(
  db: Kysely<Database>,
  ctx: RequestContext,
  rp: RelyingParty,
  settings: AppSettings,
): Promise<PasskeySignInStart> {
  await requireNotBlocked(db, [throttleKey('ip', ctx.ip)], settings.now());
  const token = randomBytes(32).toString('base64url');
  const options = await assertionOptions(db, rp, {
    id: `sign-in:${sha256Hex(token)}`,
    purpose: 'sign-in',
    userId: null,
    at: ctx.now(),
    userVerification: 'required',
  });
  return { token, options };
}

/** Completes a passwordless sign-in: a new session begins (the one the caller's cookie named, if any, ends). */
export async function completePasskeySignIn(
  db: Kysely<Database>,
  ctx: RequestContext,
  rp: RelyingParty,
  settings: AppSettings,
  input: { response: AuthenticationResponseBody; token: string | undefined; previousToken?: string | undefined },
): Promise<SessionResult> {
  const now = settings.now();
  await requireNotBlocked(db, [throttleKey('ip', ctx.ip)], now);
  if (input.token === undefined || input.token === '' || input.token.length > 200) {
    throw new AppError('unauthenticated', { message: 'the passkey sign-in expired or was not started; start again' });
  }
  const owner = await findPasskey(db, input.response.id);
  const user = owner === undefined ? undefined : await findUserById(db, owner.userId);
  if (user !== undefined) await requireNotBlocked(db, [throttleKey('email', user.email)], now);
  const result = await db.transaction().execute(async (trx) => {
    const ceremony = await takeCeremony(trx, `sign-in:${sha256Hex(input.token ?? '')}`, ctx.now());
    if (ceremony === undefined) return { ok: false as const, reason: 'expired-challenge' };
    if (user === undefined || user.disabledAt !== null) return { ok: false as const, reason: 'unknown-passkey' };
    const checked = await checkAssertion(trx, rp, ceremony, input.response, {
      requireUserVerification: true,
      at: ctx.now(),
    });
    if (!checked.ok) return checked;
    const session = await completeSignIn(trx, ctx, settings, user, {
      previousToken: input.previousToken,
      details: { method: 'passkey', passkey: checked.passkey.name },
    });
    return { ok: true as const, session };
  });
  if (result.ok) return result.session;
  if (result.reason === 'expired-challenge') {
    throw new AppError('unauthenticated', { message: 'the passkey sign-in expired or was not started; start again' });
  }
  return failSignIn(db, ctx, settings, result.reason, user?.disabledAt === null ? user : undefined);
}

/** Options for answering a pending sign-in (after the password) with one of the user's passkeys. */
export async function secondFactorPasskeyOptions(
  db: Kysely<Database>,
  ctx: RequestContext,
  rp: RelyingParty,
  settings: AppSettings,
  challengeToken: string | undefined,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const pending = await requirePendingSignIn(db, ctx, challengeToken, settings.now());
  return assertionOptions(db, rp, {
    id: `second-factor:${pending.idHash}`,
    purpose: 'second-factor',
    userId: pending.user.id,
    at: ctx.now(),
    userVerification: 'preferred',
  });
}

/** Completes a pending sign-in with a passkey; failures count like wrong codes. */
export async function completeSecondFactorPasskey(
  db: Kysely<Database>,
  ctx: RequestContext,
  rp: RelyingParty,
  settings: AppSettings,
  input: {
    response: AuthenticationResponseBody;
    challengeToken: string | undefined;
    previousToken?: string | undefined;
  },
): Promise<SessionResult> {
  const pending = await requirePendingSignIn(db, ctx, input.challengeToken, settings.now());
  const result = await db.transaction().execute(async (trx) => {
    const ceremony = await takeCeremony(trx, `second-factor:${pending.idHash}`, ctx.now());
    if (ceremony === undefined) return { ok: false as const, reason: 'expired-challenge' };
    const checked = await checkAssertion(trx, rp, ceremony, input.response, {
      requireUserVerification: false,
      at: ctx.now(),
    });
    if (!checked.ok) return checked;
    const session = await finishTwoFactorSignIn(trx, ctx, settings, {
      pending,
      method: 'passkey',
      previousToken: input.previousToken,
      details: { passkey: checked.passkey.name },
    });
    return { ok: true as const, session };
  });
  if (result.ok) return result.session;
  return failTwoFactorSignIn(db, ctx, settings, pending, result.reason, 'response: the passkey was not accepted');
}

/** Options for confirming a sensitive action with a passkey (user verification required: it stands alone). */
export async function reauthPasskeyOptions(
  db: Kysely<Database>,
  ctx: RequestContext,
  rp: RelyingParty,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const actor = requireUser(ctx.actor);
  return assertionOptions(db, rp, {
    id: `reauth:${actor.sessionId}`,
    purpose: 'reauth',
    userId: actor.userId,
    at: ctx.now(),
    userVerification: 'required',
  });
}

/**
 * Re-authentication with a passkey and its user verification, instead of the password and a code: sensitive actions
 * are allowed for REAUTH_MINUTES.
 */
export async function reauthenticateWithPasskey(
  db: Kysely<Database>,
  ctx: RequestContext,
  rp: RelyingParty,
  settings: AppSettings,
  input: { response: AuthenticationResponseBody },
): Promise<{ reauthenticatedAt: string; validUntil: string }> {
  const user = await signedInUser(db, ctx);
  const sessionId = requireUser(ctx.actor).sessionId;
  await requireNotBlocked(db, [throttleKey('email', user.email), throttleKey('ip', ctx.ip)], settings.now());
  const at = ctx.now();
  const result = await db.transaction().execute(async (trx) => {
    const ceremony = await takeCeremony(trx, `reauth:${sessionId}`, at);
    if (ceremony === undefined || ceremony.userId !== user.id)
      return { ok: false as const, reason: 'expired-challenge' };
    const checked = await checkAssertion(trx, rp, ceremony, input.response, { requireUserVerification: true, at });
    if (!checked.ok) return checked;
    await stampReauth(trx, sessionId, at);
    await writeAudit(trx, {
      ctx,
      orgId: null,
      action: AUDIT_ACTIONS.SESSION_REAUTHENTICATE,
      objectType: 'session',
      objectId: null,
      outcome: 'success',
      details: { method: 'passkey', passkey: checked.passkey.name },
    });
    return { ok: true as const };
  });
  if (!result.ok) {
    const failure = { user, action: AUDIT_ACTIONS.SESSION_REAUTHENTICATE, objectType: 'session' };
    await failCheck(db, ctx, settings, { ...failure, reason: `passkey:${result.reason}` }, passkeyRefused());
  }
  await clearFailures(db, throttleKey('email', user.email));
  return reauthWindow(at);
}
