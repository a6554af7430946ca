import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMember,
  createFinalizedStatement,
  createOrg,
  createProduct,
  createProductVersion,
  inject,
  publishStatement,
  signIn,
  signUp,
  testApp,
  type TestApp,
  type TestSession,
} from '../../../test/support/app.js';
import { testDatabases } from '../../../test/support/databases.js';
import { completeMdsStatement } from '../../../test/support/statements.js';
import { sha256Hex } from '../../db/hash.js';
import type { RequestView } from './request-view.js';

interface ErrorBody {
  error: { code: string; message: string };
}

interface Side {
  owner: TestSession;
  orgId: string;
  name: string;
}

interface Maker extends Side {
  product: { id: string; name: string };
  productVersionId: string;
}

describe.each(testDatabases())('requests between hospitals and manufacturers on $name', (database) => {
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

  async function maker(name = `製造${++n}株式会社`): Promise<Maker> {
    const owner = await signUp(t.app, { displayName: `${name} 代表` });
    const orgId = (await createOrg(t.app, owner, { name, kind: 'manufacturer' })).id;
    const created = await createProduct(t.app, owner, orgId, { name: `${name} PACS` });
    const product = { id: created.id, name: created.name };
    const productVersionId = (await createProductVersion(t.app, owner, orgId, product.id, { version: 'V1.00' })).id;
    return { owner, orgId, name, product, productVersionId };
  }

  async function hospital(name = `第${++n}病院`): Promise<Side> {
    const owner = await signUp(t.app, { displayName: `${name} 情報部` });
    const orgId = (await createOrg(t.app, owner, { name, kind: 'hospital' })).id;
    return { owner, orgId, name };
  }

  async function ask(h: Side, body: object): Promise<RequestView & { invitationUrl?: string }> {
    const res = await call(h.owner, 'POST', `/orgs/${h.orgId}/requests`, body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  }

  /** A finalized revision with every applicable row answered. */
  function finalized(m: Side, productVersionId: string): Promise<{ id: string; revision: number }> {
    const full = completeMdsStatement();
    return createFinalizedStatement(t.app, m.owner, m.orgId, {
      productVersionId,
      content: (draft) => ({ ...draft, answers: full.answers, remarks: full.remarks }),
    });
  }

  async function published(m: Maker, visibility: 'public' | 'restricted' = 'public'): Promise<{ id: string }> {
    return publishStatement(t.app, m.owner, m.orgId, await finalized(m, m.productVersionId), { visibility });
  }

  /**
   * Moves the clock forward. Sessions do not survive a jump past their idle timeout, so the given sides sign in
   * again (the clock never goes back: later tests build their own organizations at the new time).
   */
  async function travel(ms: number, ...sides: Side[]): Promise<void> {
    t.clock.advance(ms);
    for (const side of sides) side.owner = await signIn(t.app, { email: side.owner.email });
  }

  async function notifications(s: Side): Promise<{ kind: string; params: Record<string, unknown> }[]> {
    const res = await call(s.owner, 'GET', `/orgs/${s.orgId}/notifications`);
    expect(res.statusCode).toBe(200);
    return res.json();
  }

  async function auditActions(s: Side, action: string): Promise<{ action: string; actorId: string | null }[]> {
    const res = await call(s.owner, 'GET', `/orgs/${s.orgId}/audit?action=${action}`);
    expect(res.statusCode).toBe(200);
    return res.json<{ events: { action: string; actorId: string | null }[] }>().events;
  }

  const today = (): string => new Date(t.clock.now().getTime() + 9 * 3_600_000).toISOString().slice(0, 10);
  const inDays = (d: number): string =>
    new Date(t.clock.now().getTime() + 9 * 3_600_000 + d * 86_400_000).toISOString().slice(0, 10);
  const error = (res: { json: <T>() => T }): ErrorBody['error'] => res.json<ErrorBody>().error;

  describe('asking', () => {
    it('sends a request to a manufacturer, which finds it in its inbox and is notified', async () => {
      const m = await maker();
      const h = await hospital();
      const r = await ask(h, {
        manufacturerOrgId: m.orgId,
        productId: m.product.id,
        productVersion: 'V1.00',
        message: '導入検討のためMDSをお願いします',
        dueDate: inDays(14),
      });
      expect(r).toMatchObject({
        kind: 'statement',
        status: 'open',
        hospital: { id: h.orgId, name: h.name },
        manufacturer: { id: m.orgId, name: m.name },
        product: { id: m.product.id, name: m.product.name, version: 'V1.00' },
        message: '導入検討のためMDSをお願いします',
        dueDate: inDays(14),
        answer: null,
        invitation: null,
        reminderCount: 0,
      });
      expect(r.invitationUrl).toBeUndefined();

      const sent = await call(h.owner, 'GET', `/orgs/${h.orgId}/requests`);
      expect(sent.json<RequestView[]>().map((x) => x.id)).toEqual([r.id]);
      expect((await call(h.owner, 'GET', `/orgs/${h.orgId}/requests/${r.id}`)).json<RequestView>()).toEqual(
        sent.json<RequestView[]>()[0],
      );
      const inbox = await call(m.owner, 'GET', `/orgs/${m.orgId}/inbox`);
      expect(inbox.json<RequestView[]>().map((x) => x.id)).toEqual([r.id]);
      expect((await call(m.owner, 'GET', `/orgs/${m.orgId}/inbox/${r.id}`)).json<RequestView>().id).toBe(r.id);
      expect(await notifications(m)).toEqual([
        expect.objectContaining({
          kind: 'request.received',
          params: expect.objectContaining({
            requestId: r.id,
            hospital: h.name,
            productName: m.product.name,
          }) as unknown,
        }),
      ]);
      expect(await auditActions(h, 'request.create')).toHaveLength(1);
    });

    it('names a product the manufacturer has not listed by its name', async () => {
      const m = await maker();
      const h = await hospital();
      const r = await ask(h, { manufacturerOrgId: m.orgId, productName: ' 新型 RIS ', productVersion: '2.0' });
      expect(r.product).toEqual({ id: null, name: '新型 RIS', version: '2.0' });
    });

    it('refuses requests that name nobody, several addressees, or things that do not exist', async () => {
      const m = await maker();
      const other = await maker();
      const h = await hospital();
      const h2 = await hospital();
      const cases: [object, number, string][] = [
        [{ productName: 'X' }, 400, 'body: name the manufacturer'],
        [
          { manufacturerOrgId: m.orgId, publicationId: 'x', productName: 'X' },
          400,
          'body: give only one of manufacturerOrgId, publicationId',
        ],
        [{ manufacturerOrgId: m.orgId }, 400, 'productName: is required'],
        [{ manufacturerOrgId: m.orgId, productName: '   ' }, 400, 'productName: is required'],
        [{ manufacturerOrgId: h2.orgId, productName: 'X' }, 404, 'manufacturerOrgId: no manufacturer organization'],
        [{ manufacturerOrgId: 'no-such-org', productName: 'X' }, 404, 'manufacturerOrgId: no manufacturer'],
        [{ manufacturerOrgId: m.orgId, productId: other.product.id }, 404, `productId: ${m.name} has no such product`],
        [
          { manufacturerOrgId: m.orgId, productId: m.product.id, productName: '別名' },
          400,
          'productName: does not match',
        ],
        [{ manufacturerOrgId: m.orgId, productName: 'X', dueDate: inDays(-1) }, 400, 'dueDate: is in the past'],
        [{ manufacturerOrgId: m.orgId, productName: 'X', dueDate: '2026-02-30x' }, 400, 'body/dueDate'],
        [{ manufacturerOrgId: m.orgId, productName: 'X', extra: 1 }, 400, 'body/extra: is not a known field'],
        [
          { invite: { manufacturerName: 'ABC', email: 'abc@example.jp' }, productId: m.product.id, productName: 'X' },
          400,
          'productId: not used with an invitation',
        ],
        [{ invite: { manufacturerName: 'ABC', email: 'abc@example.jp' } }, 400, 'productName: is required'],
        [{ invite: { manufacturerName: 'ABC', email: 'not-an-email' }, productName: 'X' }, 400, 'body/invite/email'],
        [{ publicationId: 'no-such-publication' }, 404, 'publicationId: publication not found'],
        [{ publicationId: 'p', productName: 'X' }, 400, 'productName: not used with publicationId'],
      ];
      for (const [body, status, message] of cases) {
        const res = await call(h.owner, 'POST', `/orgs/${h.orgId}/requests`, body);
        expect(res.statusCode, JSON.stringify(body)).toBe(status);
        expect(error(res).message, JSON.stringify(body)).toContain(message);
      }
      expect((await call(h.owner, 'GET', `/orgs/${h.orgId}/requests`)).json()).toEqual([]);
    });

    it('refuses a second open request for the same product', async () => {
      const m = await maker();
      const h = await hospital();
      const first = await ask(h, { manufacturerOrgId: m.orgId, productId: m.product.id });
      const again = await call(h.owner, 'POST', `/orgs/${h.orgId}/requests`, {
        manufacturerOrgId: m.orgId,
        productId: m.product.id,
      });
      expect(again.statusCode).toBe(409);
      expect(error(again).message).toContain(first.id);
    });

    it('lets only hospitals send requests, and only their owners and editors', async () => {
      const m = await maker();
      const other = await maker();
      const h = await hospital();
      const asManufacturer = await call(m.owner, 'POST', `/orgs/${m.orgId}/requests`, {
        manufacturerOrgId: other.orgId,
        productName: 'X',
      });
      expect(asManufacturer.statusCode).toBe(403);
      expect(error(asManufacturer).message).toBe(
        `orgId: only a hospital organization may send requests; ${m.name} is a manufacturer`,
      );
      expect((await call(m.owner, 'GET', `/orgs/${m.orgId}/requests`)).statusCode).toBe(403);
      const viewer = await addMember(t.app, h.owner, h.orgId, { role: 'viewer' });
      const editor = await addMember(t.app, h.owner, h.orgId, { role: 'editor' });
      const body = { manufacturerOrgId: m.orgId, productName: 'X' };
      expect((await call(viewer, 'POST', `/orgs/${h.orgId}/requests`, body)).statusCode).toBe(403);
      expect((await call(editor, 'POST', `/orgs/${h.orgId}/requests`, body)).statusCode).toBe(201);
      expect((await call(viewer, 'GET', `/orgs/${h.orgId}/requests`)).json<unknown[]>()).toHaveLength(1);
    });

    it('lists the manufacturers on the instance with their products, to pick from', async () => {
      const m = await maker('検索用メディカル株式会社');
      await hospital('検索用病院');
      const h = await hospital();
      const found = await call(h.owner, 'GET', `/manufacturers?q=${encodeURIComponent('検索用')}`);
      expect(found.statusCode).toBe(200);
      expect(found.json()).toEqual([{ id: m.orgId, name: m.name, products: [m.product] }]);
      const wildcard = await call(h.owner, 'GET', `/manufacturers?q=${encodeURIComponent('%')}`);
      expect(wildcard.json()).toEqual([]);
      expect((await call(null, 'GET', '/manufacturers')).statusCode).toBe(401);
    });
  });

  describe('status, reminders and cancelling', () => {
    it('shows an open request past its due date as overdue, and filters the inbox by status', async () => {
      const m = await maker();
      const h = await hospital();
      const r = await ask(h, { manufacturerOrgId: m.orgId, productId: m.product.id, dueDate: today() });
      const other = await ask(h, { manufacturerOrgId: m.orgId, productName: '期限なし' });
      expect(r.status).toBe('open');
      await travel(2 * 86_400_000, h, m);
      const mine = await call(h.owner, 'GET', `/orgs/${h.orgId}/requests/${r.id}`);
      expect(mine.json<RequestView>().status).toBe('overdue');
      const overdue = await call(m.owner, 'GET', `/orgs/${m.orgId}/inbox?status=overdue`);
      expect(overdue.json<RequestView[]>().map((x) => x.id)).toEqual([r.id]);
      const open = await call(m.owner, 'GET', `/orgs/${m.orgId}/inbox?status=open`);
      expect(open.json<RequestView[]>().map((x) => x.id)).toEqual([other.id]);
      expect((await call(m.owner, 'GET', `/orgs/${m.orgId}/inbox?status=late`)).statusCode).toBe(400);
    });

    it('reminds the manufacturer at most once per 24 hours', async () => {
      const m = await maker();
      const h = await hospital();
      const r = await ask(h, { manufacturerOrgId: m.orgId, productId: m.product.id });
      const url = `/orgs/${h.orgId}/requests/${r.id}/remind`;
      const first = await call(h.owner, 'POST', url);
      expect(first.statusCode).toBe(200);
      expect(first.json<RequestView>()).toMatchObject({ reminderCount: 1 });
      expect((await notifications(m)).map((x) => x.kind)).toEqual(['request.reminder', 'request.received']);
      const again = await call(h.owner, 'POST', url);
      expect(again.statusCode).toBe(409);
      expect(error(again).message).toMatch(
        /^requestId: a reminder was sent at .*; remind again after .* \(once per 24 hours\)$/,
      );
      await travel(24 * 3_600_000 + 1000, h);
      const later = await call(h.owner, 'POST', url);
      expect(later.statusCode).toBe(200);
      expect(later.json<RequestView>().reminderCount).toBe(2);
      expect(await auditActions(h, 'request.remind')).toHaveLength(2);
    });

    it('cancels an open request, after which nothing more happens to it', async () => {
      const m = await maker();
      const h = await hospital();
      const r = await ask(h, { manufacturerOrgId: m.orgId, productId: m.product.id });
      const cancelled = await call(h.owner, 'POST', `/orgs/${h.orgId}/requests/${r.id}/cancel`);
      expect(cancelled.statusCode).toBe(200);
      expect(cancelled.json<RequestView>().status).toBe('cancelled');
      const twice = await call(h.owner, 'POST', `/orgs/${h.orgId}/requests/${r.id}/cancel`);
      expect(twice.statusCode).toBe(409);
      expect(error(twice).message).toBe('requestId: the request is cancelled; only an open request can be cancelled');
      expect((await call(h.owner, 'POST', `/orgs/${h.orgId}/requests/${r.id}/remind`)).statusCode).toBe(409);
      const decline = await call(m.owner, 'POST', `/orgs/${m.orgId}/inbox/${r.id}/decline`, { reason: '不要' });
      expect(decline.statusCode).toBe(409);
      expect(error(decline).message).toBe('requestId: the request is cancelled already');
      // The same product may be asked for again.
      await ask(h, { manufacturerOrgId: m.orgId, productId: m.product.id });
      expect(await auditActions(h, 'request.cancel')).toHaveLength(1);
    });
  });

  describe('answering', () => {
    it('answers with a public publication: it lands in the hospital’s collection, and the hospital is told', async () => {
      const m = await maker();
      const h = await hospital();
      const p = await published(m);
      const r = await ask(h, { manufacturerOrgId: m.orgId, productId: m.product.id });
      const url = `/orgs/${m.orgId}/inbox/${r.id}/answer`;
      const withExpiry = await call(m.owner, 'POST', url, {
        publicationId: p.id,
        grantExpiresAt: new Date(t.clock.now().getTime() + 86_400_000).toISOString(),
      });
      expect(withExpiry.statusCode).toBe(400);
      expect(error(withExpiry).message).toBe('grantExpiresAt: the answer is public and grants nothing; leave it out');

      const res = await call(m.owner, 'POST', url, { publicationId: p.id });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json<RequestView>()).toMatchObject({
        status: 'answered',
        answer: { publicationId: p.id, revision: 1, visibility: 'public' },
      });
      const collection = await call(h.owner, 'GET', `/orgs/${h.orgId}/collection`);
      expect(collection.json()).toEqual([expect.objectContaining({ publicationId: p.id, requestId: r.id })]);
      const [told] = await notifications(h);
      expect(told).toMatchObject({ kind: 'request.answered', params: { requestId: r.id, publicationId: p.id } });
      expect((await call(m.owner, 'GET', `/orgs/${m.orgId}/grants`)).json()).toEqual([]);
      const twice = await call(m.owner, 'POST', url, { publicationId: p.id });
      expect(twice.statusCode).toBe(409);
      expect(await auditActions(m, 'request.answer')).toHaveLength(1);
      expect(await auditActions(h, 'collection.add')).toHaveLength(1);
    });

    it('publishes a finalized revision as the answer, restricted, and grants the hospital the product', async () => {
      const m = await maker();
      const h = await hospital();
      const st = await finalized(m, m.productVersionId);
      const r = await ask(h, { manufacturerOrgId: m.orgId, productId: m.product.id });
      const expires = new Date(t.clock.now().getTime() + 90 * 86_400_000).toISOString();
      const res = await call(m.owner, 'POST', `/orgs/${m.orgId}/inbox/${r.id}/answer`, {
        statementId: st.id,
        revision: st.revision,
        visibility: 'restricted',
        grantExpiresAt: expires,
      });
      expect(res.statusCode, res.body).toBe(200);
      const answer = res.json<RequestView>().answer;
      expect(answer).toMatchObject({ revision: st.revision, visibility: 'restricted' });
      const grants = await call(m.owner, 'GET', `/orgs/${m.orgId}/grants`);
      expect(grants.json()).toEqual([
        expect.objectContaining({
          grantee: { id: h.orgId, name: h.name },
          product: m.product,
          expiresAt: expires,
          requestId: r.id,
          active: true,
        }),
      ]);
      const [item] = (await call(h.owner, 'GET', `/orgs/${h.orgId}/collection`)).json<{ id: string }[]>();
      const detail = await call(h.owner, 'GET', `/orgs/${h.orgId}/collection/${item?.id ?? ''}`);
      expect(detail.statusCode, detail.body).toBe(200);
      expect(detail.json<{ statement: { header: { product: string } } }>().statement.header.product).toBe(
        m.product.name,
      );
    });

    it('answers an access request to a restricted publication with a grant', async () => {
      const m = await maker();
      const h = await hospital();
      const p = await published(m, 'restricted');
      const publicOne = await published(m);
      const asPublic = await call(h.owner, 'POST', `/orgs/${h.orgId}/requests`, { publicationId: publicOne.id });
      expect(asPublic.statusCode).toBe(400);
      expect(error(asPublic).message).toBe(
        'publicationId: the publication is public; add it to your collection instead',
      );

      const r = await ask(h, { publicationId: p.id, message: '閲覧を希望します' });
      expect(r).toMatchObject({
        kind: 'access',
        publicationId: p.id,
        manufacturer: { id: m.orgId, name: m.name },
        product: { id: m.product.id, name: m.product.name, version: 'V1.00' },
      });
      const again = await call(h.owner, 'POST', `/orgs/${h.orgId}/requests`, { publicationId: p.id });
      expect(again.statusCode).toBe(409);
      // Before access is granted, the hospital cannot add it itself.
      expect((await call(h.owner, 'POST', `/orgs/${h.orgId}/collection`, { publicationId: p.id })).statusCode).toBe(
        403,
      );

      const res = await call(m.owner, 'POST', `/orgs/${m.orgId}/inbox/${r.id}/answer`, { publicationId: p.id });
      expect(res.statusCode, res.body).toBe(200);
      const [grant] = (await call(m.owner, 'GET', `/orgs/${m.orgId}/grants`)).json<{ requestId: string }[]>();
      expect(grant).toMatchObject({ requestId: r.id, product: m.product, expiresAt: null });
      const granted = await call(h.owner, 'POST', `/orgs/${h.orgId}/requests`, { publicationId: p.id });
      expect(granted.statusCode).toBe(409);
      expect(error(granted).message).toBe(
        'publicationId: your organization already has access; add it to your collection',
      );
    });

    it('declines with a reason: the hospital is told (for an access request, the denial)', async () => {
      const m = await maker();
      const h = await hospital();
      const p = await published(m, 'restricted');
      const r = await ask(h, { publicationId: p.id });
      const url = `/orgs/${m.orgId}/inbox/${r.id}/decline`;
      const blank = await call(m.owner, 'POST', url, { reason: '  ' });
      expect(blank.statusCode).toBe(400);
      expect(error(blank).message).toBe('reason: must not be blank');
      expect((await call(m.owner, 'POST', url, {})).statusCode).toBe(400);
      const res = await call(m.owner, 'POST', url, { reason: '販売代理店経由でお渡しします' });
      expect(res.statusCode).toBe(200);
      expect(res.json<RequestView>()).toMatchObject({
        status: 'declined',
        declineReason: '販売代理店経由でお渡しします',
      });
      const [told] = await notifications(h);
      expect(told).toMatchObject({
        kind: 'request.declined',
        params: { requestId: r.id, reason: '販売代理店経由でお渡しします', accessRequest: true },
      });
      expect((await call(h.owner, 'GET', `/orgs/${h.orgId}/requests/${r.id}`)).json<RequestView>().status).toBe(
        'declined',
      );
      expect(await auditActions(m, 'request.decline')).toHaveLength(1);
      expect((await call(m.owner, 'GET', `/orgs/${m.orgId}/grants`)).json()).toEqual([]);
    });

    it('refuses answers that do not fit the request, and callers who may not answer', async () => {
      const m = await maker();
      const other = await maker();
      const h = await hospital();
      const mine = await published(m);
      const theirs = await published(other);
      const withdrawn = await published(m);
      const w = await call(m.owner, 'POST', `/orgs/${m.orgId}/publications/${withdrawn.id}/withdraw`, {
        reason: '誤記',
      });
      expect(w.statusCode, w.body).toBe(200);
      const otherProduct = await createProduct(t.app, m.owner, m.orgId, { name: '別製品' });
      const otherVersion = await createProductVersion(t.app, m.owner, m.orgId, otherProduct.id);
      const st = await finalized(m, otherVersion.id);
      const wrongProduct = await publishStatement(t.app, m.owner, m.orgId, st);
      const r = await ask(h, { manufacturerOrgId: m.orgId, productId: m.product.id });
      const url = `/orgs/${m.orgId}/inbox/${r.id}/answer`;
      const cases: [object, number, string][] = [
        [{}, 400, 'body: give publicationId, or statementId, revision and visibility'],
        [{ publicationId: mine.id, statementId: st.id }, 400, 'body: give either publicationId or'],
        [{ statementId: st.id, visibility: 'public' }, 400, 'revision: is required'],
        [{ publicationId: 'nothing' }, 404, 'publicationId: publication not found'],
        [{ publicationId: theirs.id }, 404, 'publicationId: publication not found'],
        [{ publicationId: withdrawn.id }, 409, 'publicationId: the publication was withdrawn'],
        [{ publicationId: wrongProduct.id }, 400, `publicationId: is a statement of 別製品, but the request asks for`],
        [
          { publicationId: mine.id, grantExpiresAt: '2000-01-01T00:00:00Z' },
          400,
          'grantExpiresAt: must be in the future',
        ],
      ];
      for (const [body, status, message] of cases) {
        const res = await call(m.owner, 'POST', url, body);
        expect(res.statusCode, JSON.stringify(body)).toBe(status);
        expect(error(res).message, JSON.stringify(body)).toContain(message);
      }
      // A refused publish-now leaves nothing published: the whole answer is one transaction.
      const v2 = await createProductVersion(t.app, m.owner, m.orgId, otherProduct.id, { version: 'V2.00' });
      const unpublished = await finalized(m, v2.id);
      const rolledBack = await call(m.owner, 'POST', url, {
        statementId: unpublished.id,
        revision: unpublished.revision,
        visibility: 'public',
      });
      expect(rolledBack.statusCode).toBe(400);
      expect(error(rolledBack).message).toContain('publicationId: is a statement of 別製品');
      const pubs = (await call(m.owner, 'GET', `/orgs/${m.orgId}/publications`)).json<{ statementId: string }[]>();
      expect(pubs.map((x) => x.statementId)).not.toContain(unpublished.id);
      expect(pubs.map((x) => x.statementId)).toContain(st.id);

      const editor = await addMember(t.app, m.owner, m.orgId, { role: 'editor' });
      const approver = await addMember(t.app, m.owner, m.orgId, { role: 'approver' });
      expect((await call(editor, 'POST', url, { publicationId: mine.id })).statusCode).toBe(403);
      expect((await call(editor, 'GET', `/orgs/${m.orgId}/inbox`)).statusCode).toBe(200);
      const asHospital = await call(h.owner, 'POST', `/orgs/${h.orgId}/inbox/${r.id}/answer`, {
        publicationId: mine.id,
      });
      expect(asHospital.statusCode).toBe(403);
      expect(error(asHospital).message).toBe(
        `orgId: only a manufacturer organization may answer requests; ${h.name} is a hospital`,
      );
      expect((await call(h.owner, 'GET', `/orgs/${h.orgId}/inbox`)).statusCode).toBe(403);
      expect((await call(approver, 'POST', url, { publicationId: mine.id })).statusCode).toBe(200);
    });
  });

  describe('invitation links for manufacturers not on the instance', () => {
    it('invites by a single-use link that an owner of a manufacturer claims into its inbox', async () => {
      const h = await hospital();
      const r = await ask(h, {
        invite: { manufacturerName: 'ABC メディカル', email: 'Sales@ABC.example.jp' },
        productName: 'ABC-PACS',
        productVersion: '5.1',
        message: '至急',
      });
      expect(r.invitationUrl).toMatch(/^\/requests\/invite\/[A-Za-z0-9_-]{43}$/);
      const token = r.invitationUrl?.split('/').pop() ?? '';
      expect(r).toMatchObject({
        manufacturer: { id: null, name: 'ABC メディカル' },
        invitation: { email: 'sales@abc.example.jp', claimedAt: null, claimable: true },
      });
      // Only the token's sha256 is stored.
      const row = await t.db.kysely
        .selectFrom('statement_requests')
        .selectAll()
        .where('id', '=', r.id)
        .executeTakeFirstOrThrow();
      expect(row.invite_token_hash).toBe(sha256Hex(token));
      expect(JSON.stringify(row)).not.toContain(token);
      // The link is shown once: the request read back has no URL.
      expect((await call(h.owner, 'GET', `/orgs/${h.orgId}/requests/${r.id}`)).json()).not.toHaveProperty(
        'invitationUrl',
      );

      const lookup = await call(null, 'GET', `/request-invitations/${token}`);
      expect(lookup.statusCode).toBe(200);
      expect(lookup.json()).toMatchObject({
        hospital: { name: h.name },
        manufacturerName: 'ABC メディカル',
        product: { name: 'ABC-PACS', version: '5.1' },
        message: '至急',
        claimable: true,
        claimedAt: null,
      });
      expect((await call(null, 'GET', `/request-invitations/${'x'.repeat(43)}`)).statusCode).toBe(404);

      const abc = await maker('ABCメディカル株式会社');
      const claim = await call(abc.owner, 'POST', `/request-invitations/${token}/claim`, { orgId: abc.orgId });
      expect(claim.statusCode, claim.body).toBe(200);
      expect(claim.json<RequestView>()).toMatchObject({
        manufacturer: { id: abc.orgId, name: abc.name },
        invitation: { claimable: false },
      });
      expect((await call(abc.owner, 'GET', `/orgs/${abc.orgId}/inbox`)).json<RequestView[]>().map((x) => x.id)).toEqual(
        [r.id],
      );
      expect((await notifications(abc)).map((x) => x.kind)).toEqual(['request.received']);
      expect(await auditActions(abc, 'request.claim')).toHaveLength(1);
      expect((await call(null, 'GET', `/request-invitations/${token}`)).json()).toMatchObject({ claimable: false });

      const late = await maker();
      const second = await call(late.owner, 'POST', `/request-invitations/${token}/claim`, { orgId: late.orgId });
      expect(second.statusCode).toBe(409);
      expect(error(second).message).toMatch(
        /^token: this invitation link was already used \(claimed at .*\); it works once$/,
      );
      // Now an ordinary request: the hospital may remind.
      expect((await call(h.owner, 'POST', `/orgs/${h.orgId}/requests/${r.id}/remind`)).statusCode).toBe(200);
    });

    it('refuses claims by those who may not, and links that no longer work', async () => {
      const h = await hospital();
      const m = await maker();
      const invite = async (): Promise<{ id: string; token: string }> => {
        const r = await ask(h, {
          invite: { manufacturerName: 'DEF', email: 'def@example.jp' },
          productName: 'DEF-RIS',
        });
        return { id: r.id, token: r.invitationUrl?.split('/').pop() ?? '' };
      };
      const { id, token } = await invite();
      const claim = (who: TestSession, orgId: string, tok = token) =>
        call(who, 'POST', `/request-invitations/${tok}/claim`, { orgId });

      const remindFirst = await call(h.owner, 'POST', `/orgs/${h.orgId}/requests/${id}/remind`);
      expect(remindFirst.statusCode).toBe(409);
      expect(error(remindFirst).message).toContain('has not claimed the request yet');
      const editor = await addMember(t.app, m.owner, m.orgId, { role: 'editor' });
      expect((await claim(editor, m.orgId)).statusCode).toBe(403);
      const asHospital = await claim(h.owner, h.orgId);
      expect(asHospital.statusCode).toBe(403);
      expect(error(asHospital).message).toContain('only a manufacturer organization may claim a request');
      const notMember = await claim(h.owner, m.orgId);
      expect(notMember.statusCode).toBe(404);
      expect((await claim(m.owner, m.orgId, 'y'.repeat(43))).statusCode).toBe(404);
      expect((await call(null, 'POST', `/request-invitations/${token}/claim`, { orgId: m.orgId })).statusCode).toBe(
        401,
      );

      const cancelled = await invite();
      await call(h.owner, 'POST', `/orgs/${h.orgId}/requests/${cancelled.id}/cancel`);
      const gone = await claim(m.owner, m.orgId, cancelled.token);
      expect(gone.statusCode).toBe(409);
      expect(error(gone).message).toBe("token: the hospital's request is cancelled; the link no longer works");

      expect((await call(null, 'GET', `/request-invitations/${token}`)).json()).toMatchObject({ claimable: true });
      await travel(31 * 86_400_000, m);
      const expired = await claim(m.owner, m.orgId);
      expect(expired.statusCode).toBe(409);
      expect(error(expired).message).toMatch(/^token: this invitation link expired at /);
      expect((await call(null, 'GET', `/request-invitations/${token}`)).json()).toMatchObject({ claimable: false });
    });
  });

  describe('isolation', () => {
    it('keeps one hospital’s requests from another, and one manufacturer’s inbox from another', async () => {
      const m1 = await maker();
      const m2 = await maker();
      const h1 = await hospital();
      const h2 = await hospital();
      const r = await ask(h1, { manufacturerOrgId: m1.orgId, productId: m1.product.id, message: '秘密の相談' });

      for (const [method, url] of [
        ['GET', `/orgs/${h2.orgId}/requests/${r.id}`],
        ['POST', `/orgs/${h2.orgId}/requests/${r.id}/remind`],
        ['POST', `/orgs/${h2.orgId}/requests/${r.id}/cancel`],
      ] as const) {
        const res = await call(h2.owner, method, url);
        expect(res.statusCode, url).toBe(404);
        expect(error(res).message).toBe('request not found');
      }
      expect((await call(h2.owner, 'GET', `/orgs/${h1.orgId}/requests/${r.id}`)).statusCode).toBe(404);
      expect((await call(h2.owner, 'GET', `/orgs/${h2.orgId}/requests`)).json()).toEqual([]);

      for (const [method, url, body] of [
        ['GET', `/orgs/${m2.orgId}/inbox/${r.id}`, undefined],
        ['POST', `/orgs/${m2.orgId}/inbox/${r.id}/decline`, { reason: '横取り' }],
        ['POST', `/orgs/${m2.orgId}/inbox/${r.id}/answer`, { publicationId: 'x' }],
      ] as const) {
        const res = await call(m2.owner, method, url, body);
        expect(res.statusCode, url).toBe(404);
        expect(res.body).not.toContain('秘密の相談');
      }
      expect((await call(m2.owner, 'GET', `/orgs/${m1.orgId}/inbox`)).statusCode).toBe(404);
      expect((await call(m2.owner, 'GET', `/orgs/${m2.orgId}/inbox`)).json()).toEqual([]);
      expect(await notifications(m2)).toEqual([]);
      // The request is still open for its own manufacturer.
      expect((await call(m1.owner, 'GET', `/orgs/${m1.orgId}/inbox/${r.id}`)).json<RequestView>().status).toBe('open');
    });
  });
});
