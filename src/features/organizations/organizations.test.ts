import type { LightMyRequestResponse } from 'fastify';
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
import { sha256Hex } from '../../db/hash.js';

const errorOf = (res: LightMyRequestResponse) => res.json<{ error: { code: string; message: string } }>().error;

interface Member {
  userId: string;
  email: string;
  displayName: string;
  role: string;
  joinedAt: string;
}

const DAY = 24 * 3_600_000;

describe.each(testDatabases())('organizations on $name', (database) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ database });
  });
  afterAll(async () => {
    await t.close();
  });

  const auditOf = (orgId: string) =>
    t.db.kysely
      .selectFrom('audit_events')
      .select(['action', 'object_id', 'details', 'outcome'])
      .where('org_id', '=', orgId)
      .orderBy('seq')
      .execute();

  /** An organization with an owner. */
  async function org(): Promise<{ owner: TestSession; id: string }> {
    const owner = await signUp(t.app, { displayName: '佐藤 花子' });
    const created = await createOrg(t.app, owner, { name: 'XYZ株式会社', kind: 'manufacturer' });
    return { owner, id: created.id };
  }

  describe('organizations', () => {
    it('creates one with the caller as owner, switches the session to it and audits it', async () => {
      const owner = await signUp(t.app);
      const res = await inject(t.app, owner, {
        method: 'POST',
        url: '/api/v1/orgs',
        payload: { name: ' ＸＹＺ病院 ', kind: 'hospital' },
      });
      expect(res.statusCode).toBe(201);
      const created = res.json<{ id: string; name: string; kind: string; role: string }>();
      expect(created).toMatchObject({ name: 'ＸＹＺ病院', kind: 'hospital', role: 'owner' });
      expect((await inject(t.app, owner, { url: '/api/v1/orgs' })).json()).toEqual([created]);
      const session = (await inject(t.app, owner, { url: '/api/v1/auth/session' })).json<{ currentOrgId: string }>();
      expect(session.currentOrgId).toBe(created.id);
      const detail = await inject(t.app, owner, { url: `/api/v1/orgs/${created.id}` });
      expect(detail.json()).toMatchObject({ id: created.id, name: 'ＸＹＺ病院', kind: 'hospital' });
      expect((await auditOf(created.id)).map((e) => e.action)).toEqual(['org.create']);
    });

    it('does not happen when its audit record cannot be written (one transaction)', async () => {
      const owner = await signUp(t.app);
      const k = t.db.kysely;
      // Make the database refuse the audit record of this one action.
      if (t.db.dialect === 'sqlite') {
        await sql`CREATE TRIGGER refuse_org_audit BEFORE INSERT ON audit_events WHEN NEW.action = 'org.create'
          BEGIN SELECT RAISE(ABORT, 'audit refused'); END`.execute(k);
      } else {
        await sql`CREATE FUNCTION refuse_org_audit() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN IF NEW.action = 'org.create' THEN RAISE EXCEPTION 'audit refused'; END IF; RETURN NEW; END; $$`.execute(
          k,
        );
        await sql`CREATE TRIGGER refuse_org_audit BEFORE INSERT ON audit_events
          FOR EACH ROW EXECUTE FUNCTION refuse_org_audit()`.execute(k);
      }
      try {
        const name = `監査不能-${uniqueEmail()}`;
        const res = await inject(t.app, owner, {
          method: 'POST',
          url: '/api/v1/orgs',
          payload: { name, kind: 'hospital' },
        });
        expect(res.statusCode).toBe(500);
        expect(await k.selectFrom('organizations').select('id').where('name', '=', name).execute()).toEqual([]);
        expect(
          await k.selectFrom('memberships').select('org_id').where('user_id', '=', owner.userId).execute(),
        ).toEqual([]);
      } finally {
        if (t.db.dialect === 'sqlite') await sql`DROP TRIGGER refuse_org_audit`.execute(k);
        else await sql`DROP FUNCTION refuse_org_audit() CASCADE`.execute(k);
      }
    });

    it('refuses a blank name or an unknown kind, naming the field', async () => {
      const owner = await signUp(t.app);
      const blank = await inject(t.app, owner, {
        method: 'POST',
        url: '/api/v1/orgs',
        payload: { name: '  ', kind: 'hospital' },
      });
      expect(blank.statusCode).toBe(400);
      expect(errorOf(blank).message).toBe('name: must not be blank');
      const kind = await inject(t.app, owner, {
        method: 'POST',
        url: '/api/v1/orgs',
        payload: { name: 'X', kind: 'pharmacy' },
      });
      expect(kind.statusCode).toBe(400);
      expect(errorOf(kind).message).toMatch(/^body\/kind/);
    });
  });

  describe('members', () => {
    it('lists members to every member', async () => {
      const { owner, id } = await org();
      const viewer = await addMember(t.app, owner, id, { role: 'viewer', displayName: '閲覧 次郎' });
      const res = await inject(t.app, viewer, { url: `/api/v1/orgs/${id}/members` });
      expect(res.statusCode).toBe(200);
      const members = res.json<Member[]>();
      expect(members.map((m) => [m.displayName, m.role]).sort()).toEqual([
        ['佐藤 花子', 'owner'],
        ['閲覧 次郎', 'viewer'],
      ]);
      expect(res.body).not.toMatch(/password|scrypt/);
    });

    it('lets an owner change a role, audited with before and after', async () => {
      const { owner, id } = await org();
      const editor = await addMember(t.app, owner, id, { role: 'editor' });
      const res = await inject(t.app, owner, {
        method: 'PATCH',
        url: `/api/v1/orgs/${id}/members/${editor.userId}`,
        payload: { role: 'approver' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json<Member>()).toMatchObject({ userId: editor.userId, role: 'approver' });
      const change = (await auditOf(id)).find((e) => e.action === 'member.role-change');
      expect(change?.object_id).toBe(editor.userId);
      expect(JSON.parse(change?.details ?? '{}')).toEqual({ from: 'editor', to: 'approver' });
      // The member's next request sees the new role.
      const session = (await inject(t.app, editor, { url: '/api/v1/auth/session' })).json<{
        memberships: { role: string }[];
      }>();
      expect(session.memberships[0]?.role).toBe('approver');
    });

    it('refuses role changes to anyone but an owner', async () => {
      const { owner, id } = await org();
      const editor = await addMember(t.app, owner, id, { role: 'editor' });
      const viewer = await addMember(t.app, owner, id, { role: 'viewer' });
      for (const who of [editor, viewer]) {
        const res = await inject(t.app, who, {
          method: 'PATCH',
          url: `/api/v1/orgs/${id}/members/${who.userId}`,
          payload: { role: 'owner' },
        });
        expect(res.statusCode).toBe(403);
        expect(errorOf(res).code).toBe('forbidden');
      }
    });

    it('never demotes or removes the last owner, and such a refusal leaves no audit record', async () => {
      const { owner, id } = await org();
      const before = (await auditOf(id)).length;
      const demote = await inject(t.app, owner, {
        method: 'PATCH',
        url: `/api/v1/orgs/${id}/members/${owner.userId}`,
        payload: { role: 'editor' },
      });
      expect(demote.statusCode).toBe(409);
      expect(errorOf(demote).message).toMatch(/last owner/);
      const remove = await inject(t.app, owner, {
        method: 'DELETE',
        url: `/api/v1/orgs/${id}/members/${owner.userId}`,
      });
      expect(remove.statusCode).toBe(409);
      expect((await auditOf(id)).length).toBe(before);

      // With a second owner, the first may step down.
      const second = await addMember(t.app, owner, id, { role: 'owner' });
      const ok = await inject(t.app, second, {
        method: 'PATCH',
        url: `/api/v1/orgs/${id}/members/${owner.userId}`,
        payload: { role: 'editor' },
      });
      expect(ok.statusCode).toBe(200);
    });

    it('removes a member, who then cannot see the organization', async () => {
      const { owner, id } = await org();
      const editor = await addMember(t.app, owner, id, { role: 'editor' });
      const res = await inject(t.app, owner, { method: 'DELETE', url: `/api/v1/orgs/${id}/members/${editor.userId}` });
      expect(res.statusCode).toBe(204);
      expect((await inject(t.app, editor, { url: `/api/v1/orgs/${id}` })).statusCode).toBe(404);
      const session = (await inject(t.app, editor, { url: '/api/v1/auth/session' })).json<{ currentOrgId: unknown }>();
      expect(session.currentOrgId).toBeNull();
      const again = await inject(t.app, owner, {
        method: 'DELETE',
        url: `/api/v1/orgs/${id}/members/${editor.userId}`,
      });
      expect(again.statusCode).toBe(404);
      expect((await auditOf(id)).map((e) => e.action)).toContain('member.remove');
    });
  });

  describe('invitations', () => {
    it('gives the link once, stores only its hash, and lists the invitation', async () => {
      const { owner, id } = await org();
      const res = await inject(t.app, owner, {
        method: 'POST',
        url: `/api/v1/orgs/${id}/invitations`,
        payload: { email: 'Suzuki@Example.JP', role: 'editor' },
      });
      expect(res.statusCode).toBe(201);
      const inv = res.json<{ id: string; email: string; role: string; expiresAt: string; url: string }>();
      expect(inv.email).toBe('suzuki@example.jp');
      expect(inv.url).toMatch(/^\/invite\/[A-Za-z0-9_-]{43}$/);
      const token = inv.url.slice('/invite/'.length);
      const days = (Date.parse(inv.expiresAt) - Date.now()) / DAY;
      expect(days).toBeGreaterThan(6.99);
      expect(days).toBeLessThan(7.01);
      const row = await t.db.kysely
        .selectFrom('invitations')
        .selectAll()
        .where('id', '=', inv.id)
        .executeTakeFirstOrThrow();
      expect(row.token_hash).toBe(sha256Hex(token));
      expect(JSON.stringify(row)).not.toContain(token);

      const list = await inject(t.app, owner, { url: `/api/v1/orgs/${id}/invitations` });
      expect(list.json()).toEqual([
        {
          id: inv.id,
          email: 'suzuki@example.jp',
          role: 'editor',
          expiresAt: inv.expiresAt,
          acceptedAt: null,
          revokedAt: null,
        },
      ]);
      expect(list.body).not.toContain(token);

      const lookup = await inject(t.app, null, { url: `/api/v1/invitations/${token}` });
      expect(lookup.statusCode).toBe(200);
      expect(lookup.json()).toEqual({
        orgName: 'XYZ株式会社',
        kind: 'manufacturer',
        role: 'editor',
        email: 'suzuki@example.jp',
        expiresAt: inv.expiresAt,
      });
    });

    it('is accepted once, by the invited email in any case, and then answers 404', async () => {
      const { owner, id } = await org();
      const email = uniqueEmail('Invitee');
      const { token } = await invite(t.app, owner, id, { email: email.toUpperCase(), role: 'approver' });
      const invitee = await signUp(t.app, { email });
      const res = await inject(t.app, invitee, { method: 'POST', url: `/api/v1/invitations/${token}/accept` });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ currentOrgId: id, memberships: [{ orgId: id, role: 'approver' }] });
      expect(
        (await inject(t.app, invitee, { method: 'POST', url: `/api/v1/invitations/${token}/accept` })).statusCode,
      ).toBe(404);
      expect((await inject(t.app, null, { url: `/api/v1/invitations/${token}` })).statusCode).toBe(404);
      const actions = (await auditOf(id)).map((e) => e.action);
      expect(actions).toEqual(expect.arrayContaining(['invitation.create', 'invitation.accept']));
    });

    it('answers 404 to a signed-in user with another email, and the invitation stays usable', async () => {
      const { owner, id } = await org();
      const email = uniqueEmail('right');
      const { token } = await invite(t.app, owner, id, { email, role: 'viewer' });
      const stranger = await signUp(t.app);
      const res = await inject(t.app, stranger, { method: 'POST', url: `/api/v1/invitations/${token}/accept` });
      expect(res.statusCode).toBe(404);
      expect(res.body).not.toContain('XYZ');
      const right = await signUp(t.app, { email });
      expect(
        (await inject(t.app, right, { method: 'POST', url: `/api/v1/invitations/${token}/accept` })).statusCode,
      ).toBe(200);
    });

    it('expires after 7 days', async () => {
      const { owner, id } = await org();
      const email = uniqueEmail('late');
      const { token } = await invite(t.app, owner, id, { email, role: 'viewer' });
      t.clock.advance(7 * DAY + 60_000);
      const late = await signUp(t.app, { email });
      expect((await inject(t.app, null, { url: `/api/v1/invitations/${token}` })).statusCode).toBe(404);
      expect(
        (await inject(t.app, late, { method: 'POST', url: `/api/v1/invitations/${token}/accept` })).statusCode,
      ).toBe(404);
    });

    it('can be revoked while pending; revoking twice is harmless, revoking an accepted one is a conflict', async () => {
      const { owner, id } = await org();
      const email = uniqueEmail('revoked');
      const pending = await invite(t.app, owner, id, { email, role: 'viewer' });
      const del = () => inject(t.app, owner, { method: 'DELETE', url: `/api/v1/orgs/${id}/invitations/${pending.id}` });
      expect((await del()).statusCode).toBe(204);
      expect((await del()).statusCode).toBe(204);
      const user = await signUp(t.app, { email });
      expect(
        (await inject(t.app, user, { method: 'POST', url: `/api/v1/invitations/${pending.token}/accept` })).statusCode,
      ).toBe(404);
      const list = (await inject(t.app, owner, { url: `/api/v1/orgs/${id}/invitations` })).json<
        { revokedAt: string | null }[]
      >();
      expect(list[0]?.revokedAt).not.toBeNull();

      const member = await addMember(t.app, owner, id, { role: 'editor' });
      const accepted = (await inject(t.app, owner, { url: `/api/v1/orgs/${id}/invitations` }))
        .json<{ id: string; email: string }[]>()
        .find((i) => i.email === member.email);
      const conflict = await inject(t.app, owner, {
        method: 'DELETE',
        url: `/api/v1/orgs/${id}/invitations/${accepted?.id ?? ''}`,
      });
      expect(conflict.statusCode).toBe(409);
      expect((await auditOf(id)).map((e) => e.action)).toContain('invitation.revoke');
    });

    it('refuses to invite a member, or to accept when already a member', async () => {
      const { owner, id } = await org();
      const member = await addMember(t.app, owner, id, { role: 'viewer' });
      const res = await inject(t.app, owner, {
        method: 'POST',
        url: `/api/v1/orgs/${id}/invitations`,
        payload: { email: member.email, role: 'editor' },
      });
      expect(res.statusCode).toBe(409);

      const email = uniqueEmail('twice');
      const first = await invite(t.app, owner, id, { email, role: 'viewer' });
      const second = await invite(t.app, owner, id, { email, role: 'editor' });
      const user = await signUp(t.app, { email });
      expect(
        (await inject(t.app, user, { method: 'POST', url: `/api/v1/invitations/${first.token}/accept` })).statusCode,
      ).toBe(200);
      const again = await inject(t.app, user, { method: 'POST', url: `/api/v1/invitations/${second.token}/accept` });
      expect(again.statusCode).toBe(409);
      expect(errorOf(again).message).toMatch(/already a member/);
    });

    it('is for owners only', async () => {
      const { owner, id } = await org();
      const editor = await addMember(t.app, owner, id, { role: 'editor' });
      const create = await inject(t.app, editor, {
        method: 'POST',
        url: `/api/v1/orgs/${id}/invitations`,
        payload: { email: uniqueEmail(), role: 'owner' },
      });
      expect(create.statusCode).toBe(403);
      expect((await inject(t.app, editor, { url: `/api/v1/orgs/${id}/invitations` })).statusCode).toBe(403);
    });
  });
});
