import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { validateStatement } from '../../domain/validation.js';
import { writeAudit } from '../../security/audit.js';
import type { RequestContext } from '../../security/context.js';
import { AppError } from '../../server/errors.js';
import { verifySignedStatement } from '../../signing/verify-signed-statement.js';
import { instanceCaCertificate, signingKeyChain } from '../signing/signing.service.js';
import { DirectoryIndex } from './directory-index.js';
import {
  FILE_FORMATS,
  type DirectoryPage,
  type DirectoryQuery,
  type PublicationDetail,
  type SignatureCheck,
} from './publishing.schema.js';
import {
  findPublication,
  isReadable,
  listStatementPublications,
  searchPublications,
  type DirectoryFilters,
  type PublicationRow,
} from './publishing.repository.js';
import { publicationToSummary, readerOf, signedDocumentOf, type PublishingDeps } from './publishing.service.js';

const ANSWER_FILTER = /^(.+):([^:]+)$/;

/** Turns the query string into filters, naming the parameter that is wrong. */
export function directoryFilters(q: DirectoryQuery): DirectoryFilters {
  const words = (q.q ?? '')
    .normalize('NFKC')
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== '')
    .slice(0, 10);
  const answerParams = q.answer === undefined ? [] : Array.isArray(q.answer) ? q.answer : [q.answer];
  const answers = answerParams.map((a, i) => {
    const m = ANSWER_FILTER.exec(a.trim());
    if (m === null) {
      throw new AppError('invalid-input', {
        message: `answer${answerParams.length > 1 ? `/${i}` : ''}: "${a}" is not ROW:ANSWER (e.g. 4.1-d:yes)`,
      });
    }
    return { row: m[1]!.trim(), answer: m[2]!.trim() };
  });
  let template: DirectoryFilters['template'];
  if (q.template !== undefined && q.template !== '') {
    const at = q.template.lastIndexOf('@');
    template = at < 0 ? { id: q.template } : { id: q.template.slice(0, at), edition: q.template.slice(at + 1) };
  }
  return {
    words,
    ...(q.manufacturer === undefined || q.manufacturer === '' ? {} : { manufacturer: q.manufacturer }),
    ...(q.category === undefined || q.category === '' ? {} : { category: q.category }),
    ...(template === undefined ? {} : { template }),
    answers,
    includeWithdrawn: q.withdrawn === true,
  };
}

type Counts = { yes: number; no: number; na: number; other: number; unanswered: number };

/** One in-memory index of the public listing per database (an app has one; tests open many). */
const indexes = new WeakMap<Kysely<Database>, DirectoryIndex>();

export function directoryIndexFor(db: Kysely<Database>, templates: PublishingDeps['templates']): DirectoryIndex {
  let ix = indexes.get(db);
  if (ix === undefined) {
    ix = new DirectoryIndex(templates);
    indexes.set(db, ix);
  }
  return ix;
}

/** The public directory: anyone may search the public publications; members also see restricted ones they may read. */
export async function searchDirectory(
  db: Kysely<Database>,
  deps: PublishingDeps,
  ctx: RequestContext,
  q: DirectoryQuery,
): Promise<DirectoryPage> {
  const filters = directoryFilters(q);
  const page = q.page ?? 1;
  const pageSize = q.pageSize ?? 20;
  const r = await searchPublications(
    db,
    directoryIndexFor(db, deps.templates),
    filters,
    readerOf(ctx.actor, ctx.now()),
    {
      offset: (page - 1) * pageSize,
      limit: pageSize,
    },
  );
  return {
    items: r.rows.map((row) => ({
      ...publicationToSummary(row, deps.templates),
      counts: JSON.parse(row.counts) as Counts,
    })),
    total: r.total,
    page,
    pageSize,
    pages: Math.max(1, Math.ceil(r.total / pageSize)),
  };
}

/** Publications never change, so their signature check is kept once made. */
const checked = new Map<string, SignatureCheck>();

/**
 * Verifies a publication's signed document as a reader would: against the instance CA and the chain registered
 * for the key that signed it.
 */
