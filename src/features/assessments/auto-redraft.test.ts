import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createFinalizedStatement,
  createOrg,
  createProduct,
  createProductVersion,
  inject,
  publishStatement,
  signUp,
  testApp,
  type TestApp,
  type TestSession,
} from '../../../test/support/app.js';
import { testDatabases } from '../../../test/support/databases.js';
import { finalizableGeneralPacs } from '../../../test/support/statements.js';
import type { Statement } from '../../domain/statement.js';
import { inSavepoint } from '../inventory/new-revision.service.js';
import type { ImportedSource, SourceView, SystemDetail } from '../inventory/inventory.schema.js';

interface Alert {
  id: string;
  action: 'redrafted' | 'review-needed';
  oldSource: { id: string; productVersion: string; statementDate: string };
  newSource: { id: string; productVersion: string; statementDate: string };
  changedRows: Array<{ rowId: string; before: string | null; after: string | null }>;
  touchedRiskIds: string[];
  resolvedAt: string | null;
}

interface Detail {
  id: string;
  title: string;
  status: string;
  updatedAt: string;
  openAlerts: number;
  supersedes: string | null;
  accepted: { contentHash: string } | null;
  riskList: Array<{
    id: string;
    systemId: string;
    draft: { rowId: string };
    record: { rowId: string; status: string; treatment: string | null; measure: string };
    reopenedReason: string | null;
  }>;
  alerts: Alert[];
}

interface Hospital {
  owner: TestSession;
  orgId: string;
}

/** Row 11 goes from いいえ to unanswered (its risk reopens), row 2 from いいえ to はい (its risk goes away). */
function revised(s: Statement, revision: number, date: string): Statement {
  const answers = { ...s.answers, '2': { answer: 'yes' }, '11': {} };
  return { ...s, revision, header: { ...s.header, date }, answers };
}

