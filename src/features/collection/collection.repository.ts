import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Visibility } from '../../db/schema-publishing.js';

type Queryable = Kysely<Database> | Transaction<Database>;

/** A publication as the exchange features see it (without its signed document). */
export interface PublicationSummary {
  id: string;
  orgId: string;
  statementId: string;
  revision: number;
  productId: string;
  visibility: Visibility;
  templateId: string;
  templateEdition: string;
  manufacturer: string;
  productName: string;
  productVersion: string;
  publishedAt: string;
  withdrawnAt: string | null;
  withdrawnReason: string | null;
}

const publicationColumns = [
  'p.id',
  'p.org_id',
  'p.statement_id',
  'p.revision',
  'p.product_id',
  'p.visibility',
  'p.template_id',
  'p.template_edition',
  'p.manufacturer',
  'p.product_name',
  'p.product_version',
  'p.published_at',
  'p.withdrawn_at',
  'p.withdrawn_reason',
] as const;

interface PublicationRow {
  id: string;
  org_id: string;
  statement_id: string;
  revision: number;
  product_id: string;
  visibility: Visibility;
  template_id: string;
  template_edition: string;
  manufacturer: string;
  product_name: string;
  product_version: string;
  published_at: string;
  withdrawn_at: string | null;
  withdrawn_reason: string | null;
}

function publicationRow(r: PublicationRow): PublicationSummary {
  return {
    id: r.id,
    orgId: r.org_id,
    statementId: r.statement_id,
    revision: Number(r.revision),
    productId: r.product_id,
    visibility: r.visibility,
    templateId: r.template_id,
    templateEdition: r.template_edition,
    manufacturer: r.manufacturer,
    productName: r.product_name,
    productVersion: r.product_version,
    publishedAt: r.published_at,
    withdrawnAt: r.withdrawn_at,
    withdrawnReason: r.withdrawn_reason,
  };
}

/** Any organization's publication, by id. */
export async function findPublication(db: Queryable, id: string): Promise<PublicationSummary | undefined> {
  const r = await db
    .selectFrom('publications as p')
    .select(publicationColumns)
    .where('p.id', '=', id)
    .executeTakeFirst();
  return r === undefined ? undefined : publicationRow(r);
}

/** The signed document a publication serves. */
export async function publicationDocument(db: Queryable, id: string): Promise<string | undefined> {
  const r = await db.selectFrom('publications').select('signed_document').where('id', '=', id).executeTakeFirst();
  return r?.signed_document;
}

/** Publications of the statements that are not withdrawn, newest revision first. */
export async function currentPublicationsOf(
  db: Queryable,
  statementIds: readonly string[],
): Promise<PublicationSummary[]> {
  if (statementIds.length === 0) return [];
  const rows = await db
    .selectFrom('publications as p')
    .select(publicationColumns)
    .where('p.statement_id', 'in', statementIds)
    .where('p.withdrawn_at', 'is', null)
    .orderBy('p.revision', 'desc')
    .execute();
  return rows.map(publicationRow);
}

export interface CollectionItemRecord {
  id: string;
  orgId: string;
  requestId: string | null;
  receivedBy: string | null;
  receivedAt: string;
  publication: PublicationSummary;
}

function itemQuery(db: Queryable) {
  return db
    .selectFrom('collection_items as c')
    .innerJoin('publications as p', 'p.id', 'c.publication_id')
    .select(publicationColumns)
    .select(['c.id as item_id', 'c.org_id as item_org_id', 'c.request_id', 'c.received_by', 'c.received_at']);
}

type ItemRow = Awaited<ReturnType<ReturnType<typeof itemQuery>['execute']>>[number];

function itemRow(r: ItemRow): CollectionItemRecord {
  return {
    id: r.item_id,
    orgId: r.item_org_id,
    requestId: r.request_id,
    receivedBy: r.received_by,
    receivedAt: r.received_at,
    publication: publicationRow(r),
  };
}

/** The organization's collection, most recently received first. */
export async function listCollectionItems(db: Queryable, orgId: string): Promise<CollectionItemRecord[]> {
  const rows = await itemQuery(db)
    .where('c.org_id', '=', orgId)
    .orderBy('c.received_at', 'desc')
    .orderBy('c.id', 'desc')
    .execute();
  return rows.map(itemRow);
}

export async function findCollectionItem(
  db: Queryable,
  orgId: string,
  id: string,
): Promise<CollectionItemRecord | undefined> {
  const r = await itemQuery(db).where('c.org_id', '=', orgId).where('c.id', '=', id).executeTakeFirst();
  return r === undefined ? undefined : itemRow(r);
}

export async function findCollectionItemByPublication(
  db: Queryable,
  orgId: string,
  publicationId: string,
): Promise<CollectionItemRecord | undefined> {
  const r = await itemQuery(db)
    .where('c.org_id', '=', orgId)
    .where('c.publication_id', '=', publicationId)
    .executeTakeFirst();
  return r === undefined ? undefined : itemRow(r);
}

/** Adds a publication to an organization's collection; false when it is there already. */
export async function insertCollectionItem(
  db: Queryable,
  c: {
    id: string;
    orgId: string;
    publicationId: string;
    statementId: string;
    requestId: string | null;
    receivedBy: string | null;
    receivedAt: string;
  },
): Promise<boolean> {
  const r = await db
    .insertInto('collection_items')
    .values({
      id: c.id,
      org_id: c.orgId,
      publication_id: c.publicationId,
      statement_id: c.statementId,
      request_id: c.requestId,
      received_by: c.receivedBy,
      received_at: c.receivedAt,
    })
    .onConflict((oc) => oc.columns(['org_id', 'publication_id']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}
