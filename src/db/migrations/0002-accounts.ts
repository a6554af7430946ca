import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../database.js';

type AnyDb = Kysely<unknown>;

/** (being written) */
export function accountsMigration(_dialect: DialectName): Migration {
  return {
    async up(_db: AnyDb) {},
    async down(_db: AnyDb) {},
  };
}
