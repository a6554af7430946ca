import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Statement } from '../../domain/statement.js';
import type { TemplateRegistry } from '../../domain/templates/registry.js';
import { validateStatement } from '../../domain/validation.js';
import { canonicalContent } from '../../db/hash.js';
import type { Database } from '../../db/schema.js';
import type { Visibility } from '../../db/schema-publishing.js';
import { notFound, requireAccess, requireUser } from '../../security/access.js';
import { writeAudit } from '../../security/audit.js';
import type { Actor, RequestContext } from '../../security/context.js';
import { AppError } from '../../server/errors.js';
import { signStatement } from '../../signing/sign-statement.js';
import { insertGrant } from '../grants/grants.repository.js';
import { deliverNewRevision } from '../inventory/new-revision.service.js';
import { notify, notifyNewRevision, notifyWithdrawn } from '../notifications/notify.js';
import { changeRevisionStatus, inTransaction } from '../statements/statements.service.js';
import { findRevision } from '../statements/statements.repository.js';
import { findOrgStatementRow } from '../statements/statements.queries.js';
import { activeSigner } from '../signing/signing.service.js';
import { answerVector, bumpDirectoryVersion } from './directory-index.js';
import type { PublicationSummary } from './publishing.schema.js';
import {
  findPublication,
  findPublicationOfRevision,
  insertPublication,
  isReadable,
  listOrgPublications,
  setWithdrawn,
  refreshLatest,
  type PublicationListRow,
  type PublicationRow,
  type Reader,
} from './publishing.repository.js';

type Trx = Transaction<Database>;
type Queryable = Kysely<Database> | Trx;

export interface PublishingDeps {
  templates: TemplateRegistry;
}

export interface PublishInput {
  orgId: string;
  statementId: string;
  revision: number;
  visibility: Visibility;
  /** Hospital organizations that may read a restricted publication: a grant for this product each. */
  grantees?: string[];
  grantExpiresAt?: string | null;
}

/** The text the directory's word search looks in: NFKC, lower case. */
export function searchText(parts: ReadonlyArray<string | undefined>): string {
  return parts
    .filter((p): p is string => p !== undefined && p !== '')
    .join(' ')
    .normalize('NFKC')
    .toLowerCase();
}

export function readerOf(actor: Actor, now: string): Reader {
  return { orgIds: actor.kind === 'user' ? actor.memberships.map((m) => m.orgId) : [], now };
}

export function publicationToSummary(r: PublicationListRow, templates: TemplateRegistry): PublicationSummary {
  const t = templates.get(r.template_id, r.template_edition);
  return {
    id: r.id,
    statementId: r.statement_id,
    revision: r.revision,
    visibility: r.visibility,
    manufacturer: { orgId: r.org_id, name: r.manufacturer },
    product: { id: r.product_id, name: r.product_name, category: r.category },
    productVersion: r.product_version,
    template: { id: r.template_id, edition: r.template_edition, title: t?.template.title ?? {} },
    publishedAt: r.published_at,
    contentHash: r.content_hash,
    withdrawn: r.withdrawn_at === null ? null : { at: r.withdrawn_at, reason: r.withdrawn_reason ?? '' },
  };
}

/** The signed document a publication serves, parsed. */
export function signedDocumentOf(r: PublicationRow): { statement: Statement } & Record<string, unknown> {
  return JSON.parse(r.signed_document) as { statement: Statement } & Record<string, unknown>;
}

async function requireManufacturerOrg(trx: Queryable, orgId: string): Promise<string> {
  const org = await trx.selectFrom('organizations').select(['kind', 'name']).where('id', '=', orgId).executeTakeFirst();
  if (org === undefined) throw notFound({ orgId, describe: 'organization' });
  if (org.kind !== 'manufacturer') {
    throw new AppError('forbidden', { message: 'only a manufacturer organization publishes statements' });
  }
  return org.name;
}

/**
 * Publishes a finalized revision inside the caller's transaction: signs its canonical content with the
 * organization's key, stores the signed document and the answers the directory searches, moves the revision to
 * 'published', grants the named hospitals, notifies the hospitals holding earlier revisions, adds it to the statement
 * sources of the hospitals holding an earlier one (their systems and assessments follow), and audits.
 */
