// Directory search over 100,000 published statements, on SQLite and (when reachable) PostgreSQL. Each query of a
// realistic mix runs through the same service the API calls (filters, visibility, newest revision, count, page);
// p50 and p99 are printed with their ratio to a baseline measured in the same run: a primary-key lookup of one
// publication through the same Kysely stack. Target: p99 < 50 ms.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { openDatabase, type Db } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import type { Database } from '../src/db/schema.js';
import { builtinTemplates } from '../src/domain/templates/registry.js';
import { directoryFilters, searchDirectory } from '../src/features/publishing/directory.service.js';
import { searchInDatabase } from '../src/features/publishing/publishing.repository.js';
import { readerOf } from '../src/features/publishing/publishing.service.js';
import type { DirectoryQuery } from '../src/features/publishing/publishing.schema.js';
import { upsertTemplate } from '../src/features/templates/templates.repository.js';
import type { Actor, RequestContext } from '../src/security/context.js';
import type { BenchResult } from './validate.bench.js';

const PUBLICATIONS = Number(process.env['OPENMDS_BENCH_PUBLICATIONS'] ?? 100_000);
const MANUFACTURERS = 200;
const PRODUCTS_PER_MANUFACTURER = 10;
const HOSPITALS = 50;
const RUNS = 100;
const BASELINE_RUNS = 5;
const AT = '2026-11-25T00:00:00.000Z';

const WORDS = ['PACS', 'RIS', '電子カルテ', 'ビューア', 'モダリティ', 'Gateway', 'Archive', '検査', '画像', 'Cloud'];
const CATEGORIES = ['pacs', 'ris', 'ehr', 'modality', 'viewer', 'other'];

const pad = (n: number, w = 6): string => String(n).padStart(w, '0');

async function insertMany<T extends Record<string, unknown>>(
  db: Kysely<Database>,
  table: string,
  rows: T[],
): Promise<void> {
  const columns = Object.keys(rows[0] ?? {}).length;
  const batch = Math.max(1, Math.floor(30_000 / Math.max(1, columns)));
  for (let i = 0; i < rows.length; i += batch) {
    // The bench writes rows the store would write; the table name is one of ours.
    await db
      .insertInto(table as 'organizations')
      .values(rows.slice(i, i + batch) as never)
      .execute();
  }
}

