import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  addMember,
  createOrg,
  inject,
  signUp,
  testApp,
  uniqueEmail,
  type TestApp,
  type TestSession,
} from '../../../test/support/app.js';
import { insertLink, insertSource, insertSystem } from '../../../test/support/inventory.js';
import { testDatabases } from '../../../test/support/databases.js';
import { finalizableGeneralPacs } from '../../../test/support/statements.js';
import type { Dashboard } from './dashboard.schema.js';
import { currentAssessments } from './dashboard.service.js';

interface RiskView {
  id: string;
  systemId: string;
  draft: { rowId: string };
}

describe('currentAssessments', () => {
  it('takes, for each system, the newest assessment covering it: a facility one covers every system', () => {
    const newestFirst = [
      { id: 'sys-b-2', scope: 'system' as const, system: { id: 'b', name: 'B' } },
      { id: 'facility', scope: 'facility' as const, system: null },
      { id: 'sys-a-old', scope: 'system' as const, system: { id: 'a', name: 'A' } },
    ];
    expect(Object.fromEntries(currentAssessments(['a', 'b', 'c'], newestFirst))).toEqual({
      a: 'facility',
      b: 'sys-b-2',
      c: 'facility',
    });
    expect([...currentAssessments(['c'], newestFirst.slice(2)).keys()]).toEqual([]);
  });
});

