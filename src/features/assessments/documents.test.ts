import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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
import { REGISTER_HEADINGS } from './register-xlsx.js';
import { ACCEPTED_CHAPTER, RULES_TITLE } from './rules.js';

const PDFTOTEXT = '/usr/bin/pdftotext';
const HAS_POPPLER = existsSync(PDFTOTEXT);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'openmds-assessment-pdf-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** pdftotext in content-stream order, one string per page, white space dropped (wrapping puts it inside cells). */
function pdfPages(pdf: Buffer): string[] {
  const file = join(dir, `${randomUUID()}.pdf`);
  writeFileSync(file, pdf);
  const text = execFileSync(PDFTOTEXT, ['-raw', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
  return text
    .split('\f')
    .slice(0, -1)
    .map((p) => compact(p));
}
const compact = (s: string): string => s.replace(/\s+/gu, '');

interface RiskView {
  id: string;
  systemName: string;
  draft: { rowId: string; threat: { ja: string } | null; measure: { ja: string } | null; guidelineSection: string };
}

describe.each(testDatabases())('assessment documents on $name', (database) => {
  let t: TestApp;
  let owner: TestSession;
  let orgId: string;
  const at = '2026-11-25T00:00:00.000Z';

  beforeEach(async () => {
    sourceId = undefined;
    t = await testApp({ database });
    owner = await signUp(t.app, { email: uniqueEmail('owner'), displayName: '情報 管理者' });
    orgId = (await createOrg(t.app, owner, { name: 'みなと病院', kind: 'hospital' })).id;
  });
  afterEach(async () => {
    await t.close();
  });

  let sourceId: string | undefined;

  /** A system relying on the General-PACS statement (held once), as the inventory records them. */
  async function system(name: string): Promise<string> {
    const systemId = await insertSystem(t.db.kysely, orgId, name, { at });
    sourceId ??= await insertSource(t.db.kysely, orgId, finalizableGeneralPacs(), {
      fileName: 'general-pacs.json',
      at,
    });
    await insertLink(t.db.kysely, systemId, sourceId, at);
    return systemId;
  }

  async function facilityAssessment(): Promise<{ id: string; risks: RiskView[] }> {
    const created = await inject(t.app, owner, {
      method: 'POST',
      url: `/api/v1/orgs/${orgId}/assessments`,
      payload: { title: '2026年度 施設全体', scope: 'facility' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json<{ id: string }>().id;
    const detail = await inject(t.app, owner, { url: `/api/v1/orgs/${orgId}/assessments/${id}` });
    return { id, risks: detail.json<{ riskList: RiskView[] }>().riskList };
  }

  async function patch(id: string, riskId: string, payload: object): Promise<void> {
    const res = await inject(t.app, owner, {
      method: 'PATCH',
      url: `/api/v1/orgs/${orgId}/assessments/${id}/risks/${riskId}`,
      payload,
    });
    expect(res.statusCode, res.body).toBe(200);
  }

  it.skipIf(!HAS_POPPLER)(
    'prints the register as a PDF: every risk’s row, threat and measure extract, the header row on every page',
    async () => {
      await system('PACS（放射線科）');
      const { id, risks } = await facilityAssessment();
      expect(risks.length).toBeGreaterThan(5);
      // A measure of its own for each risk, long enough to wrap and fill several pages.
      const measure = (r: RiskView) =>
        `${r.draft.rowId}番の対策：操作ログを毎月点検し、不審なアクセスがあれば情報システム課へ報告する（〜2027年3月）`;
      for (const r of risks) {
        await patch(id, r.id, { treatment: 'reduce', measure: measure(r), owner: '情報システム課', status: 'open' });
      }
      const res = await inject(t.app, owner, { url: `/api/v1/orgs/${orgId}/assessments/${id}/register.pdf` });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      expect(res.headers['content-disposition']).toContain(encodeURIComponent('リスク登録簿_2026年度 施設全体.pdf'));
      const pages = pdfPages(res.rawPayload);
      expect(pages.length).toBeGreaterThan(1);
      const head = compact(REGISTER_HEADINGS.join(''));
      expect(pages[0]).toContain(compact('リスク登録簿 みなと病院 2026年度 施設全体 状態: 作成中'));
      pages.forEach((p, i) => {
        expect(
          p.endsWith(compact(`${i + 1} / ${pages.length} ページ みなと病院 2026年度 施設全体`)),
          p.slice(-60),
        ).toBe(true);
        if (i > 0) expect(p.startsWith(head), `page ${i + 1}: ${p.slice(0, 60)}`).toBe(true);
      });
      const all = pages.join('');
      for (const r of risks) {
        // Row id, then the question, section, answer, threat … measure: the cells in order.
        const at = all.indexOf(compact(`PACS（放射線科）${r.draft.rowId}`));
        expect(at, `row ${r.draft.rowId}`).toBeGreaterThanOrEqual(0);
        expect(all.indexOf(compact(r.draft.threat!.ja), at), `threat of ${r.draft.rowId}`).toBeGreaterThan(at);
        expect(all.indexOf(compact(measure(r)), at), `measure of ${r.draft.rowId}`).toBeGreaterThan(at);
      }
    },
  );

  it('drafts the 運用管理規程: a shared measure once with each system’s row, accepted risks apart, as Markdown and PDF', async () => {
    await system('PACS（放射線科）');
    await system('電子カルテ');
    const { id, risks } = await facilityAssessment();
    const rowIds = [...new Set(risks.map((r) => r.draft.rowId))];
    const [shared, catalogued, accepted] = rowIds;
    const on = (row: string | undefined) => risks.filter((r) => r.draft.rowId === row);
    expect(on(shared)).toHaveLength(2);
    const sharedMeasure = '退職・異動した職員の利用者IDを当日中に無効化し、月1回棚卸しする';
    for (const [i, r] of on(shared).entries()) {
      await patch(id, r.id, {
        treatment: 'reduce',
        measure: sharedMeasure,
        owner: i === 0 ? '放射線科' : '情報システム課',
        dueDate: i === 0 ? '2027-03-31' : '2027-01-31',
        status: 'in-progress',
      });
    }
    // Reduced without a measure written yet: the catalogue's suggestion stands in.
    const cat = on(catalogued)[0]!;
    await patch(id, cat.id, { treatment: 'reduce', owner: '医療安全管理室' });
    const acc = on(accepted)[0]!;
    await patch(id, acc.id, {
      treatment: 'accept',
      status: 'accepted',
      acceptanceReason: '院内ネットワークのみで運用し、外部接続がないため',
    });

    const md = await inject(t.app, owner, { url: `/api/v1/orgs/${orgId}/assessments/${id}/rules.md` });
    expect(md.statusCode, md.body).toBe(200);
    expect(md.headers['content-type']).toBe('text/markdown; charset=utf-8');
    const text = md.body;
    expect(text.startsWith(`# ${RULES_TITLE}\n`)).toBe(true);
    expect(text).toContain('- 組織: みなと病院\n');
    expect(text).toContain('リスクアセスメント「2026年度 施設全体」');
    expect(text.split(sharedMeasure)).toHaveLength(2);
    const section = risks.find((r) => r.draft.rowId === shared)!.draft.guidelineSection;
    expect(text).toContain(`章 ${section}\n\n1. ${sharedMeasure}\n`);
    expect(text).toContain(`| PACS（放射線科） | ${shared} |`);
    expect(text).toContain(`| 電子カルテ | ${shared} |`);
    expect(text).toContain('担当: 放射線科、情報システム課　期限: 2027-01-31');
    expect(text).toContain(cat.draft.measure!.ja);
    expect(text).toMatch(new RegExp(`\n## 第\\d+章 ${ACCEPTED_CHAPTER}\n`));
    expect(text).toContain('受容の理由: 院内ネットワークのみで運用し、外部接続がないため');
    const undecided = risks.length - on(shared).length - 2;
    expect(text).toContain(`対応が決まっていないリスク ${undecided} 件`);

    if (HAS_POPPLER) {
      const pdf = await inject(t.app, owner, { url: `/api/v1/orgs/${orgId}/assessments/${id}/rules.pdf` });
      expect(pdf.statusCode, pdf.body).toBe(200);
      expect(pdf.headers['content-type']).toBe('application/pdf');
      const all = pdfPages(pdf.rawPayload).join('');
      for (const needle of [
        RULES_TITLE,
        'みなと病院',
        sharedMeasure,
        '担当:放射線科、情報システム課期限:2027-01-31',
        `PACS（放射線科）${shared}`,
        `電子カルテ${shared}`,
        cat.draft.measure!.ja,
        ACCEPTED_CHAPTER,
        '院内ネットワークのみで運用し、外部接続がないため',
      ]) {
        expect(all, needle).toContain(compact(needle));
      }
    }
  });

  it('lets every member read them, a viewer too, and answers 404 for another organization’s assessment', async () => {
    await system('PACS');
    const { id } = await facilityAssessment();
    const viewer = await addMember(t.app, owner, orgId, { role: 'viewer' });
    const stranger = await signUp(t.app, { email: uniqueEmail('stranger') });
    const theirs = (await createOrg(t.app, stranger, { name: '別の病院', kind: 'hospital' })).id;
    for (const doc of ['register.pdf', 'rules.md', 'rules.pdf']) {
      const mine = `/api/v1/orgs/${orgId}/assessments/${id}/${doc}`;
      expect((await inject(t.app, viewer, { url: mine })).statusCode, `viewer ${doc}`).toBe(200);
      expect((await inject(t.app, stranger, { url: mine })).statusCode, `stranger ${doc}`).toBe(404);
      const underTheirs = `/api/v1/orgs/${theirs}/assessments/${id}/${doc}`;
      expect((await inject(t.app, stranger, { url: underTheirs })).statusCode, `under theirs ${doc}`).toBe(404);
    }
    // Downloads are not audited, like the XLSX register: reading them changes nothing.
    const audit = await t.db.kysely.selectFrom('audit_events').select('action').where('object_id', '=', id).execute();
    expect(audit.map((a) => a.action)).toEqual(['assessment.create']);
  });
});
