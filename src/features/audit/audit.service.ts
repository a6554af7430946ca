import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { requireAccess } from '../../security/access.js';
import {
  AUDIT_ACTIONS,
  verifyAuditChain,
  writeAudit,
  type AuditEvent,
  type ChainVerification,
} from '../../security/audit.js';
import type { RequestContext } from '../../security/context.js';
import { AppError } from '../../server/errors.js';
import { listAuditEvents, type AuditFilter } from './audit.repository.js';

export const AUDIT_PAGE_MAX = 500;
export const AUDIT_PAGE_DEFAULT = 100;

export interface AuditQuery {
  orgId: string;
  limit?: number;
  /** A seq (digits: records before it, for paging) or a UTC ISO 8601 time (records before then). */
  before?: string;
  /** A user id. */
  actor?: string;
  /** An action name, or a prefix ending in `*`. */
  action?: string;
  /** `objectType:objectId`, or an object id. */
  object?: string;
}

export interface AuditPage {
  events: AuditEvent[];
  chain: ChainVerification;
}

function parseBefore(before: string): Pick<AuditFilter, 'beforeSeq' | 'beforeTime'> {
  if (/^\d{1,15}$/.test(before)) return { beforeSeq: Number(before) };
  const t = Date.parse(before);
  if (!/^\d{4}-\d{2}-\d{2}/.test(before) || Number.isNaN(t)) {
    throw new AppError('invalid-input', {
      message: 'querystring/before: must be a seq number or a date-time (YYYY-MM-DDTHH:MM:SSZ)',
    });
  }
  return { beforeTime: new Date(t).toISOString() };
}

/**
 * An organization's audit records, newest first, with the verification of the chain (the whole instance's chain,
 * since one organization's records are linked through everyone's). Owners and auditors only; the read itself is
 * audited.
 */
export async function readAuditTrail(db: Kysely<Database>, ctx: RequestContext, query: AuditQuery): Promise<AuditPage> {
  const { orgId } = query;
  requireAccess(ctx.actor, 'audit.read', { orgId, describe: 'organization' });
  const limit = Math.min(query.limit ?? AUDIT_PAGE_DEFAULT, AUDIT_PAGE_MAX);
  const filter: AuditFilter = {
    orgId,
    limit,
    ...(query.before === undefined ? {} : parseBefore(query.before)),
    ...(query.actor === undefined ? {} : { actorId: query.actor }),
    ...(query.action === undefined ? {} : { action: query.action }),
    ...(query.object === undefined ? {} : { object: query.object }),
  };
  // Read and verified outside a transaction: the walk reads the whole trail in batches, and on SQLite's single
  // connection a transaction would hold every other request back until it ends.
  const events = await listAuditEvents(db, filter);
  const chain = await verifyAuditChain(db, { orgId });
  const details: Record<string, unknown> = { returned: events.length, chainOk: chain.ok };
  for (const key of ['before', 'actor', 'action', 'object'] as const) {
    if (query[key] !== undefined) details[key] = query[key];
  }
  await db.transaction().execute((trx) =>
    writeAudit(trx, {
      ctx,
      orgId,
      action: AUDIT_ACTIONS.AUDIT_READ,
      objectType: 'audit-trail',
      objectId: orgId,
      outcome: 'success',
      details,
    }),
  );
  return { events, chain };
}
