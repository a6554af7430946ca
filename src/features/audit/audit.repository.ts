import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { auditRowToEvent, type AuditEvent } from '../../security/audit.js';

type Queryable = Kysely<Database> | Transaction<Database>;

export interface AuditFilter {
  orgId: string;
  /** Only this actor's records (user id). */
  actorId?: string;
  /** An action name, or a prefix ending in `*` (`statement.*`). */
  action?: string;
  /** `objectType:objectId`, or an object id alone. */
  object?: string;
  /** Only records before this seq (a cursor: the smallest seq of the previous page). */
  beforeSeq?: number;
  /** Only records before this time (UTC ISO 8601). */
  beforeTime?: string;
  limit: number;
}

/** An organization's audit records, newest first. */
export async function listAuditEvents(db: Queryable, filter: AuditFilter): Promise<AuditEvent[]> {
  let q = db.selectFrom('audit_events').selectAll().where('org_id', '=', filter.orgId);
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
  if (filter.beforeSeq !== undefined) q = q.where('seq', '<', filter.beforeSeq);
  if (filter.beforeTime !== undefined) q = q.where('at', '<', filter.beforeTime);
  const rows = await q.orderBy('seq', 'desc').limit(filter.limit).execute();
  return rows.map(auditRowToEvent);
}
