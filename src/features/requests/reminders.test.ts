import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createOrg,
  createProduct,
  inject,
  signUp,
  testApp,
  type TestApp,
  type TestSession,
} from '../../../test/support/app.js';
import { testDatabases } from '../../../test/support/databases.js';
import { sendDueReminders } from './reminders.js';
import type { RequestView } from './request-view.js';

const DAY = 86_400_000;

describe.each(testDatabases())('the overdue reminder sweep on $name', (database) => {
  let t: TestApp;
  let hospitalOwner: TestSession;
  let makerOwner: TestSession;
  let hospitalId: string;
  let makerId: string;
  let productId: string;

  beforeEach(async () => {
    t = await testApp({ database });
    hospitalOwner = await signUp(t.app);
    hospitalId = (await createOrg(t.app, hospitalOwner, { name: '東病院', kind: 'hospital' })).id;
    makerOwner = await signUp(t.app);
    makerId = (await createOrg(t.app, makerOwner, { name: 'XYZ株式会社', kind: 'manufacturer' })).id;
    productId = (await createProduct(t.app, makerOwner, makerId)).id;
  });
  afterEach(async () => {
    await t.close();
  });

  const call = (who: TestSession, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    inject(t.app, who, { method, url: `/api/v1${url}`, ...(payload === undefined ? {} : { payload }) });
  const at = (ms: number): string => new Date(t.clock.now().getTime() + ms).toISOString();
  const tokyoToday = (): string => new Date(t.clock.now().getTime() + 9 * 3_600_000).toISOString().slice(0, 10);

  async function ask(body: object): Promise<RequestView> {
    const res = await call(hospitalOwner, 'POST', `/orgs/${hospitalId}/requests`, body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  }

  async function kinds(who: TestSession, orgId: string): Promise<string[]> {
    const res = await call(who, 'GET', `/orgs/${orgId}/notifications`);
    return res.json<{ kind: string }[]>().map((n) => n.kind);
  }

  const read = async (id: string): Promise<RequestView> =>
    (await call(hospitalOwner, 'GET', `/orgs/${hospitalId}/requests/${id}`)).json();

  it('reminds both sides of a request past its due date, once a week, with an audit record without actor', async () => {
    const r = await ask({ manufacturerOrgId: makerId, productId, dueDate: tokyoToday() });
    expect(await sendDueReminders(t.db.kysely, at(60_000))).toBe(0);

    const now = at(2 * DAY);
    expect(await sendDueReminders(t.db.kysely, now)).toBe(1);
    expect(await kinds(makerOwner, makerId)).toEqual(['request.reminder', 'request.received']);
    expect(await kinds(hospitalOwner, hospitalId)).toEqual(['request.overdue']);
    const [reminder] = (await call(makerOwner, 'GET', `/orgs/${makerId}/notifications`)).json<
      { params: Record<string, unknown>; createdAt: string }[]
    >();
    expect(reminder).toMatchObject({
      createdAt: now,
      params: { requestId: r.id, hospital: '東病院', automatic: true, reason: 'past-due-date' },
    });
    expect(await read(r.id)).toMatchObject({ reminderCount: 1, lastRemindedAt: now });
    const audit = await call(hospitalOwner, 'GET', `/orgs/${hospitalId}/audit?action=request.remind`);
    expect(audit.json<{ events: unknown[] }>().events).toEqual([
      expect.objectContaining({ actorId: null, actorName: null, objectId: r.id, at: now }),
    ]);

    // Not again within 7 days; again after.
    expect(await sendDueReminders(t.db.kysely, at(5 * DAY))).toBe(0);
    expect(await sendDueReminders(t.db.kysely, at(9 * DAY + 1000))).toBe(1);
    expect((await read(r.id)).reminderCount).toBe(2);
  });

  it('reminds of a request open for more than 14 days that has no due date', async () => {
    const r = await ask({ manufacturerOrgId: makerId, productName: 'RIS' });
    expect(await sendDueReminders(t.db.kysely, at(13 * DAY))).toBe(0);
    expect(await sendDueReminders(t.db.kysely, at(14 * DAY + 60_000))).toBe(1);
    const [n] = (await call(hospitalOwner, 'GET', `/orgs/${hospitalId}/notifications`)).json<
      { kind: string; params: Record<string, unknown> }[]
    >();
    expect(n).toMatchObject({ kind: 'request.overdue', params: { requestId: r.id, reason: 'open-14-days' } });
  });

  it('leaves answered, declined and cancelled requests alone', async () => {
    const declined = await ask({ manufacturerOrgId: makerId, productName: 'A', dueDate: tokyoToday() });
    const cancelled = await ask({ manufacturerOrgId: makerId, productName: 'B', dueDate: tokyoToday() });
    await call(makerOwner, 'POST', `/orgs/${makerId}/inbox/${declined.id}/decline`, { reason: '取扱終了' });
    await call(hospitalOwner, 'POST', `/orgs/${hospitalId}/requests/${cancelled.id}/cancel`);
    expect(await sendDueReminders(t.db.kysely, at(30 * DAY))).toBe(0);
  });

  it('tells only the hospital while an invited manufacturer has not claimed the request', async () => {
    await ask({
      invite: { manufacturerName: 'ABC', email: 'abc@example.jp' },
      productName: 'ABC-PACS',
      dueDate: tokyoToday(),
    });
    expect(await sendDueReminders(t.db.kysely, at(2 * DAY))).toBe(1);
    expect(await kinds(hospitalOwner, hospitalId)).toEqual(['request.overdue']);
  });

  it('counts the hospital’s own reminder: the sweep waits 7 days after it', async () => {
    const r = await ask({ manufacturerOrgId: makerId, productId, dueDate: tokyoToday() });
    expect((await call(hospitalOwner, 'POST', `/orgs/${hospitalId}/requests/${r.id}/remind`)).statusCode).toBe(200);
    expect(await sendDueReminders(t.db.kysely, at(2 * DAY))).toBe(0);
    expect(await sendDueReminders(t.db.kysely, at(7 * DAY + 60_000))).toBe(1);
    expect((await read(r.id)).reminderCount).toBe(2);
  });
});
