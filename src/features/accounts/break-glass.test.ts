import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMember,
  createOrg,
  inject,
  sessionFrom,
  signUp,
  testApp,
  type TestApp,
  type TestSession,
} from '../../../test/support/app.js';
import { testDatabases } from '../../../test/support/databases.js';
import { normalizeCredential } from './break-glass.service.js';

const errorOf = (res: LightMyRequestResponse) =>
  res.json<{ error: { code: string; message: string; details?: unknown } }>().error;

let addressCounter = 0;
const freshAddress = (): string => `192.0.2.${++addressCounter}`;

const MINUTE = 60_000;

interface BreakGlassBody {
  state: string;
  role: string;
  sessionMinutes: number;
  useCount: number;
  rotations: number;
  lastUse: { at: string; reason: string; ip: string | null; sessionExpiresAt: string | null } | null;
  sessionActive: boolean;
  credential?: string;
}

describe.each(testDatabases())('break-glass account on $name', (database) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await testApp({ database });
  });
  afterAll(async () => {
    await t.close();
  });

  /** An organization with two owners and an editor. */
  async function fixture() {
    const owner = await signUp(t.app);
    const org = await createOrg(t.app, owner);
    const owner2 = await addMember(t.app, owner, org.id, { role: 'owner' });
    const editor = await addMember(t.app, owner, org.id, { role: 'editor' });
    return { owner, owner2, editor, org };
  }

  const create = (who: TestSession, orgId: string) =>
    inject(t.app, who, { method: 'POST', url: `/api/v1/orgs/${orgId}/break-glass` });
  const rotate = (who: TestSession, orgId: string) =>
    inject(t.app, who, { method: 'POST', url: `/api/v1/orgs/${orgId}/break-glass/rotate` });
  const view = async (who: TestSession, orgId: string) =>
    (await inject(t.app, who, { url: `/api/v1/orgs/${orgId}/break-glass` })).json<BreakGlassBody>();
  const use = (org: string, credential: string, reason: string, remoteAddress = freshAddress()) =>
    inject(t.app, null, {
      method: 'POST',
      url: '/api/v1/auth/break-glass',
      payload: { org, credential, reason },
      remoteAddress,
    });

  it('creates the account sealed, showing the credential once and storing only its hash', async () => {
    const { owner, editor, org } = await fixture();
    expect((await view(owner, org.id)).state).toBe('none');
    const res = await create(owner, org.id);
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json<BreakGlassBody>();
    expect(body.state).toBe('sealed');
    expect(body.role).toBe('editor');
    expect(body.credential).toMatch(/^([0-9A-HJKMNP-TV-Z]{5}-){4}[0-9A-HJKMNP-TV-Z]{5}$/);
    const shown = await view(owner, org.id);
    expect(shown.state).toBe('sealed');
    expect(shown).not.toHaveProperty('credential');
    const row = await t.db.kysely
      .selectFrom('break_glass_accounts')
      .selectAll()
      .where('org_id', '=', org.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(normalizeCredential(body.credential!));
    expect((await create(owner, org.id)).statusCode).toBe(409);
    // Only owners see or manage it; the sealed account is no member.
    expect((await inject(t.app, editor, { url: `/api/v1/orgs/${org.id}/break-glass` })).statusCode).toBe(403);
    expect((await create(editor, org.id)).statusCode).toBe(403);
    const members = await inject(t.app, owner, { url: `/api/v1/orgs/${org.id}/members` });
    expect(members.body).not.toContain('openmds.invalid');
  });

  it('needs a stated reason and the right credential', async () => {
    const { owner, org } = await fixture();
    const { credential } = (await create(owner, org.id)).json<BreakGlassBody>();
    const blank = await use(org.id, credential!, '   ');
    expect(blank.statusCode).toBe(400);
    expect(errorOf(blank).message).toMatch(/^reason: /);
    const missing = await inject(t.app, null, {
      method: 'POST',
      url: '/api/v1/auth/break-glass',
      payload: { org: org.id, credential },
    });
    expect(missing.statusCode).toBe(400);
    const wrong = await use(org.id, 'AAAAA-AAAAA-AAAAA-AAAAA-AAAAA', '停電で電子カルテに入れない');
    expect(wrong.statusCode).toBe(401);
    const otherOrg = await use('no-such-org', credential!, '停電で電子カルテに入れない');
    expect(otherOrg.statusCode).toBe(401);
    expect(errorOf(otherOrg).message).toBe(errorOf(wrong).message);
    expect((await view(owner, org.id)).state).toBe('sealed');
    const failures = await t.db.kysely
      .selectFrom('audit_events')
      .select(['outcome', 'org_id'])
      .where('action', '=', 'break-glass.use')
      .where('org_id', '=', org.id)
      .execute();
    expect(failures).toEqual([{ outcome: 'failure', org_id: org.id }]);
  });

  it('signs in as an editor of the organization for a limited time, alerting every owner', async () => {
    const { owner, owner2, org } = await fixture();
    const { credential } = (await create(owner, org.id)).json<BreakGlassBody>();
    const reason = '管理者不在のため、障害対応で開示書を修正する';
    // Typed back from paper: lower case, spaces instead of hyphens, O for 0.
    const typed = credential!.toLowerCase().replace(/-/g, ' ').replace(/0/g, 'o');
    const res = await use(org.id, typed, reason);
    expect(res.statusCode, res.body).toBe(200);
    const session = sessionFrom(res);
    const body = res.json<{
      currentOrgId: string;
      memberships: { orgId: string; role: string }[];
      absoluteExpiresAt: string;
    }>();
    expect(body.currentOrgId).toBe(org.id);
    expect(body.memberships).toEqual([expect.objectContaining({ orgId: org.id, role: 'editor' })]);
    expect(Date.parse(body.absoluteExpiresAt) - t.clock.now().getTime()).toBeLessThanOrEqual(60 * MINUTE);

    // Editor rights: write products; no administration.
    const product = await inject(t.app, session, {
      method: 'POST',
      url: `/api/v1/orgs/${org.id}/products`,
      payload: { name: '非常時に登録した製品', category: 'pacs' },
    });
    expect(product.statusCode, product.body).toBe(201);
    const invite = await inject(t.app, session, {
      method: 'POST',
      url: `/api/v1/orgs/${org.id}/invitations`,
      payload: { email: 'x@example.jp', role: 'owner' },
    });
    expect(invite.statusCode).toBe(403);
    const pw = await inject(t.app, session, {
      method: 'POST',
      url: '/api/v1/account/password',
      payload: { currentPassword: 'x', newPassword: 'a long enough new password' },
    });
    expect(pw.statusCode).toBe(403);

    // Audit with the reason, a notification of the organization, and a mail to each owner.
    const audit = await t.db.kysely
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'break-glass.use')
      .where('org_id', '=', org.id)
      .where('outcome', '=', 'success')
      .execute();
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.details ?? '{}')).toMatchObject({ reason, role: 'editor' });
    const productAudit = await t.db.kysely
      .selectFrom('audit_events')
      .select('actor_name')
      .where('action', '=', 'product.create')
      .where('org_id', '=', org.id)
      .executeTakeFirstOrThrow();
    expect(productAudit.actor_name).toMatch(/非常時アカウント/);
    const notes = await inject(t.app, owner2, { url: `/api/v1/orgs/${org.id}/notifications` });
    const note = notes.json<{ kind: string; params: Record<string, unknown> }[]>()[0];
    expect(note?.kind).toBe('break-glass.used');
    expect(note?.params['reason']).toBe(reason);
    const mails = await t.db.kysely
      .selectFrom('mail_outbox')
      .select(['to_address', 'body'])
      .where('kind', '=', 'break-glass.used')
      .where('to_address', 'in', [owner.email, owner2.email])
      .execute();
    expect(mails.map((m) => m.to_address).sort()).toEqual([owner.email, owner2.email].sort());
    expect(mails[0]?.body).toContain(reason);

    const shown = await view(owner, org.id);
    expect(shown).toMatchObject({ state: 'used', useCount: 1, sessionActive: true });
    expect(shown.lastUse?.reason).toBe(reason);

    // The session ends by the break-glass limit, whatever the activity.
    for (let i = 0; i < 3; i++) {
      t.clock.advance(20 * MINUTE);
      await inject(t.app, session, { url: '/api/v1/auth/session' });
    }
    t.clock.advance(1 * MINUTE);
    expect((await inject(t.app, session, { url: '/api/v1/auth/session' })).statusCode).toBe(401);
  });

  it('works in an organization that requires two-factor authentication, where the editor without it is refused', async () => {
    const { owner, editor, org } = await fixture();
    const { credential } = (await create(owner, org.id)).json<BreakGlassBody>();
    // The policy as an owner with two-factor authentication sets it (two-factor.test.ts covers that path).
    await t.db.kysely
      .insertInto('org_security_policies')
      .values({
        org_id: org.id,
        require_two_factor: 1,
        updated_at: t.clock.now().toISOString(),
        updated_by: owner.userId,
      })
      .execute();
    const products = (who: TestSession) => inject(t.app, who, { url: `/api/v1/orgs/${org.id}/products` });
    expect((await products(editor)).json<{ error: { code: string } }>().error.code).toBe('two-factor-required');
    const res = await use(org.id, credential!, '2FA端末の故障で管理者が入れないため');
    expect(res.statusCode, res.body).toBe(200);
    expect((await products(sessionFrom(res))).statusCode).toBe(200);
  });

  it('refuses a second use until an owner rotates it; rotation ends a running session', async () => {
    const { owner, org } = await fixture();
    const { credential } = (await create(owner, org.id)).json<BreakGlassBody>();
    const first = await use(org.id, credential!, '夜間の障害対応');
    expect(first.statusCode).toBe(200);
    const session = sessionFrom(first);
    const second = await use(org.id, credential!, 'もう一度');
    expect(second.statusCode).toBe(409);
    expect(errorOf(second).message).toMatch(/^credential: was used already/);

    const rotated = await rotate(owner, org.id);
    expect(rotated.statusCode, rotated.body).toBe(200);
    const next = rotated.json<BreakGlassBody>();
    expect(next.state).toBe('rotated');
    expect(next.credential).not.toBe(credential);
    expect(next.lastUse?.reason).toBe('夜間の障害対応');
    expect((await inject(t.app, session, { url: '/api/v1/auth/session' })).statusCode).toBe(401);
    const members = await inject(t.app, owner, { url: `/api/v1/orgs/${org.id}/members` });
    expect(members.body).not.toContain('openmds.invalid');

    expect((await use(org.id, credential!, '古い資格情報')).statusCode).toBe(401);
    const again = await use(org.id, next.credential!, '二度目の障害対応');
    expect(again.statusCode, again.body).toBe(200);
    expect((await view(owner, org.id)).useCount).toBe(2);
    const actions = (
      await t.db.kysely
        .selectFrom('audit_events')
        .select(['action', 'outcome'])
        .where('org_id', '=', org.id)
        .where('action', 'like', 'break-glass.%')
        .orderBy('seq')
        .execute()
    ).map((r) => `${r.action}:${r.outcome}`);
    expect(actions).toEqual([
      'break-glass.create:success',
      'break-glass.use:success',
      'break-glass.use:failure',
      'break-glass.rotate:success',
      'break-glass.use:failure',
      'break-glass.use:success',
    ]);
  });

  it('throttles wrong credentials for an organization', async () => {
    const { owner, org } = await fixture();
    const { credential } = (await create(owner, org.id)).json<BreakGlassBody>();
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) codes.push((await use(org.id, 'WRONG-WRONG-WRONG', '試行')).statusCode);
    expect(codes.slice(0, 4)).toEqual([401, 401, 401, 401]);
    expect(codes).toContain(429);
    expect((await use(org.id, credential!, '本物')).statusCode).toBe(429);
    t.clock.advance(16 * MINUTE);
    expect((await use(org.id, credential!, '本物')).statusCode).toBe(200);
  });
});
