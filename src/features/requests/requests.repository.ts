import { sql, type Kysely, type Transaction, type Updateable } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { RequestStatusColumn, StatementRequestsTable, Visibility } from '../../db/schema-publishing.js';
import { likePattern } from '../grants/grants.repository.js';

type Queryable = Kysely<Database> | Transaction<Database>;

/** A statement request as stored, with the names and the answer's publication the views need. */
export interface RequestRecord {
  id: string;
  hospitalOrgId: string;
  hospitalName: string;
  manufacturerOrgId: string | null;
  manufacturerName: string;
  productId: string | null;
  productName: string;
  productVersion: string | null;
  publicationId: string | null;
  message: string;
  dueDate: string | null;
  status: RequestStatusColumn;
  inviteEmail: string | null;
  inviteClaimedAt: string | null;
  answer: { publicationId: string; revision: number; visibility: Visibility } | null;
  declineReason: string | null;
  answeredAt: string | null;
  answeredBy: string | null;
  reminderCount: number;
  lastRemindedAt: string | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface NewRequest {
  id: string;
  hospitalOrgId: string;
  manufacturerOrgId: string | null;
  manufacturerName: string;
  productId: string | null;
  productName: string;
  productVersion: string | null;
  publicationId: string | null;
  message: string;
  dueDate: string | null;
  inviteEmail: string | null;
  inviteTokenHash: string | null;
  createdBy: string;
  createdAt: string;
}

export async function insertRequest(db: Queryable, r: NewRequest): Promise<void> {
  await db
    .insertInto('statement_requests')
    .values({
      id: r.id,
      hospital_org_id: r.hospitalOrgId,
      manufacturer_org_id: r.manufacturerOrgId,
      manufacturer_name: r.manufacturerName,
      product_id: r.productId,
      product_name: r.productName,
      product_version: r.productVersion,
      publication_id: r.publicationId,
      message: r.message,
      due_date: r.dueDate,
      status: 'open',
      invite_email: r.inviteEmail,
      invite_token_hash: r.inviteTokenHash,
      created_by: r.createdBy,
      created_at: r.createdAt,
      updated_at: r.createdAt,
    })
    .execute();
}

function requestQuery(db: Queryable) {
  return db
    .selectFrom('statement_requests as r')
    .innerJoin('organizations as h', 'h.id', 'r.hospital_org_id')
    .leftJoin('publications as a', 'a.id', 'r.answer_publication_id')
    .selectAll('r')
    .select(['h.name as hospital_name', 'a.revision as answer_revision', 'a.visibility as answer_visibility']);
}

type RequestRow = Awaited<ReturnType<ReturnType<typeof requestQuery>['execute']>>[number];

function requestRow(r: RequestRow): RequestRecord {
  return {
    id: r.id,
    hospitalOrgId: r.hospital_org_id,
    hospitalName: r.hospital_name,
    manufacturerOrgId: r.manufacturer_org_id,
    manufacturerName: r.manufacturer_name,
    productId: r.product_id,
    productName: r.product_name,
    productVersion: r.product_version,
    publicationId: r.publication_id,
    message: r.message,
    dueDate: r.due_date,
    status: r.status,
    inviteEmail: r.invite_email,
    inviteClaimedAt: r.invite_claimed_at,
    answer:
      r.answer_publication_id === null || r.answer_revision === null || r.answer_visibility === null
        ? null
        : {
            publicationId: r.answer_publication_id,
            revision: Number(r.answer_revision),
            visibility: r.answer_visibility,
          },
    declineReason: r.decline_reason,
    answeredAt: r.answered_at,
    answeredBy: r.answered_by,
    reminderCount: Number(r.reminder_count),
    lastRemindedAt: r.last_reminded_at,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The requests a hospital sent, newest first. */
export async function listSentRequests(db: Queryable, hospitalOrgId: string): Promise<RequestRecord[]> {
  const rows = await requestQuery(db)
    .where('r.hospital_org_id', '=', hospitalOrgId)
    .orderBy('r.created_at', 'desc')
    .orderBy('r.id', 'desc')
    .execute();
  return rows.map(requestRow);
}

/** The requests addressed to a manufacturer, newest first. */
export async function listReceivedRequests(db: Queryable, manufacturerOrgId: string): Promise<RequestRecord[]> {
  const rows = await requestQuery(db)
    .where('r.manufacturer_org_id', '=', manufacturerOrgId)
    .orderBy('r.created_at', 'desc')
    .orderBy('r.id', 'desc')
    .execute();
  return rows.map(requestRow);
}

export async function findSentRequest(
  db: Queryable,
  hospitalOrgId: string,
  id: string,
): Promise<RequestRecord | undefined> {
  const r = await requestQuery(db)
    .where('r.hospital_org_id', '=', hospitalOrgId)
    .where('r.id', '=', id)
    .executeTakeFirst();
  return r === undefined ? undefined : requestRow(r);
}

export async function findReceivedRequest(
  db: Queryable,
  manufacturerOrgId: string,
  id: string,
): Promise<RequestRecord | undefined> {
  const r = await requestQuery(db)
    .where('r.manufacturer_org_id', '=', manufacturerOrgId)
    .where('r.id', '=', id)
    .executeTakeFirst();
  return r === undefined ? undefined : requestRow(r);
}

export async function findRequestByTokenHash(db: Queryable, tokenHash: string): Promise<RequestRecord | undefined> {
  const r = await requestQuery(db).where('r.invite_token_hash', '=', tokenHash).executeTakeFirst();
  return r === undefined ? undefined : requestRow(r);
}

export async function findRequestById(db: Queryable, id: string): Promise<RequestRecord | undefined> {
  const r = await requestQuery(db).where('r.id', '=', id).executeTakeFirst();
  return r === undefined ? undefined : requestRow(r);
}

/** An open request of the hospital to the same manufacturer about the same product or publication, if any. */
export async function findOpenDuplicate(
  db: Queryable,
  q: { hospitalOrgId: string; manufacturerOrgId: string; productId: string; publicationId: string | null },
): Promise<{ id: string; createdAt: string } | undefined> {
  let query = db
    .selectFrom('statement_requests')
    .select(['id', 'created_at'])
    .where('hospital_org_id', '=', q.hospitalOrgId)
    .where('manufacturer_org_id', '=', q.manufacturerOrgId)
    .where('status', '=', 'open');
  query =
    q.publicationId !== null
      ? query.where('publication_id', '=', q.publicationId)
      : query.where('publication_id', 'is', null).where('product_id', '=', q.productId);
  const r = await query.executeTakeFirst();
  return r === undefined ? undefined : { id: r.id, createdAt: r.created_at };
}

/** Changes an open request; false when it is no longer open (someone answered, declined or cancelled it first). */
export async function updateOpenRequest(
  db: Queryable,
  id: string,
  changes: Updateable<StatementRequestsTable>,
): Promise<boolean> {
  const r = await db
    .updateTable('statement_requests')
    .set(changes)
    .where('id', '=', id)
    .where('status', '=', 'open')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Counts a reminder on an open request not reminded since `notSince`; false when it was (or is not open). */
export async function recordReminder(db: Queryable, q: { id: string; at: string; notSince: string }): Promise<boolean> {
  const r = await db
    .updateTable('statement_requests')
    .set((eb) => ({ reminder_count: eb('reminder_count', '+', 1), last_reminded_at: q.at, updated_at: q.at }))
    .where('id', '=', q.id)
    .where('status', '=', 'open')
    .where((eb) => eb.or([eb('last_reminded_at', 'is', null), eb('last_reminded_at', '<=', q.notSince)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Attaches an invited request to the manufacturer that claims it; false when it was claimed (or closed) meanwhile. */
export async function claimInvitedRequest(
  db: Queryable,
  q: { id: string; manufacturerOrgId: string; manufacturerName: string; at: string },
): Promise<boolean> {
  const r = await db
    .updateTable('statement_requests')
    .set({
      manufacturer_org_id: q.manufacturerOrgId,
      manufacturer_name: q.manufacturerName,
      invite_claimed_at: q.at,
      updated_at: q.at,
    })
    .where('id', '=', q.id)
    .where('status', '=', 'open')
    .where('invite_claimed_at', 'is', null)
    .where('manufacturer_org_id', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Open requests due a reminder: past their due date (before `today`) or created before `staleBefore`, and not
 * reminded since `remindedBefore`.
 */
export async function requestsDueReminder(
  db: Queryable,
  q: { today: string; staleBefore: string; remindedBefore: string; limit: number },
): Promise<RequestRecord[]> {
  const rows = await requestQuery(db)
    .where('r.status', '=', 'open')
    .where((eb) =>
      eb.or([
        eb.and([eb('r.due_date', 'is not', null), eb('r.due_date', '<', q.today)]),
        eb('r.created_at', '<', q.staleBefore),
      ]),
    )
    .where((eb) => eb.or([eb('r.last_reminded_at', 'is', null), eb('r.last_reminded_at', '<=', q.remindedBefore)]))
    .orderBy('r.created_at')
    .orderBy('r.id')
    .limit(q.limit)
    .execute();
  return rows.map(requestRow);
}

/** Manufacturer organizations whose name contains `q` (case-insensitive), by name, with their products. */
export async function searchManufacturers(
  db: Queryable,
  q: string,
  limit: number,
): Promise<{ id: string; name: string; products: { id: string; name: string }[] }[]> {
  let query = db.selectFrom('organizations').select(['id', 'name']).where('kind', '=', 'manufacturer');
  if (q !== '') query = query.where(sql<boolean>`lower(name) like ${likePattern(q)} escape '\\'`);
  const orgs = await query.orderBy('name').orderBy('id').limit(limit).execute();
  if (orgs.length === 0) return [];
  const products = await db
    .selectFrom('products')
    .select(['id', 'name', 'org_id'])
    .where(
      'org_id',
      'in',
      orgs.map((o) => o.id),
    )
    .orderBy('name')
    .orderBy('id')
    .execute();
  return orgs.map((o) => ({
    id: o.id,
    name: o.name,
    products: products.filter((p) => p.org_id === o.id).map((p) => ({ id: p.id, name: p.name })),
  }));
}
