import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { notFound, requireAccess, requireUser } from '../../security/access.js';
import { AUDIT_ACTIONS, writeAudit } from '../../security/audit.js';
import type { RequestContext } from '../../security/context.js';
import { AppError } from '../../server/errors.js';
import { findOrg } from '../organizations/organizations.repository.js';
import { findProduct } from '../products/products.repository.js';
import { notify } from '../notifications/notify.js';
import { requireOrgKind } from '../requests/org-kind.js';
import {
  findGrant,
  insertGrant,
  listGrants as listGrantRows,
  markGrantRevoked,
  searchHospitals as searchHospitalRows,
  type GrantRecord,
} from './grants.repository.js';

export const ALL_PRODUCTS = 'all products';
const HOSPITAL_SEARCH_LIMIT = 20;

export interface GrantView {
  id: string;
  grantee: { id: string; name: string };
  product: { id: string; name: string } | null;
  scope: string;
  expiresAt: string | null;
  createdAt: string;
  revokedAt: string | null;
  active: boolean;
  requestId: string | null;
}

export function grantView(g: GrantRecord, now: string): GrantView {
  return {
    id: g.id,
    grantee: g.grantee,
    product: g.product,
    scope: g.product?.name ?? ALL_PRODUCTS,
    expiresAt: g.expiresAt,
    createdAt: g.createdAt,
    revokedAt: g.revokedAt,
    active: g.revokedAt === null && (g.expiresAt === null || g.expiresAt > now),
    requestId: g.requestId,
  };
}

/** The manufacturer's access grants, newest first. */
export async function listGrants(db: Kysely<Database>, ctx: RequestContext, orgId: string): Promise<GrantView[]> {
  const membership = requireAccess(ctx.actor, 'request.read', { orgId, describe: 'organization' });
  requireOrgKind(membership, 'manufacturer', 'request.read', 'grant access');
  const now = ctx.now();
  return (await listGrantRows(db, orgId)).map((g) => grantView(g, now));
}

/** A timestamp given by a client, as UTC ISO 8601 (the form every stored timestamp has, so they compare as text). */
export function futureTimestamp(field: string, value: string, now: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new AppError('invalid-input', { message: `${field}: is not a date-time` });
  const at = new Date(ms).toISOString();
  if (at <= now) throw new AppError('invalid-input', { message: `${field}: must be in the future` });
  return at;
}

/**
 * Lets a hospital organization read the manufacturer's restricted publications: of one product, or of all
 * (`productId: null`), until `expiresAt` (null: until revoked). The hospital is notified.
 */
export async function createGrant(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  input: { granteeOrgId: string; productId: string | null; expiresAt: string | null },
): Promise<GrantView> {
  const membership = requireAccess(ctx.actor, 'grant.manage', { orgId, describe: 'organization' });
  requireOrgKind(membership, 'manufacturer', 'grant.manage', 'grant access to its restricted publications');
  const user = requireUser(ctx.actor);
  const now = ctx.now();
  const expiresAt = input.expiresAt === null ? null : futureTimestamp('expiresAt', input.expiresAt, now);
  const id = randomUUID();
  return db.transaction().execute(async (trx) => {
    const grantee = await findOrg(trx, input.granteeOrgId);
    if (grantee === undefined) throw new AppError('not-found', { message: 'granteeOrgId: organization not found' });
    if (grantee.kind !== 'hospital') {
      throw new AppError('invalid-input', {
        message: 'granteeOrgId: access is granted to hospital organizations only',
      });
    }
    let productName: string | null = null;
    if (input.productId !== null) {
      const product = await findProduct(trx, orgId, input.productId);
      if (product === undefined) throw new AppError('not-found', { message: 'productId: product not found' });
      productName = product.name;
    }
    await insertGrant(trx, {
      id,
      orgId,
      granteeOrgId: grantee.id,
      productId: input.productId,
      expiresAt,
      requestId: null,
      createdBy: user.userId,
      createdAt: now,
    });
    await writeAudit(trx, {
      ctx,
      orgId,
      action: AUDIT_ACTIONS.GRANT_CREATE,
      objectType: 'grant',
      objectId: id,
      outcome: 'success',
      details: { granteeOrgId: grantee.id, productId: input.productId, expiresAt },
    });
    await notify(trx, {
      orgId: grantee.id,
      kind: 'grant.created',
      params: {
        grantId: id,
        manufacturerOrgId: orgId,
        manufacturer: membership.orgName,
        productId: input.productId,
        productName,
        expiresAt,
      },
      at: now,
    });
    const created = await findGrant(trx, orgId, id);
    if (created === undefined) throw new AppError('internal', { message: 'the grant vanished' });
    return grantView(created, now);
  });
}

/** Ends a grant now; the hospital is notified. Publications it already holds stay in its collection. */
export async function revokeGrant(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  grantId: string,
): Promise<GrantView> {
  const membership = requireAccess(ctx.actor, 'grant.manage', { orgId, describe: 'grant' });
  const user = requireUser(ctx.actor);
  const now = ctx.now();
  return db.transaction().execute(async (trx) => {
    const grant = await findGrant(trx, orgId, grantId);
    if (grant === undefined) throw notFound({ orgId, describe: 'grant' });
    if (!(await markGrantRevoked(trx, grant.id, user.userId, now))) {
      throw new AppError('conflict', {
        message: `grantId: the grant was already revoked at ${grant.revokedAt ?? now}`,
      });
    }
    await writeAudit(trx, {
      ctx,
      orgId,
      action: AUDIT_ACTIONS.GRANT_REVOKE,
      objectType: 'grant',
      objectId: grant.id,
      outcome: 'success',
      details: { granteeOrgId: grant.grantee.id, productId: grant.product?.id ?? null },
    });
    await notify(trx, {
      orgId: grant.grantee.id,
      kind: 'grant.revoked',
      params: {
        grantId: grant.id,
        manufacturerOrgId: orgId,
        manufacturer: membership.orgName,
        productId: grant.product?.id ?? null,
        productName: grant.product?.name ?? null,
      },
      at: now,
    });
    const revoked = await findGrant(trx, orgId, grant.id);
    if (revoked === undefined) throw new AppError('internal', { message: 'the grant vanished' });
    return grantView(revoked, now);
  });
}

/**
 * Hospital organizations by name, to name a grantee: for members of a manufacturer organization only (hospitals
 * have no use for the list). Ids and names only.
 */
export async function searchHospitals(
  db: Kysely<Database>,
  ctx: RequestContext,
  q: string | undefined,
): Promise<{ id: string; name: string }[]> {
  const user = requireUser(ctx.actor);
  if (!user.memberships.some((m) => m.kind === 'manufacturer')) {
    throw new AppError('forbidden', {
      message: 'only members of a manufacturer organization may search hospital organizations',
    });
  }
  return searchHospitalRows(db, (q ?? '').normalize('NFKC').trim(), HOSPITAL_SEARCH_LIMIT);
}
