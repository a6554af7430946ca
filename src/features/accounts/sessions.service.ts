import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { requireUser } from '../../security/access.js';
import { AUDIT_ACTIONS, writeAudit } from '../../security/audit.js';
import type { RequestContext } from '../../security/context.js';
import { AppError } from '../../server/errors.js';
import type { AccountSessionBody, AccountSessionListBody, RevokeOthersResultBody } from './sessions.schema.js';
import { revokeSession, revokeUserSessions } from '../../security/sessions.js';
import { listLiveSessions, type UserSessionRow } from './sessions.repository.js';

/**
 * The public id of a session: 22 base64url characters of sha256("session-id:" + id hash). The stored id hash is what
 * the database looks a cookie up by, so it never leaves the server; this one-way derivation names the session to its
 * owner and is good for nothing else.
 */
export function publicSessionId(idHash: string): string {
  return createHash('sha256').update(`session-id:${idHash}`, 'utf8').digest('base64url').slice(0, 22);
}

/** The browser and operating system a User-Agent header names, as far as the common ones go; null when unknown. */
export function parseUserAgent(userAgent: string): { browser: string | null; os: string | null } {
  const ua = userAgent;
  const browser = /Edg(?:e|A|iOS)?\//.test(ua)
    ? 'Edge'
    : /OPR\/|Opera/.test(ua)
      ? 'Opera'
      : /SamsungBrowser\//.test(ua)
        ? 'Samsung Internet'
        : /Firefox\/|FxiOS\//.test(ua)
          ? 'Firefox'
          : /Chrome\/|CriOS\/|Chromium\//.test(ua)
            ? 'Chrome'
            : /Version\/[\d.]+.*Safari\//.test(ua)
              ? 'Safari'
              : /^curl\//i.test(ua)
                ? 'curl'
                : null;
  const os = /Windows/.test(ua)
    ? 'Windows'
    : /iPhone|iPad|iPod/.test(ua)
      ? 'iOS'
      : /Android/.test(ua)
        ? 'Android'
        : /CrOS/.test(ua)
          ? 'ChromeOS'
          : /Mac OS X|Macintosh/.test(ua)
            ? 'macOS'
            : /Linux/.test(ua)
              ? 'Linux'
              : null;
  return { browser, os };
}

function viewOf(row: UserSessionRow, currentIdHash: string): AccountSessionBody {
  return {
    id: publicSessionId(row.idHash),
    createdAt: row.createdAt,
    lastActiveAt: row.lastSeenAt,
    idleExpiresAt: row.idleExpiresAt,
    absoluteExpiresAt: row.absoluteExpiresAt,
    ip: row.ip,
    userAgent: row.userAgent,
    ...parseUserAgent(row.userAgent),
    current: row.idHash === currentIdHash,
    locked: row.lockedAt !== null,
  };
}

const now = (ctx: RequestContext) => new Date(ctx.now());

/** The caller's live sessions (not expired, not ended), the current one first. */
export async function listMySessions(db: Kysely<Database>, ctx: RequestContext): Promise<AccountSessionListBody> {
  const actor = requireUser(ctx.actor);
  const rows = await listLiveSessions(db, actor.userId, now(ctx));
  const sessions = rows.map((r) => viewOf(r, actor.sessionId));
  return { sessions: [...sessions.filter((s) => s.current), ...sessions.filter((s) => !s.current)] };
}

/**
 * Ends one of the caller's sessions, named by its public id; the current one too (the caller is then signed out).
 * Another user's session answers as an unknown id does. No re-authentication: ending a session only protects.
 */
export async function revokeMySession(
  db: Kysely<Database>,
  ctx: RequestContext,
  sessionId: string,
): Promise<{ wasCurrent: boolean }> {
  const actor = requireUser(ctx.actor);
  return db.transaction().execute(async (trx) => {
    const rows = await listLiveSessions(trx, actor.userId, now(ctx));
    const row = rows.find((r) => publicSessionId(r.idHash) === sessionId);
    if (row === undefined) throw new AppError('not-found', { message: 'no such session of yours' });
    await revokeSession(trx, row.idHash);
    const wasCurrent = row.idHash === actor.sessionId;
    await writeAudit(trx, {
      ctx,
      orgId: null,
      action: AUDIT_ACTIONS.SESSION_REVOKE,
      objectType: 'session',
      objectId: sessionId,
      outcome: 'success',
      details: { sessionId, userAgent: row.userAgent, ip: row.ip, current: wasCurrent },
    });
    return { wasCurrent };
  });
}

/** Ends every session of the caller but the current one; says how many ended. */
export async function revokeMyOtherSessions(
  db: Kysely<Database>,
  ctx: RequestContext,
): Promise<RevokeOthersResultBody> {
  const actor = requireUser(ctx.actor);
  return db.transaction().execute(async (trx) => {
    const others = (await listLiveSessions(trx, actor.userId, now(ctx))).filter((r) => r.idHash !== actor.sessionId);
    // Expired sessions not yet swept go too; the count is of the live ones the user saw.
    await revokeUserSessions(trx, actor.userId, actor.sessionId);
    const revoked = others.length;
    await writeAudit(trx, {
      ctx,
      orgId: null,
      action: AUDIT_ACTIONS.SESSION_REVOKE_OTHERS,
      objectType: 'session',
      objectId: null,
      outcome: 'success',
      details: { count: revoked, sessionIds: others.map((r) => publicSessionId(r.idHash)) },
    });
    return { revoked };
  });
}
