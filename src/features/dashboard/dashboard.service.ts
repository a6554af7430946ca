import type { Kysely } from 'kysely';
import { summarize, type RiskSummary, type SectionSummary } from '../../domain/risk/assessment.js';
import { RISK_LEVELS, type ScoringMethod } from '../../domain/risk/scoring.js';
import type { Database } from '../../db/schema.js';
import type { RequestContext } from '../../security/context.js';
import type { AssessmentSummary } from '../assessments/assessments.schema.js';
import { listAssessments } from '../assessments/assessments.service.js';
import { getCoverage } from '../inventory/coverage.service.js';
import { requireInventory } from '../inventory/inventory.views.js';
import type { Dashboard } from './dashboard.schema.js';
import { risksOfAssessments, type StoredRisk } from './dashboard.repository.js';

const NEWEST = 5;
const sectionOrder = new Intl.Collator('en', { numeric: true });

/**
 * The assessment that provides each system's current risks: the newest one covering it (a facility assessment
 * covers every system, a system assessment its own). `assessments` are newest first.
 */
export function currentAssessments(
  systemIds: readonly string[],
  assessments: readonly Pick<AssessmentSummary, 'id' | 'scope' | 'system'>[],
): Map<string, string> {
  const chosen = new Map<string, string>();
  for (const systemId of systemIds) {
    const a = assessments.find((x) => x.scope === 'facility' || x.system?.id === systemId);
    if (a !== undefined) chosen.set(systemId, a.id);
  }
  return chosen;
}

interface Part {
  method: ScoringMethod;
  assessmentIds: string[];
  risks: StoredRisk[];
}

/**
 * Sums the summaries of the current risks. Assessments may use different scoring methods, so each method is
 * summarized on its own (`summarize` needs one) and the counts added up; heat maps stay one per method, since their
 * cells mean different things.
 */
function combine(parts: readonly Part[], now: Date, systemNames: Map<string, string>): Dashboard['risks'] {
  const zero = () => ({ low: 0, medium: 0, high: 0, extreme: 0 });
  const out: Omit<Dashboard['risks'], 'sources'> = {
    total: 0,
    byLevel: zero(),
    residualByLevel: zero(),
    acceptable: 0,
    byStatus: { open: 0, 'in-progress': 0, done: 0, accepted: 0 },
    byTreatment: { reduce: 0, accept: 0, avoid: 0, transfer: 0, none: 0 },
    heatMaps: [],
    bySection: [],
    overdue: [],
    unscored: 0,
  };
  const sections = new Map<string, SectionSummary>();
  const add = <K extends string>(into: Record<K, number>, from: Record<K, number>): void => {
    for (const k of Object.keys(from) as K[]) into[k] += from[k];
  };
  for (const part of parts) {
    const s: RiskSummary = summarize(
      part.risks.map((r) => r.record),
      part.method,
      now,
    );
    const byKey = new Map(part.risks.map((r) => [r.record.key, r]));
    out.total += s.total;
    out.acceptable += s.acceptable;
    out.unscored += s.unscored.length;
    add(out.byLevel, s.byLevel);
    add(out.residualByLevel, s.residualByLevel);
    add(out.byStatus, s.byStatus);
    add(out.byTreatment, s.byTreatment);
    out.heatMaps.push({ method: part.method.kind, assessmentIds: part.assessmentIds, heatMap: s.heatMap });
    for (const sec of s.bySection) {
      const into = sections.get(sec.guidelineSection);
      if (into === undefined) {
        sections.set(sec.guidelineSection, { ...sec, byLevel: { ...sec.byLevel } });
        continue;
      }
      into.total += sec.total;
      into.unresolved += sec.unresolved;
      for (const l of RISK_LEVELS) into.byLevel[l] += sec.byLevel[l];
    }
    for (const o of s.overdue) {
      const stored = byKey.get(o.key);
      if (stored === undefined) continue;
      out.overdue.push({
        assessmentId: stored.assessmentId,
        riskId: stored.id,
        systemId: o.systemId,
        systemName: systemNames.get(o.systemId) ?? '',
        rowId: o.rowId,
        owner: o.owner,
        dueDate: o.dueDate,
        daysOverdue: o.daysOverdue,
        status: o.status,
      });
    }
  }
  out.bySection = [...sections.values()].sort((a, b) => sectionOrder.compare(a.guidelineSection, b.guidelineSection));
  out.overdue.sort(
    (a, b) =>
      b.daysOverdue - a.daysOverdue ||
      a.systemName.localeCompare(b.systemName, 'ja') ||
      a.riskId.localeCompare(b.riskId),
  );
  return { sources: [], ...out };
}