export async function publishRevisionIn(
  trx: Trx,
  deps: PublishingDeps,
  ctx: RequestContext,
  input: PublishInput,
): Promise<PublicationSummary> {
  const { orgId, statementId, revision, visibility } = input;
  requireAccess(ctx.actor, 'statement.publish', { orgId, describe: 'statement' });
  const user = requireUser(ctx.actor);
  const orgName = await requireManufacturerOrg(trx, orgId);
  const st = await findOrgStatementRow(trx, orgId, statementId);
  if (st === undefined) throw notFound({ orgId, describe: 'statement' });
  const rev = await findRevision(trx, statementId, revision);
  if (rev === undefined) throw notFound({ orgId, describe: 'revision' });
  if ((await findPublicationOfRevision(trx, statementId, revision)) !== undefined) {
    throw new AppError('conflict', { message: `revision ${revision} is already published` });
  }
  if (rev.status !== 'finalized') {
    throw new AppError('conflict', {
      message: `revision ${revision} is ${rev.status}: only a finalized revision can be published`,
    });
  }
  const grantees = [...new Set(input.grantees ?? [])];
  if (visibility === 'public' && grantees.length > 0) {
    throw new AppError('invalid-input', { message: 'grantees: only a restricted publication names hospitals' });
  }
  for (const [i, g] of grantees.entries()) {
    const org = await trx.selectFrom('organizations').select('kind').where('id', '=', g).executeTakeFirst();
    if (org?.kind !== 'hospital') {
      throw new AppError('invalid-input', { message: `grantees/${i}: not a hospital organization on this instance` });
    }
  }
  const at = ctx.now();
  if (input.grantExpiresAt !== undefined && input.grantExpiresAt !== null && input.grantExpiresAt <= at) {
    throw new AppError('invalid-input', { message: 'grantExpiresAt: must be in the future' });
  }

  const statement = rev.content;
  const product = await trx
    .selectFrom('products')
    .select(['category'])
    .where('id', '=', st.productId)
    .executeTakeFirstOrThrow();
  const signer = await activeSigner(trx, ctx, orgId);
  const template = deps.templates.get(statement.template.id, statement.template.edition);
  const signed = await signStatement(
    statement,
    { privateKeyPem: signer.privateKeyPem, chainPem: signer.chainPem },
    { signedAt: new Date(at), ...(template === undefined ? {} : { template }) },
  );
  const v = validateStatement(statement, deps.templates);
  const answers = Object.entries(statement.answers).flatMap(([row, e]) =>
    e.answer === undefined ? [] : [{ row, answer: e.answer }],
  );
  const id = randomUUID();
  await insertPublication(
    trx,
    {
      id,
      org_id: orgId,
      statement_id: statementId,
      revision,
      product_id: st.productId,
      product_version_id: st.versionId,
      visibility,
      template_id: st.templateId,
      template_edition: st.templateEdition,
      manufacturer: orgName,
      product_name: st.productName,
      product_version: st.version,
      category: product.category,
      search_text: searchText([orgName, statement.header.manufacturer, st.productName, st.version]),
      signed_document: `${JSON.stringify(signed, null, 2)}\n`,
      content_hash: canonicalContent(statement).hash,
      answer_vector: answerVector(statement, template),
      counts: JSON.stringify({
        yes: v.counts.yes,
        no: v.counts.no,
        na: v.counts.na,
        other: v.counts.other,
        unanswered: v.counts.unanswered,
      }),
      signing_key_id: signer.keyId,
      published_at: at,
      published_by: user.userId,
    },
    answers,
  );
  await refreshLatest(trx, statementId);
  await bumpDirectoryVersion(trx, at);
  await changeRevisionStatus(trx, { id: statementId, revision, to: 'published', at });
  for (const g of grantees) {
    const grantId = randomUUID();
    await insertGrant(trx, {
      id: grantId,
      orgId,
      granteeOrgId: g,
      productId: st.productId,
      expiresAt: input.grantExpiresAt ?? null,
      requestId: null,
      createdBy: user.userId,
      createdAt: at,
    });
    await writeAudit(trx, {
      ctx,
      orgId,
      action: 'grant.create',
      objectType: 'grant',
      objectId: grantId,
      outcome: 'success',
      details: { granteeOrgId: g, productId: st.productId, expiresAt: input.grantExpiresAt ?? null, publicationId: id },
    });
    await notify(trx, {
      orgId: g,
      kind: 'grant.created',
      params: {
        grantId,
        manufacturerOrgId: orgId,
        manufacturer: orgName,
        productId: st.productId,
        productName: st.productName,
        expiresAt: input.grantExpiresAt ?? null,
      },
      at,
    });
  }
  await writeAudit(trx, {
    ctx,
    orgId,
    action: 'publication.create',
    objectType: 'statement',
    objectId: statementId,
    revision,
    outcome: 'success',
    details: { publicationId: id, visibility, grantees, certificateSha256: signer.certificateSha256 },
  });
  await notifyNewRevision(trx, {
    publicationId: id,
    statementId,
    revision,
    manufacturerOrgId: orgId,
    manufacturer: orgName,
    productName: st.productName,
    productVersion: st.version,
    at,
  });
  // Hospitals holding an earlier revision as a statement source get this one; each in a savepoint of its own.
  await deliverNewRevision(trx, deps, ctx, { publicationId: id, at });
  const row = await findPublication(trx, id);
  if (row === undefined) throw new Error('publication vanished inside its transaction');
  return publicationToSummary(row, deps.templates);
}

