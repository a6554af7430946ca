import {
  sql,
  type ExpressionBuilder,
  type Expression,
  type Kysely,
  type SelectQueryBuilder,
  type SqlBool,
  type Transaction,
} from 'kysely';
import type { DirectoryIndex } from './directory-index.js';
import type { Database } from '../../db/schema.js';
import type { PublicationsTable } from '../../db/schema-publishing.js';
import type { Selectable } from 'kysely';

type Queryable = Kysely<Database> | Transaction<Database>;

export type PublicationRow = Selectable<PublicationsTable>;

/** A publication as listings show it: everything but the signed document and the search text. */
export type PublicationListRow = Omit<PublicationRow, 'signed_document' | 'search_text' | 'answer_vector'>;

const LIST_COLUMNS = [
  'p.id',
  'p.org_id',
  'p.statement_id',
  'p.revision',
  'p.product_id',
  'p.product_version_id',
  'p.visibility',
  'p.template_id',
  'p.template_edition',
  'p.manufacturer',
  'p.product_name',
  'p.product_version',
  'p.category',
  'p.content_hash',
  'p.counts',
  'p.signing_key_id',
  'p.published_at',
  'p.published_by',
  'p.withdrawn_at',
  'p.withdrawn_by',
  'p.withdrawn_reason',
  'p.latest',
] as const;

/** Marks the newest publication of the statement that is not withdrawn as the one the directory lists. */
export async function refreshLatest(db: Queryable, statementId: string): Promise<void> {
  const newest = await db
    .selectFrom('publications')
    .select('id')
    .where('statement_id', '=', statementId)
    .where('withdrawn_at', 'is', null)
    .orderBy('revision', 'desc')
    .limit(1)
    .executeTakeFirst();
  await db
    .updateTable('publications')
    .set({ latest: 0 })
    .where('statement_id', '=', statementId)
    .where('latest', '=', 1)
    .execute();
  if (newest !== undefined) {
    await db.updateTable('publications').set({ latest: 1 }).where('id', '=', newest.id).execute();
  }
}

/** Who is reading: the organizations they belong to (none when anonymous), and the time grants are checked at. */
export interface Reader {
  orgIds: readonly string[];
  now: string;
}

type PubEb = ExpressionBuilder<Database & { p: PublicationsTable }, 'p'>;

/**
 * Whether the reader may read publication `p`: every public one; a restricted one when the reader's organization
 * published it, holds it in its collection, or (while not withdrawn) has an active grant covering its product.
 */
export function readableBy(eb: PubEb, reader: Reader): Expression<SqlBool> {
  const ors: Expression<SqlBool>[] = [eb('p.visibility', '=', 'public')];
  if (reader.orgIds.length > 0) {
    ors.push(eb('p.org_id', 'in', reader.orgIds));
    ors.push(
      eb.exists(
        eb
          .selectFrom('collection_items as c')
          .select(sql.lit(1).as('one'))
          .whereRef('c.publication_id', '=', 'p.id')
          .where('c.org_id', 'in', reader.orgIds),
      ),
    );
    ors.push(
      eb.and([
        eb('p.withdrawn_at', 'is', null),
        eb.exists(
          eb
            .selectFrom('access_grants as g')
            .select(sql.lit(1).as('one'))
            .whereRef('g.org_id', '=', 'p.org_id')
            .where('g.grantee_org_id', 'in', reader.orgIds)
            .where('g.revoked_at', 'is', null)
            .where((w) => w.or([w('g.expires_at', 'is', null), w('g.expires_at', '>', reader.now)]))
            .where((w) => w.or([w('g.product_id', 'is', null), w('g.product_id', '=', w.ref('p.product_id'))])),
        ),
      ]),
    );
  }
  return eb.or(ors);
}

