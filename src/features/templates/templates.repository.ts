import type { Kysely, Transaction } from 'kysely';
import type { LocalizedText } from '../../domain/i18n.js';
import type { Template } from '../../domain/template.js';
import { StoreError } from '../../db/errors.js';
import { canonicalContent } from '../../db/hash.js';
import type { Database, StoredTemplateRow } from '../../db/schema.js';

type Queryable = Kysely<Database> | Transaction<Database>;

/** A template as listed: enough to choose one, without its rows. */
export interface TemplateSummary {
  id: string;
  edition: string;
  title: LocalizedText;
  publisher: LocalizedText;
  builtin: boolean;
  rowCount: number;
  /** Rows that take an answer (questions, not group headings). */
  answerableCount: number;
}

export type UpsertOutcome = 'inserted' | 'updated' | 'unchanged';

function localized(ja: string | null, en: string | null): LocalizedText {
  return { ...(ja === null ? {} : { ja }), ...(en === null ? {} : { en }) };
}

function rowToSummary(
  row: Omit<StoredTemplateRow, 'content' | 'content_hash' | 'created_at' | 'updated_at'>,
): TemplateSummary {
  return {
    id: row.id,
    edition: row.edition,
    title: localized(row.title_ja, row.title_en),
    publisher: localized(row.publisher_ja, row.publisher_en),
    builtin: row.builtin === 1,
    rowCount: row.row_count,
    answerableCount: row.answerable_count,
  };
}

function describedColumns(template: Template): {
  title_ja: string | null;
  title_en: string | null;
  publisher_ja: string | null;
  publisher_en: string | null;
  row_count: number;
  answerable_count: number;
} {
  return {
    title_ja: template.title.ja ?? null,
    title_en: template.title.en ?? null,
    publisher_ja: template.publisher.ja ?? null,
    publisher_en: template.publisher.en ?? null,
    row_count: template.rows.length,
    answerable_count: template.rows.filter((r) => r.kind === 'question').length,
  };
}

/**
 * Stores a template: inserts it when new; when a built-in template's content changed (a new release of OpenMDS
 * corrected it), replaces it. A different content under the key of a non-built-in template is a conflict: an
 * organisation's template edition, once stored, is what its statements were written against.
 */
export async function upsertTemplate(
  db: Queryable,
  template: Template,
  options: { builtin: boolean; at?: string },
): Promise<UpsertOutcome> {
  const at = options.at ?? new Date().toISOString();
  // Stored exactly as given (key order included); hashed in canonical form so key order does not count as a change.
  const content = JSON.stringify(template);
  const { hash } = canonicalContent(template);
  const inserted = await db
    .insertInto('templates')
    .values({
      id: template.id,
      edition: template.edition,
      ...describedColumns(template),
      content,
      content_hash: hash,
      builtin: options.builtin ? 1 : 0,
      created_at: at,
      updated_at: at,
    })
    .onConflict((oc) => oc.columns(['id', 'edition']).doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) return 'inserted';

  const existing = await db
    .selectFrom('templates')
    .select(['content_hash', 'builtin'])
    .where('id', '=', template.id)
    .where('edition', '=', template.edition)
    .executeTakeFirstOrThrow();
  if (existing.content_hash === hash) return 'unchanged';
  if (existing.builtin !== 1 || !options.builtin) {
    throw new StoreError(
      'conflict',
      `template ${template.id}@${template.edition} is already stored with different content; publish a new edition instead`,
    );
  }
  await db
    .updateTable('templates')
    .set({ ...describedColumns(template), content, content_hash: hash, updated_at: at })
    .where('id', '=', template.id)
    .where('edition', '=', template.edition)
    .execute();
  return 'updated';
}

/** The stored template, parsed; undefined when there is none. */
export async function findTemplate(db: Queryable, id: string, edition: string): Promise<Template | undefined> {
  const row = await db
    .selectFrom('templates')
    .select('content')
    .where('id', '=', id)
    .where('edition', '=', edition)
    .executeTakeFirst();
  // The content was a Template when stored (upsertTemplate takes nothing else).
  return row === undefined ? undefined : (JSON.parse(row.content) as Template);
}

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Every stored template, ordered by id and edition (by code units, the same on both dialects whatever the collation). */
export async function listTemplates(db: Queryable): Promise<TemplateSummary[]> {
  const rows = await db
    .selectFrom('templates')
    .select([
      'id',
      'edition',
      'title_ja',
      'title_en',
      'publisher_ja',
      'publisher_en',
      'builtin',
      'row_count',
      'answerable_count',
    ])
    .execute();
  return rows.map(rowToSummary).sort((a, b) => byCodeUnits(a.id, b.id) || byCodeUnits(a.edition, b.edition));
}
