import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  addMember,
  createFinalizedStatement,
  createOrg,
  createProduct,
  createProductVersion,
  inject,
  publishStatement,
  signUp,
  testApp,
  uniqueEmail,
  type TestApp,
  type TestSession,
} from '../../../test/support/app.js';
import { testDatabases } from '../../../test/support/databases.js';
import type { Statement } from '../../domain/statement.js';
import { verifySignedStatement } from '../../signing/verify-signed-statement.js';
import type { DirectoryPage, PublicationDetail, PublicationSummary, VerifyResult } from './publishing.schema.js';

describe.each(testDatabases())('publishing and the directory on $name', (database) => {
  let t: TestApp;
  let owner: TestSession;
  let orgId: string;

  beforeEach(async () => {
    t = await testApp({ database });
    owner = await signUp(t.app, { email: uniqueEmail('owner'), displayName: '佐藤 花子' });
    orgId = (await createOrg(t.app, owner, { name: 'XYZ株式会社', kind: 'manufacturer' })).id;
  });
  afterEach(async () => {
    await t.close();
  });

  async function finalized(
    product = 'General-PACS',
    version = 'V1.20R00',
    content?: (draft: Statement) => Statement,
  ): Promise<{ id: string; revision: number; content: Statement }> {
    const p = await createProduct(t.app, owner, orgId, { name: product });
    const v = await createProductVersion(t.app, owner, orgId, p.id, { version });
    return createFinalizedStatement(t.app, owner, orgId, {
      productVersionId: v.id,
      ...(content === undefined ? {} : { content }),
    });
  }

  const directory = async (query: string, session: TestSession | null = null): Promise<DirectoryPage> => {
    const r = await inject(t.app, session, { url: `/api/v1/directory${query}` });
    expect(r.statusCode, r.body).toBe(200);
    return r.json<DirectoryPage>();
  };
  const detail = async (id: string, session: TestSession | null = null): Promise<PublicationDetail> => {
    const r = await inject(t.app, session, { url: `/api/v1/directory/${id}` });
    expect(r.statusCode, r.body).toBe(200);
    return r.json<PublicationDetail>();
  };
  const hospital = async (name: string): Promise<{ session: TestSession; orgId: string }> => {
    const session = await signUp(t.app, { email: uniqueEmail('hospital'), displayName: `${name} 情報係` });
    const org = await createOrg(t.app, session, { name, kind: 'hospital' });
    return { session, orgId: org.id };
  };

  it('publishes a finalized revision, signed, and lists it in the directory for anyone', async () => {
    const s = await finalized();
    const pub = await publishStatement(t.app, owner, orgId, s);
    expect(pub.visibility).toBe('public');

    const st = await inject(t.app, owner, { url: `/api/v1/orgs/${orgId}/statements/${s.id}` });
    expect(st.json<{ status: string }>().status).toBe('published');

    const page = await directory('');
    expect(page.total).toBe(1);
    expect(page.items[0]).toMatchObject({
      id: pub.id,
      manufacturer: { orgId, name: 'XYZ株式会社' },
      product: { name: 'General-PACS', category: 'pacs' },
      productVersion: 'V1.20R00',
      template: { id: 'jahis-jira-mds', edition: '2' },
      withdrawn: null,
    });
    expect(page.items[0]!.counts.yes).toBeGreaterThan(0);

    const d = await detail(pub.id);
    expect(d.access).toBe('full');
    expect(d.statement?.answers).toEqual(s.content.answers);
    expect(d.statement?.remarks).toEqual(s.content.remarks);
    expect(d.signature).toMatchObject({ status: 'valid', altered: false, registeredTo: { orgId } });
    expect(d.signature?.signer?.organization).toBe('XYZ株式会社');
    expect(d.revisions.map((r) => r.revision)).toEqual([s.revision]);
    expect(d.files.map((f) => f.format).sort()).toEqual(['csv', 'html', 'json', 'pdf', 'xlsx']);
  });

  it('finds statements by words, template and answers, page by page', async () => {
    const answersOf = (s: Statement): Record<string, string | undefined> =>
      Object.fromEntries(Object.entries(s.answers).map(([k, v]) => [k, v.answer]));
    const a = await finalized('General-PACS', 'V1.20R00');
    const yesRow = Object.entries(answersOf(a.content)).find(([, v]) => v === 'yes')![0];
    const noRow = Object.entries(answersOf(a.content)).find(([, v]) => v === 'no')![0];
    await publishStatement(t.app, owner, orgId, a);
    const b = await finalized('画像ビューア Ｖｉｅｗ', '2.0', (draft) => ({
      ...draft,
      answers: { ...a.content.answers, [yesRow]: { answer: 'no' } },
      remarks: a.content.remarks,
    }));
    await publishStatement(t.app, owner, orgId, b);

    expect((await directory('')).total).toBe(2);
    // Words are NFKC-folded and case-insensitive: "view" finds "Ｖｉｅｗ".
    expect((await directory('?q=view')).items.map((i) => i.product.name)).toEqual(['画像ビューア Ｖｉｅｗ']);
    expect((await directory(`?q=${encodeURIComponent('xyz 株式会社 pacs')}`)).total).toBe(1);
    expect((await directory('?q=%25')).total).toBe(0);
    expect((await directory('?template=jahis-jira-mds@2')).total).toBe(2);
    expect((await directory('?template=nema-mds2')).total).toBe(0);

    const byAnswer = await directory(`?answer=${encodeURIComponent(`${yesRow}:yes`)}`);
    expect(byAnswer.items.map((i) => i.product.name)).toEqual(['General-PACS']);
    const both = await directory(
      `?answer=${encodeURIComponent(`${yesRow}:no`)}&answer=${encodeURIComponent(`${noRow}:no`)}`,
    );
    expect(both.items.map((i) => i.product.name)).toEqual(['画像ビューア Ｖｉｅｗ']);
    expect(
      (await directory(`?answer=${encodeURIComponent(`${yesRow}:yes`)}&answer=${encodeURIComponent(`${yesRow}:no`)}`))
        .total,
    ).toBe(0);

    const p1 = await directory('?pageSize=1&page=1');
    const p2 = await directory('?pageSize=1&page=2');
    expect([p1.total, p1.pages, p2.page]).toEqual([2, 2, 2]);
    expect(p1.items[0]!.id).not.toBe(p2.items[0]!.id);

    const bad = await inject(t.app, null, { url: '/api/v1/directory?answer=4.1-d' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ error: { message: string } }>().error.message).toContain('answer: "4.1-d" is not ROW:ANSWER');
  });

  it('lists only the newest revision of a statement, and keeps the older ones in its history', async () => {
    const s = await finalized();
    const first = await publishStatement(t.app, owner, orgId, s);
    const started = await inject(t.app, owner, {
      method: 'POST',
      url: `/api/v1/orgs/${orgId}/statements/${s.id}/revisions`,
      payload: {},
    });
    expect(started.statusCode, started.body).toBeLessThan(300);
    const detailUrl = `/api/v1/orgs/${orgId}/statements/${s.id}`;
    const d = (await inject(t.app, owner, { url: detailUrl })).json<{
      latest: { revision: number; version: number; content: Statement };
    }>();
    const rev = `${detailUrl}/revisions/${d.latest.revision}`;
    const saved = await inject(t.app, owner, {
      method: 'PUT',
      url: rev,
      payload: {
        expectedVersion: d.latest.version,
        content: { ...d.latest.content, remarks: [...d.latest.content.remarks, { number: 99, text: '改訂 2 の追記' }] },
      },
    });
    expect(saved.statusCode, saved.body).toBe(200);
    const v = saved.json<{ version: number }>().version;
    expect(
      (await inject(t.app, owner, { method: 'POST', url: `${rev}/submit`, payload: { expectedVersion: v } }))
        .statusCode,
    ).toBe(200);
    expect(
      (await inject(t.app, owner, { method: 'POST', url: `${rev}/finalize`, payload: { expectedVersion: v + 1 } }))
        .statusCode,
    ).toBe(200);
    const second = await publishStatement(t.app, owner, orgId, { id: s.id, revision: d.latest.revision });

    const page = await directory('');
    expect(page.items.map((i) => i.id)).toEqual([second.id]);
    const history = await detail(first.id);
    expect(history.revisions.map((r) => r.id)).toEqual([second.id, first.id]);
  });

  it('refuses what may not be published, and who may not publish', async () => {
    const s = await finalized();
    await publishStatement(t.app, owner, orgId, s);
    const again = await inject(t.app, owner, {
      method: 'POST',
      url: `/api/v1/orgs/${orgId}/statements/${s.id}/revisions/${s.revision}/publish`,
      payload: { visibility: 'public' },
    });
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('already published');

    const draftP = await createProduct(t.app, owner, orgId, { name: 'Draft-PACS' });
    const draftV = await createProductVersion(t.app, owner, orgId, draftP.id);
    const draft = await inject(t.app, owner, {
      method: 'POST',
      url: `/api/v1/orgs/${orgId}/statements`,
      payload: { productVersionId: draftV.id, template: { id: 'jahis-jira-mds', edition: '2' } },
    });
    const draftId = draft.json<{ id: string }>().id;
    const early = await inject(t.app, owner, {
      method: 'POST',
      url: `/api/v1/orgs/${orgId}/statements/${draftId}/revisions/1/publish`,
      payload: { visibility: 'public' },
    });
    expect(early.statusCode).toBe(409);
    expect(early.body).toContain('only a finalized revision can be published');

    const editor = await addMember(t.app, owner, orgId, {
      role: 'editor',
      email: uniqueEmail('editor'),
      displayName: '編集 太郎',
    });
    const s2 = await finalized('Other', '1');
    const byEditor = await inject(t.app, editor, {
      method: 'POST',
      url: `/api/v1/orgs/${orgId}/statements/${s2.id}/revisions/${s2.revision}/publish`,
      payload: { visibility: 'public' },
    });
    expect(byEditor.statusCode).toBe(403);
    const h = await hospital('みなと病院');
    const byStranger = await inject(t.app, h.session, {
      method: 'POST',
      url: `/api/v1/orgs/${orgId}/statements/${s2.id}/revisions/${s2.revision}/publish`,
      payload: { visibility: 'public' },
    });
    expect(byStranger.statusCode).toBe(404);
    const toManufacturer = await inject(t.app, owner, {
      method: 'POST',
      url: `/api/v1/orgs/${orgId}/statements/${s2.id}/revisions/${s2.revision}/publish`,
      payload: { visibility: 'restricted', grantees: [orgId] },
    });
    expect(toManufacturer.statusCode).toBe(400);
    expect(toManufacturer.body).toContain('grantees/0: not a hospital organization');
  });

  it('shows a restricted publication only to the named hospitals, and records each view', async () => {
    const named = await hospital('みなと病院');
    const other = await hospital('やまて病院');
    const s = await finalized();
    const pub = await publishStatement(t.app, owner, orgId, s, { visibility: 'restricted', grantees: [named.orgId] });

    const notices = await inject(t.app, named.session, { url: `/api/v1/orgs/${named.orgId}/notifications` });
    expect(notices.body).toContain('grant.created');
    expect((await directory('')).total).toBe(0);
    expect((await directory('', other.session)).total).toBe(0);
    expect((await directory('', named.session)).items.map((i) => i.id)).toEqual([pub.id]);

    const anon = await detail(pub.id);
    expect(anon).toMatchObject({ access: 'metadata', statement: null, files: [], canRequestAccess: false });
    const outsider = await detail(pub.id, other.session);
    expect(outsider).toMatchObject({ access: 'metadata', canRequestAccess: true });
    const file = await inject(t.app, other.session, { url: `/api/v1/directory/${pub.id}/files/json` });
    expect(file.statusCode).toBe(404);

    const insider = await detail(pub.id, named.session);
    expect(insider.access).toBe('full');
    const json = await inject(t.app, named.session, { url: `/api/v1/directory/${pub.id}/files/json` });
    expect(json.statusCode).toBe(200);

    const audit = await t.db.kysely
      .selectFrom('audit_events')
      .select(['action', 'outcome', 'details'])
      .where('org_id', '=', orgId)
      .where('action', 'like', 'publication.%')
      .orderBy('seq')
      .execute();
    expect(audit.map((a) => [a.action, a.outcome])).toEqual([
      ['publication.create', 'success'],
      ['publication.view-denied', 'denied'],
      ['publication.view', 'success'],
      ['publication.view', 'success'],
    ]);
    expect(audit[1]!.details).toContain('やまて病院');
  });

  it('withdraws with a reason: delisted, still readable at its link, marked withdrawn, and frozen', async () => {
    const s = await finalized();
    const pub = await publishStatement(t.app, owner, orgId, s);
    const url = `/api/v1/orgs/${orgId}/publications/${pub.id}/withdraw`;
    const blank = await inject(t.app, owner, { method: 'POST', url, payload: { reason: '  ' } });
    expect(blank.statusCode).toBe(400);
    const w = await inject(t.app, owner, {
      method: 'POST',
      url,
      payload: { reason: '記載誤りのため（改訂版を公開予定）' },
    });
    expect(w.statusCode, w.body).toBe(200);
    expect(w.json<PublicationSummary>().withdrawn?.reason).toBe('記載誤りのため（改訂版を公開予定）');
    expect((await inject(t.app, owner, { method: 'POST', url, payload: { reason: 'again' } })).statusCode).toBe(409);

    expect((await directory('')).total).toBe(0);
    expect((await directory('?withdrawn=true')).total).toBe(1);
    const d = await detail(pub.id);
    expect(d.access).toBe('full');
    expect(d.publication.withdrawn?.reason).toBe('記載誤りのため（改訂版を公開予定）');
    const st = await inject(t.app, owner, { url: `/api/v1/orgs/${orgId}/statements/${s.id}` });
    expect(st.json<{ status: string }>().status).toBe('withdrawn');

    // The database refuses to change what was published, or to undo the withdrawal.
    await expect(
      sql`update publications set signed_document = '{}' where id = ${pub.id}`.execute(t.db.kysely),
    ).rejects.toThrow(/immutable/);
    await expect(
      sql`update publications set withdrawn_at = null where id = ${pub.id}`.execute(t.db.kysely),
    ).rejects.toThrow(/immutable/);
    await expect(sql`delete from publications where id = ${pub.id}`.execute(t.db.kysely)).rejects.toThrow(/immutable/);
  });

  it('serves the signed JSON, which verifies against the instance CA, and every other format', async () => {
    const s = await finalized();
    const pub = await publishStatement(t.app, owner, orgId, s);
    const json = await inject(t.app, null, { url: `/api/v1/directory/${pub.id}/files/json` });
    expect(json.statusCode).toBe(200);
    expect(json.headers['content-disposition']).toContain(
      `filename*=UTF-8''${encodeURIComponent('XYZ株式会社_General-PACS_V1.20R00_r1.signed.json')}`,
    );
    const ca = await inject(t.app, null, { url: '/api/v1/signing/ca.pem' });
    expect(ca.body).toContain('BEGIN CERTIFICATE');
    const v = await verifySignedStatement(JSON.parse(json.body), { trustedRootsPem: [ca.body] });
    expect(v.status).toBe('valid');
    expect(v.statement?.remarks).toEqual(s.content.remarks);

    const pdf = await inject(t.app, null, { url: `/api/v1/directory/${pub.id}/files/pdf` });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const xlsx = await inject(t.app, null, { url: `/api/v1/directory/${pub.id}/files/xlsx` });
    expect([...xlsx.rawPayload.subarray(0, 4)]).toEqual([0x50, 0x4b, 0x03, 0x04]);
    const html = await inject(t.app, null, { url: `/api/v1/directory/${pub.id}/files/html` });
    expect(html.headers['content-type']).toContain('text/html');
    expect(html.body).toContain(s.content.remarks[0]!.text.slice(0, 10));
    const csv = await inject(t.app, null, { url: `/api/v1/directory/${pub.id}/files/csv` });
    expect(csv.body).toContain(s.content.remarks[0]!.text.split('\n')[0]);
  });

  it('verifies an uploaded file: who signed it, whether it was altered, which publication it is', async () => {
    const s = await finalized();
    const pub = await publishStatement(t.app, owner, orgId, s);
    const signed = (await inject(t.app, null, { url: `/api/v1/directory/${pub.id}/files/json` })).body;
    const upload = (body: string | Buffer) =>
      inject(t.app, null, {
        method: 'POST',
        url: '/api/v1/verify',
        headers: { 'content-type': 'application/octet-stream' },
        payload: typeof body === 'string' ? Buffer.from(body) : body,
      });

    const ok = await upload(signed);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json<VerifyResult>()).toMatchObject({
      status: 'valid',
      altered: false,
      registeredTo: { orgId, name: 'XYZ株式会社' },
      publication: { id: pub.id, withdrawn: false },
      format: 'json',
    });

    const text = s.content.remarks[0]!.text;
    const tampered = signed.replace(
      JSON.stringify(text).slice(1, -1),
      JSON.stringify(`${text.slice(0, -1)}X`).slice(1, -1),
    );
    expect(tampered).not.toBe(signed);
    const bad = (await upload(tampered)).json<VerifyResult>();
    expect(bad).toMatchObject({ status: 'invalid', altered: true, publication: null });
    expect(bad.problems.map((p) => p.en).join(' ')).toContain('changed after it was signed');

    const pdf = (await inject(t.app, null, { url: `/api/v1/directory/${pub.id}/files/pdf` })).rawPayload;
    expect((await upload(pdf)).json<VerifyResult>()).toMatchObject({ status: 'valid', format: 'pdf' });
    const html = (await inject(t.app, null, { url: `/api/v1/directory/${pub.id}/files/html` })).body;
    expect((await upload(html)).json<VerifyResult>()).toMatchObject({ status: 'valid', format: 'html' });

    const plain = await upload(JSON.stringify(s.content));
    expect(plain.json<VerifyResult>()).toMatchObject({ status: 'invalid', altered: false });
    expect(plain.json<VerifyResult>().problems[0]!.en).toContain('carries no signature');
    const garbage = await upload('{"format": ');
    expect(garbage.statusCode).toBe(400);
    expect(garbage.json<{ error: { message: string } }>().error.message).toMatch(/^file: .*line 1/);
  });

  it("issues the organization's key from the instance CA, rotates it, and refuses a bad upload", async () => {
    const keys = async () =>
      (await inject(t.app, owner, { url: `/api/v1/orgs/${orgId}/signing-keys` })).json<{
        current: { id: string; source: string; certificateSha256: string; chainPem: string[] } | null;
        retired: { id: string }[];
      }>();
    expect((await keys()).current).toBeNull();
    const s = await finalized();
    await publishStatement(t.app, owner, orgId, s);
    const first = (await keys()).current!;
    expect(first.source).toBe('instance-ca');
    expect(first.chainPem).toHaveLength(2);

    const rotated = await inject(t.app, owner, { method: 'POST', url: `/api/v1/orgs/${orgId}/signing-keys/rotate` });
    expect(rotated.statusCode).toBe(200);
    const after = await keys();
    expect(after.current!.id).not.toBe(first.id);
    expect(after.retired.map((k) => k.id)).toEqual([first.id]);

    const s2 = await finalized('Second', '1');
    const pub2 = await publishStatement(t.app, owner, orgId, s2);
    expect((await detail(pub2.id)).signature?.signer?.certificateSha256).toBe(after.current!.certificateSha256);

    const bad = await inject(t.app, owner, {
      method: 'PUT',
      url: `/api/v1/orgs/${orgId}/signing-keys`,
      payload: { certificateChainPem: 'not a certificate', privateKeyPem: 'not a key' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ error: { message: string } }>().error.message).toMatch(/^certificateChainPem: /);

    const h = await hospital('みなと病院');
    const foreign = await inject(t.app, h.session, {
      method: 'POST',
      url: `/api/v1/orgs/${orgId}/signing-keys/rotate`,
    });
    expect(foreign.statusCode).toBe(404);
  });
});
