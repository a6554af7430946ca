import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  type TestApp,
  type TestSession,
} from '../../../test/support/app.js';
import { testDatabases } from '../../../test/support/databases.js';
import { completeMdsStatement } from '../../../test/support/statements.js';
import type { Statement } from '../../domain/statement.js';
import type { CollectionItemDetail, CollectionItemView } from './collection.service.js';

interface Side {
  owner: TestSession;
  orgId: string;
  name: string;
}

interface Maker extends Side {
  productId: string;
  productVersionId: string;
}

describe.each(testDatabases())('the hospital’s collection on $name', (database) => {
  let t: TestApp;
  let n = 0;

  beforeAll(async () => {
    t = await testApp({ database });
  });
  afterAll(async () => {
    await t.close();
  });

  const call = (who: TestSession | null, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    inject(t.app, who, { method, url: `/api/v1${url}`, ...(payload === undefined ? {} : { payload }) });
  const message = (res: { json: <T>() => T }): string => res.json<{ error: { message: string } }>().error.message;

  async function maker(): Promise<Maker> {
    const owner = await signUp(t.app);
    const name = `コレクション医療機器${++n}`;
    const orgId = (await createOrg(t.app, owner, { name, kind: 'manufacturer' })).id;
    const productId = (await createProduct(t.app, owner, orgId, { name: `C-PACS ${n}` })).id;
    const productVersionId = (await createProductVersion(t.app, owner, orgId, productId, { version: '3.0' })).id;
    return { owner, orgId, name, productId, productVersionId };
  }

  async function hospital(): Promise<Side> {
    const owner = await signUp(t.app);
    const name = `コレクション病院${++n}`;
    return { owner, orgId: (await createOrg(t.app, owner, { name, kind: 'hospital' })).id, name };
  }

  async function published(
    m: Maker,
    visibility: 'public' | 'restricted' = 'public',
  ): Promise<{ id: string; statementId: string; content: Statement }> {
    const full = completeMdsStatement();
    const st = await createFinalizedStatement(t.app, m.owner, m.orgId, {
      productVersionId: m.productVersionId,
      content: (draft) => ({ ...draft, answers: full.answers, remarks: full.remarks }),
    });
    const p = await publishStatement(t.app, m.owner, m.orgId, st, { visibility });
    return { id: p.id, statementId: st.id, content: st.content };
  }

  /** Revision n+1 of a published statement, finalized and published. */
  async function republish(m: Maker, statementId: string, visibility: 'public' | 'restricted'): Promise<string> {
    const base = `/orgs/${m.orgId}/statements/${statementId}`;
    const started = await call(m.owner, 'POST', `${base}/revisions`);
    expect(started.statusCode, started.body).toBe(201);
    const { revision, version } = started.json<{ latest: { revision: number; version: number } }>().latest;
    const submitted = await call(m.owner, 'POST', `${base}/revisions/${revision}/submit`, { expectedVersion: version });
    expect(submitted.statusCode, submitted.body).toBe(200);
    const after = submitted.json<{ latest: { version: number } }>().latest.version;
    const fin = await call(m.owner, 'POST', `${base}/revisions/${revision}/finalize`, { expectedVersion: after });
    expect(fin.statusCode, fin.body).toBe(200);
    return (await publishStatement(t.app, m.owner, m.orgId, { id: statementId, revision }, { visibility })).id;
  }

  async function add(h: Side, publicationId: string): Promise<CollectionItemView> {
    const res = await call(h.owner, 'POST', `/orgs/${h.orgId}/collection`, { publicationId });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  }

  const list = async (h: Side): Promise<CollectionItemView[]> =>
    (await call(h.owner, 'GET', `/orgs/${h.orgId}/collection`)).json();

  it('adds a public publication and shows it with its statement', async () => {
    const m = await maker();
    const h = await hospital();
    const p = await published(m);
    const item = await add(h, p.id);
    expect(item).toMatchObject({
      publicationId: p.id,
      manufacturer: { id: m.orgId, name: m.name },
      product: { id: m.productId, version: '3.0' },
      template: { id: 'jahis-jira-mds', edition: '2' },
      statementId: p.statementId,
      revision: 1,
      visibility: 'public',
      requestId: null,
      withdrawn: null,
      newerRevision: null,
    });
    expect(await list(h)).toEqual([item]);
    const again = await call(h.owner, 'POST', `/orgs/${h.orgId}/collection`, { publicationId: p.id });
    expect(again.statusCode).toBe(409);
    expect(message(again)).toBe('publicationId: already in your collection');

    const detail = await call(h.owner, 'GET', `/orgs/${h.orgId}/collection/${item.id}`);
    expect(detail.statusCode, detail.body).toBe(200);
    const body = detail.json<CollectionItemDetail>();
    expect({ ...body, statement: undefined }).toEqual({ ...item, statement: undefined });
    expect(body.statement.answers).toEqual(p.content.answers);
    expect(body.statement.header).toMatchObject({ product: p.content.header.product });
    const audit = await call(h.owner, 'GET', `/orgs/${h.orgId}/audit?action=collection.add`);
    expect(audit.json<{ events: unknown[] }>().events).toHaveLength(1);
  });

  it('adds a restricted publication only with access, and records who read it in the manufacturer’s trail', async () => {
    const m = await maker();
    const h = await hospital();
    const p = await published(m, 'restricted');
    const refused = await call(h.owner, 'POST', `/orgs/${h.orgId}/collection`, { publicationId: p.id });
    expect(refused.statusCode).toBe(403);
    expect(message(refused)).toBe(
      'publicationId: the publication is restricted and your organization has no access; request access first',
    );
    expect((await call(h.owner, 'POST', `/orgs/${h.orgId}/collection`, { publicationId: 'nothing' })).statusCode).toBe(
      404,
    );
    const grant = await call(m.owner, 'POST', `/orgs/${m.orgId}/grants`, {
      granteeOrgId: h.orgId,
      productId: m.productId,
      expiresAt: null,
    });
    expect(grant.statusCode).toBe(201);
    const item = await add(h, p.id);
    expect((await call(h.owner, 'GET', `/orgs/${h.orgId}/collection/${item.id}`)).statusCode).toBe(200);
    const trail = await call(m.owner, 'GET', `/orgs/${m.orgId}/audit?action=publication.view`);
    expect(trail.json<{ events: unknown[] }>().events).toEqual([
      expect.objectContaining({
        actorId: h.owner.userId,
        objectId: p.id,
        details: { via: 'collection', hospitalOrgId: h.orgId },
      }),
    ]);
  });

  it('keeps a withdrawn publication readable to its holders, marked with the reason, and tells them', async () => {
    const m = await maker();
    const h = await hospital();
    const late = await hospital();
    const p = await published(m);
    const item = await add(h, p.id);
    const w = await call(m.owner, 'POST', `/orgs/${m.orgId}/publications/${p.id}/withdraw`, { reason: '記載誤り' });
    expect(w.statusCode, w.body).toBe(200);
    const [held] = await list(h);
    expect(held?.withdrawn).toMatchObject({ reason: '記載誤り' });
    expect((await call(h.owner, 'GET', `/orgs/${h.orgId}/collection/${item.id}`)).statusCode).toBe(200);
    const kinds = (await call(h.owner, 'GET', `/orgs/${h.orgId}/notifications`)).json<
      { kind: string; params: Record<string, unknown> }[]
    >();
    expect(kinds[0]).toMatchObject({
      kind: 'publication.withdrawn',
      params: { publicationId: p.id, reason: '記載誤り' },
    });
    const refused = await call(late.owner, 'POST', `/orgs/${late.orgId}/collection`, { publicationId: p.id });
    expect(refused.statusCode).toBe(409);
    expect(message(refused)).toBe('publicationId: the publication was withdrawn (記載誤り)');
  });

  it('points holders to a newer revision they may read, and notifies them and their webhooks', async () => {
    const m = await maker();
    const h = await hospital();
    const outsider = await hospital();
    const p1 = await published(m);
    const held = await add(h, p1.id);
    await add(outsider, p1.id);
    const hook = await call(h.owner, 'POST', `/orgs/${h.orgId}/webhooks`, { url: 'https://hospital.example.jp/hook' });
    expect(hook.statusCode).toBe(201);
    await call(m.owner, 'POST', `/orgs/${m.orgId}/grants`, { granteeOrgId: h.orgId, productId: null, expiresAt: null });

    // Revision 2, restricted: only the holder with a grant hears of it.
    const p2 = await republish(m, p1.statementId, 'restricted');
    const [item] = await list(h);
    expect(item?.newerRevision).toMatchObject({ publicationId: p2, revision: 2 });
    expect((await list(outsider))[0]?.newerRevision).toBeNull();
    const told = (await call(h.owner, 'GET', `/orgs/${h.orgId}/notifications`)).json<
      { kind: string; params: Record<string, unknown> }[]
    >();
    expect(told[0]).toMatchObject({
      kind: 'publication.new-revision',
      params: { publicationId: p2, statementId: p1.statementId, revision: 2, manufacturer: m.name },
    });
    const outsiderKinds = (await call(outsider.owner, 'GET', `/orgs/${outsider.orgId}/notifications`)).json<
      { kind: string }[]
    >();
    expect(outsiderKinds.map((x) => x.kind)).not.toContain('publication.new-revision');
    const deliveries = await call(
      h.owner,
      'GET',
      `/orgs/${h.orgId}/webhooks/${hook.json<{ id: string }>().id}/deliveries`,
    );
    expect(deliveries.json<{ event: string; payload: string }[]>().map((d) => d.event)).toContain(
      'publication.new-revision',
    );

    // Revision 3, public: now the outsider hears too, and the holder's pointer moves on.
    const p3 = await republish(m, p1.statementId, 'public');
    expect((await list(h)).find((x) => x.id === held.id)?.newerRevision).toMatchObject({
      publicationId: p3,
      revision: 3,
    });
    expect((await list(outsider))[0]?.newerRevision).toMatchObject({ publicationId: p3, revision: 3 });
  });

  it('is for hospitals: manufacturers are refused, and viewers only read', async () => {
    const m = await maker();
    const h = await hospital();
    const p = await published(m);
    const asMaker = await call(m.owner, 'POST', `/orgs/${m.orgId}/collection`, { publicationId: p.id });
    expect(asMaker.statusCode).toBe(403);
    expect(message(asMaker)).toBe(
      `orgId: only a hospital organization may keep a collection; ${m.name} is a manufacturer`,
    );
    expect((await call(m.owner, 'GET', `/orgs/${m.orgId}/collection`)).statusCode).toBe(403);
    const viewer = await addMember(t.app, h.owner, h.orgId, { role: 'viewer' });
    expect((await call(viewer, 'POST', `/orgs/${h.orgId}/collection`, { publicationId: p.id })).statusCode).toBe(403);
    const item = await add(h, p.id);
    expect((await call(viewer, 'GET', `/orgs/${h.orgId}/collection/${item.id}`)).statusCode).toBe(200);
  });

  it('keeps one hospital’s collection from another', async () => {
    const m = await maker();
    const h1 = await hospital();
    const h2 = await hospital();
    const p = await published(m);
    const item = await add(h1, p.id);
    const mine = await call(h2.owner, 'GET', `/orgs/${h2.orgId}/collection/${item.id}`);
    expect(mine.statusCode).toBe(404);
    expect(message(mine)).toBe('collection item not found');
    expect((await call(h2.owner, 'GET', `/orgs/${h1.orgId}/collection/${item.id}`)).statusCode).toBe(404);
    expect((await call(h2.owner, 'GET', `/orgs/${h1.orgId}/collection`)).statusCode).toBe(404);
    expect(await list(h2)).toEqual([]);
  });
});
