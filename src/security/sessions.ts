import { randomBytes } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { sha256Hex } from '../db/hash.js';
import type { Database } from '../db/schema.js';
import type { SessionsTable } from '../db/schema-accounts.js';

type Queryable = Kysely<Database> | Transaction<Database>;

/** The session cookie's name (HttpOnly, SameSite=Lax, Path=/, Secure over TLS). */
export const SESSION_COOKIE = 'openmds_session';

/** The header every write of a signed-in caller carries, holding the session's CSRF token. */
export const CSRF_HEADER = 'x-csrf-token';

/** last_seen_at (and with it the idle deadline) is written at most this often, to spare the database. */
export const TOUCH_INTERVAL_MS = 60_000;

export interface SessionTimeouts {
  /** Idle timeout in minutes. */
  idleMinutes: number;
  /** Absolute timeout in hours. */
  maxHours: number;
}

/** A live session, as stored (without its token, which only the cookie holds). */
export interface SessionRecord {
  /** sha256 (hex) of the cookie's token: the primary key. */
  idHash: string;
  userId: string;
  currentOrgId: string | null;
  csrfToken: string;
  createdAt: string;
  lastSeenAt: string;
  idleExpiresAt: string;
  absoluteExpiresAt: string;
  /** Set while the screen is locked. */
  lockedAt: string | null;
}

function rowToSession(row: Selectable<SessionsTable>): SessionRecord {
  return {
    idHash: row.id_hash,
    userId: row.user_id,
    currentOrgId: row.current_org_id,
    csrfToken: row.csrf_token,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    idleExpiresAt: row.idle_expires_at,
    absoluteExpiresAt: row.absolute_expires_at,
    lockedAt: row.locked_at,
  };
}

/** The database key of a cookie token. */
export function sessionIdHash(token: string): string {
  return sha256Hex(token);
}

const iso = (ms: number): string => new Date(ms).toISOString();

export interface CreateSessionInput {
  userId: string;
  currentOrgId: string | null;
  ip: string;
  userAgent: string;
  now: Date;
  timeouts: SessionTimeouts;
}

/**
 * Starts a session: a random 256-bit token for the cookie (only its sha256 is stored) and a random CSRF token.
 * Also deletes sessions that have expired, so the table does not grow without end.
 */
export async function createSession(
  db: Queryable,
  input: CreateSessionInput,
): Promise<{ token: string; session: SessionRecord }> {
  const token = randomBytes(32).toString('base64url');
  const now = input.now.getTime();
  const absolute = now + input.timeouts.maxHours * 3_600_000;
  const row = {
    id_hash: sessionIdHash(token),
    user_id: input.userId,
    current_org_id: input.currentOrgId,
    csrf_token: randomBytes(32).toString('base64url'),
    created_at: iso(now),
    last_seen_at: iso(now),
    idle_expires_at: iso(Math.min(now + input.timeouts.idleMinutes * 60_000, absolute)),
    absolute_expires_at: iso(absolute),
    locked_at: null,
    ip: input.ip,
    user_agent: input.userAgent.slice(0, 512),
  };
  await purgeExpiredSessions(db, input.now);
  await db.insertInto('sessions').values(row).execute();
  return { token, session: rowToSession(row) };
}

/** Deletes every session past its idle or absolute deadline. */
export async function purgeExpiredSessions(db: Queryable, now: Date): Promise<void> {
  const at = now.toISOString();
  await db
    .deleteFrom('sessions')
    .where((eb) => eb.or([eb('absolute_expires_at', '<=', at), eb('idle_expires_at', '<=', at)]))
    .execute();
}

export interface ResolveOptions {
  now: Date;
  timeouts: SessionTimeouts;
  /** Count this request as activity (extend the idle deadline). Locked sessions are never extended. Default true. */
  touch?: boolean;
}

/**
 * The live session a cookie token names, or undefined when there is none or it has expired (idle or absolute; an
 * expired session is deleted). Activity extends the idle deadline, written at most once a minute; a locked session
 * is not extended, so a locked screen left alone still times out.
 */
export async function resolveSession(
  db: Queryable,
  token: string,
  options: ResolveOptions,
): Promise<SessionRecord | undefined> {
  if (token === '' || token.length > 200) return undefined;
  const idHash = sessionIdHash(token);
  const row = await db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
  if (row === undefined) return undefined;
  const session = rowToSession(row);
  const now = options.now.getTime();
  if (now >= Date.parse(session.idleExpiresAt) || now >= Date.parse(session.absoluteExpiresAt)) {
    await revokeSession(db, idHash);
    return undefined;
  }
  if (
    options.touch !== false &&
    session.lockedAt === null &&
    now - Date.parse(session.lastSeenAt) >= TOUCH_INTERVAL_MS
  ) {
    const idle = iso(Math.min(now + options.timeouts.idleMinutes * 60_000, Date.parse(session.absoluteExpiresAt)));
    await db
      .updateTable('sessions')
      .set({ last_seen_at: iso(now), idle_expires_at: idle })
      .where('id_hash', '=', idHash)
      .execute();
    session.lastSeenAt = iso(now);
    session.idleExpiresAt = idle;
  }
  return session;
}

/** Turns the screen lock on. */
export async function lockSession(db: Queryable, idHash: string, now: Date): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ locked_at: now.toISOString() })
    .where('id_hash', '=', idHash)
    .where('locked_at', 'is', null)
    .execute();
}

/** Turns the screen lock off; the unlock counts as activity. */
export async function unlockSession(
  db: Queryable,
  session: SessionRecord,
  now: Date,
  timeouts: SessionTimeouts,
): Promise<SessionRecord> {
  const at = now.getTime();
  const idle = iso(Math.min(at + timeouts.idleMinutes * 60_000, Date.parse(session.absoluteExpiresAt)));
  await db
    .updateTable('sessions')
    .set({ locked_at: null, last_seen_at: iso(at), idle_expires_at: idle })
    .where('id_hash', '=', session.idHash)
    .execute();
  return { ...session, lockedAt: null, lastSeenAt: iso(at), idleExpiresAt: idle };
}

/** Ends one session. */
export async function revokeSession(db: Queryable, idHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
}

/** Ends every session of a user (password change, account disabled), except, if given, the caller's own. */
export async function revokeUserSessions(db: Queryable, userId: string, exceptIdHash?: string): Promise<number> {
  let q = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (exceptIdHash !== undefined) q = q.where('id_hash', '!=', exceptIdHash);
  const result = await q.executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Makes `orgId` the session's current organization (the caller checks the membership). */
export async function switchSessionOrg(db: Queryable, idHash: string, orgId: string | null): Promise<void> {
  await db.updateTable('sessions').set({ current_org_id: orgId }).where('id_hash', '=', idHash).execute();
}

/** A session by its id hash, without checking its deadlines (the auth plugin already did, for this request). */
export async function findSession(db: Queryable, idHash: string): Promise<SessionRecord | undefined> {
  const row = await db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
  return row === undefined ? undefined : rowToSession(row);
}