export async function findPublication(db: Queryable, id: string): Promise<PublicationRow | undefined> {
  return db.selectFrom('publications').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findPublicationOfRevision(
  db: Queryable,
  statementId: string,
  revision: number,
): Promise<PublicationRow | undefined> {
  return db
    .selectFrom('publications')
    .selectAll()
    .where('statement_id', '=', statementId)
    .where('revision', '=', revision)
    .executeTakeFirst();
}

export async function isReadable(db: Queryable, id: string, reader: Reader): Promise<boolean> {
  const row = await db
    .selectFrom('publications as p')
    .select('p.id')
    .where('p.id', '=', id)
    .where((eb) => readableBy(eb, reader))
    .executeTakeFirst();
  return row !== undefined;
}

export async function insertPublication(
  db: Queryable,
  row: Omit<PublicationRow, 'withdrawn_at' | 'withdrawn_by' | 'withdrawn_reason' | 'latest'>,
  answers: ReadonlyArray<{ row: string; answer: string }>,
): Promise<void> {
  await db.insertInto('publications').values(row).execute();
  // Batched to stay under SQLite's bound-parameter limit.
  for (let i = 0; i < answers.length; i += 200) {
    await db
      .insertInto('publication_answers')
      .values(answers.slice(i, i + 200).map((a) => ({ publication_id: row.id, row_id: a.row, answer: a.answer })))
      .execute();
  }
}

export async function setWithdrawn(
  db: Queryable,
  id: string,
  w: { at: string; by: string; reason: string },
): Promise<boolean> {
  const r = await db
    .updateTable('publications')
    .set({ withdrawn_at: w.at, withdrawn_by: w.by, withdrawn_reason: w.reason })
    .where('id', '=', id)
    .where('withdrawn_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Every publication of a statement the reader may see, newest revision first. */
export async function listStatementPublications(
  db: Queryable,
  statementId: string,
  reader: Reader,
): Promise<PublicationListRow[]> {
  return db
    .selectFrom('publications as p')
    .select(LIST_COLUMNS)
    .where('p.statement_id', '=', statementId)
    .where((eb) => readableBy(eb, reader))
    .orderBy('p.revision', 'desc')
    .execute();
}

/** The organization's publications, newest first, with the number of hospital organizations holding each. */
export async function listOrgPublications(
  db: Queryable,
  orgId: string,
): Promise<Array<PublicationListRow & { holders: number }>> {
  const rows = await db
    .selectFrom('publications as p')
    .select(LIST_COLUMNS)
    .select((eb) =>
      eb
        .selectFrom('collection_items as c')
        .select((c) => c.fn.countAll<number | string>().as('n'))
        .whereRef('c.publication_id', '=', 'p.id')
        .as('holders'),
    )
    .where('p.org_id', '=', orgId)
    .orderBy('p.published_at', 'desc')
    .orderBy('p.id', 'desc')
    .execute();
  return rows.map((r) => ({ ...r, holders: Number(r.holders ?? 0) }));
}

export interface DirectoryFilters {
  /** Lower-cased NFKC words, all of which must occur in the search text. */
  words: string[];
  manufacturer?: string;
  category?: string;
  template?: { id: string; edition?: string };
  answers: Array<{ row: string; answer: string }>;
  includeWithdrawn: boolean;
}

/** Escapes LIKE wildcards; the pattern uses '\' as its escape character. */
function likeContains(word: string): string {
  return `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Applies the directory's filters to a query of publications `p`, in the database. */
function filtered<QB extends { where: (...args: never[]) => unknown }>(q: QB, filters: DirectoryFilters): QB;
function filtered(q: PubQuery, filters: DirectoryFilters): PubQuery {
  for (const w of filters.words) q = q.where(sql<SqlBool>`p.search_text like ${likeContains(w)} escape '\\'`);
  if (filters.manufacturer !== undefined) q = q.where('p.org_id', '=', filters.manufacturer);
  if (filters.category !== undefined) q = q.where('p.category', '=', filters.category);
  if (filters.template !== undefined) {
    q = q.where('p.template_id', '=', filters.template.id);
    if (filters.template.edition !== undefined) q = q.where('p.template_edition', '=', filters.template.edition);
  }
  for (const a of filters.answers) {
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('publication_answers as a')
          .select(sql.lit(1).as('one'))
          .where('a.row_id', '=', a.row)
          .where('a.answer', '=', a.answer)
          .whereRef('a.publication_id', '=', 'p.id'),
      ),
    );
  }
  return q;
}

type PubQuery = SelectQueryBuilder<Database & { p: PublicationsTable }, 'p', object>;

/** The listing's order: newest first, then by id. */
function newerFirst(a: { publishedAt: string; id: string }, b: { publishedAt: string; id: string }): number {
  if (a.publishedAt !== b.publishedAt) return a.publishedAt < b.publishedAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

async function rowsByIds(db: Queryable, ids: string[]): Promise<PublicationListRow[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('publications as p').select(LIST_COLUMNS).where('p.id', 'in', ids).execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => {
    const r = byId.get(id);
    return r === undefined ? [] : [r];
  });
}

/** Most restricted publications a reader's search considers (bound parameters stay under every database's limit). */
const MAX_RESTRICTED_CANDIDATES = 10_000;

/**
 * The directory: the newest readable publication of each statement that matches every filter, newest first. The
 * public listing comes from the in-memory index (exact totals, any conjunction of answers in bit-set time); the
 * restricted publications this reader may read come from the database and are merged in. With withdrawn ones asked
 * for, the whole query runs in the database.
 */
export async function searchPublications(
  db: Queryable,
  index: DirectoryIndex,
  filters: DirectoryFilters,
  reader: Reader,
  page: { offset: number; limit: number },
): Promise<{ rows: PublicationListRow[]; total: number }> {
  if (filters.includeWithdrawn) return searchInDatabase(db, filters, reader, page);
  const need = page.offset + page.limit;
  const pub = await index.search(db, filters, need);
  let restricted: { total: number; top: Array<{ id: string; publishedAt: string }> } = { total: 0, top: [] };
  if (reader.orgIds.length > 0) {
    const granting = await db
      .selectFrom('access_grants')
      .select('org_id')
      .distinct()
      .where('grantee_org_id', 'in', reader.orgIds)
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', reader.now)]))
      .execute();
    const orgs = [...new Set([...reader.orgIds, ...granting.map((g) => g.org_id)])];
    // The candidates first, by two index lookups (the reader's and granting organizations, the collection); the
    // exact access check and the filters then run on that short list only.
    const [byOrg, held] = await Promise.all([
      db
        .selectFrom('publications')
        .select('id')
        .where('org_id', 'in', orgs)
        .where('visibility', '=', 'restricted')
        .where('latest', '=', 1)
        .limit(MAX_RESTRICTED_CANDIDATES)
        .execute(),
      db
        .selectFrom('collection_items as c')
        .innerJoin('publications as h', 'h.id', 'c.publication_id')
        .select('h.id')
        .where('c.org_id', 'in', reader.orgIds)
        .where('h.visibility', '=', 'restricted')
        .where('h.latest', '=', 1)
        .limit(MAX_RESTRICTED_CANDIDATES)
        .execute(),
    ]);
    const candidates = [...new Set([...byOrg, ...held].map((r) => r.id))].slice(0, MAX_RESTRICTED_CANDIDATES);
    const q = filtered(
      db
        .selectFrom('publications as p')
        .where('p.id', 'in', candidates.length === 0 ? [''] : candidates)
        .where((eb) => readableBy(eb, reader)),
      filters,
    );
    const [top, count] = await Promise.all([
      q
        .select(['p.id', 'p.published_at'])
        .orderBy('p.published_at', 'desc')
        .orderBy('p.id', 'desc')
        .limit(need)
        .execute(),
      q.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
    ]);
    restricted = { total: Number(count.n), top: top.map((r) => ({ id: r.id, publishedAt: r.published_at })) };
  }
  const merged = [...pub.top, ...restricted.top].sort(newerFirst).slice(page.offset, need);
  return {
    rows: await rowsByIds(
      db,
      merged.map((m) => m.id),
    ),
    total: pub.total + restricted.total,
  };
}

/**
 * The whole directory query in the database: used when withdrawn publications are asked for, and as the
 * benchmark's baseline for the index.
 */
export async function searchInDatabase(
  db: Queryable,
  filters: DirectoryFilters,
  reader: Reader,
  page: { offset: number; limit: number },
): Promise<{ rows: PublicationListRow[]; total: number }> {
  const q = filtered(
    db
      .selectFrom('publications as p')
      .where((eb) => readableBy(eb, reader))
      .where((eb) =>
        filters.includeWithdrawn
          ? eb.or([eb('p.latest', '=', 1), eb('p.withdrawn_at', 'is not', null)])
          : eb('p.latest', '=', 1),
      ),
    filters,
  );
  const [rows, count] = await Promise.all([
    q
      .select(LIST_COLUMNS)
      .orderBy('p.published_at', 'desc')
      .orderBy('p.id', 'desc')
      .limit(page.limit)
      .offset(page.offset)
      .execute(),
    q.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}
