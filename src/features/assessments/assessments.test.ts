import { randomUUID } from 'node:crypto';
import ExcelJS from 'exceljs';
import { sql } from 'kysely';
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
import { canonicalContent } from '../../db/hash.js';
import type { Statement } from '../../domain/statement.js';

interface Detail {
  id: string;
  status: string;
  riskList: Array<{
    id: string;
    systemName: string;
    draft: { rowId: string; threat: { ja: string } | null; remarks: Array<{ text: string }> };
    record: { rowId: string; status: string; treatment: string | null; rating: Record<string, number> };
    score: { value: number; acceptable: boolean } | null;
    reopenedReason: string | null;
  }>;
  filtered: Array<{ rowId: string; reason: { ja: string } }>;
  withoutStatement: Array<{ name: string }>;
  summary: { total: number; byLevel: Record<string, number> };
}

describe.each(testDatabases())('risk assessments on $name', (database) => {
  let t: TestApp;
  let owner: TestSession;
  let orgId: string;
  const at = '2026-11-25T00:00:00.000Z';

  beforeEach(async () => {
    t = await testApp({ database });
    owner = await signUp(t.app, { email: uniqueEmail('owner'), displayName: '情報 管理者' });
    orgId = (await createOrg(t.app, owner, { name: 'みなと病院', kind: 'hospital' })).id;
  });
  afterEach(async () => {
    await t.close();
  });

  /** A system relying on a statement (as the inventory would record them). */
  async function system(
    name: string,
    connections: string[],
    statement: Statement,
  ): Promise<{ systemId: string; sourceId: string }> {
    const systemId = await insertSystem(t.db.kysely, orgId, name, { connections, at });
    const sourceId = await insertSource(t.db.kysely, orgId, statement, { fileName: `${name}.json`, at });
    await insertLink(t.db.kysely, systemId, sourceId, at);
    return { systemId, sourceId };
  }

  const get = async (id: string, who = owner): Promise<Detail> => {
    const r = await inject(t.app, who, { url: `/api/v1/orgs/${orgId}/assessments/${id}` });
    expect(r.statusCode, r.body).toBe(200);
    return r.json<Detail>();
  };

  it('drafts a risk for each gap, with the vendor remark, threat and measure; filters rows the profile makes irrelevant', async () => {
    const gp = finalizableGeneralPacs();
    const { systemId } = await system('PACS（放射線科）', ['internal-only'], gp);
    const created = await inject(t.app, owner, {
      method: 'POST',
      url: `/api/v1/orgs/${orgId}/assessments`,
      payload: { title: '放射線科 PACS', scope: 'system', systemId },
    });
    expect(created.statusCode, created.body).toBe(201);
    const d = await get(created.json<{ id: string }>().id);
    const noRows = Object.entries(gp.answers)
      .filter(([, e]) => e.answer === 'no')
      .map(([row]) => row);
    const drafted = d.riskList.map((r) => r.draft.rowId);
    // 7 (wireless LAN) answered いいえ, but the system is wired only: filtered with its reason, not drafted.
    expect(drafted).not.toContain('7');
    expect(d.filtered.find((f) => f.rowId === '7')?.reason.ja).toContain('無線');
    // Every いいえ is drafted or filtered with a reason, except items of the 4.1 authentication group, which another
    // item answered はい covers.
    const filteredRows = d.filtered.map((f) => f.rowId);
    for (const row of noRows.filter((r) => !r.startsWith('4.1-'))) {
      expect(drafted.includes(row) || filteredRows.includes(row), `row ${row} answered いいえ`).toBe(true);
    }
    expect(drafted).toEqual(expect.arrayContaining(['2', '4.1.1', '11']));
    const r2 = d.riskList.find((r) => r.draft.rowId === '2')!;
    expect(r2.draft.remarks[0]!.text).toBe(gp.remarks.find((x) => x.number === 2)!.text);
    expect(r2.draft.threat?.ja.length).toBeGreaterThan(10);
    expect(r2.score?.value).toBeGreaterThan(0);
    expect(d.summary.total).toBe(d.riskList.length);
  });

  it('records treatment, refuses bad input naming the field, and accepts: frozen, timed, audited', async () => {
    const { systemId } = await system('電子カルテ', ['internal-only'], finalizableGeneralPacs());
    const id = (
      await inject(t.app, owner, {
        method: 'POST',
        url: `/api/v1/orgs/${orgId}/assessments`,
        payload: { title: '電子カルテ', scope: 'system', systemId },
      })
    ).json<{ id: string }>().id;
    let d = await get(id);
    expect(d.riskList.length).toBeGreaterThan(0);

    const early = await inject(t.app, owner, {
      method: 'POST',
      url: `/api/v1/orgs/${orgId}/assessments/${id}/accept`,
      payload: {},
    });
    expect(early.statusCode).toBe(409);
    expect(early.body).toContain('no treatment chosen');

    const bad = await inject(t.app, owner, {
      method: 'PATCH',
      url: `/api/v1/orgs/${orgId}/assessments/${id}/risks/${d.riskList[0]!.id}`,
      payload: { dueDate: '2026-13-40' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ error: { message: string } }>().error.message).toMatch(/^dueDate: /);

    for (const r of d.riskList) {
      const res = await inject(t.app, owner, {
        method: 'PATCH',
        url: `/api/v1/orgs/${orgId}/assessments/${id}/risks/${r.id}`,
        payload: {
          treatment: 'reduce',
          measure: '運用管理規程に定める手順で対応する',
          owner: '情報システム課',
          dueDate: '2027-03-31',
          status: 'done',
          residualRating: { asset: 1, threat: 1, vulnerability: 1 },
        },
      });
      expect(res.statusCode, res.body).toBe(200);
    }
    const viewer = await addMember(t.app, owner, orgId, {
      role: 'viewer',
      email: uniqueEmail('viewer'),
      displayName: '閲覧',
    });
    expect(
      (
        await inject(t.app, viewer, {
          method: 'POST',
          url: `/api/v1/orgs/${orgId}/assessments/${id}/accept`,
          payload: {},
        })
      ).statusCode,
    ).toBe(403);
    const ok = await inject(t.app, owner, {
      method: 'POST',
      url: `/api/v1/orgs/${orgId}/assessments/${id}/accept`,
      payload: { statement: '残留リスクを受容する' },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    const accepted = ok.json<{ accepted: { by: string; contentHash: string; timeSource: string } }>().accepted;
    expect(accepted.by).toBe('情報 管理者');
    expect(accepted.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(accepted.timeSource).not.toBe('');
    d = await get(id);
    expect(d.status).toBe('accepted');

    // The register: one line per risk, the treatment recorded, the acceptance in its header.
    const xlsx = await inject(t.app, owner, { url: `/api/v1/orgs/${orgId}/assessments/${id}/register.xlsx` });
    expect(xlsx.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const ws = wb.getWorksheet('リスク登録簿')!;
    expect(ws.getCell('A2').text).toContain('情報 管理者');
    expect(ws.rowCount).toBe(3 + d.riskList.length);
    const first = d.riskList[0]!;
    expect(ws.getRow(4).getCell(2).value).toBe(first.draft.rowId);
    expect(ws.getRow(4).getCell(8).value).toBe('低減');
    expect(ws.getRow(4).getCell(9).value).toBe('運用管理規程に定める手順で対応する');
    const again = await inject(t.app, owner, {
      method: 'PATCH',
      url: `/api/v1/orgs/${orgId}/assessments/${id}/risks/${d.riskList[0]!.id}`,
      payload: { measure: 'change' },
    });
    expect(again.statusCode).toBe(409);
    await expect(sql`update risks set record = '{}' where assessment_id = ${id}`.execute(t.db.kysely)).rejects.toThrow(
      /immutable/,
    );
    const audit = await t.db.kysely.selectFrom('audit_events').select('action').where('object_id', '=', id).execute();
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['assessment.create', 'assessment.accept']));
  });

  it('re-drafts after a new statement: the changed row reopens with its reason, a covered row says why', async () => {
    const gp = finalizableGeneralPacs();
    const { systemId, sourceId } = await system('PACS', ['internal-only', 'external'].slice(0, 1), gp);
    const id = (
      await inject(t.app, owner, {
        method: 'POST',
        url: `/api/v1/orgs/${orgId}/assessments`,
        payload: { title: 'PACS', scope: 'system', systemId },
      })
    ).json<{ id: string }>().id;
    const before = await get(id);
    expect(before.riskList.some((r) => r.draft.rowId === '2')).toBe(true);
    // The vendor's new revision answers row 2 はい: relink the system to it.
    const next: Statement = { ...gp, revision: 2, answers: { ...gp.answers, '2': { answer: 'yes' } } };
    const { json, hash } = canonicalContent(next);
    const newSource = randomUUID();
    await t.db.kysely
      .insertInto('statement_sources')
      .values({
        id: newSource,
        org_id: orgId,
        kind: 'file',
        format: 'json',
        content: json,
        content_hash: hash,
        template_id: 'jahis-jira-mds',
        template_edition: '2',
        signature_status: 'unsigned',
        added_at: at,
      })
      .execute();
    await t.db.kysely.deleteFrom('system_statements').where('source_id', '=', sourceId).execute();
    await t.db.kysely
      .insertInto('system_statements')
      .values({ system_id: systemId, source_id: newSource, added_at: at })
      .execute();
    const redraft = await inject(t.app, owner, {
      method: 'POST',
      url: `/api/v1/orgs/${orgId}/assessments/${id}/redraft`,
    });
    expect(redraft.statusCode, redraft.body).toBe(200);
    expect(redraft.json<{ removed: number }>().removed).toBeGreaterThanOrEqual(1);
    const after = await get(id);
    expect(after.riskList.find((r) => r.draft.rowId === '2')?.reopenedReason).toContain('はい');
  });

  it('keeps assessments to hospitals, and to their own organization', async () => {
    const maker = await signUp(t.app, { email: uniqueEmail('maker') });
    const m = await createOrg(t.app, maker, { kind: 'manufacturer' });
    const r = await inject(t.app, maker, {
      method: 'POST',
      url: `/api/v1/orgs/${m.id}/assessments`,
      payload: { title: 'x', scope: 'facility' },
    });
    expect(r.statusCode).toBe(403);
    const id = (
      await inject(t.app, owner, {
        method: 'POST',
        url: `/api/v1/orgs/${orgId}/assessments`,
        payload: { title: '施設全体', scope: 'facility' },
      })
    ).json<{ id: string }>().id;
    expect((await inject(t.app, maker, { url: `/api/v1/orgs/${orgId}/assessments/${id}` })).statusCode).toBe(404);
    const method = await inject(t.app, owner, {
      method: 'POST',
      url: `/api/v1/orgs/${orgId}/assessments`,
      payload: { title: 'x', scope: 'facility', method: { kind: 'likelihood-impact', size: 9 } },
    });
    expect(method.statusCode).toBe(400);
    expect(method.json<{ error: { message: string } }>().error.message).toMatch(/^method\//);
  });
});
