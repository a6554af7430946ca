import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMember,
  createOrg,
  createProduct,
  inject,
  signIn,
  signUp,
  testApp,
  type TestApp,
  type TestSession,
} from '../../../test/support/app.js';
import { testDatabases } from '../../../test/support/databases.js';
import type { GrantView } from './grants.service.js';

interface Side {
  owner: TestSession;
  orgId: string;
  name: string;
}

describe.each(testDatabases())('access grants on $name', (database) => {
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

  async function org(kind: 'manufacturer' | 'hospital', name = `${kind}-${++n}`): Promise<Side> {
    const owner = await signUp(t.app);
    return { owner, orgId: (await createOrg(t.app, owner, { name, kind })).id, name };
  }

  const future = (days: number): string => new Date(t.clock.now().getTime() + days * 86_400_000).toISOString();
  const message = (res: { json: <T>() => T }): string => res.json<{ error: { message: string } }>().error.message;

  it('grants a hospital one product or all of them, lists the grants, and tells the hospital', async () => {
    const m = await org('manufacturer', 'グラント医療機器');
    const h = await org('hospital', 'グラント病院');
    const product = await createProduct(t.app, m.owner, m.orgId, { name: 'G-PACS' });
    const expiresAt = future(30);
    const one = await call(m.owner, 'POST', `/orgs/${m.orgId}/grants`, {
      granteeOrgId: h.orgId,
      productId: product.id,
      expiresAt,
    });
    expect(one.statusCode, one.body).toBe(201);
    expect(one.json<GrantView>()).toMatchObject({
      grantee: { id: h.orgId, name: 'グラント病院' },
      product: { id: product.id, name: 'G-PACS' },
      scope: 'G-PACS',
      expiresAt,
      revokedAt: null,
      active: true,
      requestId: null,
    });
    const all = await call(m.owner, 'POST', `/orgs/${m.orgId}/grants`, {
      granteeOrgId: h.orgId,
      productId: null,
      expiresAt: null,
    });
    expect(all.json<GrantView>()).toMatchObject({ product: null, scope: 'all products', expiresAt: null });

    const list = await call(m.owner, 'GET', `/orgs/${m.orgId}/grants`);
    expect(list.json<GrantView[]>().map((g) => g.id)).toEqual([all.json<GrantView>().id, one.json<GrantView>().id]);
    const told = await call(h.owner, 'GET', `/orgs/${h.orgId}/notifications`);
    expect(told.json<{ kind: string; params: Record<string, unknown> }[]>()).toEqual([
      expect.objectContaining({
        kind: 'grant.created',
        params: expect.objectContaining({ productId: null }) as unknown,
      }),
      expect.objectContaining({
        kind: 'grant.created',
        params: expect.objectContaining({
          manufacturer: 'グラント医療機器',
          productName: 'G-PACS',
          expiresAt,
        }) as unknown,
      }),
    ]);
    const audit = await call(m.owner, 'GET', `/orgs/${m.orgId}/audit?action=grant.create`);
    expect(audit.json<{ events: unknown[] }>().events).toHaveLength(2);
  });

  it('revokes a grant once, and tells the hospital', async () => {
    const m = await org('manufacturer');
    const h = await org('hospital');
    const g = (
      await call(m.owner, 'POST', `/orgs/${m.orgId}/grants`, {
        granteeOrgId: h.orgId,
        productId: null,
        expiresAt: null,
      })
    ).json<GrantView>();
    const revoked = await call(m.owner, 'POST', `/orgs/${m.orgId}/grants/${g.id}/revoke`);
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json<GrantView>()).toMatchObject({ id: g.id, active: false });
    expect(revoked.json<GrantView>().revokedAt).not.toBeNull();
    const again = await call(m.owner, 'POST', `/orgs/${m.orgId}/grants/${g.id}/revoke`);
    expect(again.statusCode).toBe(409);
    expect(message(again)).toMatch(/^grantId: the grant was already revoked at /);
    const kinds = (await call(h.owner, 'GET', `/orgs/${h.orgId}/notifications`)).json<{ kind: string }[]>();
    expect(kinds.map((k) => k.kind)).toEqual(['grant.revoked', 'grant.created']);
    const audit = await call(m.owner, 'GET', `/orgs/${m.orgId}/audit?action=grant.revoke`);
    expect(audit.json<{ events: unknown[] }>().events).toHaveLength(1);
  });

  it('shows an expired grant as inactive', async () => {
    const m = await org('manufacturer');
    const h = await org('hospital');
    await call(m.owner, 'POST', `/orgs/${m.orgId}/grants`, {
      granteeOrgId: h.orgId,
      productId: null,
      expiresAt: future(1),
    });
    t.clock.advance(2 * 86_400_000);
    // The sessions lapsed with the jump: sign in again.
    const again = await signIn(t.app, { email: m.owner.email });
    const [g] = (await call(again, 'GET', `/orgs/${m.orgId}/grants`)).json<GrantView[]>();
    expect(g?.active).toBe(false);
  });

  it('refuses grants to anyone but a hospital, of another manufacturer’s product, or already expired', async () => {
    const m = await org('manufacturer');
    const other = await org('manufacturer');
    const h = await org('hospital');
    const foreign = await createProduct(t.app, other.owner, other.orgId);
    const cases: [object, number, string][] = [
      [
        { granteeOrgId: other.orgId, productId: null, expiresAt: null },
        400,
        'granteeOrgId: access is granted to hospital organizations only',
      ],
      [{ granteeOrgId: 'nobody', productId: null, expiresAt: null }, 404, 'granteeOrgId: organization not found'],
      [{ granteeOrgId: h.orgId, productId: foreign.id, expiresAt: null }, 404, 'productId: product not found'],
      [
        { granteeOrgId: h.orgId, productId: null, expiresAt: '2001-01-01T00:00:00.000Z' },
        400,
        'expiresAt: must be in the future',
      ],
      [{ granteeOrgId: h.orgId, productId: null }, 400, 'body/expiresAt: is required'],
      [{ granteeOrgId: h.orgId, productId: null, expiresAt: 'soon' }, 400, 'body/expiresAt'],
    ];
    for (const [body, status, text] of cases) {
      const res = await call(m.owner, 'POST', `/orgs/${m.orgId}/grants`, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(message(res), JSON.stringify(body)).toContain(text);
    }
    expect((await call(m.owner, 'GET', `/orgs/${m.orgId}/grants`)).json()).toEqual([]);
  });

  it('lets only a manufacturer’s owner grant and revoke; hospitals have no grants to manage', async () => {
    const m = await org('manufacturer');
    const h = await org('hospital');
    const body = { granteeOrgId: h.orgId, productId: null, expiresAt: null };
    for (const role of ['editor', 'approver', 'viewer', 'auditor']) {
      const member = await addMember(t.app, m.owner, m.orgId, { role });
      const res = await call(member, 'POST', `/orgs/${m.orgId}/grants`, body);
      expect(res.statusCode, role).toBe(403);
      expect((await call(member, 'GET', `/orgs/${m.orgId}/grants`)).statusCode, role).toBe(200);
    }
    const g = (await call(m.owner, 'POST', `/orgs/${m.orgId}/grants`, body)).json<GrantView>();
    const viewer = await addMember(t.app, m.owner, m.orgId, { role: 'viewer' });
    expect((await call(viewer, 'POST', `/orgs/${m.orgId}/grants/${g.id}/revoke`)).statusCode).toBe(403);

    const asHospital = await call(h.owner, 'POST', `/orgs/${h.orgId}/grants`, body);
    expect(asHospital.statusCode).toBe(403);
    expect(message(asHospital)).toBe(
      `orgId: only a manufacturer organization may grant access to its restricted publications; ${h.name} is a hospital`,
    );
    expect((await call(h.owner, 'GET', `/orgs/${h.orgId}/grants`)).statusCode).toBe(403);
  });

  it('keeps one manufacturer’s grants from another', async () => {
    const m1 = await org('manufacturer');
    const m2 = await org('manufacturer');
    const h = await org('hospital');
    const g = (
      await call(m1.owner, 'POST', `/orgs/${m1.orgId}/grants`, {
        granteeOrgId: h.orgId,
        productId: null,
        expiresAt: null,
      })
    ).json<GrantView>();
    expect((await call(m2.owner, 'GET', `/orgs/${m1.orgId}/grants`)).statusCode).toBe(404);
    const revoke = await call(m2.owner, 'POST', `/orgs/${m2.orgId}/grants/${g.id}/revoke`);
    expect(revoke.statusCode).toBe(404);
    expect(message(revoke)).toBe('grant not found');
    expect((await call(m2.owner, 'GET', `/orgs/${m2.orgId}/grants`)).json()).toEqual([]);
    // The grantee cannot revoke it either.
    expect((await call(h.owner, 'POST', `/orgs/${h.orgId}/grants/${g.id}/revoke`)).statusCode).toBe(404);
    expect((await call(m1.owner, 'GET', `/orgs/${m1.orgId}/grants`)).json<GrantView[]>()[0]?.active).toBe(true);
  });

  it('finds hospitals by part of their name for members of a manufacturer, ids and names only', async () => {
    const m = await org('manufacturer');
    const a = await org('hospital', '検索総合病院 Alpha');
    await org('hospital', '別の医院');
    await org('manufacturer', '検索メーカー');
    const found = await call(m.owner, 'GET', `/organizations/hospitals?q=${encodeURIComponent('検索')}`);
    expect(found.statusCode).toBe(200);
    expect(found.json()).toEqual([{ id: a.orgId, name: '検索総合病院 Alpha' }]);
    const folded = await call(m.owner, 'GET', `/organizations/hospitals?q=alpha`);
    expect(folded.json()).toEqual([{ id: a.orgId, name: '検索総合病院 Alpha' }]);
    expect((await call(m.owner, 'GET', `/organizations/hospitals?q=${encodeURIComponent('_')}`)).json()).toEqual([]);

    const onlyHospital = await org('hospital');
    const refused = await call(onlyHospital.owner, 'GET', '/organizations/hospitals?q=a');
    expect(refused.statusCode).toBe(403);
    expect(message(refused)).toBe('only members of a manufacturer organization may search hospital organizations');
    expect((await call(null, 'GET', '/organizations/hospitals?q=a')).statusCode).toBe(401);
  });
});
