import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testDatabases } from '../../test/support/databases.js';
import type { Db } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { AUDIT_APPEND_ONLY_MESSAGE } from '../db/migrations/0002-accounts.js';
import {
  AUDIT_ACTIONS,
  AUDIT_GENESIS_HASH,
  auditRecordHash,
  verifyAuditChain,
  writeAudit,
  type AuditInput,
} from './audit.js';
import type { RequestContext } from './context.js';

const ctx: RequestContext = {
  actor: {
    kind: 'user',
    userId: 'u-1',
    email: 'sato@example.jp',
    displayName: '佐藤 花子',
    isOperator: false,
    memberships: [],
    sessionId: 's-1',
  },
  ip: '192.0.2.7',
  userAgent: 'vitest',
  now: () => new Date().toISOString(),
};

const event = (n: number, orgId: string | null = 'org-a'): AuditInput => ({
  ctx,
  orgId,
  action: AUDIT_ACTIONS.STATEMENT_SAVE,
  objectType: 'statement',
  objectId: `st-${n}`,
  revision: 1,
  outcome: 'success',
  details: { n, note: '代行入力' },
});

describe.each(testDatabases())('the audit trail on $name', (database) => {
  let db: Db;
  beforeEach(async () => {
    db = await database.open();
    await migrateToLatest(db);
  });
  afterEach(async () => {
    await db.close();
  });

  const rows = () => db.kysely.selectFrom('audit_events').selectAll().orderBy('seq').execute();

  /** Lets the test tamper with the trail as someone with direct database access could. */
  async function disableGuards(): Promise<void> {
    if (db.dialect === 'sqlite') {
      await sql`DROP TRIGGER audit_events_no_update`.execute(db.kysely);
      await sql`DROP TRIGGER audit_events_no_delete`.execute(db.kysely);
    } else {
      await sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`.execute(db.kysely);
    }
  }

  async function appendFive(): Promise<void> {
    for (let n = 1; n <= 5; n++) await writeAudit(db.kysely, event(n, n % 2 === 0 ? 'org-b' : 'org-a'));
  }

  it('chains each record to the one before by hash, from the genesis value', async () => {
    await appendFive();
    const all = await rows();
    expect(all.map((r) => Number(r.seq))).toEqual([1, 2, 3, 4, 5]);
    expect(all[0]?.prev_hash).toBe(AUDIT_GENESIS_HASH);
    for (let i = 1; i < all.length; i++) expect(all[i]?.prev_hash).toBe(all[i - 1]?.hash);
    const first = all[0]!;
    expect(first).toMatchObject({
      actor_id: 'u-1',
      actor_name: '佐藤 花子 <sato@example.jp>',
      org_id: 'org-a',
      action: 'statement.save',
      ip: '192.0.2.7',
      user_agent: 'vitest',
      outcome: 'success',
    });
    expect(first.details).toBe('{"n":1,"note":"代行入力"}');
    expect(
      auditRecordHash({
        id: first.id,
        at: first.at,
        actorId: first.actor_id,
        actorName: first.actor_name,
        orgId: first.org_id,
        action: first.action,
        objectType: first.object_type,
        objectId: first.object_id,
        revision: first.revision,
        outcome: first.outcome,
        ip: first.ip,
        userAgent: first.user_agent,
        details: first.details,
        prevHash: first.prev_hash,
      }),
    ).toBe(first.hash);
    expect(await verifyAuditChain(db.kysely)).toEqual({ ok: true, checked: 5 });
    expect(await verifyAuditChain(db.kysely, { orgId: 'org-b' })).toEqual({ ok: true, checked: 2 });
  });

  it('is append-only in the database: UPDATE and DELETE are refused', async () => {
    await appendFive();
    await expect(
      db.kysely.updateTable('audit_events').set({ details: '{}' }).where('id', 'is not', null).execute(),
    ).rejects.toThrow(AUDIT_APPEND_ONLY_MESSAGE);
    await expect(db.kysely.deleteFrom('audit_events').execute()).rejects.toThrow(AUDIT_APPEND_ONLY_MESSAGE);
    if (db.dialect === 'postgres') {
      await expect(sql`TRUNCATE audit_events`.execute(db.kysely)).rejects.toThrow(AUDIT_APPEND_ONLY_MESSAGE);
    }
    expect((await rows()).length).toBe(5);
  });

  it('writes nothing when the transaction it belongs to fails', async () => {
    await appendFive();
    await expect(
      db.kysely.transaction().execute(async (trx) => {
        await writeAudit(trx, event(6));
        throw new Error('the change failed after its audit record was written');
      }),
    ).rejects.toThrow('the change failed');
    expect((await rows()).length).toBe(5);
    // The next record chains to the last committed one.
    await writeAudit(db.kysely, event(7));
    expect(await verifyAuditChain(db.kysely)).toEqual({ ok: true, checked: 6 });
  });

  it('detects a record changed in place', async () => {
    await appendFive();
    await disableGuards();
    await db.kysely
      .updateTable('audit_events')
      .set({ details: '{"n":3,"note":"改ざん"}' })
      .where('seq', '=', 3)
      .execute();
    expect(await verifyAuditChain(db.kysely)).toEqual({
      ok: false,
      checked: 2,
      firstBroken: { seq: 3, reason: 'changed' },
    });
  });

  it('detects a record changed with its own hash recomputed, at the next record', async () => {
    await appendFive();
    await disableGuards();
    const r = (await rows())[2]!;
    const forged = { ...r, actor_name: '別人 <other@example.jp>' };
    const hash = auditRecordHash({
      id: forged.id,
      at: forged.at,
      actorId: forged.actor_id,
      actorName: forged.actor_name,
      orgId: forged.org_id,
      action: forged.action,
      objectType: forged.object_type,
      objectId: forged.object_id,
      revision: forged.revision,
      outcome: forged.outcome,
      ip: forged.ip,
      userAgent: forged.user_agent,
      details: forged.details,
      prevHash: forged.prev_hash,
    });
    await db.kysely
      .updateTable('audit_events')
      .set({ actor_name: forged.actor_name, hash })
      .where('seq', '=', 3)
      .execute();
    expect((await verifyAuditChain(db.kysely)).firstBroken).toEqual({ seq: 4, reason: 'deleted' });
  });

  it('detects a deleted record', async () => {
    await appendFive();
    await disableGuards();
    await db.kysely.deleteFrom('audit_events').where('seq', '=', 2).execute();
    expect(await verifyAuditChain(db.kysely)).toEqual({
      ok: false,
      checked: 1,
      firstBroken: { seq: 3, reason: 'deleted' },
    });
  });

  it('detects the first record deleted', async () => {
    await appendFive();
    await disableGuards();
    await db.kysely.deleteFrom('audit_events').where('seq', '=', 1).execute();
    expect((await verifyAuditChain(db.kysely)).firstBroken).toEqual({ seq: 2, reason: 'deleted' });
  });

  it('detects reordered records', async () => {
    await appendFive();
    await disableGuards();
    // Swap the contents of positions 2 and 3 (seq itself is an identity column on PostgreSQL).
    const all = await rows();
    const a = all[1]!;
    const b = all[2]!;
    const content = (r: typeof a) => ({
      id: r.id,
      at: r.at,
      actor_id: r.actor_id,
      actor_name: r.actor_name,
      org_id: r.org_id,
      action: r.action,
      object_type: r.object_type,
      object_id: r.object_id,
      revision: r.revision,
      outcome: r.outcome,
      ip: r.ip,
      user_agent: r.user_agent,
      details: r.details,
      prev_hash: r.prev_hash,
      hash: r.hash,
    });
    await db.kysely.updateTable('audit_events').set({ id: 'tmp', hash: 'tmp' }).where('seq', '=', 2).execute();
    await db.kysely.updateTable('audit_events').set(content(a)).where('seq', '=', 3).execute();
    await db.kysely.updateTable('audit_events').set(content(b)).where('seq', '=', 2).execute();
    expect(await verifyAuditChain(db.kysely)).toEqual({
      ok: false,
      checked: 1,
      firstBroken: { seq: 2, reason: 'reordered' },
    });
  });

  it('keeps one unbroken chain under concurrent appends', async () => {
    await Promise.all(
      Array.from({ length: 12 }, (_, n) =>
        db.kysely.transaction().execute(async (trx) => {
          await sql`SELECT 1`.execute(trx);
          await writeAudit(trx, event(n));
        }),
      ),
    );
    const all = await rows();
    expect(all.length).toBe(12);
    expect(new Set(all.map((r) => r.prev_hash)).size).toBe(12);
    expect(await verifyAuditChain(db.kysely)).toEqual({ ok: true, checked: 12 });
  });

  it('walks a trail longer than one batch', async () => {
    await db.kysely.transaction().execute(async (trx) => {
      for (let n = 0; n < 1005; n++) await writeAudit(trx, event(n, null));
    });
    expect(await verifyAuditChain(db.kysely)).toEqual({ ok: true, checked: 1005 });
  });
});
