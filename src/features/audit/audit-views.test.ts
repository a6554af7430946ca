import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RouteOptions } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMember,
  createOrg,
  inject,
  signIn,
  signUp,
  testApp,
  type TestApp,
  type TestSession,
} from '../../../test/support/app.js';
import { testDatabases } from '../../../test/support/databases.js';

interface ActivityBody {
  events: {
    seq: number;
    at: string;
    action: string;
    outcome: string;
    orgId: string | null;
    orgName: string | null;
    objectType: string;
    objectId: string | null;
    ip: string | null;
  }[];
}

interface TrailBody {
  events: { seq: number; at: string; action: string; actorId: string | null }[];
}

describe.each(testDatabases())('audit views on $name', (database) => {
  const routes: RouteOptions[] = [];
  let t: TestApp;
  let owner: TestSession;
  let auditor: TestSession;
  let other: TestSession;
  let orgId: string;

  beforeAll(async () => {
    t = await testApp({ database, onRoute: (r) => routes.push(r) });
    owner = await signUp(t.app, { displayName: '佐藤 花子' });
    orgId = (await createOrg(t.app, owner, { name: '活動履歴株式会社' })).id;
    auditor = await addMember(t.app, owner, orgId, { role: 'auditor' });
    other = await addMember(t.app, owner, orgId, { role: 'editor' });
    // The owner signs in again, fails once, locks the screen and signs out of that session.
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-in',
      payload: { email: owner.email, password: 'not the password at all' },
    });
    expect(wrong.statusCode).toBe(401);
    const second = await signIn(t.app, { email: owner.email });
    await inject(t.app, second, { method: 'POST', url: '/api/v1/auth/lock' });
    await inject(t.app, second, { method: 'POST', url: '/api/v1/auth/sign-out' });
    await inject(t.app, other, { url: `/api/v1/orgs/${orgId}/audit` }); // the editor's refusal: not the owner's
  });
  afterAll(async () => {
    await t.close();
  });

  const activity = (who: TestSession | null, query = '') =>
    inject(t.app, who, { url: `/api/v1/account/activity${query}` });

  it('shows a user their own sign-ins, failures, locks, sign-outs and actions across organizations, and nobody else’s', async () => {
    const res = await activity(owner);
    expect(res.statusCode).toBe(200);
    const { events } = res.json<ActivityBody>();
    const actions = events.map((e) => e.action);
    for (const a of [
      'user.sign-up',
      'user.sign-in',
      'user.sign-in-failed',
      'session.lock',
      'user.sign-out',
      'org.create',
    ]) {
      expect(actions, a).toContain(a);
    }
    expect(events.find((e) => e.action === 'org.create')).toMatchObject({ orgId, orgName: '活動履歴株式会社' });
    expect(events.find((e) => e.action === 'user.sign-in-failed')).toMatchObject({
      outcome: 'failure',
      ip: '127.0.0.1',
    });
    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    const actors = await t.db.kysely
      .selectFrom('audit_events')
      .select(['seq', 'actor_id'])
      .where('seq', 'in', seqs)
      .execute();
    expect(actors.every((r) => r.actor_id === owner.userId)).toBe(true);
    // Every record of the owner is there (fewer than one page).
    const all = await t.db.kysely
      .selectFrom('audit_events')
      .select('seq')
      .where('actor_id', '=', owner.userId)
      .execute();
    expect(all.length).toBe(events.length);
    expect(res.body).not.toContain(other.email);
  });

  it('pages own activity with before and limit, and filters it by action and time', async () => {
    const first = (await activity(owner, '?limit=2')).json<ActivityBody>().events;
    expect(first.length).toBe(2);
    const next = (await activity(owner, `?limit=2&before=${first[1]!.seq}`)).json<ActivityBody>().events;
    expect(next[0]!.seq).toBeLessThan(first[1]!.seq);
    const signIns = (await activity(owner, '?action=user.*')).json<ActivityBody>().events;
    expect(signIns.length).toBeGreaterThanOrEqual(4);
    expect(signIns.every((e) => e.action.startsWith('user.'))).toBe(true);
    expect((await activity(owner, '?to=2000-01-01')).json<ActivityBody>().events).toEqual([]);
    expect((await activity(owner, '?from=yesterday')).statusCode).toBe(400);
  });

  it('answers anonymous callers 401', async () => {
    expect((await activity(null)).statusCode).toBe(401);
  });

  it('filters the organization’s trail by a time range, the end of a date included', async () => {
    const read = (q: string) => inject(t.app, auditor, { url: `/api/v1/orgs/${orgId}/audit${q}` });
    const all = (await read('')).json<TrailBody>().events;
    const middle = all[Math.floor(all.length / 2)]!;
    const from = (await read(`?from=${encodeURIComponent(middle.at)}`)).json<TrailBody>().events;
    expect(from.length).toBeGreaterThan(0);
    expect(from.every((e) => e.at >= middle.at)).toBe(true);
    const to = (await read(`?to=${encodeURIComponent(middle.at)}`)).json<TrailBody>().events;
    expect(to.every((e) => e.at < middle.at)).toBe(true);
    const today = middle.at.slice(0, 10);
    const day = (await read(`?from=${today}&to=${today}`)).json<TrailBody>().events;
    expect(day.some((e) => e.seq === middle.seq)).toBe(true);
    expect((await read('?from=2030-01-02&to=2030-01-01')).statusCode).toBe(400);
    const bad = await read('?to=31/12/2025');
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ error: { message: string } }>().error.message).toMatch(/^querystring\/to/);
    // Combined filters and a stable cursor: the second page continues below the first, whatever was appended since.
    const page1 = (await read(`?limit=2&actor=${owner.userId}&from=2000-01-01`)).json<TrailBody>().events;
    await read(''); // appends an audit.read record
    const page2 = (
      await read(`?limit=2&actor=${owner.userId}&from=2000-01-01&before=${page1[1]!.seq}`)
    ).json<TrailBody>().events;
    expect(page2.every((e) => e.seq < page1[1]!.seq && e.actorId === owner.userId)).toBe(true);
  });

  it('refuses the organization’s trail to every role but owner and auditor', async () => {
    for (const role of ['editor', 'approver', 'viewer']) {
      const member = await addMember(t.app, owner, orgId, { role });
      const res = await inject(t.app, member, { url: `/api/v1/orgs/${orgId}/audit` });
      expect(res.statusCode, role).toBe(403);
    }
    const outsider = await signUp(t.app);
    expect((await inject(t.app, outsider, { url: `/api/v1/orgs/${orgId}/audit` })).statusCode).toBe(404);
    expect((await inject(t.app, auditor, { url: `/api/v1/orgs/${orgId}/audit` })).statusCode).toBe(200);
  });

  it('has no route that writes to the audit trail’s views, and the database refuses edits and deletions', async () => {
    const auditRoutes = routes.filter((r) => /\/(audit|activity)(\/|$)/.test(r.url));
    expect(auditRoutes.length).toBeGreaterThanOrEqual(3);
    for (const r of auditRoutes) {
      for (const method of [r.method].flat()) expect(['GET', 'HEAD'], r.url).toContain(method);
    }
    await expect(
      t.db.kysely.updateTable('audit_events').set({ outcome: 'failure' }).where('seq', '=', 1).execute(),
    ).rejects.toThrow();
    await expect(t.db.kysely.deleteFrom('audit_events').where('seq', '=', 1).execute()).rejects.toThrow();
    if (t.db.dialect === 'postgres') await expect(sql`TRUNCATE audit_events`.execute(t.db.kysely)).rejects.toThrow();
  });
});

/** Source files of the server, tests and migrations aside. */
function serverSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name);
    if (d.isDirectory()) return d.name === 'migrations' ? [] : serverSources(path);
    return d.name.endsWith('.ts') && !d.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('the audit trail in the code', () => {
  it('is only ever appended to: no code updates, deletes or truncates audit_events', () => {
    const root = new URL('../../', import.meta.url).pathname;
    const offenders: string[] = [];
    const writes =
      /(updateTable|deleteFrom|replaceInto)\(\s*['"]audit_events['"]|\b(UPDATE|DELETE\s+FROM|TRUNCATE(\s+TABLE)?)\s+"?audit_events\b/i;
    for (const file of serverSources(root)) {
      if (writes.test(readFileSync(file, 'utf8'))) offenders.push(file.slice(root.length));
    }
    expect(offenders).toEqual([]);
  });
});