/**
 * A hospital's dashboard: its systems and their statements, its assessments, and the current risks (each system's
 * from the newest assessment covering it) as a heat map, by guideline section, and what is overdue.
 */
export async function getDashboard(db: Kysely<Database>, ctx: RequestContext, orgId: string): Promise<Dashboard> {
  requireInventory(ctx, orgId, 'inventory.read');
  const coverage = await getCoverage(db, ctx, orgId);
  // Newest first; the id breaks a tie, so that two assessments made in the same millisecond still order one way.
  const assessments = (await listAssessments(db, ctx, orgId)).sort(
    (a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id),
  );
  const systems = coverage.systems.map((s) => s.system);
  const systemNames = new Map(systems.map((s) => [s.id, s.name]));
  const chosen = currentAssessments(
    systems.map((s) => s.id),
    assessments,
  );
  const stored = await risksOfAssessments(db, [...new Set(chosen.values())]);
  const current = stored.filter((r) => chosen.get(r.systemId) === r.assessmentId);

  // One part per scoring method, in the order of the newest assessment using it.
  const parts = new Map<string, Part>();
  const sources: Dashboard['risks']['sources'] = [];
  for (const a of assessments) {
    const systemCount = [...chosen.values()].filter((id) => id === a.id).length;
    if (systemCount === 0) continue;
    sources.push({ assessmentId: a.id, title: a.title, systems: systemCount });
    const methodKey = JSON.stringify(a.method);
    let part = parts.get(methodKey);
    if (part === undefined) {
      part = { method: a.method as ScoringMethod, assessmentIds: [], risks: [] };
      parts.set(methodKey, part);
    }
    part.assessmentIds.push(a.id);
    part.risks.push(...current.filter((r) => r.assessmentId === a.id));
  }
  const risks = combine([...parts.values()], new Date(ctx.now()), systemNames);
  risks.sources = sources;

  const ref = (s: { id: string; name: string; department: string }) => ({
    id: s.id,
    name: s.name,
    department: s.department,
  });
  return {
    asOf: coverage.asOf,
    systems: {
      total: coverage.counts.systems,
      byCoverage: {
        none: coverage.counts.none,
        outdated: coverage.counts.outdated,
        withdrawn: coverage.counts.withdrawn,
        current: coverage.counts.current,
      },
      withoutStatement: coverage.systems.filter((s) => s.status === 'none').map((s) => ref(s.system)),
      outdated: coverage.systems.flatMap((s) =>
        s.status === 'outdated' || s.status === 'withdrawn'
          ? [
              {
                ...ref(s.system),
                status: s.status,
                reasons: s.statements.flatMap((st) => [
                  ...(st.withdrawn === null
                    ? []
                    : [
                        {
                          ja: `取り下げられました（${st.withdrawn.at}）: ${st.withdrawn.reason}`,
                          en: `withdrawn (${st.withdrawn.at}): ${st.withdrawn.reason}`,
                        },
                      ]),
                  ...st.reasons.map((r) => r.message),
                ]),
              },
            ]
          : [],
      ),
      unassessed: systems.filter((s) => !chosen.has(s.id)).map(ref),
    },
    assessments: {
      total: assessments.length,
      byStatus: {
        draft: assessments.filter((a) => a.status === 'draft').length,
        accepted: assessments.filter((a) => a.status === 'accepted').length,
      },
      newest: assessments.slice(0, NEWEST),
    },
    risks,
  };
}
