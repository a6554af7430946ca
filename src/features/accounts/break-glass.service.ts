import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { sha256Hex } from '../../db/hash.js';
import type { Database } from '../../db/schema.js';
import { requireAccess, requireUser } from '../../security/access.js';
import { AUDIT_ACTIONS, writeAudit } from '../../security/audit.js';
import type { RequestContext, Role } from '../../security/context.js';
import { createSession, revokeSession, revokeUserSessions, sessionIdHash } from '../../security/sessions.js';
import type { AppSettings } from '../../security/settings.js';
import { rateLimited, recordFailure, requireNotBlocked, throttleKey } from '../../security/throttle.js';
import { lockForTransaction } from '../../security/transaction-lock.js';
import { AppError } from '../../server/errors.js';
import { enqueueMail } from '../mail/mail-outbox.js';
import { notify } from '../notifications/notify.js';
import {
  deleteMembership,
  findMember,
  findOrg,
  insertMembership,
  updateRole,
} from '../organizations/organizations.repository.js';
import { orgLock } from '../organizations/organizations.service.js';
import { insertUser } from './accounts.repository.js';
import {
  findBreakGlass,
  hasLiveSession,
  insertBreakGlass,
  listOwners,
  markBreakGlassUsed,
  resealBreakGlass,
  userName,
  type BreakGlassRecord,
} from './break-glass.repository.js';
import { loadSessionView, type SessionResult } from './session-view.js';

/** The role a break-glass session has in its organization: read and write, no administration, no approval. */
export const BREAK_GLASS_ROLE: Role = 'editor';

/** Crockford base32: no I, L, O, U, so a credential read off paper is typed back without ambiguity. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const GROUPS = 5;
const GROUP_SIZE = 5;

/** A fresh credential: 25 characters (125 bits) in groups of five, to print and seal. */
export function newBreakGlassCredential(): string {
  const bytes = randomBytes(GROUPS * GROUP_SIZE);
  const chars = [...bytes].map((b) => ALPHABET[b & 31]!);
  const groups: string[] = [];
  for (let i = 0; i < GROUPS; i++) groups.push(chars.slice(i * GROUP_SIZE, (i + 1) * GROUP_SIZE).join(''));
  return groups.join('-');
}

/** A typed credential as stored: upper case, no spaces or hyphens, O read as 0 and I, L as 1. */
export function normalizeCredential(text: string): string {
  return text.normalize('NFKC').toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
}

const credentialHash = (credential: string): string => sha256Hex(normalizeCredential(credential));

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The break-glass account as owners see it. */
export interface BreakGlassView {
  /** none: not created. sealed: never used. used: used, and refused until rotated. rotated: sealed again after a rotation. */
  state: 'none' | 'sealed' | 'used' | 'rotated';
  role: Role;
  sessionMinutes: number;
  createdAt: string | null;
  sealedAt: string | null;
  sealedBy: string | null;
  rotations: number;
  useCount: number;
  /** The latest use (kept across rotations), with the stated reason. */
  lastUse: { at: string; reason: string; ip: string | null; sessionExpiresAt: string | null } | null;
  /** A break-glass session is running now (rotating ends it). */
  sessionActive: boolean;
}

function stateOf(r: BreakGlassRecord): BreakGlassView['state'] {
  if (r.usedAt !== null) return 'used';
  return r.rotations > 0 ? 'rotated' : 'sealed';
}

async function viewOf(
  db: Kysely<Database> | Transaction<Database>,
  r: BreakGlassRecord | undefined,
  settings: AppSettings,
  now: string,
): Promise<BreakGlassView> {
  const base = { role: BREAK_GLASS_ROLE, sessionMinutes: settings.breakGlassMinutes };
  if (r === undefined) {
    return {
      ...base,
      state: 'none',
      createdAt: null,
      sealedAt: null,
      sealedBy: null,
      rotations: 0,
      useCount: 0,
      lastUse: null,
      sessionActive: false,
    };
  }
  return {
    ...base,
    state: stateOf(r),
    createdAt: r.createdAt,
    sealedAt: r.sealedAt,
    sealedBy: await userName(db, r.sealedBy),
    rotations: r.rotations,
    useCount: r.useCount,
    lastUse:
      r.lastUseAt === null
        ? null
        : {
            at: r.lastUseAt,
            reason: r.lastUseReason ?? '',
            ip: r.lastUseIp,
            sessionExpiresAt: r.lastSessionExpiresAt,
          },
    sessionActive: r.usedAt !== null && (await hasLiveSession(db, r.userId, now)),
  };
}

/** GET /orgs/:orgId/break-glass: its state for an owner. */
export async function getBreakGlass(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  settings: AppSettings,
): Promise<BreakGlassView> {
  requireAccess(ctx.actor, 'org.manage', { orgId, describe: 'organization' });
  return viewOf(db, await findBreakGlass(db, orgId), settings, ctx.now());
}