describe.each(testDatabases())('a new revision of a relied-on statement on $name', (database) => {
  let t: TestApp;
  let n = 0;

  beforeAll(async () => {
    t = await testApp({ database });
  });
  afterAll(async () => {
    await t.close();
  });

  const call = async <T>(
    who: TestSession,
    method: 'GET' | 'POST' | 'PATCH' | 'PUT',
    url: string,
    payload?: unknown,
  ) => {
    const res = await inject(t.app, who, {
      method,
      url: `/api/v1${url}`,
      ...(payload === undefined ? {} : { payload }),
    });
    return { status: res.statusCode, body: res.body, json: () => res.json<T>() };
  };
  const ok = async <T>(who: TestSession, method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, payload?: unknown) => {
    const res = await call<T>(who, method, url, payload);
    expect(res.status, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.json();
  };

  async function hospital(): Promise<Hospital> {
    const owner = await signUp(t.app);
    return { owner, orgId: (await createOrg(t.app, owner, { name: `改訂病院${++n}`, kind: 'hospital' })).id };
  }

  async function importJson(h: Hospital, name: string, statement: Statement): Promise<ImportedSource> {
    const res = await inject(t.app, h.owner, {
      method: 'POST',
      url: `/api/v1/orgs/${h.orgId}/sources/import?file=${name}`,
      headers: { 'content-type': 'application/octet-stream' },
      payload: Buffer.from(JSON.stringify(statement)),
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  }

  async function system(h: Hospital, name: string, sourceId: string): Promise<string> {
    const s = await ok<SystemDetail>(h.owner, 'POST', `/orgs/${h.orgId}/systems`, {
      name,
      connections: ['internal-only'],
    });
    await ok(h.owner, 'POST', `/orgs/${h.orgId}/systems/${s.id}/statements`, { sourceId });
    return s.id;
  }

  const statementsOf = async (h: Hospital, systemId: string): Promise<string[]> =>
    (await ok<SystemDetail>(h.owner, 'GET', `/orgs/${h.orgId}/systems/${systemId}`)).statements.map((s) => s.id);

  const assess = async (h: Hospital, title: string, systemId: string): Promise<string> =>
    (await ok<{ id: string }>(h.owner, 'POST', `/orgs/${h.orgId}/assessments`, { title, scope: 'system', systemId }))
      .id;

  const detail = (h: Hospital, id: string) => ok<Detail>(h.owner, 'GET', `/orgs/${h.orgId}/assessments/${id}`);

  /** Treats every risk and accepts the residual risk. */
  async function accept(h: Hospital, id: string): Promise<void> {
    for (const r of (await detail(h, id)).riskList) {
      await ok(h.owner, 'PATCH', `/orgs/${h.orgId}/assessments/${id}/risks/${r.id}`, {
        treatment: 'reduce',
        measure: `手順 ${r.draft.rowId}`,
        status: 'done',
        residualRating: { asset: 1, threat: 1, vulnerability: 1 },
      });
    }
    await ok(h.owner, 'POST', `/orgs/${h.orgId}/assessments/${id}/accept`, {});
  }

  const notifications = async (h: Hospital) =>
    (
      await ok<Array<{ kind: string; params: Record<string, unknown> }>>(
        h.owner,
        'GET',
        `/orgs/${h.orgId}/notifications`,
      )
    ).filter((x) => x.kind === 'assessment.new-revision');

  const audit = async (h: Hospital, action: string) =>
    (
      await ok<{ events: Array<{ objectId: string; actorId: string | null; details: Record<string, unknown> }> }>(
        h.owner,
        'GET',
        `/orgs/${h.orgId}/audit?action=${action}`,
      )
    ).events;

  /** A hospital holding revision 1 as a file: a draft assessment (row 11 in progress) and an accepted one. */
  async function scenario() {
    const h = await hospital();
    const gp = finalizableGeneralPacs();
    const old = await importJson(h, 'rev1.json', gp);
    const draftSystem = await system(h, 'PACS 放射線科', old.id);
    const acceptedSystem = await system(h, 'PACS 外来', old.id);
    const draftId = await assess(h, '放射線科 PACS', draftSystem);
    const acceptedId = await assess(h, '外来 PACS', acceptedSystem);
    const r11 = (await detail(h, draftId)).riskList.find((r) => r.draft.rowId === '11')!;
    await ok(h.owner, 'PATCH', `/orgs/${h.orgId}/assessments/${draftId}/risks/${r11.id}`, {
      treatment: 'reduce',
      measure: '運用で補う',
      status: 'in-progress',
    });
    await accept(h, acceptedId);
    return { h, gp, old, draftSystem, acceptedSystem, draftId, acceptedId };
  }

  it('relinks the systems to a newer revision imported as a file, re-drafts the draft and alerts the accepted one', async () => {
    const s = await scenario();
    const { h } = s;
    // Another hospital holding the same statement is none of this.
    const other = await hospital();
    const otherOld = await importJson(other, 'rev1.json', s.gp);
    const otherSystem = await system(other, 'PACS', otherOld.id);
    const otherAssessment = await assess(other, 'PACS', otherSystem);
    const acceptedBefore = await detail(h, s.acceptedId);

    const next = await importJson(h, 'rev2.json', revised(s.gp, 2, '2017-04-01'));
    expect(next.duplicate).toBe(false);

    expect(await statementsOf(h, s.draftSystem)).toEqual([next.id]);
    expect(await statementsOf(h, s.acceptedSystem)).toEqual([next.id]);
    const relinks = await audit(h, 'system.statement-relink');
    expect(relinks.map((e) => e.objectId).sort()).toEqual([s.draftSystem, s.acceptedSystem].sort());
    expect(relinks[0]!.details).toMatchObject({ fromSourceId: s.old.id, toSourceId: next.id });

    // The draft: drafted again, row 11 reopened with the reason, the alert naming the rows and the risks.
    const d = await detail(h, s.draftId);
    const r11 = d.riskList.find((r) => r.draft.rowId === '11')!;
    expect(r11.record).toMatchObject({ status: 'open', treatment: 'reduce', measure: '運用で補う' });
    expect(r11.reopenedReason).toContain('回答');
    const r2 = d.riskList.find((r) => r.draft.rowId === '2')!;
    expect(r2.reopenedReason).toContain('はい');
    expect(d.openAlerts).toBe(1);
    expect(d.alerts).toHaveLength(1);
    const alert = d.alerts[0]!;
    expect(alert).toMatchObject({
      action: 'redrafted',
      oldSource: { id: s.old.id, statementDate: '2016-01-26' },
      newSource: { id: next.id, statementDate: '2017-04-01' },
      resolvedAt: null,
    });
    expect(alert.changedRows).toEqual([
      { rowId: '2', before: 'no', after: 'yes' },
      { rowId: '11', before: 'no', after: null },
    ]);
    expect(alert.touchedRiskIds.sort()).toEqual([r11.id, r2.id].sort());

    // The accepted one: frozen as it was, with an alert that it needs review.
    const a = await detail(h, s.acceptedId);
    expect(a.status).toBe('accepted');
    expect(a.updatedAt).toBe(acceptedBefore.updatedAt);
    expect(a.accepted?.contentHash).toBe(acceptedBefore.accepted?.contentHash);
    expect(a.riskList.map((r) => [r.id, r.record.status])).toEqual(
      acceptedBefore.riskList.map((r) => [r.id, r.record.status]),
    );
    expect(a.alerts.map((x) => x.action)).toEqual(['review-needed']);
    const touched = a.riskList.filter((r) => ['2', '11'].includes(r.draft.rowId)).map((r) => r.id);
    expect(a.alerts[0]!.touchedRiskIds.sort()).toEqual(touched.sort());
    const list = await ok<Array<{ id: string; openAlerts: number }>>(h.owner, 'GET', `/orgs/${h.orgId}/assessments`);
    expect(list.map((x) => [x.id, x.openAlerts]).sort()).toEqual(
      [
        [s.draftId, 1],
        [s.acceptedId, 1],
      ].sort(),
    );

    expect((await audit(h, 'assessment.auto-redraft')).map((e) => e.objectId)).toEqual([s.draftId]);
    expect((await audit(h, 'assessment.alert')).map((e) => e.objectId)).toEqual([s.acceptedId]);
    const told = await notifications(h);
    expect(told.map((x) => [x.params['assessmentId'], x.params['action']]).sort()).toEqual(
      [
        [s.draftId, 'redrafted'],
        [s.acceptedId, 'review-needed'],
      ].sort(),
    );

    // The other hospital: its system, assessment and notifications as they were.
    expect(await statementsOf(other, otherSystem)).toEqual([otherOld.id]);
    expect((await detail(other, otherAssessment)).alerts).toEqual([]);
    expect(await notifications(other)).toEqual([]);

    // Accepting the re-drafted assessment resolves its alert.
    await accept(h, s.draftId);
    const accepted = await detail(h, s.draftId);
    expect(accepted.openAlerts).toBe(0);
    expect(accepted.alerts[0]!.resolvedAt).not.toBeNull();
  });

  it('leaves the links alone for an older revision, another product version, or a statement no system relies on', async () => {
    const h = await hospital();
    const gp = finalizableGeneralPacs();
    const current = await importJson(h, 'rev3.json', revised(gp, 3, '2018-01-01'));
    const systemId = await system(h, 'PACS', current.id);
    const id = await assess(h, 'PACS', systemId);
    await importJson(h, 'rev2.json', revised(gp, 2, '2017-01-01'));
    const otherVersion = { ...gp, revision: 4, header: { ...gp.header, productVersion: 'V2.00', date: '2019-01-01' } };
    await importJson(h, 'v2.json', otherVersion);
    expect(await statementsOf(h, systemId)).toEqual([current.id]);
    expect((await detail(h, id)).alerts).toEqual([]);
    expect(await notifications(h)).toEqual([]);
  });

  it('reassesses an accepted assessment: a new draft with the records carried forward, the changed rows reopened', async () => {
    const s = await scenario();
    const { h } = s;
    await importJson(h, 'rev2.json', revised(s.gp, 2, '2017-04-01'));
    const before = await detail(h, s.acceptedId);

    const draft = await call(h.owner, 'POST', `/orgs/${h.orgId}/assessments/${s.draftId}/reassess`);
    expect(draft.status).toBe(409);

    const res = await call<{ id: string; supersedes: string; title: string; status: string; openAlerts: number }>(
      h.owner,
      'POST',
      `/orgs/${h.orgId}/assessments/${s.acceptedId}/reassess`,
    );
    expect(res.status, res.body).toBe(201);
    const summary = res.json();
    expect(summary).toMatchObject({
      supersedes: s.acceptedId,
      status: 'draft',
      title: '外来 PACS（再評価）',
      openAlerts: 0,
    });

    const next = await detail(h, summary.id);
    const byRow = new Map(next.riskList.map((r) => [r.draft.rowId, r]));
    // Unchanged rows keep what the hospital recorded; row 11 reopens with the reason; row 2 is covered now.
    const carried = before.riskList.filter((r) => !['2', '11'].includes(r.draft.rowId));
    expect(carried.length).toBeGreaterThan(0);
    for (const r of carried) {
      expect(byRow.get(r.draft.rowId)?.record, r.draft.rowId).toEqual(r.record);
      expect(byRow.get(r.draft.rowId)?.reopenedReason ?? null).toBeNull();
    }
    expect(byRow.get('11')?.record).toMatchObject({ status: 'open', treatment: 'reduce', measure: '手順 11' });
    expect(byRow.get('11')?.reopenedReason).toContain('回答');
    expect(byRow.has('2')).toBe(false);

    // The accepted assessment stays as it was; its alert is resolved.
    const after = await detail(h, s.acceptedId);
    expect(after.status).toBe('accepted');
    expect(after.updatedAt).toBe(before.updatedAt);
    expect(after.accepted?.contentHash).toBe(before.accepted?.contentHash);
    expect(after.openAlerts).toBe(0);
    expect(after.alerts[0]!.resolvedAt).not.toBeNull();
    expect((await audit(h, 'assessment.reassess')).map((e) => [e.objectId, e.details['supersedes']])).toEqual([
      [summary.id, s.acceptedId],
    ]);

    const twice = await call(h.owner, 'POST', `/orgs/${h.orgId}/assessments/${s.acceptedId}/reassess`);
    expect(twice.status).toBe(409);
    expect(twice.body).toContain(summary.id);
  });

  it('adds a manufacturer’s new revision to the sources of hospitals holding the earlier one that may read it', async () => {
    const maker = await signUp(t.app);
    const makerOrg = (await createOrg(t.app, maker, { name: `改訂医療機器${++n}`, kind: 'manufacturer' })).id;
    const productId = (await createProduct(t.app, maker, makerOrg, { name: `R-PACS ${n}` })).id;
    const productVersionId = (await createProductVersion(t.app, maker, makerOrg, productId, { version: '3.0' })).id;
    const rev1 = await createFinalizedStatement(t.app, maker, makerOrg, { productVersionId });
    const pub1 = await publishStatement(t.app, maker, makerOrg, rev1);

    const granted = await hospital();
    const refused = await hospital();
    const held = new Map<string, { sourceId: string; systemId: string; assessmentId: string }>();
    for (const h of [granted, refused]) {
      const source = await ok<ImportedSource>(h.owner, 'POST', `/orgs/${h.orgId}/sources/from-publication`, {
        publicationId: pub1.id,
      });
      const systemId = await system(h, 'R-PACS', source.id);
      held.set(h.orgId, { sourceId: source.id, systemId, assessmentId: await assess(h, 'R-PACS', systemId) });
    }
    // Revision 2, restricted to the granted hospital, answers row 11 はい (a published statement answers every row).
    const base = `/orgs/${makerOrg}/statements/${rev1.id}`;
    await ok(maker, 'POST', `${base}/revisions`);
    const latest = (await ok<{ latest: { revision: number; version: number; content: Statement } }>(maker, 'GET', base))
      .latest;
    const content = { ...latest.content, answers: { ...latest.content.answers, '11': { answer: 'yes' } } };
    const saved = await ok<{ version: number }>(maker, 'PUT', `${base}/revisions/${latest.revision}`, {
      expectedVersion: latest.version,
      content,
    });
    await ok(maker, 'POST', `${base}/revisions/${latest.revision}/submit`, { expectedVersion: saved.version });
    await ok(maker, 'POST', `${base}/revisions/${latest.revision}/finalize`, { expectedVersion: saved.version + 1 });
    const pub2 = await publishStatement(
      t.app,
      maker,
      makerOrg,
      { id: rev1.id, revision: latest.revision },
      { visibility: 'restricted', grantees: [granted.orgId] },
    );

    const g = held.get(granted.orgId)!;
    const sources = await ok<SourceView[]>(granted.owner, 'GET', `/orgs/${granted.orgId}/sources`);
    const added = sources.find((x) => x.publicationId === pub2.id);
    expect(added).toMatchObject({ kind: 'publication', signatureStatus: 'valid', addedBy: null });
    expect(await statementsOf(granted, g.systemId)).toEqual([added!.id]);
    const d = await detail(granted, g.assessmentId);
    expect(d.alerts.map((x) => [x.action, x.oldSource.id, x.newSource.id])).toEqual([
      ['redrafted', g.sourceId, added!.id],
    ]);
    const r11 = d.riskList.find((r) => r.draft.rowId === '11')!;
    expect(r11.reopenedReason).toContain('はい');
    expect(d.alerts[0]!.changedRows).toEqual([{ rowId: '11', before: 'no', after: 'yes' }]);
    expect(d.alerts[0]!.touchedRiskIds).toEqual([r11.id]);
    expect((await notifications(granted)).map((x) => x.params['assessmentId'])).toEqual([g.assessmentId]);
    // Nobody of the hospital acted: the trail says so.
    expect((await audit(granted, 'system.statement-relink')).map((e) => e.actorId)).toEqual([null]);

    // The hospital that may not read revision 2 gets nothing, and learns nothing of it.
    const r = held.get(refused.orgId)!;
    const refusedSources = await ok<SourceView[]>(refused.owner, 'GET', `/orgs/${refused.orgId}/sources`);
    expect(refusedSources.map((x) => x.id)).toEqual([r.sourceId]);
    expect(await statementsOf(refused, r.systemId)).toEqual([r.sourceId]);
    expect((await detail(refused, r.assessmentId)).alerts).toEqual([]);
    expect(await notifications(refused)).toEqual([]);
  });

  it('undoes a failed step inside a savepoint and keeps the rest of the transaction', async () => {
    const h = await hospital();
    const at = new Date().toISOString();
    const row = (name: string) => ({ id: `${name}-${h.orgId}`, org_id: h.orgId, name, created_at: at, updated_at: at });
    let failure: unknown;
    await t.db.kysely.transaction().execute(async (trx) => {
      await trx.insertInto('systems').values(row('kept')).execute();
      failure = await inSavepoint(trx, 'test_step', async () => {
        await trx.insertInto('systems').values(row('undone')).execute();
        // The same name again: the unique constraint fails the step, as a broken delivery would.
        await trx
          .insertInto('systems')
          .values({ ...row('undone'), id: `again-${h.orgId}` })
          .execute();
      });
      await trx.insertInto('systems').values(row('after')).execute();
    });
    expect(failure).toBeInstanceOf(Error);
    const names = await t.db.kysely.selectFrom('systems').select('name').where('org_id', '=', h.orgId).execute();
    expect(names.map((x) => x.name).sort()).toEqual(['after', 'kept']);
  });
});
