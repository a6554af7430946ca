import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type {
  SignatureStatusColumn,
  SourceKind,
  StatementSourcesTable,
  SystemsTable,
} from '../../db/schema-inventory.js';
import { readableBy, type Reader } from '../publishing/publishing.repository.js';
import type { Connection, StoredSignatureCheck } from './inventory.schema.js';

type Queryable = Kysely<Database> | Transaction<Database>;

// ---- Systems ---------------------------------------------------------------------------------------------------

export interface SystemRecord {
  id: string;
  orgId: string;
  name: string;
  manufacturer: string;
  product: string;
  productVersion: string;
  department: string;
  location: string;
  owner: string;
  patientData: boolean;
  connections: Connection[];
  notes: string;
  createdAt: string;
  updatedAt: string;
}

/** The editable facts of a system. */
export type SystemFields = Omit<SystemRecord, 'id' | 'orgId' | 'createdAt' | 'updatedAt'>;

function systemRow(r: Selectable<SystemsTable>): SystemRecord {
  return {
    id: r.id,
    orgId: r.org_id,
    name: r.name,
    manufacturer: r.manufacturer,
    product: r.product,
    productVersion: r.product_version,
    department: r.department,
    location: r.location,
    owner: r.owner,
    patientData: Number(r.patient_data) === 1,
    // Written only by this repository, from the schema-checked list.
    connections: JSON.parse(r.connections) as Connection[],
    notes: r.notes,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Code-point order, the same on both databases (their collations differ). */
const byName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** The organization's systems, by name. */
export async function listSystems(db: Queryable, orgId: string): Promise<SystemRecord[]> {
  const rows = await db.selectFrom('systems').selectAll().where('org_id', '=', orgId).execute();
  return rows.map(systemRow).sort(byName);
}

export async function findSystem(db: Queryable, orgId: string, id: string): Promise<SystemRecord | undefined> {
  const r = await db
    .selectFrom('systems')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return r === undefined ? undefined : systemRow(r);
}

export async function findSystemByName(db: Queryable, orgId: string, name: string): Promise<SystemRecord | undefined> {
  const r = await db
    .selectFrom('systems')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('name', '=', name)
    .executeTakeFirst();
  return r === undefined ? undefined : systemRow(r);
}

/** A system's fields as its row's columns (the same for an insert and an update). */
function systemColumns(s: SystemFields) {
  return {
    name: s.name,
    manufacturer: s.manufacturer,
    product: s.product,
    product_version: s.productVersion,
    department: s.department,
    location: s.location,
    owner: s.owner,
    patient_data: s.patientData ? 1 : 0,
    connections: JSON.stringify(s.connections),
    notes: s.notes,
  };
}

export async function insertSystem(
  db: Queryable,
  s: SystemFields & { id: string; orgId: string; createdBy: string | null; at: string },
): Promise<void> {
  await db
    .insertInto('systems')
    .values({
      id: s.id,
      org_id: s.orgId,
      ...systemColumns(s),
      created_by: s.createdBy,
      created_at: s.at,
      updated_at: s.at,
    })
    .execute();
}

export async function updateSystem(
  db: Queryable,
  orgId: string,
  id: string,
  s: SystemFields,
  at: string,
): Promise<void> {
  await db
    .updateTable('systems')
    .set({ ...systemColumns(s), updated_at: at })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute();
}

/** How many assessments (of the system, or holding a risk of it) refer to a system. */
export async function assessmentsReferring(db: Queryable, systemId: string): Promise<number> {
  const rows = await db
    .selectFrom('assessments')
    .select('id')
    .where((eb) =>
      eb.or([
        eb('system_id', '=', systemId),
        eb('id', 'in', eb.selectFrom('risks').select('assessment_id').where('system_id', '=', systemId)),
      ]),
    )
    .execute();
  return rows.length;
}

/** Removes a system and its links to statements. */
export async function deleteSystem(db: Queryable, orgId: string, id: string): Promise<void> {
  await db.deleteFrom('system_statements').where('system_id', '=', id).execute();
  await db.deleteFrom('systems').where('org_id', '=', orgId).where('id', '=', id).execute();
}

/** How many statements each system of the organization relies on. */
export async function statementCounts(db: Queryable, orgId: string): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('system_statements as l')
    .innerJoin('systems as s', 's.id', 'l.system_id')
    .select(['l.system_id', (eb) => eb.fn.countAll<number | string | bigint>().as('n')])
    .where('s.org_id', '=', orgId)
    .groupBy('l.system_id')
    .execute();
  return new Map(rows.map((r) => [r.system_id, Number(r.n)]));
}

// ---- Statement sources ----------------------------------------------------------------------------------------

export interface SourceRecord {
  id: string;
  orgId: string;
  kind: SourceKind;
  publicationId: string | null;
  fileName: string | null;
  format: string;
  contentHash: string;
  templateId: string;
  templateEdition: string;
  manufacturer: string;
  product: string;
  productVersion: string;
  statementDate: string;
  signatureStatus: SignatureStatusColumn;
  signature: StoredSignatureCheck;
  addedAt: string;
  addedBy: { id: string; name: string } | null;
}

type SourceColumns = Omit<Selectable<StatementSourcesTable>, 'content' | 'signed_document'>;

function sourceQuery(db: Queryable) {
  return db
    .selectFrom('statement_sources as s')
    .leftJoin('users as u', 'u.id', 's.added_by')
    .select([
      's.id',
      's.org_id',
      's.kind',
      's.publication_id',
      's.file_name',
      's.format',
      's.content_hash',
      's.template_id',
      's.template_edition',
      's.manufacturer',
      's.product',
      's.product_version',
      's.statement_date',
      's.signature_status',
      's.signature',
      's.added_by',
      's.added_at',
      'u.display_name as added_by_name',
    ]);
}

function sourceRow(r: SourceColumns & { added_by_name: string | null }): SourceRecord {
  return {
    id: r.id,
    orgId: r.org_id,
    kind: r.kind,
    publicationId: r.publication_id,
    fileName: r.file_name,
    format: r.format,
    contentHash: r.content_hash,
    templateId: r.template_id,
    templateEdition: r.template_edition,
    manufacturer: r.manufacturer,
    product: r.product,
    productVersion: r.product_version,
    statementDate: r.statement_date,
    signatureStatus: r.signature_status,
    // Written only by this repository, from a StoredSignatureCheck.
    signature: JSON.parse(r.signature) as StoredSignatureCheck,
    addedAt: r.added_at,
    addedBy: r.added_by === null ? null : { id: r.added_by, name: r.added_by_name ?? '' },
  };
}

/** The statements the organization holds, most recently added first. */
export async function listSources(db: Queryable, orgId: string): Promise<SourceRecord[]> {
  const rows = await sourceQuery(db)
    .where('s.org_id', '=', orgId)
    .orderBy('s.added_at', 'desc')
    .orderBy('s.id', 'desc')
    .execute();
  return rows.map(sourceRow);
}

export async function findSource(db: Queryable, orgId: string, id: string): Promise<SourceRecord | undefined> {
  const r = await sourceQuery(db).where('s.org_id', '=', orgId).where('s.id', '=', id).executeTakeFirst();
  return r === undefined ? undefined : sourceRow(r);
}

export async function findSourceByHash(
  db: Queryable,
  orgId: string,
  contentHash: string,
): Promise<SourceRecord | undefined> {
  const r = await sourceQuery(db)
    .where('s.org_id', '=', orgId)
    .where('s.content_hash', '=', contentHash)
    .executeTakeFirst();
  return r === undefined ? undefined : sourceRow(r);
}

/** The canonical statement (RFC 8785 JSON text) a source holds. */
export async function sourceContent(db: Queryable, orgId: string, id: string): Promise<string | undefined> {
  const r = await db
    .selectFrom('statement_sources')
    .select('content')
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return r?.content;
}

export interface NewSource {
  id: string;
  orgId: string;
  kind: SourceKind;
  publicationId: string | null;
  fileName: string | null;
  format: string;
  content: string;
  contentHash: string;
  templateId: string;
  templateEdition: string;
  manufacturer: string;
  product: string;
  productVersion: string;
  statementDate: string;
  signatureStatus: SignatureStatusColumn;
  signature: StoredSignatureCheck;
  signedDocument: string | null;
  addedBy: string | null;
  addedAt: string;
}

/** Stores a source. A second source with the same content in the organization violates a unique constraint. */
export async function insertSource(db: Queryable, s: NewSource): Promise<void> {
  await db
    .insertInto('statement_sources')
    .values({
      id: s.id,
      org_id: s.orgId,
      kind: s.kind,
      publication_id: s.publicationId,
      file_name: s.fileName,
      format: s.format,
      content: s.content,
      content_hash: s.contentHash,
      template_id: s.templateId,
      template_edition: s.templateEdition,
      manufacturer: s.manufacturer,
      product: s.product,
      product_version: s.productVersion,
      statement_date: s.statementDate,
      signature_status: s.signatureStatus,
      signature: JSON.stringify(s.signature),
      signed_document: s.signedDocument,
      added_by: s.addedBy,
      added_at: s.addedAt,
    })
    .execute();
}

// ---- Links ------------------------------------------------------------------------------------------------------

export interface LinkRecord {
  systemId: string;
  systemName: string;
  sourceId: string;
  addedAt: string;
}

/** Every link between the organization's systems and statements, most recently made first. */
export async function listLinks(db: Queryable, orgId: string): Promise<LinkRecord[]> {
  const rows = await db
    .selectFrom('system_statements as l')
    .innerJoin('systems as s', 's.id', 'l.system_id')
    .select(['l.system_id', 's.name', 'l.source_id', 'l.added_at'])
    .where('s.org_id', '=', orgId)
    .orderBy('l.added_at', 'desc')
    .orderBy('l.source_id', 'desc')
    .execute();
  return rows.map((r) => ({ systemId: r.system_id, systemName: r.name, sourceId: r.source_id, addedAt: r.added_at }));
}

/** The systems relying on one source, by name. */
export async function systemsRelyingOn(db: Queryable, sourceId: string): Promise<{ id: string; name: string }[]> {
  const rows = await db
    .selectFrom('system_statements as l')
    .innerJoin('systems as s', 's.id', 'l.system_id')
    .select(['s.id', 's.name'])
    .where('l.source_id', '=', sourceId)
    .execute();
  return rows.sort(byName);
}

/** The sources a system relies on, most recently linked first. */
export async function sourcesOfSystem(db: Queryable, orgId: string, systemId: string): Promise<SourceRecord[]> {
  const rows = await sourceQuery(db)
    .innerJoin('system_statements as l', 'l.source_id', 's.id')
    .where('s.org_id', '=', orgId)
    .where('l.system_id', '=', systemId)
    .orderBy('l.added_at', 'desc')
    .orderBy('s.id', 'desc')
    .execute();
  return rows.map(sourceRow);
}

/** Links a system to a statement; false when it is linked already. */
export async function insertLink(
  db: Queryable,
  l: { systemId: string; sourceId: string; addedBy: string | null; addedAt: string },
): Promise<boolean> {
  const r = await db
    .insertInto('system_statements')
    .values({ system_id: l.systemId, source_id: l.sourceId, added_by: l.addedBy, added_at: l.addedAt })
    .onConflict((oc) => oc.columns(['system_id', 'source_id']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

/** Removes a link; false when there was none. */
export async function deleteLink(db: Queryable, systemId: string, sourceId: string): Promise<boolean> {
  const r = await db
    .deleteFrom('system_statements')
    .where('system_id', '=', systemId)
    .where('source_id', '=', sourceId)
    .executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}

// ---- Publications, as the inventory sees them ------------------------------------------------------------------

export interface PublicationFacts {
  id: string;
  orgId: string;
  statementId: string;
  revision: number;
  visibility: 'public' | 'restricted';
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
  'p.visibility',
  'p.manufacturer',
  'p.product_name',
  'p.product_version',
  'p.published_at',
  'p.withdrawn_at',
  'p.withdrawn_reason',
] as const;

function publicationRow(r: {
  id: string;
  org_id: string;
  statement_id: string;
  revision: number;
  visibility: 'public' | 'restricted';
  manufacturer: string;
  product_name: string;
  product_version: string;
  published_at: string;
  withdrawn_at: string | null;
  withdrawn_reason: string | null;
}): PublicationFacts {
  return {
    id: r.id,
    orgId: r.org_id,
    statementId: r.statement_id,
    revision: Number(r.revision),
    visibility: r.visibility,
    manufacturer: r.manufacturer,
    productName: r.product_name,
    productVersion: r.product_version,
    publishedAt: r.published_at,
    withdrawnAt: r.withdrawn_at,
    withdrawnReason: r.withdrawn_reason,
  };
}

/** Publications by id (withdrawn ones too). */
export async function publicationsById(db: Queryable, ids: readonly string[]): Promise<Map<string, PublicationFacts>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('publications as p').select(publicationColumns).where('p.id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, publicationRow(r)]));
}

/** A publication with its signed document. */
export async function publicationWithDocument(
  db: Queryable,
  id: string,
): Promise<(PublicationFacts & { signedDocument: string }) | undefined> {
  const r = await db
    .selectFrom('publications as p')
    .select(publicationColumns)
    .select('p.signed_document')
    .where('p.id', '=', id)
    .executeTakeFirst();
  return r === undefined ? undefined : { ...publicationRow(r), signedDocument: r.signed_document };
}

/**
 * The publications of these statements the reader may read and that are not withdrawn, newest revision first:
 * where a held revision looks for its successors.
 */
export async function readablePublicationsOf(
  db: Queryable,
  statementIds: readonly string[],
  reader: Reader,
): Promise<PublicationFacts[]> {
  if (statementIds.length === 0) return [];
  const rows = await db
    .selectFrom('publications as p')
    .select(publicationColumns)
    .where('p.statement_id', 'in', statementIds)
    .where('p.withdrawn_at', 'is', null)
    .where((eb) => readableBy(eb, reader))
    .orderBy('p.revision', 'desc')
    .execute();
  return rows.map(publicationRow);
}

/** The publication of an organization with this content that the reader may read, newest first. */
export async function readablePublicationWithContent(
  db: Queryable,
  manufacturerOrgId: string,
  contentHash: string,
  reader: Reader,
): Promise<PublicationFacts | undefined> {
  const r = await db
    .selectFrom('publications as p')
    .select(publicationColumns)
    .where('p.org_id', '=', manufacturerOrgId)
    .where('p.content_hash', '=', contentHash)
    .where((eb) => readableBy(eb, reader))
    .orderBy('p.published_at', 'desc')
    .executeTakeFirst();
  return r === undefined ? undefined : publicationRow(r);
}