/** Fills a migrated database with manufacturers, products, finalized statements and their publications. */
export async function fill(db: Db): Promise<{ hospitalOrgIds: string[] }> {
  const templates = builtinTemplates();
  const mds = templates.get('jahis-jira-mds', '2');
  if (mds === undefined) throw new Error('the MDS 2nd edition is not built in');
  await db.kysely.transaction().execute(async (trx) => {
    for (const t of templates.list()) await upsertTemplate(trx, t, { builtin: true });
  });
  const rowIds = mds.rows.filter((r) => r.answerable).map((r) => r.row.id);
  // The same draw as the SQL below: about 60 % はい, 30 % いいえ, 10 % 対象外.
  const answerOf = (i: number, k: number): string => {
    const v = (i * 2654435761 + k * 40503) % 10;
    return v < 6 ? 'yes' : v < 9 ? 'no' : 'na';
  };

  const orgs = [
    ...Array.from({ length: MANUFACTURERS }, (_, i) => ({
      id: `m${pad(i)}`,
      name: `${WORDS[i % WORDS.length]}メディカル${i}株式会社`,
      kind: 'manufacturer',
      created_at: AT,
    })),
    ...Array.from({ length: HOSPITALS }, (_, i) => ({
      id: `h${pad(i)}`,
      name: `病院${i}`,
      kind: 'hospital',
      created_at: AT,
    })),
  ];
  await insertMany(db.kysely, 'organizations', orgs);
  const products: Record<string, unknown>[] = [];
  const versions: Record<string, unknown>[] = [];
  for (let m = 0; m < MANUFACTURERS; m++) {
    for (let p = 0; p < PRODUCTS_PER_MANUFACTURER; p++) {
      const id = `p${pad(m)}-${p}`;
      products.push({
        id,
        org_id: `m${pad(m)}`,
        name: `${WORDS[(m + p) % WORDS.length]} ${m}-${p}`,
        category: CATEGORIES[(m + p) % CATEGORIES.length],
        description: '',
        created_at: AT,
        updated_at: AT,
      });
      versions.push({ id: `v${pad(m)}-${p}`, product_id: id, version: `V${p}.0`, created_at: AT });
    }
  }
  await insertMany(db.kysely, 'products', products);
  await insertMany(db.kysely, 'product_versions', versions);
  await insertMany(db.kysely, 'signing_keys', [
    {
      id: 'key',
      org_id: 'm000000',
      source: 'instance-ca',
      certificate_chain: '[]',
      private_key_pem: '',
      certificate_sha256: '',
      subject: '',
      issuer: '',
      not_before: AT,
      not_after: AT,
      created_at: AT,
    },
  ]);

  const CHUNK = 10_000;
  for (let start = 0; start < PUBLICATIONS; start += CHUNK) {
    const statements: Record<string, unknown>[] = [];
    const revisions: Record<string, unknown>[] = [];
    const publications: Record<string, unknown>[] = [];
    for (let i = start; i < Math.min(PUBLICATIONS, start + CHUNK); i++) {
      const m = i % MANUFACTURERS;
      const p = Math.floor(i / MANUFACTURERS) % PRODUCTS_PER_MANUFACTURER;
      // Every fifth statement has two published revisions; the directory lists the newer.
      const revision = i % 5 === 4 ? 2 : 1;
      const statementId = revision === 2 ? `s${pad(i - 1, 7)}` : `s${pad(i, 7)}`;
      const at = new Date(Date.parse(AT) - (PUBLICATIONS - i) * 60_000).toISOString();
      if (revision === 1) {
        statements.push({
          id: statementId,
          template_id: 'jahis-jira-mds',
          template_edition: '2',
          manufacturer: orgs[m]!.name,
          product: String(products[m * PRODUCTS_PER_MANUFACTURER + p]!['name']),
          product_version: `V${p}.0`,
          current_revision: i % 5 === 3 ? 2 : 1,
          status: 'published',
          created_at: at,
          updated_at: at,
          org_id: `m${pad(m)}`,
          product_version_id: `v${pad(m)}-${p}`,
        });
      }
      revisions.push({
        statement_id: statementId,
        revision,
        status: 'published',
        content: '{}',
        content_hash: '',
        version: 1,
        created_at: at,
        updated_at: at,
        finalized_at: at,
      });
      publications.push({
        id: `pub${pad(i, 7)}`,
        org_id: `m${pad(m)}`,
        statement_id: statementId,
        revision,
        product_id: `p${pad(m)}-${p}`,
        product_version_id: `v${pad(m)}-${p}`,
        visibility: i % 10 === 7 ? 'restricted' : 'public',
        template_id: 'jahis-jira-mds',
        template_edition: '2',
        manufacturer: orgs[m]!.name,
        product_name: String(products[m * PRODUCTS_PER_MANUFACTURER + p]!['name']),
        product_version: `V${p}.0`,
        category: String(products[m * PRODUCTS_PER_MANUFACTURER + p]!['category']),
        search_text: `${orgs[m]!.name} ${String(products[m * PRODUCTS_PER_MANUFACTURER + p]!['name'])} v${p}.0`
          .normalize('NFKC')
          .toLowerCase(),
        signed_document: '{}',
        content_hash: '',
        counts: '{"yes":40,"no":20,"na":5,"other":0,"unanswered":0}',
        answer_vector: rowIds.map((_, k) => answerOf(i, k)).join('\u001f'),
        signing_key_id: 'key',
        published_at: at,
        withdrawn_at: i % 50 === 11 ? at : null,
        withdrawn_reason: i % 50 === 11 ? 'bench' : null,
        latest: i % 5 === 3 || i % 50 === 11 ? 0 : 1,
      });
    }
    await db.kysely.transaction().execute(async (trx) => {
      if (statements.length > 0) await insertMany(trx, 'statements', statements);
      await insertMany(trx, 'statement_revisions', revisions);
      await insertMany(trx, 'publications', publications);
    });
  }

  // Answers: one per answerable row, drawn from a hash of (publication, row) so both dialects agree:
  // about 60 % はい, 30 % いいえ, 10 % 対象外.
  const rowsSql = sql.join(rowIds.map((r, k) => sql`(${sql.lit(r)}, ${sql.lit(k)})`));
  const pick =
    db.dialect === 'sqlite'
      ? sql`(abs((cast(substr(p.id, 4) as integer) * 2654435761 + r.k * 40503) % 10))`
      : sql`(abs((cast(substr(p.id, 4) as bigint) * 2654435761 + r.k * 40503) % 10))`;
  for (let start = 0; start < PUBLICATIONS; start += 20_000) {
    const from = `pub${pad(start, 7)}`;
    const to = `pub${pad(Math.min(PUBLICATIONS, start + 20_000), 7)}`;
    await sql`
      insert into publication_answers (publication_id, row_id, answer)
      with r(row_id, k) as (values ${rowsSql})
      select p.id, r.row_id, case when ${pick} < 6 then 'yes' when ${pick} < 9 then 'no' else 'na' end
      from publications p cross join r
      where p.id >= ${from} and p.id < ${to}`.execute(db.kysely);
  }
  // Grants: each hospital may read two manufacturers' restricted publications.
  await insertMany(
    db.kysely,
    'access_grants',
    Array.from({ length: HOSPITALS * 2 }, (_, i) => ({
      id: `g${pad(i)}`,
      org_id: `m${pad(i % MANUFACTURERS)}`,
      grantee_org_id: `h${pad(Math.floor(i / 2))}`,
      product_id: null,
      created_at: AT,
    })),
  );
  if (db.dialect === 'sqlite') await sql`analyze`.execute(db.kysely);
  else await sql`analyze`.execute(db.kysely);
  return { hospitalOrgIds: orgs.filter((o) => o.kind === 'hospital').map((o) => o.id) };
}

