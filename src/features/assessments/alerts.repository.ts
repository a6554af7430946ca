import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { AssessmentAlertAction } from '../../db/schema-inventory.js';
import type { AssessmentAlert } from './assessments.schema.js';

type Queryable = Kysely<Database> | Transaction<Database>;

/** A vendor's answer to one row in two statements; null when unanswered. */
export interface ChangedRow {
  rowId: string;
  before: string | null;
  after: string | null;
}

export interface NewAlert {
  id: string;
  assessmentId: string;
  orgId: string;
  oldSourceId: string;
  newSourceId: string;
  changedRows: ChangedRow[];
  touchedRiskIds: string[];
  action: AssessmentAlertAction;
  createdAt: string;
}

export async function insertAlert(db: Queryable, a: NewAlert): Promise<void> {
  await db
    .insertInto('assessment_alerts')
    .values({
      id: a.id,
      assessment_id: a.assessmentId,
      org_id: a.orgId,
      old_source_id: a.oldSourceId,
      new_source_id: a.newSourceId,
      changed_rows: JSON.stringify(a.changedRows),
      touched_risk_ids: JSON.stringify(a.touchedRiskIds),
      action: a.action,
      created_at: a.createdAt,
    })
    .execute();
}

/** The assessment's alerts, newest first, with the two statements each names. */
export async function listAlerts(db: Queryable, orgId: string, assessmentId: string): Promise<AssessmentAlert[]> {
  const rows = await db
    .selectFrom('assessment_alerts as x')
    .innerJoin('statement_sources as o', 'o.id', 'x.old_source_id')
    .innerJoin('statement_sources as n', 'n.id', 'x.new_source_id')
    .select([
      'x.id',
      'x.action',
      'x.changed_rows',
      'x.touched_risk_ids',
      'x.created_at',
      'x.resolved_at',
      'o.id as old_id',
      'o.product as old_product',
      'o.product_version as old_version',
      'o.statement_date as old_date',
      'n.id as new_id',
      'n.product as new_product',
      'n.product_version as new_version',
      'n.statement_date as new_date',
    ])
    .where('x.org_id', '=', orgId)
    .where('x.assessment_id', '=', assessmentId)
    .orderBy('x.created_at', 'desc')
    .orderBy('x.id', 'desc')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    createdAt: r.created_at,
    action: r.action,
    oldSource: { id: r.old_id, product: r.old_product, productVersion: r.old_version, statementDate: r.old_date },
    newSource: { id: r.new_id, product: r.new_product, productVersion: r.new_version, statementDate: r.new_date },
    // Written only by insertAlert.
    changedRows: JSON.parse(r.changed_rows) as ChangedRow[],
    touchedRiskIds: JSON.parse(r.touched_risk_ids) as string[],
    resolvedAt: r.resolved_at,
  }));
}

/** Marks the assessment's open alerts resolved; returns how many were open. */
export async function resolveAlerts(
  db: Queryable,
  assessmentId: string,
  by: { userId: string; at: string },
): Promise<number> {
  const r = await db
    .updateTable('assessment_alerts')
    .set({ resolved_at: by.at, resolved_by: by.userId })
    .where('assessment_id', '=', assessmentId)
    .where('resolved_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}
