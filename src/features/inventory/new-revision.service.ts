import { randomUUID } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import { canonicalContent } from '../../db/hash.js';
import type { Database } from '../../db/schema.js';
import type { Statement } from '../../domain/statement.js';
import type { TemplateLookup } from '../../domain/validation.js';
import { AUDIT_ACTIONS, writeAudit } from '../../security/audit.js';
import type { RequestContext } from '../../security/context.js';
import {
  reviewAssessmentsAfterNewRevision,
  type AuditActor,
  type Relink,
} from '../assessments/new-revision.service.js';
import { orgMayReadPublication } from '../grants/grants.repository.js';
import { comparableVersion, statementDay } from './coverage.service.js';
import {
  deleteLink,
  findSourceByHash,
  insertLink,
  insertSource,
  listLinks,
  listSources,
  publicationsById,
  publicationWithDocument,
  type SourceRecord,
} from './inventory.repository.js';
import { checkSourceSignature, type SourceSignature } from './source-signature.js';

type Trx = Transaction<Database>;

/** A held statement as the arrival of a newer revision compares it. */
interface Held {
  source: SourceRecord;
  revision: number;
  /** The publication's statement and revision, when the source is a publication of this instance. */
  publication?: { statementId: string; revision: number };
}

const same = (a: string, b: string): boolean =>
  a.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, ' ') ===
  b.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, ' ');

/**
 * Whether two statements describe the same product version: publications of one statement on this instance, or the
 * same manufacturer, product and version (compared as coverage compares versions: V1.20 = Ver. 1.20).
 */
function sameIdentity(a: Held, b: Held): boolean {
  if (a.publication !== undefined && b.publication !== undefined) {
    return a.publication.statementId === b.publication.statementId;
  }
  const x = a.source;
  const y = b.source;
  if (x.manufacturer.trim() === '' || x.product.trim() === '') return false;
  return (
    same(x.manufacturer, y.manufacturer) &&
    same(x.product, y.product) &&
    comparableVersion(x.productVersion) === comparableVersion(y.productVersion)
  );
}

/**
 * Whether `next` is a newer revision than `held`: by the publication's revision on this instance, else by the
 * statement's revision, then its date. A higher revision dated earlier is not taken for newer.
 */
function isNewerRevision(next: Held, held: Held): boolean {
  if (next.publication !== undefined && held.publication !== undefined) {
    return next.publication.revision > held.publication.revision;
  }
  const dn = statementDay(next.source.statementDate);
  const dh = statementDay(held.source.statementDate);
  if (dn !== undefined && dh !== undefined && dn < dh) return false;
  if (next.revision !== held.revision) return next.revision > held.revision;
  return dn !== undefined && dh !== undefined && dn > dh;
}

async function heldOf(trx: Trx, sources: SourceRecord[]): Promise<Held[]> {
  if (sources.length === 0) return [];
  const contents = await trx
    .selectFrom('statement_sources')
    .select(['id', 'content'])
    .where(
      'id',
      'in',
      sources.map((s) => s.id),
    )
    .execute();
  const revisions = new Map(contents.map((c) => [c.id, (JSON.parse(c.content) as Statement).revision]));
  const publications = await publicationsById(trx, [
    ...new Set(sources.flatMap((s) => (s.publicationId === null ? [] : [s.publicationId]))),
  ]);
  return sources.map((source) => {
    const p = source.publicationId === null ? undefined : publications.get(source.publicationId);
    return {
      source,
      revision: revisions.get(source.id) ?? 1,
      ...(p === undefined ? {} : { publication: { statementId: p.statementId, revision: p.revision } }),
    };
  });
}

/**
 * A statement the organization just stored, inside the storing transaction: when it is a newer revision of
 * statements its systems rely on, those systems now rely on it instead (each relink audited, naming both), and the
 * assessments covering them are re-drafted or alerted. Returns the relinks made.
 */
export async function applyNewRevision(
  trx: Trx,
  deps: { templates: TemplateLookup },
  ctx: RequestContext,
  input: { orgId: string; sourceId: string; actor?: AuditActor },
): Promise<Relink[]> {
  const { orgId, sourceId } = input;
  const links = await listLinks(trx, orgId);
  // A hospital whose systems rely on nothing yet (say, a first bulk import) has nothing to relink.
  if (links.length === 0) return [];
  const linked = new Set(links.map((l) => l.sourceId));
  const sources = await listSources(trx, orgId);
  const source = sources.find((s) => s.id === sourceId);
  if (source === undefined) return [];
  const [next, ...candidates] = await heldOf(trx, [source, ...sources.filter((s) => linked.has(s.id))]);
  const older = candidates.filter(
    (h) => h.source.id !== sourceId && sameIdentity(next!, h) && isNewerRevision(next!, h),
  );
  const at = ctx.now();
  const actor = input.actor === undefined ? {} : { actor: input.actor };
  const addedBy = input.actor !== undefined || ctx.actor.kind !== 'user' ? null : ctx.actor.userId;
  const relinks: Relink[] = [];
  for (const old of older) {
    const systems = links.filter((l) => l.sourceId === old.source.id);
    for (const l of systems) {
      await deleteLink(trx, l.systemId, old.source.id);
      await insertLink(trx, { systemId: l.systemId, sourceId, addedBy, addedAt: at });
      await writeAudit(trx, {
        ctx,
        ...actor,
        orgId,
        action: AUDIT_ACTIONS.SYSTEM_STATEMENT_RELINK,
        objectType: 'system',
        objectId: l.systemId,
        outcome: 'success',
        details: {
          system: l.systemName,
          fromSourceId: old.source.id,
          toSourceId: sourceId,
          product: source.product,
          fromVersion: old.source.productVersion,
          toVersion: source.productVersion,
          fromDate: old.source.statementDate,
          toDate: source.statementDate,
        },
      });
    }
    relinks.push({ oldSourceId: old.source.id, newSourceId: sourceId, systemIds: systems.map((l) => l.systemId) });
  }
  if (relinks.length > 0) {
    await reviewAssessmentsAfterNewRevision(trx, deps, ctx, { orgId, relinks, ...actor });
  }
  return relinks;
}

