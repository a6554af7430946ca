import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { canonicalContent } from '../../src/db/hash.js';
import type { Database } from '../../src/db/schema.js';
import type { Statement } from '../../src/domain/statement.js';

/** The time the rows below are stamped with unless a test says otherwise. */
export const FIXTURE_AT = '2026-11-25T00:00:00.000Z';

/**
 * A system of a hospital's inventory, written straight to the database (the inventory service and its checks have
 * tests of their own): the fixtures of the assessment, document and dashboard tests.
 */
export async function insertSystem(
  db: Kysely<Database>,
  orgId: string,
  name: string,
  options: { connections?: string[]; at?: string } = {},
): Promise<string> {
  const id = randomUUID();
  const at = options.at ?? FIXTURE_AT;
  await db
    .insertInto('systems')
    .values({
      id,
      org_id: orgId,
      name,
      patient_data: 1,
      connections: JSON.stringify(options.connections ?? ['internal-only']),
      created_at: at,
      updated_at: at,
    })
    .execute();
  return id;
}

/** A statement the hospital holds, as an unsigned imported JSON file. */
export async function insertSource(
  db: Kysely<Database>,
  orgId: string,
  statement: Statement,
  options: { fileName?: string; statementDate?: string; at?: string } = {},
): Promise<string> {
  const id = randomUUID();
  const { json, hash } = canonicalContent(statement);
  await db
    .insertInto('statement_sources')
    .values({
      id,
      org_id: orgId,
      kind: 'file',
      file_name: options.fileName ?? 'statement.json',
      format: 'json',
      content: json,
      content_hash: hash,
      template_id: statement.template.id,
      template_edition: statement.template.edition,
      ...(options.statementDate === undefined ? {} : { statement_date: options.statementDate }),
      signature_status: 'unsigned',
      added_at: options.at ?? FIXTURE_AT,
    })
    .execute();
  return id;
}

/** The system relies on the statement. */
export async function insertLink(
  db: Kysely<Database>,
  systemId: string,
  sourceId: string,
  at: string = FIXTURE_AT,
): Promise<void> {
  await db.insertInto('system_statements').values({ system_id: systemId, source_id: sourceId, added_at: at }).execute();
}
