import type { Kysely, Transaction } from 'kysely';
import type { CompiledTemplate } from '../../domain/compiled-template.js';
import type { Statement } from '../../domain/statement.js';
import type { TemplateLookup } from '../../domain/validation.js';
import type { Database } from '../../db/schema.js';

type Queryable = Kysely<Database> | Transaction<Database>;

/** Separates the answers of an answer vector. */
const SEP = '\u001f';

/** instance_settings key of the directory's version: bumped in the transaction of every change to the listing. */
export const DIRECTORY_VERSION_KEY = 'directory.version';

/** A statement's answers in its template's answerable-row order, for the directory index. */
export function answerVector(statement: Statement, template: CompiledTemplate | undefined): string {
  if (template === undefined) return '';
  return template.rows
    .filter((r) => r.answerable)
    .map((r) => statement.answers[r.row.id]?.answer ?? '')
    .join(SEP);
}

/** Marks the public listing as changed; every server process's index reloads before its next search. */
export async function bumpDirectoryVersion(db: Queryable, at: string): Promise<void> {
  const version = String(Date.now()) + Math.random().toString(36).slice(2, 8);
  await db
    .insertInto('instance_settings')
    .values({ key: DIRECTORY_VERSION_KEY, value: version, updated_at: at })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: version, updated_at: at }))
    .execute();
}

export interface IndexFilters {
  words: readonly string[];
  manufacturer?: string;
  category?: string;
  template?: { id: string; edition?: string };
  answers: ReadonlyArray<{ row: string; answer: string }>;
}

export interface IndexEntry {
  id: string;
  publishedAt: string;
}

interface Loaded {
  version: string | undefined;
  /** Newest first, as the directory lists them. */
  ids: string[];
  publishedAt: string[];
  orgId: string[];
  category: string[];
  template: string[];
  text: string[];
  /** `template \0 row \0 answer` → bit set over the entries. */
  bits: Map<string, Uint32Array>;
  /** `template` (id@edition) → bit set; also `template-id` alone. */
  templates: Map<string, Uint32Array>;
}

function setBit(map: Map<string, Uint32Array>, key: string, words: number, i: number): void {
  let b = map.get(key);
  if (b === undefined) {
    b = new Uint32Array(words);
    map.set(key, b);
  }
  b[i >>> 5]! |= 1 << (i & 31);
}

/**
 * The public listing of the directory, held in memory: the newest public publication of each statement that is
 * not withdrawn, with bit sets per answer so that any conjunction of answer filters is a few thousand word ANDs.
 * The database stays the source of truth: a version in instance_settings, bumped with every change to the listing,
 * makes each process reload before it answers from stale data. Restricted publications are never in it: they are
 * searched in the database, per reader.
 */
export class DirectoryIndex {
  private loaded: Loaded | undefined;
  private loading: Promise<Loaded> | undefined;

  constructor(private readonly templates: TemplateLookup) {}

  private async version(db: Queryable): Promise<string | undefined> {
    const row = await db
      .selectFrom('instance_settings')
      .select('value')
      .where('key', '=', DIRECTORY_VERSION_KEY)
      .executeTakeFirst();
    return row?.value;
  }