/** The view and the credential, which this answer carries once and nothing can show again. */
export type SealedBreakGlass = BreakGlassView & { credential: string };

/**
 * POST /orgs/:orgId/break-glass: an owner creates the organization's break-glass account, sealed. Its user has no
 * password and no membership until the credential is used.
 */
export async function createBreakGlass(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  settings: AppSettings,
): Promise<SealedBreakGlass> {
  requireAccess(ctx.actor, 'org.manage', { orgId, describe: 'organization' });
  const owner = requireUser(ctx.actor);
  const credential = newBreakGlassCredential();
  return db.transaction().execute(async (trx) => {
    await lockForTransaction(trx, orgLock(orgId));
    if ((await findBreakGlass(trx, orgId)) !== undefined) {
      throw new AppError('conflict', {
        message: 'the organization has a break-glass account already; rotate it for a new credential',
      });
    }
    const at = ctx.now();
    const userId = randomUUID();
    await insertUser(trx, {
      id: userId,
      email: `break-glass-${orgId.toLowerCase()}@openmds.invalid`,
      displayName: '非常時アカウント (break-glass)',
      // Not a hash any password gives: nobody signs in to this account with a password.
      passwordHash: 'none$break-glass',
      isOperator: false,
      at,
    });
    await insertBreakGlass(trx, { orgId, userId, credentialHash: credentialHash(credential), at, by: owner.userId });
    await writeAudit(trx, {
      ctx,
      orgId,
      action: AUDIT_ACTIONS.BREAK_GLASS_CREATE,
      objectType: 'break-glass',
      objectId: userId,
      outcome: 'success',
    });
    return { ...(await viewOf(trx, await findBreakGlass(trx, orgId), settings, at)), credential };
  });
}

/**
 * POST /orgs/:orgId/break-glass/rotate: seals a new credential. The old one stops working, a running break-glass
 * session ends and the account leaves the organization's members until its next use.
 */
export async function rotateBreakGlass(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  settings: AppSettings,
): Promise<SealedBreakGlass> {
  requireAccess(ctx.actor, 'org.manage', { orgId, describe: 'organization' });
  const owner = requireUser(ctx.actor);
  const credential = newBreakGlassCredential();
  return db.transaction().execute(async (trx) => {
    await lockForTransaction(trx, orgLock(orgId));
    const current = await findBreakGlass(trx, orgId);
    if (current === undefined) {
      throw new AppError('not-found', { message: 'break-glass account not found; create it first' });
    }
    const at = ctx.now();
    const wasUsed = current.usedAt !== null;
    await resealBreakGlass(trx, { orgId, credentialHash: credentialHash(credential), at, by: owner.userId });
    const sessionsEnded = await revokeUserSessions(trx, current.userId);
    if ((await findMember(trx, orgId, current.userId)) !== undefined) {
      await deleteMembership(trx, orgId, current.userId);
    }
    await writeAudit(trx, {
      ctx,
      orgId,
      action: AUDIT_ACTIONS.BREAK_GLASS_ROTATE,
      objectType: 'break-glass',
      objectId: current.userId,
      outcome: 'success',
      details: { wasUsed, sessionsEnded },
    });
    return { ...(await viewOf(trx, await findBreakGlass(trx, orgId), settings, at)), credential };
  });
}

export interface UseBreakGlassInput {
  /** The organization's id, printed with the credential. */
  org: string;
  credential: string;
  reason: string;
  /** The session the caller's cookie named, which the break-glass session replaces. */
  previousToken?: string;
}

const WRONG = 'organization or credential is wrong';

/** The stated reason: trimmed, NFC, no control characters but line breaks. */
function cleanReason(text: string): string {
  const reason = text.normalize('NFC').trim();
  if (reason === '')
    throw new AppError('invalid-input', { message: 'reason: state why the break-glass account is needed' });
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(reason)) {
    throw new AppError('invalid-input', { message: 'reason: must not contain control characters' });
  }
  return reason;
}

/**
 * POST /auth/break-glass: signs in with the sealed credential and a stated reason. The session lasts
 * `settings.breakGlassMinutes` at most, as an editor of the organization. Every owner is alerted (an in-app
 * notification of the organization, and a mail each) and the use is audited with the reason; the credential is
 * then used up until an owner rotates it.
 */