describe.each(testDatabases())('the facility dashboard on $name', (database) => {
  let t: TestApp;
  let owner: TestSession;
  let orgId: string;
  const at = '2026-11-25T00:00:00.000Z';

  beforeEach(async () => {
    t = await testApp({ database });
    owner = await signUp(t.app, { email: uniqueEmail('owner') });
    orgId = (await createOrg(t.app, owner, { name: 'みなと病院', kind: 'hospital' })).id;
  });
  afterEach(async () => {
    await t.close();
  });

  /** A system, relying on a statement of its own dated `statementDate` unless that is null. */
  async function system(name: string, statementDate: string | null): Promise<string> {
    const systemId = await insertSystem(t.db.kysely, orgId, name, { at });
    if (statementDate === null) return systemId;
    const gp = finalizableGeneralPacs();
    const statement = { ...gp, header: { ...gp.header, product: name } };
    const sourceId = await insertSource(t.db.kysely, orgId, statement, { fileName: `${name}.json`, statementDate, at });
    await insertLink(t.db.kysely, systemId, sourceId, at);
    return systemId;
  }

  async function assess(payload: object): Promise<{ id: string; risks: RiskView[] }> {
    const created = await inject(t.app, owner, { method: 'POST', url: `/api/v1/orgs/${orgId}/assessments`, payload });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json<{ id: string }>().id;
    const detail = await inject(t.app, owner, { url: `/api/v1/orgs/${orgId}/assessments/${id}` });
    return { id, risks: detail.json<{ riskList: RiskView[] }>().riskList };
  }

  async function overdue(assessmentId: string, riskId: string, owner_: string, dueDate: string): Promise<void> {
    const res = await inject(t.app, owner, {
      method: 'PATCH',
      url: `/api/v1/orgs/${orgId}/assessments/${assessmentId}/risks/${riskId}`,
      payload: { treatment: 'reduce', measure: 'ログを点検する', owner: owner_, dueDate, status: 'in-progress' },
    });
    expect(res.statusCode, res.body).toBe(200);
  }

  const dashboard = async (who = owner): Promise<Dashboard> => {
    const res = await inject(t.app, who, { url: `/api/v1/orgs/${orgId}/dashboard` });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<Dashboard>();
  };

  it('summarizes each system’s risks from the newest assessment covering it, with what is overdue', async () => {
    const pacs = await system('PACS', '2026-04-01');
    const emr = await system('電子カルテ', '2026-04-01');
    await system('検査システム', null);
    const facility = await assess({ title: '施設全体', scope: 'facility' });
    t.clock.advance(60_000);
    const emrOnly = await assess({ title: '電子カルテ 再評価', scope: 'system', systemId: emr });

    // Overdue in the current assessment of 電子カルテ; overdue too in the superseded facility risk of 電子カルテ.
    const late = emrOnly.risks[0]!;
    await overdue(emrOnly.id, late.id, '情報システム課', '2025-04-01');
    const superseded = facility.risks.find((r) => r.systemId === emr)!;
    await overdue(facility.id, superseded.id, '古い担当', '2024-04-01');

    const d = await dashboard();
    const fromFacility = facility.risks.filter((r) => r.systemId === pacs).length;
    expect(d.risks.total).toBe(fromFacility + emrOnly.risks.length);
    expect(d.risks.sources).toEqual([
      { assessmentId: emrOnly.id, title: '電子カルテ 再評価', systems: 1 },
      // The facility assessment still provides PACS, and 検査システム (which it found without a statement).
      { assessmentId: facility.id, title: '施設全体', systems: 2 },
    ]);
    expect(d.risks.overdue).toEqual([
      {
        assessmentId: emrOnly.id,
        riskId: late.id,
        systemId: emr,
        systemName: '電子カルテ',
        rowId: late.draft.rowId,
        owner: '情報システム課',
        dueDate: '2025-04-01',
        daysOverdue: expect.any(Number) as number,
        status: 'in-progress',
      },
    ]);
    expect(d.risks.overdue[0]!.daysOverdue).toBeGreaterThan(365);
    expect(d.risks.byStatus['in-progress']).toBe(1);
    expect(d.risks.byTreatment.reduce).toBe(1);
    // Both assessments use the default method: one heat map, whose cells count every scored risk.
    expect(d.risks.heatMaps).toHaveLength(1);
    expect(d.risks.heatMaps[0]!.method).toBe('asset-threat-vulnerability');
    expect(d.risks.heatMaps[0]!.heatMap.counts.flat().reduce((a, b) => a + b, 0)).toBe(d.risks.total);
    expect(Object.values(d.risks.byLevel).reduce((a, b) => a + b, 0)).toBe(d.risks.total);
    expect(d.risks.bySection.reduce((a, s) => a + s.total, 0)).toBe(d.risks.total);
    const sections = d.risks.bySection.map((s) => s.guidelineSection);
    expect(sections).toEqual([...sections].sort(new Intl.Collator('en', { numeric: true }).compare));

    expect(d.systems.total).toBe(3);
    expect(d.systems.withoutStatement.map((s) => s.name)).toEqual(['検査システム']);
    expect(d.systems.unassessed).toEqual([]);
    expect(d.assessments).toMatchObject({ total: 2, byStatus: { draft: 2, accepted: 0 } });
    expect(d.assessments.newest.map((a) => a.id)).toEqual([emrOnly.id, facility.id]);
  });

  it('lists systems whose statements are outdated, and systems no assessment covers', async () => {
    await system('古いPACS', '2016-01-26');
    const d = await dashboard();
    expect(d.systems.byCoverage).toEqual({ none: 0, outdated: 1, withdrawn: 0, current: 0 });
    expect(d.systems.outdated).toHaveLength(1);
    expect(d.systems.outdated[0]).toMatchObject({ name: '古いPACS', status: 'outdated' });
    expect(d.systems.outdated[0]!.reasons[0]!.ja).toContain('2016-01-26');
    expect(d.systems.unassessed.map((s) => s.name)).toEqual(['古いPACS']);
    expect(d.risks).toMatchObject({ total: 0, sources: [], heatMaps: [], overdue: [] });
  });

  it('is for members of hospitals: a viewer reads it, a manufacturer is refused, a stranger finds nothing', async () => {
    const viewer = await addMember(t.app, owner, orgId, { role: 'viewer' });
    expect((await dashboard(viewer)).systems.total).toBe(0);
    const maker = await signUp(t.app, { email: uniqueEmail('maker') });
    const m = await createOrg(t.app, maker, { kind: 'manufacturer' });
    const refused = await inject(t.app, maker, { url: `/api/v1/orgs/${m.id}/dashboard` });
    expect(refused.statusCode).toBe(403);
    expect(refused.json<{ error: { message: string } }>().error.message).toContain('hospital');
    expect((await inject(t.app, maker, { url: `/api/v1/orgs/${orgId}/dashboard` })).statusCode).toBe(404);
  });
});