  private async load(db: Queryable, version: string | undefined): Promise<Loaded> {
    const rows = await db
      .selectFrom('publications')
      .select([
        'id',
        'published_at',
        'org_id',
        'category',
        'template_id',
        'template_edition',
        'search_text',
        'answer_vector',
      ])
      .where('latest', '=', 1)
      .where('visibility', '=', 'public')
      .where('withdrawn_at', 'is', null)
      .orderBy('published_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    const n = rows.length;
    const words = Math.max(1, Math.ceil(n / 32));
    const out: Loaded = {
      version,
      ids: new Array<string>(n),
      publishedAt: new Array<string>(n),
      orgId: new Array<string>(n),
      category: new Array<string>(n),
      template: new Array<string>(n),
      text: new Array<string>(n),
      bits: new Map(),
      templates: new Map(),
    };
    const rowIds = new Map<string, string[]>();
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      const key = `${r.template_id}@${r.template_edition}`;
      out.ids[i] = r.id;
      out.publishedAt[i] = r.published_at;
      out.orgId[i] = r.org_id;
      out.category[i] = r.category;
      out.template[i] = key;
      out.text[i] = r.search_text;
      setBit(out.templates, key, words, i);
      setBit(out.templates, r.template_id, words, i);
      let ids = rowIds.get(key);
      if (ids === undefined) {
        const t = this.templates.get(r.template_id, r.template_edition);
        ids = t === undefined ? [] : t.rows.filter((x) => x.answerable).map((x) => x.row.id);
        rowIds.set(key, ids);
      }
      const answers = r.answer_vector === '' ? [] : r.answer_vector.split(SEP);
      for (let k = 0; k < answers.length && k < ids.length; k++) {
        const a = answers[k]!;
        if (a !== '') setBit(out.bits, `${key}\0${ids[k]!}\0${a}`, words, i);
      }
    }
    return out;
  }

  /** The index as of the database's current version, reloading when another change happened since. */
  private async current(db: Queryable): Promise<Loaded> {
    const version = await this.version(db);
    if (this.loaded !== undefined && this.loaded.version === version) return this.loaded;
    if (this.loading === undefined) {
      this.loading = this.load(db, version).finally(() => {
        this.loading = undefined;
      });
    }
    const loaded = await this.loading;
    this.loaded = loaded;
    return loaded;
  }

  /** Forgets the loaded listing (tests; after a restore). */
  invalidate(): void {
    this.loaded = undefined;
  }

  /**
   * Every public entry matching the filters: the total, and the first `need` of them, newest first. An answer filter
   * matches a publication whose template has that row and whose answer is that value.
   */
  async search(db: Queryable, filters: IndexFilters, need: number): Promise<{ total: number; top: IndexEntry[] }> {
    const ix = await this.current(db);
    const n = ix.ids.length;
    const words = Math.max(1, Math.ceil(n / 32));
    let mask: Uint32Array | undefined;
    const and = (b: Uint32Array | undefined): void => {
      if (b === undefined) {
        mask = new Uint32Array(words);
        return;
      }
      if (mask === undefined) mask = b.slice();
      else for (let w = 0; w < words; w++) mask[w]! &= b[w]!;
    };
    if (filters.template !== undefined) {
      and(
        ix.templates.get(
          filters.template.edition === undefined
            ? filters.template.id
            : `${filters.template.id}@${filters.template.edition}`,
        ),
      );
    }
    for (const a of filters.answers) {
      // A row's answer in any template that has the row: OR over the templates loaded.
      let any: Uint32Array | undefined;
      for (const key of ix.templates.keys()) {
        if (!key.includes('@')) continue;
        const b = ix.bits.get(`${key}\0${a.row}\0${a.answer}`);
        if (b === undefined) continue;
        if (any === undefined) any = b.slice();
        else for (let w = 0; w < words; w++) any[w]! |= b[w]!;
      }
      and(any);
    }
    let total = 0;
    const top: IndexEntry[] = [];
    for (let w = 0; w < words; w++) {
      let bitsLeft =
        mask === undefined ? (w === words - 1 && n % 32 !== 0 ? (1 << (n % 32)) - 1 : 0xffffffff) : mask[w]!;
      if (n === 0) bitsLeft = 0;
      while (bitsLeft !== 0) {
        const bit = 31 - Math.clz32(bitsLeft & -bitsLeft);
        bitsLeft &= bitsLeft - 1;
        const i = w * 32 + bit;
        if (i >= n) break;
        if (filters.manufacturer !== undefined && ix.orgId[i] !== filters.manufacturer) continue;
        if (filters.category !== undefined && ix.category[i] !== filters.category) continue;
        if (filters.words.length > 0) {
          const text = ix.text[i]!;
          if (!filters.words.every((word) => text.includes(word))) continue;
        }
        total++;
        if (top.length < need) top.push({ id: ix.ids[i]!, publishedAt: ix.publishedAt[i]! });
      }
    }
    return { total, top };
  }
}
