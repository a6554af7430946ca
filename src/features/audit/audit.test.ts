import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMember,
  createOrg,
  inject,
  invite,
  signUp,
  testApp,
  uniqueEmail,
  type TestApp,
  type TestSession,
} from '../../../test/support/app.js';
import { testDatabases } from '../../../test/support/databases.js';

interface AuditEventBody {
  seq: number;
  at: string;
  actorId: string | null;
  actorName: string | null;
  orgId: string | null;
  action: string;
  objectType: string;
  objectId: string | null;
  revision: number | null;
  outcome: string;
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown> | null;
  hash: string;
  prevHash: string;
}

interface AuditPageBody {
  events: AuditEventBody[];
  chain: { ok: boolean; checked: number; firstBroken?: { seq: number; reason: string } };
}

describe.each(testDatabases())('GET /orgs/:orgId/audit on $name', (database) => {
  let t: TestApp;
  let owner: TestSession;
  let auditor: TestSession;
  let editor: TestSession;
  let orgId: string;
  let invitationId: string;

  beforeAll(async () => {
    t = await testApp({ database });
    owner = await signUp(t.app, { displayName: '佐藤 花子' });
    orgId = (await createOrg(t.app, owner, { name: '監査対象株式会社' })).id;
    auditor = await addMember(t.app, owner, orgId, { role: 'auditor' });
    editor = await addMember(t.app, owner, orgId, { role: 'editor' });
    invitationId = (await invite(t.app, owner, orgId, { email: uniqueEmail('pending'), role: 'viewer' })).id;
  });
  afterAll(async () => {
    await t.close();
  });

  const read = (who: TestSession, query = '') => inject(t.app, who, { url: `/api/v1/orgs/${orgId}/audit${query}` });

  it('shows owners and auditors the organization’s records, newest first, with the chain verified', async () => {
    for (const who of [owner, auditor]) {
      const res = await read(who);
      expect(res.statusCode).toBe(200);
      const page = res.json<AuditPageBody>();
      expect(page.chain.ok).toBe(true);
      expect(page.chain.checked).toBeGreaterThanOrEqual(page.events.length);
      const seqs = page.events.map((e) => e.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
      expect(page.events.every((e) => e.orgId === orgId)).toBe(true);
      const created = page.events.find((e) => e.action === 'org.create');
      expect(created).toMatchObject({
        actorId: owner.userId,
        actorName: `佐藤 花子 <${owner.email}>`,
        objectType: 'organization',
        objectId: orgId,
        outcome: 'success',
        ip: '127.0.0.1',
        details: { name: '監査対象株式会社', kind: 'manufacturer' },
      });
      expect(created?.hash).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('records each read of the trail', async () => {
    await read(auditor);
    const page = (await read(owner, '?action=audit.read')).json<AuditPageBody>();
    expect(page.events.some((e) => e.actorId === auditor.userId)).toBe(true);
  });

  it('filters by action, action prefix, actor and object, and pages with before and limit', async () => {
    const byAction = (await read(owner, '?action=invitation.create')).json<AuditPageBody>().events;
    expect(byAction.length).toBe(3);
    expect(byAction.every((e) => e.action === 'invitation.create')).toBe(true);

    const byPrefix = (await read(owner, '?action=invitation.*')).json<AuditPageBody>().events;
    expect(new Set(byPrefix.map((e) => e.action))).toEqual(new Set(['invitation.create', 'invitation.accept']));

    const byActor = (await read(owner, `?actor=${auditor.userId}`)).json<AuditPageBody>().events;
    expect(byActor.length).toBeGreaterThan(0);
    expect(byActor.every((e) => e.actorId === auditor.userId)).toBe(true);

    const byObject = (await read(owner, `?object=invitation:${invitationId}`)).json<AuditPageBody>().events;
    expect(byObject.map((e) => e.action)).toEqual(['invitation.create']);
    expect((await read(owner, `?object=${invitationId}`)).json<AuditPageBody>().events.length).toBe(1);

    const first = (await read(owner, '?limit=2')).json<AuditPageBody>().events;
    expect(first.length).toBe(2);
    const next = (await read(owner, `?limit=2&before=${first[1]!.seq}`)).json<AuditPageBody>().events;
    expect(next.length).toBe(2);
    expect(next[0]!.seq).toBeLessThan(first[1]!.seq);

    const old = (await read(owner, `?before=2000-01-01T00:00:00Z`)).json<AuditPageBody>().events;
    expect(old).toEqual([]);
  });

  it('refuses a limit above 500 and a malformed before', async () => {
    expect((await read(owner, '?limit=501')).statusCode).toBe(400);
    const bad = await read(owner, '?before=yesterday');
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ error: { message: string } }>().error.message).toMatch(/^querystring\/before/);
  });

  it('refuses editors (403, audited in the organization) and outsiders (404, audited for the instance only)', async () => {
    const denied = await read(editor);
    expect(denied.statusCode).toBe(403);
    const outsider = await signUp(t.app);
    await createOrg(t.app, outsider);
    const hidden = await read(outsider);
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json()).toEqual({ error: { code: 'not-found', message: 'organization not found' } });

    const denials = await t.db.kysely
      .selectFrom('audit_events')
      .select(['actor_id', 'org_id', 'outcome', 'details', 'object_id'])
      .where('action', '=', 'access.denied')
      .execute();
    const byEditor = denials.find((d) => d.actor_id === editor.userId);
    expect(byEditor).toMatchObject({ org_id: orgId, outcome: 'denied' });
    expect(JSON.parse(byEditor?.details ?? '{}')).toMatchObject({ action: 'audit.read', role: 'editor' });
    const byOutsider = denials.find((d) => d.actor_id === outsider.userId);
    expect(byOutsider).toMatchObject({ org_id: null, outcome: 'denied', object_id: orgId });
    expect(byOutsider?.details).not.toContain('監査対象');
    // The organization's own trail does not show the outsider's attempt.
    const page = (await read(owner, '?action=access.denied')).json<AuditPageBody>();
    expect(page.events.map((e) => e.actorId)).toEqual([editor.userId]);
  });

  it('reports a tampered trail', async () => {
    const fresh = await testApp({ database });
    try {
      const o = await signUp(fresh.app);
      const id = (await createOrg(fresh.app, o)).id;
      await invite(fresh.app, o, id, { email: uniqueEmail(), role: 'viewer' });
      if (fresh.db.dialect === 'sqlite') await sql`DROP TRIGGER audit_events_no_update`.execute(fresh.db.kysely);
      else await sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`.execute(fresh.db.kysely);
      const target = await fresh.db.kysely
        .selectFrom('audit_events')
        .select('seq')
        .where('action', '=', 'org.create')
        .executeTakeFirstOrThrow();
      await fresh.db.kysely
        .updateTable('audit_events')
        .set({ details: '{"name":"forged"}' })
        .where('seq', '=', Number(target.seq))
        .execute();
      const page = (await inject(fresh.app, o, { url: `/api/v1/orgs/${id}/audit` })).json<AuditPageBody>();
      expect(page.chain).toMatchObject({ ok: false, firstBroken: { seq: Number(target.seq), reason: 'changed' } });
    } finally {
      await fresh.close();
    }
  });
});
