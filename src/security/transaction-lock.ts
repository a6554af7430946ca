import { PostgresAdapter, sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';

type Queryable = Kysely<Database> | Transaction<Database>;

/** True when the connection speaks PostgreSQL (read from Kysely's adapter, so callers need not pass the dialect). */
export function isPostgres(db: Queryable): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * Serializes transactions that take the same named lock, until the transaction ends. On PostgreSQL a
 * transaction-scoped advisory lock; on SQLite nothing is needed, as it has a single writer (and Kysely runs one
 * transaction at a time on its one connection). Must be called inside a transaction.
 */
export async function lockForTransaction(trx: Transaction<Database>, name: string): Promise<void> {
  if (!isPostgres(trx)) return;
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${name}, 0))`.execute(trx);
}
