import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { AUDIT_ACTIONS, writeAudit } from '../../security/audit.js';
import { ANONYMOUS, type RequestContext } from '../../security/context.js';
import { notify } from '../notifications/notify.js';
import { tokyoDate } from './request-view.js';
import { recordReminder, requestsDueReminder, type RequestRecord } from './requests.repository.js';

/** An open request without a due date is reminded of once it has been open this long. */
export const STALE_REQUEST_MS = 14 * 24 * 3_600_000;
/** The sweep reminds of a request at most this often (a hospital's own reminder counts). */
export const AUTOMATIC_REMINDER_INTERVAL_MS = 7 * 24 * 3_600_000;
const BATCH = 200;

async function remind(db: Kysely<Database>, r: RequestRecord, now: string, today: string): Promise<boolean> {
  const ctx: RequestContext = { actor: ANONYMOUS, ip: '', userAgent: '', now: () => now };
  const notSince = new Date(Date.parse(now) - AUTOMATIC_REMINDER_INTERVAL_MS).toISOString();
  const reason = r.dueDate !== null && r.dueDate < today ? 'past-due-date' : 'open-14-days';
  return db.transaction().execute(async (trx) => {
    // Checked again in the update: another server's sweep (or the hospital) may have reminded meanwhile.
    if (!(await recordReminder(trx, { id: r.id, at: now, notSince }))) return false;
    const about = {
      requestId: r.id,
      productName: r.productName,
      productVersion: r.productVersion,
      dueDate: r.dueDate,
      reason,
    };
    if (r.manufacturerOrgId !== null) {
      await notify(trx, {
        orgId: r.manufacturerOrgId,
        kind: 'request.reminder',
        params: { ...about, hospitalOrgId: r.hospitalOrgId, hospital: r.hospitalName, automatic: true },
        at: now,
      });
    }
    await notify(trx, {
      orgId: r.hospitalOrgId,
      kind: 'request.overdue',
      params: { ...about, manufacturerOrgId: r.manufacturerOrgId, manufacturer: r.manufacturerName },
      at: now,
    });
    await writeAudit(trx, {
      ctx,
      orgId: r.hospitalOrgId,
      action: AUDIT_ACTIONS.REQUEST_REMIND,
      objectType: 'request',
      objectId: r.id,
      outcome: 'success',
      actor: { id: null, name: null },
      details: { manufacturerOrgId: r.manufacturerOrgId, automatic: true, reason, count: r.reminderCount + 1 },
    });
    return true;
  });
}

/**
 * The overdue sweep: every open request past its due date (Japan time), or open for more than 14 days, that was
 * not reminded of in the last 7 days gets a `request.reminder` for the manufacturer (when one is attached) and a
 * `request.overdue` for the hospital, its reminder count bumped and an audit record without an actor. Each
 * request in its own transaction. Returns how many requests were reminded of.
 */
export async function sendDueReminders(db: Kysely<Database>, now: Date | string): Promise<number> {
  const at = typeof now === 'string' ? new Date(now).toISOString() : now.toISOString();
  const today = tokyoDate(at);
  const staleBefore = new Date(Date.parse(at) - STALE_REQUEST_MS).toISOString();
  const remindedBefore = new Date(Date.parse(at) - AUTOMATIC_REMINDER_INTERVAL_MS).toISOString();
  let count = 0;
  for (;;) {
    const due = await requestsDueReminder(db, { today, staleBefore, remindedBefore, limit: BATCH });
    for (const r of due) if (await remind(db, r, at, today)) count++;
    // Reminded requests drop out of the query, so the next batch holds only the rest.
    if (due.length < BATCH) return count;
  }
}
