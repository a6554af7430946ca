import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

type Queryable = Kysely<Database> | Transaction<Database>;

export interface UserRef {
  id: string;
  displayName: string;
  email: string;
}

/** The organization's statements joined to their product and version. */
function orgStatements(db: Queryable, orgId: string) {
  return db
    .selectFrom('statements as s')
    .innerJoin('product_versions as v', 'v.id', 's.product_version_id')
    .innerJoin('products as p', 'p.id', 'v.product_id')
    .select([
      's.id as id',
      's.template_id as templateId',
      's.template_edition as templateEdition',
      's.current_revision as currentRevision',
      's.status as status',
      's.responsible_user_id as responsibleUserId',
      's.updated_at as updatedAt',
      'p.id as productId',
      'p.name as productName',
      'v.id as versionId',
      'v.version as version',
    ])
    .where('s.org_id', '=', orgId);
}

/** The organization's statements with product, version and responsible person, newest first. */
export async function listOrgStatementRows(db: Queryable, orgId: string) {
  return orgStatements(db, orgId).orderBy('s.updated_at', 'desc').execute();
}

export type OrgStatementRow = Awaited<ReturnType<typeof listOrgStatementRows>>[number];

/** One statement of the organization; undefined when it is not there. */
export async function findOrgStatementRow(
  db: Queryable,
  orgId: string,
  id: string,
): Promise<OrgStatementRow | undefined> {
  return orgStatements(db, orgId).where('s.id', '=', id).executeTakeFirst();
}

export async function setStatementOwnership(
  db: Queryable,
  id: string,
  values: { orgId: string; productVersionId: string; responsibleUserId: string; createdBy: string },
): Promise<void> {
  await db
    .updateTable('statements')
    .set({
      org_id: values.orgId,
      product_version_id: values.productVersionId,
      responsible_user_id: values.responsibleUserId,
      created_by: values.createdBy,
    })
    .where('id', '=', id)
    .execute();
}

export async function setResponsibleUser(db: Queryable, id: string, userId: string, at: string): Promise<void> {
  await db
    .updateTable('statements')
    .set({ responsible_user_id: userId, updated_at: at })
    .where('id', '=', id)
    .execute();
}

/** Display names of users, by id. */
export async function userRefs(
  db: Queryable,
  ids: readonly (string | null | undefined)[],
): Promise<Map<string, UserRef>> {
  const wanted = [...new Set(ids.filter((i): i is string => typeof i === 'string'))];
  const out = new Map<string, UserRef>();
  if (wanted.length === 0) return out;
  const rows = await db.selectFrom('users').select(['id', 'display_name', 'email']).where('id', 'in', wanted).execute();
  for (const r of rows) out.set(r.id, { id: r.id, displayName: r.display_name, email: r.email });
  return out;
}

/** The role of a user in an organization, if a member. */
export async function memberRole(db: Queryable, orgId: string, userId: string): Promise<string | undefined> {
  const r = await db
    .selectFrom('memberships')
    .select('role')
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return r?.role;
}

/** Workflow columns of a revision. */
export async function revisionWorkflow(db: Queryable, id: string, revision: number) {
  return db
    .selectFrom('statement_revisions')
    .select([
      'responsible_user_id',
      'submitted_at',
      'submitted_by',
      'time_source',
      'proxy_confirmed_at',
      'proxy_confirmed_by',
      'saved_by',
      'returned_reason',
      'finalized_by',
      'finalized_at',
      'updated_at',
    ])
    .where('statement_id', '=', id)
    .where('revision', '=', revision)
    .executeTakeFirst();
}

export async function setRevisionWorkflow(
  db: Queryable,
  id: string,
  revision: number,
  values: Partial<{
    responsible_user_id: string | null;
    submitted_at: string | null;
    submitted_by: string | null;
    time_source: string | null;
    proxy_confirmed_at: string | null;
    proxy_confirmed_by: string | null;
    saved_by: string | null;
    returned_reason: string | null;
  }>,
): Promise<void> {
  await db
    .updateTable('statement_revisions')
    .set(values)
    .where('statement_id', '=', id)
    .where('revision', '=', revision)
    .execute();
}

export async function insertProxyEntries(
  db: Queryable,
  entries: {
    id: string;
    statementId: string;
    revision: number;
    row: string;
    enteredBy: string;
    onBehalfOf: string;
    at: string;
    answer: string | null;
    remarks: number[] | null;
  }[],
): Promise<void> {
  if (entries.length === 0) return;
  await db
    .insertInto('proxy_entries')
    .values(
      entries.map((e) => ({
        id: e.id,
        statement_id: e.statementId,
        revision: e.revision,
        row_id: e.row,
        entered_by: e.enteredBy,
        on_behalf_of: e.onBehalfOf,
        at: e.at,
        answer: e.answer,
        remarks: e.remarks === null ? null : JSON.stringify(e.remarks),
      })),
    )
    .execute();
}

export async function listProxyEntries(db: Queryable, id: string, revision: number) {
  const rows = await db
    .selectFrom('proxy_entries')
    .selectAll()
    .where('statement_id', '=', id)
    .where('revision', '=', revision)
    .orderBy('at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    row: r.row_id,
    enteredBy: r.entered_by,
    onBehalfOf: r.on_behalf_of,
    at: r.at,
    answer: r.answer,
    remarks: r.remarks === null ? null : (JSON.parse(r.remarks) as number[]),
  }));
}