export async function useBreakGlass(
  db: Kysely<Database>,
  ctx: RequestContext,
  input: UseBreakGlassInput,
  settings: AppSettings,
): Promise<SessionResult> {
  const reason = cleanReason(input.reason);
  const orgKey = throttleKey('break-glass', input.org);
  const ipKey = throttleKey('ip', ctx.ip);
  await requireNotBlocked(db, [orgKey, ipKey], settings.now());
  const account = await findBreakGlass(db, input.org);
  const fail = async (why: 'wrong' | 'used'): Promise<never> => {
    const blocked = await db.transaction().execute(async (trx) => {
      const seconds = why === 'wrong' ? await recordFailure(trx, [orgKey, ipKey], settings.now()) : 0;
      await writeAudit(trx, {
        ctx,
        // Attempts on a real break-glass account belong to its organization's trail; others to the instance's.
        orgId: account?.orgId ?? null,
        action: AUDIT_ACTIONS.BREAK_GLASS_USE,
        objectType: 'break-glass',
        objectId: account?.userId ?? null,
        outcome: 'failure',
        details: { why, reason },
      });
      return seconds;
    });
    if (blocked > 0) throw rateLimited(blocked);
    if (why === 'used') {
      throw new AppError('conflict', {
        message: 'credential: was used already; an owner must rotate the break-glass account before it works again',
      });
    }
    throw new AppError('unauthenticated', { message: WRONG });
  };
  if (account === undefined || !sameHash(account.credentialHash, credentialHash(input.credential))) {
    return fail('wrong');
  }
  if (account.usedAt !== null) return fail('used');
  const org = await findOrg(db, account.orgId);
  if (org === undefined) return fail('wrong');

  const now = settings.now();
  const minutes = settings.breakGlassMinutes;
  const sessionExpiresAt = new Date(now.getTime() + minutes * 60_000).toISOString();
  const result = await db.transaction().execute(async (trx) => {
    await lockForTransaction(trx, orgLock(account.orgId));
    const at = ctx.now();
    if (!(await markBreakGlassUsed(trx, { orgId: account.orgId, at, reason, ip: ctx.ip, sessionExpiresAt }))) {
      return undefined;
    }
    const member = await findMember(trx, account.orgId, account.userId);
    if (member === undefined) {
      await insertMembership(trx, { userId: account.userId, orgId: account.orgId, role: BREAK_GLASS_ROLE, at });
    } else if (member.role !== BREAK_GLASS_ROLE) {
      await updateRole(trx, account.orgId, account.userId, BREAK_GLASS_ROLE);
    }
    if (input.previousToken !== undefined && input.previousToken !== '') {
      await revokeSession(trx, sessionIdHash(input.previousToken));
    }
    const { token, session } = await createSession(trx, {
      userId: account.userId,
      currentOrgId: account.orgId,
      ip: ctx.ip,
      userAgent: ctx.userAgent,
      now,
      timeouts: { idleMinutes: Math.min(settings.sessionIdleMinutes, minutes), maxHours: minutes / 60 },
    });
    const actor = { id: account.userId, name: `非常時アカウント (break-glass) <${org.name}>` };
    await writeAudit(trx, {
      ctx,
      orgId: account.orgId,
      action: AUDIT_ACTIONS.BREAK_GLASS_USE,
      objectType: 'break-glass',
      objectId: account.userId,
      outcome: 'success',
      details: { reason, role: BREAK_GLASS_ROLE, sessionExpiresAt },
      actor,
    });
    await notify(trx, {
      orgId: account.orgId,
      kind: 'break-glass.used',
      params: { reason, at, sessionExpiresAt, ip: ctx.ip === '' ? null : ctx.ip, orgName: org.name },
      at,
    });
    for (const owner of await listOwners(trx, account.orgId)) {
      await enqueueMail(trx, {
        to: owner.email,
        subject: `OpenMDS: 非常時アカウントが使われました / break-glass account used (${org.name})`,
        body: alertBody({ orgName: org.name, at, reason, ip: ctx.ip, sessionExpiresAt }),
        kind: 'break-glass.used',
        at,
      });
    }
    return { token, view: await loadSessionView(trx, session) };
  });
  if (result === undefined) return fail('used');
  return result;
}

function alertBody(a: { orgName: string; at: string; reason: string; ip: string; sessionExpiresAt: string }): string {
  return [
    `${a.orgName} の非常時アカウントが使われました。`,
    `日時: ${a.at}`,
    `接続元: ${a.ip === '' ? '-' : a.ip}`,
    `理由: ${a.reason}`,
    `セッションの期限: ${a.sessionExpiresAt}`,
    '事態が収まったら、管理者が非常時アカウントを更新 (新しい資格情報を封印) してください。それまで再使用できません。',
    '',
    `The break-glass account of ${a.orgName} was used at ${a.at} from ${a.ip === '' ? '-' : a.ip}.`,
    `Reason: ${a.reason}`,
    `The session ends by ${a.sessionExpiresAt}. An owner must rotate the account (seal a new credential) before it`,
    'works again.',
  ].join('\n');
}
