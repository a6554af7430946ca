import type { Kysely } from 'kysely';
import type { Risk } from '../../domain/risk/assessment.js';
import type { Database } from '../../db/schema.js';

export interface StoredRisk {
  id: string;
  assessmentId: string;
  systemId: string;
  record: Risk;
}

/** The risks of the given assessments; the caller has checked that they belong to the organization. */
export async function risksOfAssessments(
  db: Kysely<Database>,
  assessmentIds: readonly string[],
): Promise<StoredRisk[]> {
  if (assessmentIds.length === 0) return [];
  const rows = await db
    .selectFrom('risks')
    .select(['id', 'assessment_id', 'system_id', 'record'])
    .where('assessment_id', 'in', [...assessmentIds])
    .orderBy('key')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    assessmentId: r.assessment_id,
    systemId: r.system_id,
    record: JSON.parse(r.record) as Risk,
  }));
}
