import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { ProductCategory, ProductsTable } from '../../db/schema-workspace.js';

type Queryable = Kysely<Database> | Transaction<Database>;

export interface ProductVersionRecord {
  id: string;
  version: string;
  createdAt: string;
}

export interface ProductRecord {
  id: string;
  orgId: string;
  name: string;
  category: ProductCategory;
  description: string;
  createdAt: string;
  updatedAt: string;
  versions: ProductVersionRecord[];
}

async function versionsOf(db: Queryable, productIds: string[]): Promise<Map<string, ProductVersionRecord[]>> {
  const out = new Map<string, ProductVersionRecord[]>();
  if (productIds.length === 0) return out;
  const rows = await db
    .selectFrom('product_versions')
    .select(['id', 'product_id', 'version', 'created_at'])
    .where('product_id', 'in', productIds)
    .orderBy('created_at')
    .orderBy('version')
    .execute();
  for (const r of rows) {
    const list = out.get(r.product_id) ?? [];
    list.push({ id: r.id, version: r.version, createdAt: r.created_at });
    out.set(r.product_id, list);
  }
  return out;
}

function productRowToRecord(
  r: Selectable<ProductsTable>,
  versions: Map<string, ProductVersionRecord[]>,
): ProductRecord {
  return {
    id: r.id,
    orgId: r.org_id,
    name: r.name,
    category: r.category,
    description: r.description,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    versions: versions.get(r.id) ?? [],
  };
}

/** The organization's products with their versions, by name. */
export async function listProducts(db: Queryable, orgId: string): Promise<ProductRecord[]> {
  const rows = await db.selectFrom('products').selectAll().where('org_id', '=', orgId).orderBy('name').execute();
  const versions = await versionsOf(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => productRowToRecord(r, versions));
}

/** A product of the organization; undefined when it does not exist there. */
export async function findProduct(db: Queryable, orgId: string, id: string): Promise<ProductRecord | undefined> {
  const r = await db
    .selectFrom('products')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (r === undefined) return undefined;
  return productRowToRecord(r, await versionsOf(db, [r.id]));
}

export async function findProductByName(
  db: Queryable,
  orgId: string,
  name: string,
): Promise<{ id: string } | undefined> {
  return db.selectFrom('products').select('id').where('org_id', '=', orgId).where('name', '=', name).executeTakeFirst();
}

export async function insertProduct(
  db: Queryable,
  p: {
    id: string;
    orgId: string;
    name: string;
    category: ProductCategory;
    description: string;
    by: string;
    at: string;
  },
): Promise<void> {
  await db
    .insertInto('products')
    .values({
      id: p.id,
      org_id: p.orgId,
      name: p.name,
      category: p.category,
      description: p.description,
      created_by: p.by,
      created_at: p.at,
      updated_at: p.at,
    })
    .execute();
}

export async function updateProduct(
  db: Queryable,
  orgId: string,
  id: string,
  changes: { name?: string; category?: ProductCategory; description?: string; at: string },
): Promise<void> {
  await db
    .updateTable('products')
    .set({
      ...(changes.name === undefined ? {} : { name: changes.name }),
      ...(changes.category === undefined ? {} : { category: changes.category }),
      ...(changes.description === undefined ? {} : { description: changes.description }),
      updated_at: changes.at,
    })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute();
}

export async function insertProductVersion(
  db: Queryable,
  v: { id: string; productId: string; version: string; by: string; at: string },
): Promise<void> {
  await db
    .insertInto('product_versions')
    .values({ id: v.id, product_id: v.productId, version: v.version, created_by: v.by, created_at: v.at })
    .execute();
}

/** A product version with its product, if the product belongs to the organization. */
export async function findProductVersion(
  db: Queryable,
  orgId: string,
  versionId: string,
): Promise<{ id: string; version: string; productId: string; productName: string; createdAt: string } | undefined> {
  return db
    .selectFrom('product_versions as v')
    .innerJoin('products as p', 'p.id', 'v.product_id')
    .select([
      'v.id as id',
      'v.version as version',
      'p.id as productId',
      'p.name as productName',
      'v.created_at as createdAt',
    ])
    .where('p.org_id', '=', orgId)
    .where('v.id', '=', versionId)
    .executeTakeFirst();
}
