import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { requireAccess, requireUser } from '../../security/access.js';
import {
  AUDIT_ACTIONS,
  verifyAuditChain,
  writeAudit,
  type AuditEvent,
  type ChainVerification,
} from '../../security/audit.js';
import type { RequestContext } from '../../security/context.js';
import { AppError } from '../../server/errors.js';
import {
  countAuditEvents,
  latestAuditSeq,
  listAuditEvents,
  listAuditEventsForward,
  organizationNames,
  type AuditCriteria,
  type AuditFilter,
} from './audit.repository.js';
import { AUDIT_EXPORT_MAX_ROWS, exportWriter, type AuditExportFormat, type ExportSource } from './export-format.js';

export const AUDIT_PAGE_MAX = 500;
export const AUDIT_PAGE_DEFAULT = 100;

/** The filters of the trail, as the query string gives them. */
export interface AuditFilterQuery {
  /** A user id. */
  actor?: string;
  /** An action name, or a prefix ending in `*`. */
  action?: string;
  /** `objectType:objectId`, or an object id. */
  object?: string;
  /** Records at or after this time: a date-time, or a date (from its start, UTC). */
  from?: string;
  /** Records before this time: a date-time, or a date (through its end, UTC). */
  to?: string;
}

export interface AuditQuery extends AuditFilterQuery {
  orgId: string;
  limit?: number;
  /** A seq (digits: records before it, for paging) or a UTC ISO 8601 time (records before then). */
  before?: string;
}

