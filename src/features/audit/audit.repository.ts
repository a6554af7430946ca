import { sql, type Kysely, type SelectQueryBuilder, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { auditRowToEvent, type AuditEvent } from '../../security/audit.js';

type Queryable = Kysely<Database> | Transaction<Database>;

/** Which records of the trail: an organization's, or one user's own (across organizations). */
export type AuditScope = { orgId: string } | { actorId: string };

/** The filters the trail views and exports share. All optional; times are UTC ISO 8601 as stored. */
export interface AuditCriteria {
  /** Only this actor's records (user id). */
  actorId?: string;
  /** An action name, or a prefix ending in `*` (`statement.*`). */
  action?: string;
  /** `objectType:objectId`, or an object id alone. */
  object?: string;
  /** Only records at or after this time. */
  from?: string;
  /** Only records before this time. */
  to?: string;
}

export interface AuditFilter extends AuditCriteria {
  scope: AuditScope;
  /** Only records before this seq (a cursor: the smallest seq of the previous page). */
  beforeSeq?: number;
  /** Only records after this seq (exports walk forward). */
  afterSeq?: number;
  /** Only records up to this seq (an export's snapshot: what existed when it began). */
  maxSeq?: number;
  limit: number;
}

type AuditQuery = SelectQueryBuilder<Database, 'audit_events', object>;

function applyFilter(q: AuditQuery, filter: Omit<AuditFilter, 'limit'>): AuditQuery {
  const { scope } = filter;
  q = 'orgId' in scope ? q.where('org_id', '=', scope.orgId) : q.where('actor_id', '=', scope.actorId);
  if (filter.actorId !== undefined) q = q.where('actor_id', '=', filter.actorId);
  if (filter.action !== undefined) {
    const prefix = filter.action.endsWith('*') ? filter.action.slice(0, -1) : undefined;
    // substr rather than LIKE: no wildcard escaping, and the same on both dialects (action names are ASCII).
    q =
      prefix === undefined
        ? q.where('action', '=', filter.action)
        : q.where(sql<string>`substr(action, 1, ${prefix.length})`, '=', prefix);
  }
  if (filter.object !== undefined) {
    const colon = filter.object.indexOf(':');
    q =
      colon > 0
        ? q
            .where('object_type', '=', filter.object.slice(0, colon))
            .where('object_id', '=', filter.object.slice(colon + 1))
        : q.where('object_id', '=', filter.object);
  }
  // `at` is stored as ISO 8601 UTC with milliseconds (Date#toISOString), so text order is time order.
  if (filter.from !== undefined) q = q.where('at', '>=', filter.from);
  if (filter.to !== undefined) q = q.where('at', '<', filter.to);
  if (filter.beforeSeq !== undefined) q = q.where('seq', '<', filter.beforeSeq);
  if (filter.afterSeq !== undefined) q = q.where('seq', '>', filter.afterSeq);
  if (filter.maxSeq !== undefined) q = q.where('seq', '<=', filter.maxSeq);
  return q;
}

/** Audit records matching the filter, newest first (seq order: stable under concurrent appends). */
export async function listAuditEvents(db: Queryable, filter: AuditFilter): Promise<AuditEvent[]> {
  const rows = await applyFilter(db.selectFrom('audit_events'), filter)
    .selectAll()
    .orderBy('seq', 'desc')
    .limit(filter.limit)
    .execute();
  return rows.map(auditRowToEvent);
}

/** Audit records matching the filter, oldest first (for exports, which walk forward with afterSeq). */
export async function listAuditEventsForward(db: Queryable, filter: AuditFilter): Promise<AuditEvent[]> {
  const rows = await applyFilter(db.selectFrom('audit_events'), filter)
    .selectAll()
    .orderBy('seq', 'asc')
    .limit(filter.limit)
    .execute();
  return rows.map(auditRowToEvent);
}

/** How many records match the filter (limit ignored). */
export async function countAuditEvents(db: Queryable, filter: Omit<AuditFilter, 'limit'>): Promise<number> {
  const row = await applyFilter(db.selectFrom('audit_events'), filter)
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** The seq of the newest record of the whole trail, 0 when it is empty. */
export async function latestAuditSeq(db: Queryable): Promise<number> {
  const row = await db.selectFrom('audit_events').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirst();
  return row === undefined ? 0 : Number(row.seq);
}

/** The names of organizations, by id (for the own-activity view, which spans organizations). */
export async function organizationNames(db: Queryable, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('organizations')
    .select(['id', 'name'])
    .where('id', 'in', [...ids])
    .execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}