export async function checkPublicationSignature(
  db: Kysely<Database>,
  row: PublicationRow,
  now: string,
): Promise<SignatureCheck> {
  const cached = checked.get(row.id);
  if (cached !== undefined) return cached;
  const chain = await signingKeyChain(db, row.signing_key_id);
  const ca = await instanceCaCertificate(db);
  const roots = [...(ca === undefined ? [] : [ca]), ...chain.slice(-1)];
  const v = await verifySignedStatement(JSON.parse(row.signed_document) as unknown, {
    trustedRootsPem: roots,
    now: new Date(now),
  });
  const result: SignatureCheck = {
    status: v.status,
    altered: v.altered,
    signer: v.signer === undefined ? null : { ...v.signer, organization: v.signer.organization ?? '' },
    signedAt: v.signedAt ?? null,
    problems: v.problems,
    registeredTo: { orgId: row.org_id, name: row.manufacturer },
  };
  if (checked.size > 5000) checked.clear();
  checked.set(row.id, result);
  return result;
}

function isHospitalMember(ctx: RequestContext): boolean {
  return ctx.actor.kind === 'user' && ctx.actor.memberships.some((m) => m.kind === 'hospital');
}

/** Whether reading this publication is recorded: restricted ones are, for every read (閲覧の記録). */
async function auditRead(
  db: Kysely<Database>,
  ctx: RequestContext,
  row: PublicationRow,
  outcome: 'success' | 'denied',
  what: string,
): Promise<void> {
  if (row.visibility !== 'restricted') return;
  if (ctx.actor.kind === 'user' && ctx.actor.memberships.some((m) => m.orgId === row.org_id)) return;
  await db.transaction().execute((trx) =>
    writeAudit(trx, {
      ctx,
      orgId: row.org_id,
      action: outcome === 'success' ? 'publication.view' : 'publication.view-denied',
      objectType: 'statement',
      objectId: row.statement_id,
      revision: row.revision,
      outcome,
      details: {
        publicationId: row.id,
        what,
        readerOrgs: ctx.actor.kind === 'user' ? ctx.actor.memberships.map((m) => m.orgName) : [],
      },
    }),
  );
}

/** One publication at its stable link. A restricted one the caller may not read shows its metadata only. */
export async function getPublicationDetail(
  db: Kysely<Database>,
  deps: PublishingDeps,
  ctx: RequestContext,
  publicationId: string,
): Promise<PublicationDetail> {
  const row = await findPublication(db, publicationId);
  if (row === undefined) throw new AppError('not-found', { message: 'publication not found' });
  const now = ctx.now();
  const reader = readerOf(ctx.actor, now);
  const full = await isReadable(db, publicationId, reader);
  const revisions = (await listStatementPublications(db, row.statement_id, reader)).map((r) => ({
    id: r.id,
    revision: r.revision,
    visibility: r.visibility,
    publishedAt: r.published_at,
    withdrawn: r.withdrawn_at === null ? null : { at: r.withdrawn_at, reason: r.withdrawn_reason ?? '' },
  }));
  if (!full) {
    return {
      publication: publicationToSummary(row, deps.templates),
      access: 'metadata',
      statement: null,
      counts: null,
      signature: null,
      revisions,
      files: [],
      canRequestAccess: isHospitalMember(ctx),
    };
  }
  await auditRead(db, ctx, row, 'success', 'page');
  const statement = signedDocumentOf(row).statement;
  const v = validateStatement(statement, deps.templates);
  return {
    publication: publicationToSummary(row, deps.templates),
    access: 'full',
    statement,
    counts: {
      yes: v.counts.yes,
      no: v.counts.no,
      na: v.counts.na,
      other: v.counts.other,
      unanswered: v.counts.unanswered,
    },
    signature: await checkPublicationSignature(db, row, now),
    revisions,
    files: FILE_FORMATS.map((format) => ({ format, url: `/api/v1/directory/${row.id}/files/${format}` })),
    canRequestAccess: false,
  };
}

/** The publication row for a file download, after the access check (a refused read is audited). */
export async function publicationForFile(
  db: Kysely<Database>,
  ctx: RequestContext,
  publicationId: string,
  format: string,
): Promise<PublicationRow> {
  const row = await findPublication(db, publicationId);
  if (row === undefined) throw new AppError('not-found', { message: 'publication not found' });
  if (!(await isReadable(db, publicationId, readerOf(ctx.actor, ctx.now())))) {
    if (ctx.actor.kind === 'user') await auditRead(db, ctx, row, 'denied', format);
    throw new AppError('not-found', { message: 'publication not found' });
  }
  await auditRead(db, ctx, row, 'success', format);
  return row;
}