export interface AuditPage {
  events: AuditEvent[];
  chain: ChainVerification;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A query-string time as stored (UTC ISO 8601); a date alone is its start, or with `endOfDay` the next day's. */
function parseTime(field: string, text: string, endOfDay = false): string {
  const t = Date.parse(DATE.test(text) ? `${text}T00:00:00Z` : text);
  if ((!DATE.test(text) && !DATE_TIME.test(text)) || Number.isNaN(t)) {
    throw new AppError('invalid-input', {
      message: `querystring/${field}: must be a date (YYYY-MM-DD) or a date-time (YYYY-MM-DDTHH:MM:SSZ)`,
    });
  }
  return new Date(DATE.test(text) && endOfDay ? t + DAY_MS : t).toISOString();
}

/** The repository's criteria for the query's filters; 400 naming the field when one is malformed. */
export function criteriaOf(query: AuditFilterQuery): AuditCriteria {
  const from = query.from === undefined ? undefined : parseTime('from', query.from);
  const to = query.to === undefined ? undefined : parseTime('to', query.to, true);
  if (from !== undefined && to !== undefined && from >= to) {
    throw new AppError('invalid-input', { message: 'querystring/to: must be after from' });
  }
  return {
    ...(query.actor === undefined ? {} : { actorId: query.actor }),
    ...(query.action === undefined ? {} : { action: query.action }),
    ...(query.object === undefined ? {} : { object: query.object }),
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
  };
}

function parseBefore(before: string): Pick<AuditFilter, 'beforeSeq' | 'to'> {
  if (/^\d{1,15}$/.test(before)) return { beforeSeq: Number(before) };
  const t = Date.parse(before);
  if (!/^\d{4}-\d{2}-\d{2}/.test(before) || Number.isNaN(t)) {
    throw new AppError('invalid-input', {
      message: 'querystring/before: must be a seq number or a date-time (YYYY-MM-DDTHH:MM:SSZ)',
    });
  }
  return { to: new Date(t).toISOString() };
}

/** The filters a query used, for the details of its audit record. */
function filtersUsed(query: AuditFilterQuery & { before?: string }): Record<string, unknown> {
  const used: Record<string, unknown> = {};
  for (const key of ['before', 'actor', 'action', 'object', 'from', 'to'] as const) {
    if (query[key] !== undefined) used[key] = query[key];
  }
  return used;
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
  const criteria = criteriaOf(query);
  const before = query.before === undefined ? {} : parseBefore(query.before);
  // `before` as a time and `to` both bound the end: the earlier one holds.
  const to = [criteria.to, before.to].filter((x): x is string => x !== undefined).sort()[0];
  const filter: AuditFilter = {
    scope: { orgId },
    limit,
    ...criteria,
    ...(before.beforeSeq === undefined ? {} : { beforeSeq: before.beforeSeq }),
    ...(to === undefined ? {} : { to }),
  };
  // Read and verified outside a transaction: the walk reads the whole trail in batches, and on SQLite's single
  // connection a transaction would hold every other request back until it ends.
  const events = await listAuditEvents(db, filter);
  const chain = await verifyAuditChain(db, { orgId });
  await db.transaction().execute((trx) =>
    writeAudit(trx, {
      ctx,
      orgId,
      action: AUDIT_ACTIONS.AUDIT_READ,
      objectType: 'audit-trail',
      objectId: orgId,
      outcome: 'success',
      details: { returned: events.length, chainOk: chain.ok, ...filtersUsed(query) },
    }),
  );
  return { events, chain };
}

/** One of the caller's own records: what they did, where, from which address; no hashes, no other people. */
export interface ActivityEvent {
  seq: number;
  at: string;
  action: string;
  outcome: AuditEvent['outcome'];
  orgId: string | null;
  orgName: string | null;
  objectType: string;
  objectId: string | null;
  revision: number | null;
  ip: string | null;
  userAgent: string | null;
}

export interface ActivityQuery {
  limit?: number;
  /** A seq: records before it (the smallest seq of the previous page). */
  before?: number;
  action?: string;
  from?: string;
  to?: string;
}

/**
 * The signed-in user's own records across organizations, newest first: sign-ins (and failed attempts on their
 * account), sign-outs, locks, reads and writes. Only records naming them as the actor, so nobody else's.
 */
export async function readOwnActivity(
  db: Kysely<Database>,
  ctx: RequestContext,
  query: ActivityQuery,
): Promise<{ events: ActivityEvent[] }> {
  const user = requireUser(ctx.actor);
  const criteria = criteriaOf({
    ...(query.action === undefined ? {} : { action: query.action }),
    ...(query.from === undefined ? {} : { from: query.from }),
    ...(query.to === undefined ? {} : { to: query.to }),
  });
  const events = await listAuditEvents(db, {
    scope: { actorId: user.userId },
    limit: Math.min(query.limit ?? AUDIT_PAGE_DEFAULT, AUDIT_PAGE_MAX),
    ...criteria,
    ...(query.before === undefined ? {} : { beforeSeq: query.before }),
  });
  const names = await organizationNames(db, [
    ...new Set(events.map((e) => e.orgId).filter((x): x is string => x !== null)),
  ]);
  return {
    events: events.map((e) => ({
      seq: e.seq,
      at: e.at,
      action: e.action,
      outcome: e.outcome,
      orgId: e.orgId,
      orgName: e.orgId === null ? null : (names.get(e.orgId) ?? null),
      objectType: e.objectType,
      objectId: e.objectId,
      revision: e.revision,
      ip: e.ip,
      userAgent: e.userAgent,
    })),
  };
}

export interface AuditExportQuery extends AuditFilterQuery {
  orgId: string;
  format: AuditExportFormat;
}

/** A prepared export: what to send, and how many records it holds. */
export interface AuditExport {
  contentType: string;
  fileName: string;
  /** Records in the export (at most AUDIT_EXPORT_MAX_ROWS). */
  rows: number;
  /** More records matched than one export holds: the oldest AUDIT_EXPORT_MAX_ROWS are in it. */
  truncated: boolean;
  /** The text, piece by piece, read from the database in batches as it is consumed. */
  chunks: AsyncIterable<string>;
}

const EXPORT_BATCH = 1000;

/**
 * An organization's audit records (filtered) in an export format, oldest first. Owners and auditors only. The export
 * is audited before it is sent, and holds the records that existed then (its own record is not in it). At most
 * AUDIT_EXPORT_MAX_ROWS records: `truncated` says when more matched.
 */
export async function exportAuditTrail(
  db: Kysely<Database>,
  ctx: RequestContext,
  query: AuditExportQuery,
  source: ExportSource,
): Promise<AuditExport> {
  requireAccess(ctx.actor, 'audit.read', { orgId: query.orgId, describe: 'organization' });
  return buildAuditExport(db, ctx, query, source);
}

/**
 * The export without the access gate, for `openmds audit export` (whoever runs it can read the database anyway);
 * audited the same way, the command named as the user agent.
 */
export async function buildAuditExport(
  db: Kysely<Database>,
  ctx: RequestContext,
  query: AuditExportQuery,
  source: ExportSource,
): Promise<AuditExport> {
  const { orgId, format } = query;
  const criteria = criteriaOf(query);
  const maxSeq = await latestAuditSeq(db);
  const base = { scope: { orgId }, ...criteria, maxSeq };
  const matched = await countAuditEvents(db, base);
  const rows = Math.min(matched, AUDIT_EXPORT_MAX_ROWS);
  await db.transaction().execute((trx) =>
    writeAudit(trx, {
      ctx,
      orgId,
      action: AUDIT_ACTIONS.AUDIT_EXPORT,
      objectType: 'audit-trail',
      objectId: orgId,
      outcome: 'success',
      details: { format, rows, truncated: matched > rows, throughSeq: maxSeq, ...filtersUsed(query) },
    }),
  );
  const writer = exportWriter(format, source);
  async function* chunks(): AsyncGenerator<string> {
    yield writer.begin();
    let sent = 0;
    let afterSeq: number | undefined;
    while (sent < rows) {
      const batch = await listAuditEventsForward(db, {
        ...base,
        ...(afterSeq === undefined ? {} : { afterSeq }),
        limit: Math.min(EXPORT_BATCH, rows - sent),
      });
      if (batch.length === 0) break;
      yield batch.map((e) => writer.record(e)).join('');
      sent += batch.length;
      afterSeq = batch[batch.length - 1]!.seq;
    }
    yield writer.end();
  }
  const day = source.exportedAt.slice(0, 10);
  return {
    contentType: writer.contentType,
    fileName: `audit-${orgId}-${day}.${writer.extension}`,
    rows,
    truncated: matched > rows,
    chunks: chunks(),
  };
}
