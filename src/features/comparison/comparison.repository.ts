import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

type Queryable = Kysely<Database> | Transaction<Database>;

/** A statement the organization holds, with its canonical content, as the comparison reads it. */
export interface ComparedSourceRow {
  id: string;
  templateId: string;
  templateEdition: string;
  manufacturer: string;
  product: string;
  productVersion: string;
  /** The canonical statement JSON text. */
  content: string;
}

/**
 * The organization's statements with these ids (all of them when `ids` is undefined), by manufacturer, product and
 * version. Ids of other organizations are simply not found.
 */
export async function findComparedSources(
  db: Queryable,
  orgId: string,
  ids: readonly string[] | undefined,
): Promise<ComparedSourceRow[]> {
  let q = db
    .selectFrom('statement_sources')
    .select(['id', 'template_id', 'template_edition', 'manufacturer', 'product', 'product_version', 'content'])
    .where('org_id', '=', orgId);
  if (ids !== undefined) {
    if (ids.length === 0) return [];
    q = q.where('id', 'in', [...ids]);
  }
  const rows = await q
    .orderBy('manufacturer')
    .orderBy('product')
    .orderBy('product_version')
    .orderBy('added_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    templateId: r.template_id,
    templateEdition: r.template_edition,
    manufacturer: r.manufacturer,
    product: r.product,
    productVersion: r.product_version,
    content: r.content,
  }));
}

/** How many statements the organization holds. */
export async function countSources(db: Queryable, orgId: string): Promise<number> {
  const r = await db
    .selectFrom('statement_sources')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('org_id', '=', orgId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
