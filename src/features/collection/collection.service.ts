import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Statement } from '../../domain/statement.js';
import { notFound, requireAccess, requireUser } from '../../security/access.js';
import { AUDIT_ACTIONS, writeAudit } from '../../security/audit.js';
import type { Actor, RequestContext } from '../../security/context.js';
import { AppError } from '../../server/errors.js';
import { activeGrantCoverage, coverageAllows, type GrantCoverage } from '../grants/grants.repository.js';
import { canReadPublication } from '../publishing/publishing.service.js';
import { requireOrgKind } from '../requests/org-kind.js';
import {
  currentPublicationsOf,
  findCollectionItem,
  findCollectionItemByPublication,
  findPublication,
  insertCollectionItem,
  listCollectionItems,
  publicationDocument,
  type CollectionItemRecord,
  type PublicationSummary,
} from './collection.repository.js';

export interface CollectionItemView {
  id: string;
  publicationId: string;
  manufacturer: { id: string; name: string };
  product: { id: string; name: string; version: string };
  template: { id: string; edition: string };
  statementId: string;
  revision: number;
  visibility: 'public' | 'restricted';
  publishedAt: string;
  receivedAt: string;
  /** The request the publication answered; null when the hospital added it itself. */
  requestId: string | null;
  withdrawn: { at: string; reason: string } | null;
  /** The latest publication of the same statement this organization may read, when newer than the one held. */
  newerRevision: { publicationId: string; revision: number; publishedAt: string } | null;
}

export interface CollectionItemDetail extends CollectionItemView {
  /** The published statement, as signed (the `statement` of the openmds-signed-statement document). */
  statement: Statement;
}

function newerOf(
  held: PublicationSummary,
  candidates: readonly PublicationSummary[],
  coverage: GrantCoverage,
): CollectionItemView['newerRevision'] {
  // Candidates come newest revision first: the first readable one is the latest.
  const newer = candidates.find(
    (p) => p.statementId === held.statementId && p.revision > held.revision && coverageAllows(coverage, p),
  );
  return newer === undefined
    ? null
    : { publicationId: newer.id, revision: newer.revision, publishedAt: newer.publishedAt };
}

function itemView(
  item: CollectionItemRecord,
  candidates: readonly PublicationSummary[],
  coverage: GrantCoverage,
): CollectionItemView {
  const p = item.publication;
  return {
    id: item.id,
    publicationId: p.id,
    manufacturer: { id: p.orgId, name: p.manufacturer },
    product: { id: p.productId, name: p.productName, version: p.productVersion },
    template: { id: p.templateId, edition: p.templateEdition },
    statementId: p.statementId,
    revision: p.revision,
    visibility: p.visibility,
    publishedAt: p.publishedAt,
    receivedAt: item.receivedAt,
    requestId: item.requestId,
    withdrawn: p.withdrawnAt === null ? null : { at: p.withdrawnAt, reason: p.withdrawnReason ?? '' },
    newerRevision: newerOf(p, candidates, coverage),
  };
}

async function viewsOf(
  db: Kysely<Database> | Transaction<Database>,
  orgId: string,
  items: CollectionItemRecord[],
  now: string,
): Promise<CollectionItemView[]> {
  const coverage = await activeGrantCoverage(db, orgId, now);
  const candidates = await currentPublicationsOf(db, [...new Set(items.map((i) => i.publication.statementId))]);
  return items.map((i) => itemView(i, candidates, coverage));
}

/** The hospital's collection, most recently received first. */
export async function listCollection(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
): Promise<CollectionItemView[]> {
  const membership = requireAccess(ctx.actor, 'request.read', { orgId, describe: 'organization' });
  requireOrgKind(membership, 'hospital', 'request.read', 'keep a collection');
  return viewsOf(db, orgId, await listCollectionItems(db, orgId), ctx.now());
}

/**
 * Puts a publication into a hospital's collection inside the caller's transaction, with its audit record. Returns
 * false (and writes nothing) when the organization holds it already.
 */
