import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMember,
  createOrg,
  inject,
  signUp,
  testApp,
  type TestApp,
  type TestSession,
} from '../../../test/support/app.js';
import { testDatabases } from '../../../test/support/databases.js';
import type { NotificationView } from './notifications.service.js';
import { notify } from './notify.js';

describe.each(testDatabases())('notifications on $name', (database) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await testApp({ database });
  });
  afterAll(async () => {
    await t.close();
  });

  const call = (who: TestSession | null, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    inject(t.app, who, { method, url: `/api/v1${url}`, ...(payload === undefined ? {} : { payload }) });
  const message = (res: { json: <T>() => T }): string => res.json<{ error: { message: string } }>().error.message;

  /** A hospital with an owner and a viewer, and `count` notifications a minute apart (the last one newest). */
  async function hospitalWith(
    count: number,
  ): Promise<{ owner: TestSession; viewer: TestSession; orgId: string; ids: string[] }> {
    const owner = await signUp(t.app);
    const orgId = (await createOrg(t.app, owner, { kind: 'hospital' })).id;
    const viewer = await addMember(t.app, owner, orgId, { role: 'viewer' });
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const at = new Date(Date.parse('2026-11-01T00:00:00.000Z') + i * 60_000).toISOString();
      ids.push(
        await t.db.kysely
          .transaction()
          .execute((trx) => notify(trx, { orgId, kind: 'grant.created', params: { n: i, manufacturer: 'XYZ' }, at })),
      );
    }
    return { owner, viewer, orgId, ids };
  }

  const list = async (who: TestSession, orgId: string, query = ''): Promise<NotificationView[]> => {
    const res = await call(who, 'GET', `/orgs/${orgId}/notifications${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const unread = async (who: TestSession, orgId: string): Promise<number> =>
    (await call(who, 'GET', `/orgs/${orgId}/notifications/unread-count`)).json<{ count: number }>().count;

  it('lists notifications newest first, each with the calling user’s own read flag', async () => {
    const h = await hospitalWith(3);
    const all = await list(h.owner, h.orgId);
    expect(all.map((x) => x.id)).toEqual([...h.ids].reverse());
    expect(all[0]).toEqual({
      id: h.ids[2],
      kind: 'grant.created',
      params: { n: 2, manufacturer: 'XYZ' },
      createdAt: '2026-11-01T00:02:00.000Z',
      read: false,
    });
    expect(await unread(h.owner, h.orgId)).toBe(3);

    const marked = await call(h.owner, 'POST', `/orgs/${h.orgId}/notifications/read`, { ids: [h.ids[0]] });
    expect(marked.json()).toEqual({ marked: 1 });
    expect((await list(h.owner, h.orgId)).map((x) => x.read)).toEqual([false, false, true]);
    expect(await unread(h.owner, h.orgId)).toBe(2);
    // Read flags are per user: the colleague still sees all three unread.
    expect(await unread(h.viewer, h.orgId)).toBe(3);
    expect((await list(h.owner, h.orgId, '?unreadOnly=true')).map((x) => x.id)).toEqual([h.ids[2], h.ids[1]]);

    // Marking again counts nothing new; the viewer may mark too (a read, not a change to the organization).
    expect((await call(h.owner, 'POST', `/orgs/${h.orgId}/notifications/read`, { ids: [h.ids[0]] })).json()).toEqual({
      marked: 0,
    });
    expect((await call(h.viewer, 'POST', `/orgs/${h.orgId}/notifications/read`, { all: true })).json()).toEqual({
      marked: 3,
    });
    expect(await unread(h.viewer, h.orgId)).toBe(0);
    expect(await unread(h.owner, h.orgId)).toBe(2);
    const audit = await call(h.owner, 'GET', `/orgs/${h.orgId}/audit?action=notification.read`);
    expect(audit.json<{ events: unknown[] }>().events).toHaveLength(3);
  });

  it('pages with limit and before', async () => {
    const h = await hospitalWith(5);
    const first = await list(h.owner, h.orgId, '?limit=2');
    expect(first.map((x) => x.id)).toEqual([h.ids[4], h.ids[3]]);
    const second = await list(h.owner, h.orgId, `?limit=2&before=${first[1]?.id ?? ''}`);
    expect(second.map((x) => x.id)).toEqual([h.ids[2], h.ids[1]]);
    const last = await list(h.owner, h.orgId, `?limit=2&before=${second[1]?.id ?? ''}`);
    expect(last.map((x) => x.id)).toEqual([h.ids[0]]);
  });

  it('refuses unclear or unknown requests to mark', async () => {
    const h = await hospitalWith(1);
    const other = await hospitalWith(1);
    const url = `/orgs/${h.orgId}/notifications/read`;
    const cases: [unknown, number, string][] = [
      [{}, 400, 'body: give either ids or all: true'],
      [{ ids: h.ids, all: true }, 400, 'body: give either ids or all: true'],
      [{ ids: ['nothing'] }, 404, 'ids/0: notification not found'],
      [{ ids: [h.ids[0], other.ids[0]] }, 404, 'ids/1: notification not found'],
      [{ ids: [] }, 400, 'body/ids'],
    ];
    for (const [body, status, text] of cases) {
      const res = await call(h.owner, 'POST', url, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(message(res), JSON.stringify(body)).toContain(text);
    }
    expect(await unread(h.owner, h.orgId)).toBe(1);
    expect(await unread(other.owner, other.orgId)).toBe(1);
    const before = await call(h.owner, 'GET', `/orgs/${h.orgId}/notifications?before=${other.ids[0] ?? ''}`);
    expect(before.statusCode).toBe(400);
    expect(message(before)).toBe('before: no such notification');
    expect((await call(h.owner, 'GET', `/orgs/${h.orgId}/notifications?limit=0`)).statusCode).toBe(400);
  });

  it('keeps one organization’s notifications from another', async () => {
    const h1 = await hospitalWith(2);
    const h2 = await hospitalWith(0);
    expect((await call(h2.owner, 'GET', `/orgs/${h1.orgId}/notifications`)).statusCode).toBe(404);
    expect((await call(h2.owner, 'GET', `/orgs/${h1.orgId}/notifications/unread-count`)).statusCode).toBe(404);
    expect((await call(h2.owner, 'POST', `/orgs/${h1.orgId}/notifications/read`, { all: true })).statusCode).toBe(404);
    expect(await list(h2.owner, h2.orgId)).toEqual([]);
    expect(await unread(h1.owner, h1.orgId)).toBe(2);
    expect((await call(null, 'GET', `/orgs/${h1.orgId}/notifications`)).statusCode).toBe(401);
  });

  it('answers the bell’s poll without extending the session: an unattended window still times out', async () => {
    const h = await hospitalWith(1);
    const minute = 60_000;
    t.clock.advance(20 * minute);
    expect((await call(h.owner, 'GET', `/orgs/${h.orgId}/notifications/unread-count`)).statusCode).toBe(200);
    // A page read is activity: the viewer's session is extended, the owner's (only polling) is not.
    expect((await call(h.viewer, 'GET', `/orgs/${h.orgId}/notifications`)).statusCode).toBe(200);
    t.clock.advance(15 * minute);
    expect((await call(h.owner, 'GET', `/orgs/${h.orgId}/notifications/unread-count`)).statusCode).toBe(401);
    expect((await call(h.viewer, 'GET', `/orgs/${h.orgId}/notifications/unread-count`)).statusCode).toBe(200);
  });
});
