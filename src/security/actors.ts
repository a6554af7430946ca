import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Actor, Membership } from './context.js';

type Queryable = Kysely<Database> | Transaction<Database>;

export type UserActor = Extract<Actor, { kind: 'user' }>;

/** A user's memberships with their organizations' names and kinds, by organization name. */
export async function loadMemberships(db: Queryable, userId: string): Promise<Membership[]> {
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('organizations as o', 'o.id', 'm.org_id')
    .select(['m.org_id', 'm.role', 'o.name', 'o.kind'])
    .where('m.user_id', '=', userId)
    .orderBy('o.name')
    .orderBy('o.id')
    .execute();
  return rows.map((r) => ({ orgId: r.org_id, orgName: r.name, kind: r.kind, role: r.role }));
}

/** The actor of a session's user, memberships loaded; undefined when the user is gone or disabled. */
export async function loadUserActor(db: Queryable, userId: string, sessionId: string): Promise<UserActor | undefined> {
  const user = await db
    .selectFrom('users')
    .select(['id', 'email', 'display_name', 'is_operator', 'disabled_at'])
    .where('id', '=', userId)
    .executeTakeFirst();
  if (user === undefined || user.disabled_at !== null) return undefined;
  return {
    kind: 'user',
    userId: user.id,
    email: user.email,
    displayName: user.display_name,
    isOperator: user.is_operator === 1,
    memberships: await loadMemberships(db, user.id),
    sessionId,
  };
}