export async function addToCollectionIn(
  trx: Transaction<Database>,
  ctx: RequestContext,
  input: { orgId: string; publication: PublicationSummary; requestId: string | null; receivedBy: string | null },
): Promise<{ id: string; added: boolean }> {
  const id = randomUUID();
  const added = await insertCollectionItem(trx, {
    id,
    orgId: input.orgId,
    publicationId: input.publication.id,
    statementId: input.publication.statementId,
    requestId: input.requestId,
    receivedBy: input.receivedBy,
    receivedAt: ctx.now(),
  });
  if (!added) {
    const existing = await findCollectionItemByPublication(trx, input.orgId, input.publication.id);
    return { id: existing?.id ?? id, added: false };
  }
  await writeAudit(trx, {
    ctx,
    orgId: input.orgId,
    action: AUDIT_ACTIONS.COLLECTION_ADD,
    objectType: 'collection-item',
    objectId: id,
    revision: input.publication.revision,
    outcome: 'success',
    details: {
      publicationId: input.publication.id,
      manufacturerOrgId: input.publication.orgId,
      requestId: input.requestId,
    },
  });
  return { id, added: true };
}

/** The caller as a member of `orgId` only, so that what they may read elsewhere does not count for it. */
function asMemberOf(actor: Actor, orgId: string): Actor {
  return actor.kind === 'user' ? { ...actor, memberships: actor.memberships.filter((m) => m.orgId === orgId) } : actor;
}

/** Adds a public publication, or a restricted one the organization may read, to the hospital's collection. */
export async function addToCollection(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  input: { publicationId: string },
): Promise<CollectionItemView> {
  const membership = requireAccess(ctx.actor, 'request.write', { orgId, describe: 'organization' });
  requireOrgKind(membership, 'hospital', 'request.write', 'keep a collection');
  const user = requireUser(ctx.actor);
  const now = ctx.now();
  return db.transaction().execute(async (trx) => {
    const publication = await findPublication(trx, input.publicationId);
    if (publication === undefined) throw new AppError('not-found', { message: 'publicationId: publication not found' });
    if (publication.withdrawnAt !== null) {
      throw new AppError('conflict', {
        message: `publicationId: the publication was withdrawn (${publication.withdrawnReason ?? 'no reason given'})`,
      });
    }
    if (!(await canReadPublication(trx, asMemberOf(ctx.actor, orgId), publication.id, now))) {
      throw new AppError('forbidden', {
        message:
          'publicationId: the publication is restricted and your organization has no access; request access first',
      });
    }
    const { id, added } = await addToCollectionIn(trx, ctx, {
      orgId,
      publication,
      requestId: null,
      receivedBy: user.userId,
    });
    if (!added) throw new AppError('conflict', { message: 'publicationId: already in your collection' });
    const item = await findCollectionItem(trx, orgId, id);
    if (item === undefined) throw new AppError('internal', { message: 'the collection item vanished' });
    const [view] = await viewsOf(trx, orgId, [item], now);
    if (view === undefined) throw new AppError('internal', { message: 'the collection item vanished' });
    return view;
  });
}

/** What a publication's signed_document holds. */
function statementOf(document: string): Statement {
  const parsed = JSON.parse(document) as { format?: unknown; statement?: unknown };
  if (
    parsed.format !== 'openmds-signed-statement' ||
    typeof parsed.statement !== 'object' ||
    parsed.statement === null
  ) {
    throw new AppError('internal', { message: 'the publication’s signed document is not an openmds-signed-statement' });
  }
  return parsed.statement as Statement;
}

/**
 * A collection item with its statement. A held publication stays readable after it is withdrawn (marked so) and
 * after a grant ends: the hospital received it. Reading a restricted one is recorded in the manufacturer's trail.
 */
export async function getCollectionItem(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  itemId: string,
): Promise<CollectionItemDetail> {
  requireAccess(ctx.actor, 'request.read', { orgId, describe: 'collection item' });
  const now = ctx.now();
  return db.transaction().execute(async (trx) => {
    const item = await findCollectionItem(trx, orgId, itemId);
    if (item === undefined) throw notFound({ orgId, describe: 'collection item' });
    const document = await publicationDocument(trx, item.publication.id);
    if (document === undefined) throw new AppError('internal', { message: 'the publication vanished' });
    const [view] = await viewsOf(trx, orgId, [item], now);
    if (view === undefined) throw new AppError('internal', { message: 'the collection item vanished' });
    if (item.publication.visibility === 'restricted') {
      await writeAudit(trx, {
        ctx,
        orgId: item.publication.orgId,
        action: AUDIT_ACTIONS.PUBLICATION_VIEW,
        objectType: 'publication',
        objectId: item.publication.id,
        revision: item.publication.revision,
        outcome: 'success',
        details: { via: 'collection', hospitalOrgId: orgId },
      });
    }
    return { ...view, statement: statementOf(document) };
  });
}
