import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { ProductCategory } from '../../db/schema-workspace.js';
import { notFound, requireAccess, requireUser } from '../../security/access.js';
import { writeAudit } from '../../security/audit.js';
import type { RequestContext } from '../../security/context.js';
import { AppError } from '../../server/errors.js';
import {
  findProduct,
  findProductByName,
  insertProduct,
  insertProductVersion,
  listProducts as listProductRows,
  updateProduct as updateProductRow,
  type ProductRecord,
  type ProductVersionRecord,
} from './products.repository.js';

export type { ProductRecord, ProductVersionRecord } from './products.repository.js';

const clean = (s: string): string => s.normalize('NFC').trim();

/** The organization's products. */
export async function listProducts(db: Kysely<Database>, ctx: RequestContext, orgId: string): Promise<ProductRecord[]> {
  requireAccess(ctx.actor, 'product.read', { orgId, describe: 'organization' });
  return listProductRows(db, orgId);
}

export async function getProduct(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  id: string,
): Promise<ProductRecord> {
  requireAccess(ctx.actor, 'product.read', { orgId, describe: 'product' });
  const p = await findProduct(db, orgId, id);
  if (p === undefined) throw notFound({ orgId, describe: 'product' });
  return p;
}

export async function createProduct(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  input: { name: string; category: ProductCategory; description?: string },
): Promise<ProductRecord> {
  requireAccess(ctx.actor, 'product.write', { orgId, describe: 'organization' });
  const user = requireUser(ctx.actor);
  const name = clean(input.name);
  if (name === '') throw new AppError('invalid-input', { message: 'name: must not be blank' });
  const id = randomUUID();
  const at = ctx.now();
  return db.transaction().execute(async (trx) => {
    if ((await findProductByName(trx, orgId, name)) !== undefined) {
      throw new AppError('conflict', { message: `name: a product named "${name}" already exists` });
    }
    await insertProduct(trx, {
      id,
      orgId,
      name,
      category: input.category,
      description: clean(input.description ?? ''),
      by: user.userId,
      at,
    });
    await writeAudit(trx, {
      ctx,
      orgId,
      action: 'product.create',
      objectType: 'product',
      objectId: id,
      outcome: 'success',
      details: { name },
    });
    const created = await findProduct(trx, orgId, id);
    if (created === undefined) throw new AppError('internal', { message: 'the product vanished' });
    return created;
  });
}

export async function updateProduct(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  id: string,
  input: { name?: string; category?: ProductCategory; description?: string },
): Promise<ProductRecord> {
  requireAccess(ctx.actor, 'product.write', { orgId, describe: 'product' });
  return db.transaction().execute(async (trx) => {
    const existing = await findProduct(trx, orgId, id);
    if (existing === undefined) throw notFound({ orgId, describe: 'product' });
    const name = input.name === undefined ? undefined : clean(input.name);
    if (name === '') throw new AppError('invalid-input', { message: 'name: must not be blank' });
    if (name !== undefined && name !== existing.name) {
      const other = await findProductByName(trx, orgId, name);
      if (other !== undefined)
        throw new AppError('conflict', { message: `name: a product named "${name}" already exists` });
    }
    await updateProductRow(trx, orgId, id, {
      ...(name === undefined ? {} : { name }),
      ...(input.category === undefined ? {} : { category: input.category }),
      ...(input.description === undefined ? {} : { description: clean(input.description) }),
      at: ctx.now(),
    });
    await writeAudit(trx, {
      ctx,
      orgId,
      action: 'product.update',
      objectType: 'product',
      objectId: id,
      outcome: 'success',
      details: { fields: Object.keys(input) },
    });
    const updated = await findProduct(trx, orgId, id);
    if (updated === undefined) throw new AppError('internal', { message: 'the product vanished' });
    return updated;
  });
}

export async function addProductVersion(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  productId: string,
  input: { version: string },
): Promise<ProductVersionRecord> {
  requireAccess(ctx.actor, 'product.write', { orgId, describe: 'product' });
  const user = requireUser(ctx.actor);
  const version = clean(input.version);
  if (version === '') throw new AppError('invalid-input', { message: 'version: must not be blank' });
  const id = randomUUID();
  const at = ctx.now();
  return db.transaction().execute(async (trx) => {
    const product = await findProduct(trx, orgId, productId);
    if (product === undefined) throw notFound({ orgId, describe: 'product' });
    if (product.versions.some((v) => v.version === version)) {
      throw new AppError('conflict', { message: `version: ${product.name} already has version "${version}"` });
    }
    await insertProductVersion(trx, { id, productId, version, by: user.userId, at });
    await writeAudit(trx, {
      ctx,
      orgId,
      action: 'product-version.create',
      objectType: 'product-version',
      objectId: id,
      outcome: 'success',
      details: { productId, version },
    });
    return { id, version, createdAt: at };
  });
}
