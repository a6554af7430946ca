import { DEFAULT_MIGRATION_LOCK_TABLE, DEFAULT_MIGRATION_TABLE, sql, type Kysely } from 'kysely';
import type { DialectName } from '../db/database.js';
import type { Database } from '../db/schema.js';

/**
 * What the backup needs to know of the schema, read from the database itself (not from a list kept in code), so
 * that a table a later migration adds is backed up without anyone remembering to add it here.
 */

/** The dialect-neutral type of a column's values in a backup. */
export type ColumnType = 'text' | 'integer' | 'real' | 'blob';

export interface TableColumn {
  name: string;
  type: ColumnType;
}

export interface ForeignKey {
  columns: string[];
  table: string;
  refColumns: string[];
}

export interface TableInfo {
  name: string;
  /** In the table's own column order. */
  columns: TableColumn[];
  /** The primary key's columns in key order; empty when the table has none. */
  primaryKey: string[];
  references: ForeignKey[];
  /** PostgreSQL: columns fed by a sequence (identity or serial), whose sequence restore must move past the rows. */
  sequenceColumns: string[];
}

/** A schema the backup cannot handle: a column type it does not know, tables that reference each other. */
export class SchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaError';
  }
}

type Queryable = Kysely<Database>;

/** Kysely's bookkeeping: the backup records the applied migrations in its manifest instead. */
const SKIPPED = new Set([DEFAULT_MIGRATION_TABLE, DEFAULT_MIGRATION_LOCK_TABLE]);

/** The application's tables, parents before children (every table after the tables it references). */
export async function describeTables(db: Queryable, dialect: DialectName): Promise<TableInfo[]> {
  const tables = dialect === 'sqlite' ? await describeSqlite(db) : await describePostgres(db);
  return sortByReferences(tables.filter((t) => !SKIPPED.has(t.name)));
}

/** The names of the migrations applied to the database, in order; empty when it was never migrated. */
export async function appliedMigrations(db: Queryable, dialect: DialectName): Promise<string[]> {
  if (!(await tableNames(db, dialect)).includes(DEFAULT_MIGRATION_TABLE)) return [];
  const { rows } = await sql<{
    name: string;
  }>`SELECT name FROM ${sql.id(DEFAULT_MIGRATION_TABLE)} ORDER BY name`.execute(db);
  return rows.map((r) => r.name);
}