export async function publishRevision(
  db: Kysely<Database>,
  deps: PublishingDeps,
  ctx: RequestContext,
  input: PublishInput,
): Promise<PublicationSummary> {
  requireAccess(ctx.actor, 'statement.publish', { orgId: input.orgId, describe: 'statement' });
  return inTransaction(db, (trx) => publishRevisionIn(trx, deps, ctx, input));
}

/** Withdraws a publication with a reason: delisted, marked withdrawn, still readable by those who hold it. */
export async function withdrawPublication(
  db: Kysely<Database>,
  deps: PublishingDeps,
  ctx: RequestContext,
  orgId: string,
  publicationId: string,
  reason: string,
): Promise<PublicationSummary> {
  requireAccess(ctx.actor, 'statement.publish', { orgId, describe: 'publication' });
  const user = requireUser(ctx.actor);
  const why = reason.normalize('NFC').trim();
  if (why === '') throw new AppError('invalid-input', { message: 'reason: must not be blank' });
  return inTransaction(db, async (trx) => {
    const row = await findPublication(trx, publicationId);
    if (row?.org_id !== orgId) throw notFound({ orgId, describe: 'publication' });
    const at = ctx.now();
    if (!(await setWithdrawn(trx, publicationId, { at, by: user.userId, reason: why }))) {
      throw new AppError('conflict', { message: 'the publication is already withdrawn' });
    }
    await refreshLatest(trx, row.statement_id);
    await bumpDirectoryVersion(trx, at);
    await changeRevisionStatus(trx, { id: row.statement_id, revision: row.revision, to: 'withdrawn', at });
    await writeAudit(trx, {
      ctx,
      orgId,
      action: 'publication.withdraw',
      objectType: 'statement',
      objectId: row.statement_id,
      revision: row.revision,
      outcome: 'success',
      details: { publicationId, reason: why },
    });
    await notifyWithdrawn(trx, {
      publicationId,
      statementId: row.statement_id,
      revision: row.revision,
      manufacturerOrgId: orgId,
      manufacturer: row.manufacturer,
      productName: row.product_name,
      productVersion: row.product_version,
      reason: why,
      at,
    });
    const after = await findPublication(trx, publicationId);
    if (after === undefined) throw new Error('publication vanished inside its transaction');
    return publicationToSummary(after, deps.templates);
  });
}

export async function listPublicationsOfOrg(
  db: Kysely<Database>,
  deps: PublishingDeps,
  ctx: RequestContext,
  orgId: string,
): Promise<Array<PublicationSummary & { holders: number }>> {
  requireAccess(ctx.actor, 'statement.read', { orgId, describe: 'organization' });
  const rows = await listOrgPublications(db, orgId);
  return rows.map((r) => ({ ...publicationToSummary(r, deps.templates), holders: r.holders }));
}

/** Whether the actor may read the publication's statement and files now. */
export async function canReadPublication(
  db: Queryable,
  actor: Actor,
  publicationId: string,
  now: string,
): Promise<boolean> {
  return isReadable(db, publicationId, readerOf(actor, now));
}
