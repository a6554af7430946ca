import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { completeMdsStatement } from '../../../test/support/statements.js';
import {
  addMember,
  createOrg,
  inject,
  signUp,
  testApp,
  type TestApp,
  type TestSession,
} from '../../../test/support/app.js';
import type { Statement } from '../../domain/statement.js';
import { testDatabases } from '../../../test/support/databases.js';

interface Detail {
  id: string;
  status: string;
  currentRevision: number;
  progress: { answered: number; applicable: number };
  responsible: { id: string } | null;
  revisions: { revision: number; status: string }[];
  latest: {
    revision: number;
    version: number;
    status: string;
    content: Statement;
    responsible: { id: string } | null;
    approver: { id: string } | null;
    timeSource: string | null;
    finalizedAt: string | null;
    contentHash: string;
    proxyEntries: { row: string; enteredBy: { id: string }; onBehalfOf: { id: string }; answer: string | null }[];
    proxyPending: number;
    returnedReason: string | null;
  };
  carryForward?: { needsAnswer: unknown[] };
}

describe.each(testDatabases())('the statement workflow on $name', (database) => {
  let t: TestApp;
  let owner: TestSession;
  let orgId: string;

  beforeEach(async () => {
    t = await testApp({ database });
    owner = await signUp(t.app, {
      email: 'owner@xyz.example.jp',
      displayName: '佐藤 花子',
      password: 'kaihatsu-sekinin-2026',
    });
    orgId = (await createOrg(t.app, owner, { name: 'XYZ株式会社', kind: 'manufacturer' })).id;
  });
  afterEach(async () => {
    await t.close();
  });

  const member = (role: string, email: string, displayName: string): Promise<TestSession> =>
    addMember(t.app, owner, orgId, { role, email, displayName });

  async function productVersion(session: TestSession = owner): Promise<string> {
    const p = await inject(t.app, session, {
      method: 'POST',
      url: `/api/v1/orgs/${orgId}/products`,
      payload: { name: 'General-PACS', category: 'pacs', description: '画像保存通信システム' },
    });
    expect(p.statusCode).toBe(201);
    const v = await inject(t.app, session, {
      method: 'POST',
      url: `/api/v1/orgs/${orgId}/products/${p.json<{ id: string }>().id}/versions`,
      payload: { version: 'V1.20R00' },
    });
    expect(v.statusCode).toBe(201);
    return v.json<{ id: string }>().id;
  }

  async function newStatement(session: TestSession = owner): Promise<Detail> {
    const pv = await productVersion(session);
    const r = await inject(t.app, session, {
      method: 'POST',
      url: `/api/v1/orgs/${orgId}/statements`,
      payload: { productVersionId: pv, template: { id: 'jahis-jira-mds', edition: '2' } },
    });
    expect(r.statusCode).toBe(201);
    return r.json<Detail>();
  }

  function complete(d: Detail): Statement {
    const full = completeMdsStatement();
    return { ...d.latest.content, answers: full.answers, remarks: full.remarks };
  }

  const save = (s: TestSession, d: Detail, content: Statement, expectedVersion: number) =>
    inject(t.app, s, {
      method: 'PUT',
      url: `/api/v1/orgs/${orgId}/statements/${d.id}/revisions/${d.latest.revision}`,
      payload: { expectedVersion, content },
    });
  const post = (s: TestSession, d: Detail, action: string, payload: object = {}, rev = d.latest.revision) =>
    inject(t.app, s, {
      method: 'POST',
      url: `/api/v1/orgs/${orgId}/statements/${d.id}/revisions/${rev}/${action}`,
      payload,
    });
  const get = async (s: TestSession, d: Detail): Promise<Detail> =>
    (await inject(t.app, s, { method: 'GET', url: `/api/v1/orgs/${orgId}/statements/${d.id}` })).json<Detail>();

  describe('writing a statement', () => {
    it('creates a draft for a product version with the header filled in', async () => {
      const d = await newStatement();
      expect(d.status).toBe('draft');
      expect(d.latest.content.header).toMatchObject({
        manufacturer: 'XYZ株式会社',
        product: 'General-PACS',
        productVersion: 'V1.20R00',
      });
      expect(d.latest.content.header.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(d.progress).toEqual({ answered: 0, applicable: expect.any(Number) as number });
      expect(d.responsible?.id).toBe(owner.userId);
      const list = await inject(t.app, owner, { method: 'GET', url: `/api/v1/orgs/${orgId}/statements` });
      expect(list.json<{ id: string }[]>().map((s) => s.id)).toEqual([d.id]);
    });

    it('saves drafts with a version, and answers a stale save with a conflict naming what differs', async () => {
      const d = await newStatement();
      const mine = { ...d.latest.content, answers: { '1': { answer: 'yes' } } };
      const first = await save(owner, d, mine, d.latest.version);
      expect(first.statusCode).toBe(200);
      const v2 = first.json<{ version: number }>().version;
      expect(v2).toBe(d.latest.version + 1);
      const stale = await save(owner, d, { ...d.latest.content, answers: { '1': { answer: 'no' } } }, d.latest.version);
      expect(stale.statusCode).toBe(409);
      const body = stale.json<{
        error: {
          code: string;
          details: { current: { version: number }; changes: { row: string; before: unknown; after: unknown }[] };
        };
      }>();
      expect(body.error.code).toBe('conflict');
      expect(body.error.details.current.version).toBe(v2);
      expect(body.error.details.changes).toEqual([
        { row: '1', section: '6.2', number: '1', before: { answer: 'no' }, after: { answer: 'yes' } },
      ]);
    });

    it('stores a draft that still has errors, and reports them', async () => {
      const d = await newStatement();
      const r = await save(
        owner,
        d,
        { ...d.latest.content, answers: { '4': { answer: 'no' }, '4.1-a': { answer: 'yes' } } },
        d.latest.version,
      );
      expect(r.statusCode).toBe(200);
      const v = r.json<{ validation: { valid: boolean; issues: { row: string; code: string }[] } }>().validation;
      expect(v.valid).toBe(false);
      expect(v.issues).toContainEqual(expect.objectContaining({ row: '4.1-a', code: 'answer-not-applicable' }));
    });

    it('refuses writes to viewers and approvers, and answers other organizations with not found', async () => {
      const d = await newStatement();
      const viewer = await member('viewer', 'viewer@xyz.example.jp', '閲覧 太郎');
      expect((await save(viewer, d, d.latest.content, d.latest.version)).statusCode).toBe(403);
      const approver = await member('approver', 'approver@xyz.example.jp', '承認 次郎');
      expect((await save(approver, d, d.latest.content, d.latest.version)).statusCode).toBe(403);
      const stranger = await signUp(t.app, {
        email: 'other@abc.example.jp',
        displayName: '他社',
        password: 'another-company-2026',
      });
      await createOrg(t.app, stranger, { name: 'ABC株式会社', kind: 'manufacturer' });
      const r = await inject(t.app, stranger, { method: 'GET', url: `/api/v1/orgs/${orgId}/statements/${d.id}` });
      expect(r.statusCode).toBe(404);
    });
  });

  describe('review, proxy entry and finalization', () => {
    it('takes a statement from draft through review to a finalized revision that never changes', async () => {
      const approver = await member('approver', 'approver@xyz.example.jp', '承認 次郎');
      let d = await newStatement();
      // Incomplete: submission names the problems.
      const early = await post(owner, d, 'submit', { expectedVersion: d.latest.version });
      expect(early.statusCode).toBe(400);
      expect(early.json<{ error: { details: { issues: unknown[] } } }>().error.details.issues.length).toBeGreaterThan(
        0,
      );

      const saved = await save(owner, d, complete(d), d.latest.version);
      expect(saved.statusCode).toBe(200);
      const version = saved.json<{ version: number }>().version;
      expect((await post(owner, d, 'submit', { expectedVersion: version })).statusCode).toBe(200);
      d = await get(owner, d);
      expect(d.status).toBe('in-review');
      // Under review the content is frozen for editors.
      expect((await save(owner, d, d.latest.content, d.latest.version)).statusCode).toBe(409);
      // The approver sends it back with a reason, the editor resubmits.
      expect((await post(approver, d, 'return', { reason: '備考1の表現を修正してください' })).statusCode).toBe(200);
      d = await get(owner, d);
      expect(d.latest.returnedReason).toBe('備考1の表現を修正してください');
      expect((await post(owner, d, 'submit', { expectedVersion: d.latest.version })).statusCode).toBe(200);
      d = await get(owner, d);

      const fin = await post(approver, d, 'finalize', { expectedVersion: d.latest.version });
      expect(fin.statusCode).toBe(200);
      d = fin.json<Detail>();
      expect(d.status).toBe('finalized');
      expect(d.latest.approver?.id).toBe(approver.userId);
      expect(d.latest.responsible?.id).toBe(owner.userId);
      expect(d.latest.timeSource).toMatch(/clock/);
      expect(d.latest.finalizedAt).toMatch(/Z$/);
      expect(d.latest.contentHash).toMatch(/^[0-9a-f]{64}$/);
      expect((await save(owner, d, d.latest.content, d.latest.version)).statusCode).toBe(409);

      // Editing starts revision 2; the diff shows the change.
      const r2 = await inject(t.app, owner, {
        method: 'POST',
        url: `/api/v1/orgs/${orgId}/statements/${d.id}/revisions`,
      });
      expect(r2.statusCode).toBe(201);
      d = r2.json<Detail>();
      expect(d.latest.revision).toBe(2);
      const changed = { ...d.latest.content, answers: { ...d.latest.content.answers, '2': { answer: 'no' } } };
      expect((await save(owner, d, changed, d.latest.version)).statusCode).toBe(200);
      const diff = await inject(t.app, owner, {
        method: 'GET',
        url: `/api/v1/orgs/${orgId}/statements/${d.id}/diff?from=1&to=2`,
      });
      expect(diff.statusCode).toBe(200);
      expect(diff.json<{ rows: unknown[] }>().rows).toEqual([
        { row: '2', section: '6.4', number: '2', before: { answer: 'yes' }, after: { answer: 'no' } },
      ]);
      const history = await get(owner, d);
      expect(history.revisions.map((r) => [r.revision, r.status])).toEqual([
        [1, 'finalized'],
        [2, 'draft'],
      ]);
    });

    it('records proxy entries and needs the responsible person to confirm them before finalization', async () => {
      const editor = await member('editor', 'editor@xyz.example.jp', '代行 三郎');
      const approver = await member('approver', 'approver@xyz.example.jp', '承認 次郎');
      let d = await newStatement();
      const r = await save(editor, d, complete(d), d.latest.version);
      expect(r.statusCode).toBe(200);
      expect(r.json<{ proxyEntries: number }>().proxyEntries).toBe(Object.keys(complete(d).answers).length);
      d = await get(owner, d);
      const e = d.latest.proxyEntries.find((p) => p.row === '1');
      expect(e).toMatchObject({ enteredBy: { id: editor.userId }, onBehalfOf: { id: owner.userId }, answer: 'yes' });
      expect(d.latest.proxyPending).toBeGreaterThan(0);

      expect((await post(editor, d, 'submit', { expectedVersion: d.latest.version })).statusCode).toBe(200);
      d = await get(owner, d);
      const blocked = await post(approver, d, 'finalize', { expectedVersion: d.latest.version });
      expect(blocked.statusCode).toBe(409);
      expect(blocked.json<{ error: { message: string } }>().error.message).toContain('代行入力の承認待ち');
      // Only the responsible person confirms.
      expect((await post(editor, d, 'confirm-proxy')).statusCode).toBe(403);
      expect((await post(owner, d, 'confirm-proxy')).statusCode).toBe(200);
      d = await get(owner, d);
      expect(d.latest.proxyPending).toBe(0);
      expect((await post(approver, d, 'finalize', { expectedVersion: d.latest.version })).statusCode).toBe(200);
    });

    it('writes an audit record for every write and every read of a statement', async () => {
      const d = await newStatement();
      await get(owner, d);
      await save(owner, d, { ...d.latest.content, answers: { '1': { answer: 'yes' } } }, d.latest.version);
      const actions = (
        await t.db.kysely.selectFrom('audit_events').select(['action', 'object_id']).orderBy('seq').execute()
      ).map((e) => e.action);
      expect(actions).toEqual(
        expect.arrayContaining([
          'product.create',
          'product-version.create',
          'statement.create',
          'statement.read',
          'statement.save',
        ]),
      );
    });
  });

  describe('carry-forward between product versions', () => {
    it('starts the next version from the previous statement', async () => {
      const d = await newStatement();
      await save(
        owner,
        d,
        {
          ...d.latest.content,
          answers: { '1': { answer: 'yes', remarks: [1] } },
          remarks: [{ number: 1, text: '一覧を提供' }],
        },
        d.latest.version,
      );
      const product = (await inject(t.app, owner, { method: 'GET', url: `/api/v1/orgs/${orgId}/products` })).json<
        {
          id: string;
        }[]
      >();
      const v2 = await inject(t.app, owner, {
        method: 'POST',
        url: `/api/v1/orgs/${orgId}/products/${product[0]?.id ?? ''}/versions`,
        payload: { version: 'V1.30R00' },
      });
      const r = await inject(t.app, owner, {
        method: 'POST',
        url: `/api/v1/orgs/${orgId}/statements`,
        payload: { productVersionId: v2.json<{ id: string }>().id, carryForwardFrom: d.id },
      });
      expect(r.statusCode).toBe(201);
      const next = r.json<Detail>();
      expect(next.latest.content.answers['1']).toEqual({ answer: 'yes', remarks: [1] });
      expect(next.latest.content.header.productVersion).toBe('V1.30R00');
      expect(next.carryForward?.needsAnswer).toEqual([]);
    });
  });
});