function ctxFor(actor: Actor): RequestContext {
  return { actor, ip: '127.0.0.1', userAgent: 'bench', now: () => AT };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function measure(run: () => Promise<unknown>, runs = RUNS): Promise<number[]> {
  for (let i = 0; i < Math.min(10, runs); i++) await run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b);
}

async function benchOn(name: string, db: Db): Promise<BenchResult> {
  const t0 = performance.now();
  const { hospitalOrgIds } = await fill(db);
  const loadSeconds = (performance.now() - t0) / 1000;
  const templates = builtinTemplates();
  const anonymous = ctxFor({ kind: 'anonymous' });
  const hospital = ctxFor({
    kind: 'user',
    userId: 'u',
    email: 'u@example.jp',
    displayName: 'u',
    isOperator: false,
    sessionId: 's',
    memberships: [{ orgId: hospitalOrgIds[0]!, orgName: '病院0', kind: 'hospital', role: 'viewer' }],
  });
  const queries: Array<[string, RequestContext, DirectoryQuery]> = [
    ['first page', anonymous, {}],
    ['page 40', anonymous, { page: 40 }],
    ['words', anonymous, { q: 'pacs メディカル' }],
    ['rare word', anonymous, { q: 'メディカル17株式会社' }],
    ['category + template', anonymous, { category: 'viewer', template: 'jahis-jira-mds@2' }],
    ['one answer', anonymous, { answer: '4.1-d:yes' }],
    ['two answers', anonymous, { answer: ['4.1-d:yes', '12.4:yes'] }],
    ['three answers + words', anonymous, { answer: ['4.1-d:yes', '12.4:no', '6:na'], q: 'cloud' }],
    ['manufacturer', anonymous, { manufacturer: 'm000042' }],
    ['hospital reader, two answers', hospital, { answer: ['4.1-d:yes', '12.4:yes'] }],
  ];
  const all: number[] = [];
  const baseline: number[] = [];
  const lines: string[] = [];
  for (const [label, ctx, q] of queries) {
    const times = await measure(() => searchDirectory(db.kysely, { templates }, ctx, q));
    all.push(...times);
    // The baseline: the same query answered by the database alone (what the index replaces), fewer runs.
    const filters = directoryFilters(q);
    const pageSize = q.pageSize ?? 20;
    const base = await measure(
      () =>
        searchInDatabase(db.kysely, filters, readerOf(ctx.actor, AT), {
          offset: ((q.page ?? 1) - 1) * pageSize,
          limit: pageSize,
        }),
      BASELINE_RUNS,
    );
    baseline.push(...base);
    lines.push(
      `    ${label.padEnd(30)} p50 ${percentile(times, 50).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms (database alone: p50 ${percentile(base, 50).toFixed(0)} ms)`,
    );
  }
  all.sort((a, b) => a - b);
  baseline.sort((a, b) => a - b);
  const p99 = percentile(all, 99);
  const ratio = percentile(baseline, 50) / percentile(all, 50);
  process.stdout.write(
    `  ${name}: ${PUBLICATIONS.toLocaleString('en-US')} publications loaded in ${loadSeconds.toFixed(0)} s\n${lines.join('\n')}\n`,
  );
  return {
    name: `directory search over ${PUBLICATIONS.toLocaleString('en-US')} publications on ${name}`,
    figure: `p50 ${percentile(all, 50).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms over ${all.length} queries (baseline, the database alone: p50 ${percentile(baseline, 50).toFixed(0)} ms, p99 ${percentile(baseline, 99).toFixed(0)} ms); the ratio is the baseline's p50 over the index's`,
    ratio,
    target: 'p99 < 50 ms',
    ok: p99 < 50,
  };
}

export async function benchDirectorySqlite(): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'openmds-bench-'));
  const db = await openDatabase({ url: `sqlite:${join(dir, 'bench.sqlite')}` });
  try {
    await migrateToLatest(db);
    return await benchOn('SQLite', db);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchDirectoryPostgres(): Promise<BenchResult> {
  const url = process.env['OPENMDS_BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `openmds_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: url });
  try {
    await admin.connect();
  } catch (e) {
    return {
      name: 'directory search on PostgreSQL',
      figure: `skipped: cannot connect to ${url} (${(e as Error).message}); set OPENMDS_BENCH_DATABASE_URL`,
      ratio: 1,
      target: 'p99 < 50 ms',
      ok: true,
    };
  }
  await admin.query(`CREATE SCHEMA ${schema}`);
  const db = await openDatabase({ url, schema, maxConnections: 4 });
  try {
    await migrateToLatest(db);
    return await benchOn('PostgreSQL', db);
  } finally {
    await db.close();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  }
}
