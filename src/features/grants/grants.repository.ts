import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

type Queryable = Kysely<Database> | Transaction<Database>;

export interface NewGrant {
  id: string;
  orgId: string;
  granteeOrgId: string;
  /** Null: every product of the manufacturer. */
  productId: string | null;
  expiresAt: string | null;
  requestId: string | null;
  createdBy: string | null;
  createdAt: string;
}

export async function insertGrant(db: Queryable, g: NewGrant): Promise<void> {
  await db
    .insertInto('access_grants')
    .values({
      id: g.id,
      org_id: g.orgId,
      grantee_org_id: g.granteeOrgId,
      product_id: g.productId,
      expires_at: g.expiresAt,
      request_id: g.requestId,
      created_by: g.createdBy,
      created_at: g.createdAt,
    })
    .execute();
}

/**
 * Whether one of the grantee organizations may read the manufacturer's restricted publications of a product now:
 * a grant that is not revoked, not expired, and covers the product (or all products).
 */
export async function hasActiveGrant(
  db: Queryable,
  q: { orgId: string; granteeOrgIds: readonly string[]; productId: string; now: string },
): Promise<boolean> {
  if (q.granteeOrgIds.length === 0) return false;
  const row = await db
    .selectFrom('access_grants')
    .select('id')
    .where('org_id', '=', q.orgId)
    .where('grantee_org_id', 'in', q.granteeOrgIds)
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', q.now)]))
    .where((eb) => eb.or([eb('product_id', 'is', null), eb('product_id', '=', q.productId)]))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** A grant as the manufacturer's list shows it. */
export interface GrantRecord {
  id: string;
  orgId: string;
  grantee: { id: string; name: string };
  /** Null: every product of the manufacturer. */
  product: { id: string; name: string } | null;
  expiresAt: string | null;
  requestId: string | null;
  createdBy: string | null;
  createdAt: string;
  revokedAt: string | null;
  revokedBy: string | null;
}

function grantQuery(db: Queryable) {
  return db
    .selectFrom('access_grants as g')
    .innerJoin('organizations as o', 'o.id', 'g.grantee_org_id')
    .leftJoin('products as p', 'p.id', 'g.product_id')
    .select([
      'g.id',
      'g.org_id',
      'g.grantee_org_id',
      'o.name as grantee_name',
      'g.product_id',
      'p.name as product_name',
      'g.expires_at',
      'g.request_id',
      'g.created_by',
      'g.created_at',
      'g.revoked_at',
      'g.revoked_by',
    ]);
}

type GrantRow = Awaited<ReturnType<ReturnType<typeof grantQuery>['execute']>>[number];

function grantRowToRecord(r: GrantRow): GrantRecord {
  return {
    id: r.id,
    orgId: r.org_id,
    grantee: { id: r.grantee_org_id, name: r.grantee_name },
    product: r.product_id === null ? null : { id: r.product_id, name: r.product_name ?? '' },
    expiresAt: r.expires_at,
    requestId: r.request_id,
    createdBy: r.created_by,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
    revokedBy: r.revoked_by,
  };
}

/** The manufacturer's grants, newest first. */
export async function listGrants(db: Queryable, orgId: string): Promise<GrantRecord[]> {
  const rows = await grantQuery(db)
    .where('g.org_id', '=', orgId)
    .orderBy('g.created_at', 'desc')
    .orderBy('g.id', 'desc')
    .execute();
  return rows.map(grantRowToRecord);
}

export async function findGrant(db: Queryable, orgId: string, id: string): Promise<GrantRecord | undefined> {
  const r = await grantQuery(db).where('g.org_id', '=', orgId).where('g.id', '=', id).executeTakeFirst();
  return r === undefined ? undefined : grantRowToRecord(r);
}

/** Revokes a grant unless it is revoked already; true when this call revoked it. */
export async function markGrantRevoked(db: Queryable, id: string, by: string, at: string): Promise<boolean> {
  const r = await db
    .updateTable('access_grants')
    .set({ revoked_at: at, revoked_by: by })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** What an organization's active grants cover: per manufacturer, its products, or null for all of them. */
export type GrantCoverage = Map<string, Set<string> | null>;

/** The grants an organization holds now (not revoked, not expired), as coverage per manufacturer. */
export async function activeGrantCoverage(db: Queryable, granteeOrgId: string, now: string): Promise<GrantCoverage> {
  const rows = await db
    .selectFrom('access_grants')
    .select(['org_id', 'product_id'])
    .where('grantee_org_id', '=', granteeOrgId)
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .execute();
  const out: GrantCoverage = new Map();
  for (const r of rows) {
    if (r.product_id === null) {
      out.set(r.org_id, null);
      continue;
    }
    const current = out.get(r.org_id);
    if (current === null) continue;
    const set = current ?? new Set<string>();
    set.add(r.product_id);
    out.set(r.org_id, set);
  }
  return out;
}

/** Whether a coverage lets its organization read a publication (public ones need no grant). */
export function coverageAllows(
  coverage: GrantCoverage,
  p: { orgId: string; productId: string; visibility: 'public' | 'restricted' },
): boolean {
  if (p.visibility === 'public') return true;
  const products = coverage.get(p.orgId);
  if (products === undefined) return false;
  return products === null || products.has(p.productId);
}

/**
 * Whether an organization may read a publication now: a public one, or a restricted one under an active grant
 * (the organization-level rule; a user's own rights, e.g. as a member of the manufacturer, are not considered).
 */
export async function orgMayReadPublication(
  db: Queryable,
  q: {
    granteeOrgId: string;
    publication: { orgId: string; productId: string; visibility: 'public' | 'restricted' };
    now: string;
  },
): Promise<boolean> {
  if (q.publication.visibility === 'public') return true;
  return hasActiveGrant(db, {
    orgId: q.publication.orgId,
    granteeOrgIds: [q.granteeOrgId],
    productId: q.publication.productId,
    now: q.now,
  });
}

/** Hospital organizations whose name contains `q` (case-insensitive), by name. */
export async function searchHospitals(
  db: Queryable,
  q: string,
  limit: number,
): Promise<{ id: string; name: string }[]> {
  let query = db.selectFrom('organizations').select(['id', 'name']).where('kind', '=', 'hospital');
  if (q !== '') query = query.where(sql<boolean>`lower(name) like ${likePattern(q)} escape '\\'`);
  return query.orderBy('name').orderBy('id').limit(limit).execute();
}

/** `%q%` for `LIKE … ESCAPE '\'`, lower-cased, with the wildcards of `q` escaped. */
export function likePattern(q: string): string {
  return `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