/** Every table of the current schema (SQLite: the main database), Kysely's own included. */
export async function tableNames(db: Queryable, dialect: DialectName): Promise<string[]> {
  const { rows } =
    dialect === 'sqlite'
      ? await sql<{ name: string }>`SELECT name FROM sqlite_schema
          WHERE type = 'table' AND substr(name, 1, 7) <> 'sqlite_' ORDER BY name`.execute(db)
      : await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables
          WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`.execute(db);
  return rows.map((r) => r.name);
}

/** SQLite's type affinity rules (https://www.sqlite.org/datatype3.html#determination_of_column_affinity). */
function sqliteType(table: string, column: string, declared: string): ColumnType {
  const t = declared.toUpperCase();
  if (t.includes('INT')) return 'integer';
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return 'text';
  if (t === '' || t.includes('BLOB')) return 'blob';
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return 'real';
  throw new SchemaError(`${table}.${column}: column type ${declared} is not supported by the backup`);
}

function postgresType(table: string, column: string, dataType: string): ColumnType {
  switch (dataType) {
    case 'integer':
    case 'bigint':
    case 'smallint':
      return 'integer';
    case 'text':
    case 'character varying':
    case 'character':
      return 'text';
    case 'real':
    case 'double precision':
      return 'real';
    case 'bytea':
      return 'blob';
    default:
      throw new SchemaError(`${table}.${column}: column type ${dataType} is not supported by the backup`);
  }
}

async function describeSqlite(db: Queryable): Promise<TableInfo[]> {
  const out: TableInfo[] = [];
  for (const name of await tableNames(db, 'sqlite')) {
    const { rows: columns } = await sql<{ name: string; type: string; pk: number }>`
      SELECT name, type, pk FROM pragma_table_info(${name}) ORDER BY cid`.execute(db);
    const { rows: fks } = await sql<{ id: number; seq: number; table: string; from: string; to: string | null }>`
      SELECT id, seq, "table", "from", "to" FROM pragma_foreign_key_list(${name}) ORDER BY id, seq`.execute(db);
    const references = new Map<number, ForeignKey>();
    for (const fk of fks) {
      const ref = references.get(fk.id) ?? { columns: [], table: fk.table, refColumns: [] };
      ref.columns.push(fk.from);
      // A foreign key that names no column refers to the primary key; resolved below.
      if (fk.to !== null) ref.refColumns.push(fk.to);
      references.set(fk.id, ref);
    }
    out.push({
      name,
      columns: columns.map((c) => ({ name: c.name, type: sqliteType(name, c.name, c.type) })),
      primaryKey: columns
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name),
      references: [...references.values()],
      // AUTOINCREMENT keeps its counter in sqlite_sequence, which moves past explicitly inserted keys by itself.
      sequenceColumns: [],
    });
  }
  for (const t of out) {
    for (const ref of t.references) {
      if (ref.refColumns.length === 0) ref.refColumns = out.find((p) => p.name === ref.table)?.primaryKey ?? [];
    }
  }
  return out;
}

async function describePostgres(db: Queryable): Promise<TableInfo[]> {
  const { rows: columns } = await sql<{
    table: string;
    column: string;
    data_type: string;
    is_identity: string;
    column_default: string | null;
  }>`SELECT table_name AS table, column_name AS column, data_type, is_identity, column_default
     FROM information_schema.columns WHERE table_schema = current_schema()
     ORDER BY table_name, ordinal_position`.execute(db);
  const { rows: keys } = await sql<{ table: string; column: string }>`
    SELECT t.relname AS table, a.attname AS column
    FROM pg_index i
    JOIN pg_class t ON t.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
    WHERE i.indisprimary AND n.nspname = current_schema()
    ORDER BY t.relname, k.ord`.execute(db);
  const { rows: fks } = await sql<{
    name: string;
    table: string;
    ref_table: string;
    column: string;
    ref_column: string;
  }>`
    SELECT c.conname AS name, t.relname AS table, rt.relname AS ref_table, a.attname AS column, ra.attname AS ref_column
    FROM pg_constraint c
    JOIN pg_class t ON t.oid = c.conrelid
    JOIN pg_class rt ON rt.oid = c.confrelid
    JOIN pg_namespace n ON n.oid = c.connamespace
    CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(col, ref_col, ord)
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.col
    JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = k.ref_col
    WHERE c.contype = 'f' AND n.nspname = current_schema()
    ORDER BY t.relname, c.conname, k.ord`.execute(db);

  const out: TableInfo[] = [];
  for (const name of await tableNames(db, 'postgres')) {
    const own = columns.filter((c) => c.table === name);
    const references = new Map<string, ForeignKey>();
    for (const fk of fks.filter((f) => f.table === name)) {
      const ref = references.get(fk.name) ?? { columns: [], table: fk.ref_table, refColumns: [] };
      ref.columns.push(fk.column);
      ref.refColumns.push(fk.ref_column);
      references.set(fk.name, ref);
    }
    out.push({
      name,
      columns: own.map((c) => ({ name: c.column, type: postgresType(name, c.column, c.data_type) })),
      primaryKey: keys.filter((k) => k.table === name).map((k) => k.column),
      references: [...references.values()],
      sequenceColumns: own
        .filter((c) => c.is_identity === 'YES' || (c.column_default?.startsWith('nextval(') ?? false))
        .map((c) => c.column),
    });
  }
  return out;
}

/** Kahn's algorithm, ties broken by name so the order is the same on every run and either dialect. */
function sortByReferences(tables: TableInfo[]): TableInfo[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const pending = new Map(
    tables.map((t) => [t.name, new Set(t.references.map((r) => r.table).filter((r) => r !== t.name && byName.has(r)))]),
  );
  const sorted: TableInfo[] = [];
  while (pending.size > 0) {
    const ready = [...pending].filter(([, deps]) => deps.size === 0).map(([name]) => name);
    if (ready.length === 0) {
      throw new SchemaError(
        `tables ${[...pending.keys()].sort().join(', ')} reference each other; the backup cannot order them`,
      );
    }
    const next = ready.sort()[0]!;
    sorted.push(byName.get(next)!);
    pending.delete(next);
    for (const deps of pending.values()) deps.delete(next);
  }
  return sorted;
}
