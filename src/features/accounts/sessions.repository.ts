import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

type Queryable = Kysely<Database> | Transaction<Database>;

/** A user's session as the session list shows it; `idHash` stays on the server. */
export interface UserSessionRow {
  idHash: string;
  createdAt: string;
  lastSeenAt: string;
  idleExpiresAt: string;
  absoluteExpiresAt: string;
  lockedAt: string | null;
  ip: string;
  userAgent: string;
}

/** The user's sessions that have not expired (idle or absolute) at `now`. Ended sessions are deleted rows. */
export async function listLiveSessions(db: Queryable, userId: string, now: Date): Promise<UserSessionRow[]> {
  const at = now.toISOString();
  const rows = await db
    .selectFrom('sessions')
    .select([
      'id_hash',
      'created_at',
      'last_seen_at',
      'idle_expires_at',
      'absolute_expires_at',
      'locked_at',
      'ip',
      'user_agent',
    ])
    .where('user_id', '=', userId)
    .where('idle_expires_at', '>', at)
    .where('absolute_expires_at', '>', at)
    .orderBy('last_seen_at', 'desc')
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((r) => ({
    idHash: r.id_hash,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at,
    idleExpiresAt: r.idle_expires_at,
    absoluteExpiresAt: r.absolute_expires_at,
    lockedAt: r.locked_at,
    ip: r.ip,
    userAgent: r.user_agent,
  }));
}