/**
 * Runs `step` so that its failure undoes only its own writes: the caller's transaction goes on. Returns the error, if
 * any. SAVEPOINT is the same on SQLite and PostgreSQL.
 */
export async function inSavepoint(trx: Trx, name: string, step: () => Promise<void>): Promise<unknown> {
  await sql.raw(`SAVEPOINT ${name}`).execute(trx);
  try {
    await step();
    await sql.raw(`RELEASE SAVEPOINT ${name}`).execute(trx);
    return undefined;
  } catch (e) {
    await sql.raw(`ROLLBACK TO SAVEPOINT ${name}`).execute(trx);
    await sql.raw(`RELEASE SAVEPOINT ${name}`).execute(trx);
    return e;
  }
}

/** Who the audit names when a manufacturer's publication reaches a hospital: no person of the hospital. */
const NOBODY: AuditActor = { id: null, name: null };

/**
 * A manufacturer published a new revision, inside the publishing transaction: every hospital holding an earlier
 * revision of the statement as a source (added from the publication, or a signed file traced to it) and allowed to
 * read the new one gets it as a source, and its systems and assessments follow (applyNewRevision). Each hospital's
 * part runs in a savepoint: a failure there is undone and audited in the hospital's trail, and publishing goes on.
 * Returns the hospitals that received it.
 */
export async function deliverNewRevision(
  trx: Trx,
  deps: { templates: TemplateLookup },
  ctx: RequestContext,
  input: { publicationId: string; at: string },
): Promise<string[]> {
  const publication = await publicationWithDocument(trx, input.publicationId);
  if (publication === undefined) return [];
  const holders = await trx
    .selectFrom('statement_sources as s')
    .innerJoin('publications as p', 'p.id', 's.publication_id')
    .innerJoin('organizations as o', 'o.id', 's.org_id')
    .select('s.org_id')
    .distinct()
    .where('p.statement_id', '=', publication.statementId)
    .where('p.revision', '<', publication.revision)
    .where('o.kind', '=', 'hospital')
    .where('s.org_id', '!=', publication.orgId)
    .orderBy('s.org_id')
    .execute();
  if (holders.length === 0) return [];
  const access = await trx
    .selectFrom('publications')
    .select(['org_id', 'product_id', 'visibility'])
    .where('id', '=', publication.id)
    .executeTakeFirstOrThrow();
  const signed = JSON.parse(publication.signedDocument) as { statement: Statement };
  const statement = signed.statement;
  const content = canonicalContent(statement);
  let signature: SourceSignature | undefined;
  const delivered: string[] = [];
  for (const { org_id: orgId } of holders) {
    const readable = await orgMayReadPublication(trx, {
      granteeOrgId: orgId,
      publication: { orgId: access.org_id, productId: access.product_id, visibility: access.visibility },
      now: input.at,
    });
    if (!readable) continue;
    if ((await findSourceByHash(trx, orgId, content.hash)) !== undefined) continue;
    const sourceId = randomUUID();
    const failure = await inSavepoint(trx, 'new_revision_delivery', async () => {
      signature ??= await checkSourceSignature(trx, signed, input.at);
      const check = signature;
      await insertSource(trx, {
        id: sourceId,
        orgId,
        kind: 'publication',
        publicationId: publication.id,
        fileName: null,
        format: 'publication',
        content: content.json,
        contentHash: content.hash,
        templateId: statement.template.id,
        templateEdition: statement.template.edition,
        manufacturer: publication.manufacturer,
        product: publication.productName,
        productVersion: publication.productVersion,
        statementDate: statement.header.date ?? '',
        signatureStatus: check.status,
        signature: check.check,
        signedDocument: publication.signedDocument,
        addedBy: null,
        addedAt: input.at,
      });
      await writeAudit(trx, {
        ctx,
        actor: NOBODY,
        orgId,
        action: AUDIT_ACTIONS.SOURCE_ADD,
        objectType: 'statement-source',
        objectId: sourceId,
        outcome: 'success',
        details: {
          kind: 'publication',
          via: 'new-revision',
          publicationId: publication.id,
          revision: publication.revision,
          product: publication.productName,
          version: publication.productVersion,
          signatureStatus: check.status,
        },
      });
      if (access.visibility === 'restricted') {
        await writeAudit(trx, {
          ctx,
          actor: NOBODY,
          orgId: publication.orgId,
          action: AUDIT_ACTIONS.PUBLICATION_VIEW,
          objectType: 'publication',
          objectId: publication.id,
          revision: publication.revision,
          outcome: 'success',
          details: { via: 'new-revision', hospitalOrgId: orgId },
        });
      }
      await applyNewRevision(trx, deps, ctx, { orgId, sourceId, actor: NOBODY });
    });
    if (failure === undefined) {
      delivered.push(orgId);
      continue;
    }
    await writeAudit(trx, {
      ctx,
      actor: NOBODY,
      orgId,
      action: AUDIT_ACTIONS.SOURCE_ADD,
      objectType: 'publication',
      objectId: publication.id,
      revision: publication.revision,
      outcome: 'failure',
      details: {
        via: 'new-revision',
        // Only the kind of failure: the message may name another organization's data.
        error: failure instanceof Error ? failure.name : 'unknown',
      },
    });
  }
  return delivered;
}
