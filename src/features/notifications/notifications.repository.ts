import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

type Queryable = Kysely<Database> | Transaction<Database>;

export interface NotificationRecord {
  id: string;
  orgId: string;
  kind: string;
  /** The stored JSON text of the parameters. */
  params: string;
  createdAt: string;
  /** Whether the user the list was read for has marked it read. */
  read: boolean;
}

export async function insertNotification(
  db: Queryable,
  n: { id: string; orgId: string; kind: string; params: string; createdAt: string },
): Promise<void> {
  await db
    .insertInto('notifications')
    .values({ id: n.id, org_id: n.orgId, kind: n.kind, params: n.params, created_at: n.createdAt })
    .execute();
}

export async function findNotificationPosition(
  db: Queryable,
  orgId: string,
  id: string,
): Promise<{ id: string; createdAt: string } | undefined> {
  const r = await db
    .selectFrom('notifications')
    .select(['id', 'created_at'])
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return r === undefined ? undefined : { id: r.id, createdAt: r.created_at };
}

/** The organization's notifications, newest first, each with the user's read flag; `before` pages. */
export async function listNotifications(
  db: Queryable,
  q: {
    orgId: string;
    userId: string;
    unreadOnly: boolean;
    limit: number;
    before?: { id: string; createdAt: string };
  },
): Promise<NotificationRecord[]> {
  let query = db
    .selectFrom('notifications as n')
    .leftJoin('notification_reads as r', (join) =>
      join.onRef('r.notification_id', '=', 'n.id').on('r.user_id', '=', q.userId),
    )
    .select(['n.id', 'n.org_id', 'n.kind', 'n.params', 'n.created_at', 'r.read_at'])
    .where('n.org_id', '=', q.orgId);
  if (q.unreadOnly) query = query.where('r.read_at', 'is', null);
  const before = q.before;
  if (before !== undefined) {
    query = query.where((eb) =>
      eb.or([
        eb('n.created_at', '<', before.createdAt),
        eb.and([eb('n.created_at', '=', before.createdAt), eb('n.id', '<', before.id)]),
      ]),
    );
  }
  const rows = await query.orderBy('n.created_at', 'desc').orderBy('n.id', 'desc').limit(q.limit).execute();
  return rows.map((r) => ({
    id: r.id,
    orgId: r.org_id,
    kind: r.kind,
    params: r.params,
    createdAt: r.created_at,
    read: r.read_at !== null,
  }));
}

export async function countUnread(db: Queryable, orgId: string, userId: string): Promise<number> {
  const r = await db
    .selectFrom('notifications as n')
    .leftJoin('notification_reads as r', (join) =>
      join.onRef('r.notification_id', '=', 'n.id').on('r.user_id', '=', userId),
    )
    .select((eb) => eb.fn.countAll<number | string | bigint>().as('count'))
    .where('n.org_id', '=', orgId)
    .where('r.read_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(r.count);
}

/** Which of `ids` are notifications of the organization. */
export async function notificationIdsIn(db: Queryable, orgId: string, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('notifications')
    .select('id')
    .where('org_id', '=', orgId)
    .where('id', 'in', ids)
    .execute();
  return new Set(rows.map((r) => r.id));
}

/** The organization's notifications the user has not read. */
export async function unreadNotificationIds(db: Queryable, orgId: string, userId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('notifications as n')
    .leftJoin('notification_reads as r', (join) =>
      join.onRef('r.notification_id', '=', 'n.id').on('r.user_id', '=', userId),
    )
    .select('n.id')
    .where('n.org_id', '=', orgId)
    .where('r.read_at', 'is', null)
    .execute();
  return rows.map((r) => r.id);
}

const CHUNK = 500;

/** Marks notifications read for a user; those already read keep their first read time. Returns how many were new. */
export async function markRead(db: Queryable, userId: string, ids: readonly string[], at: string): Promise<number> {
  let added = 0;
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    const r = await db
      .insertInto('notification_reads')
      .values(chunk.map((id) => ({ notification_id: id, user_id: userId, read_at: at })))
      .onConflict((oc) => oc.columns(['notification_id', 'user_id']).doNothing())
      .executeTakeFirst();
    added += Number(r.numInsertedOrUpdatedRows ?? 0);
  }
  return added;
}

/** Hospital organizations holding a publication of the statement with a revision below `revision`. */
export async function holdersOfEarlierRevisions(
  db: Queryable,
  q: { statementId: string; revision: number; exceptOrgId: string },
): Promise<string[]> {
  const rows = await db
    .selectFrom('collection_items as c')
    .innerJoin('publications as p', 'p.id', 'c.publication_id')
    .select('c.org_id')
    .distinct()
    .where('c.statement_id', '=', q.statementId)
    .where('p.revision', '<', q.revision)
    .where('c.org_id', '!=', q.exceptOrgId)
    .orderBy('c.org_id')
    .execute();
  return rows.map((r) => r.org_id);
}

/** Organizations holding the publication. */
export async function holdersOf(db: Queryable, publicationId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('collection_items')
    .select('org_id')
    .distinct()
    .where('publication_id', '=', publicationId)
    .orderBy('org_id')
    .execute();
  return rows.map((r) => r.org_id);
}
