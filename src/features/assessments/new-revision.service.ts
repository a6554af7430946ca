import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { basisOf, compareDrafts, openRisk, type Risk } from '../../domain/risk/assessment.js';
import type { Statement } from '../../domain/statement.js';
import type { Database } from '../../db/schema.js';
import { requireAccess, requireUser } from '../../security/access.js';
import { AUDIT_ACTIONS, writeAudit } from '../../security/audit.js';
import type { RequestContext } from '../../security/context.js';
import { AppError } from '../../server/errors.js';
import { notify } from '../notifications/notify.js';
import { insertAlert, resolveAlerts, type ChangedRow } from './alerts.repository.js';
import type { AssessmentSummary } from './assessments.schema.js';
import {
  draftScope,
  methodOf,
  redraftIn,
  requireAssessment,
  riskRows,
  summaryOf,
  type AssessmentDeps,
  type AssessmentRecord,
} from './assessments.service.js';

type Trx = Transaction<Database>;

/** Systems that relied on an older statement and now rely on its newer revision. */
export interface Relink {
  oldSourceId: string;
  newSourceId: string;
  systemIds: string[];
}

/** Who the audit trail names when no person acted (a manufacturer's publication reached the hospital). */
export type AuditActor = { id: string | null; name: string | null };

/** The vendor's answers that differ between two statements, in row order. */
export function changedRows(before: Statement, after: Statement): ChangedRow[] {
  const rows = new Set([...Object.keys(before.answers), ...Object.keys(after.answers)]);
  const out: ChangedRow[] = [];
  for (const rowId of rows) {
    const b = before.answers[rowId]?.answer ?? null;
    const a = after.answers[rowId]?.answer ?? null;
    if (a !== b) out.push({ rowId, before: b, after: a });
  }
  return out.sort((x, y) => x.rowId.localeCompare(y.rowId, 'en', { numeric: true }));
}

async function statementOf(trx: Trx, sourceId: string) {
  const r = await trx
    .selectFrom('statement_sources')
    .select(['content', 'manufacturer', 'product', 'product_version'])
    .where('id', '=', sourceId)
    .executeTakeFirstOrThrow();
  return { statement: JSON.parse(r.content) as Statement, ...r };
}

/** The assessment's risks with these keys. */
async function riskIds(trx: Trx, assessmentId: string, keys: readonly string[]) {
  if (keys.length === 0) return [];
  return trx
    .selectFrom('risks')
    .select(['id', 'system_id', 'key'])
    .where('assessment_id', '=', assessmentId)
    .where('key', 'in', [...new Set(keys)])
    .orderBy('key')
    .execute();
}

/** What the current statements would change in an accepted assessment, which itself stays as accepted. */
async function touchedKeysOfAccepted(trx: Trx, deps: AssessmentDeps, orgId: string, a: AssessmentRecord) {
  const rows = await riskRows(trx, a.id);
  const { results } = await draftScope(trx, deps, orgId, a.system_id, methodOf(a.method));
  const keys: string[] = [];
  for (const { result } of results) {
    const previous = rows.filter((r) => r.system_id === result.systemId).map((r) => JSON.parse(r.record) as Risk);
    const cmp = compareDrafts(previous, result);
    keys.push(...cmp.changed.map((c) => c.risk.key), ...cmp.removed.map((r) => r.risk.key));
  }
  return keys;
}

/**
 * After systems were relinked to a newer revision, inside the caller's transaction: every draft assessment covering
 * them is re-drafted (changed rows reopen with the reason), every accepted one (frozen) gets an alert instead; each
 * gets an alert per older statement naming the changed rows and the risks they touch, and the hospital's members are
 * notified. Returns the assessments re-drafted and alerted.
 */
export async function reviewAssessmentsAfterNewRevision(
  trx: Trx,
  deps: AssessmentDeps,
  ctx: RequestContext,
  input: { orgId: string; relinks: readonly Relink[]; actor?: AuditActor },
): Promise<{ redrafted: string[]; alerted: string[] }> {
  const { orgId, relinks } = input;
  const systemIds = [...new Set(relinks.flatMap((r) => r.systemIds))];
  const out = { redrafted: [] as string[], alerted: [] as string[] };
  if (systemIds.length === 0) return out;
  const assessments = await trx
    .selectFrom('assessments')
    .select('id')
    .where('org_id', '=', orgId)
    .where((eb) => eb.or([eb('scope', '=', 'facility'), eb('system_id', 'in', systemIds)]))
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const diffs = new Map<string, { rows: ChangedRow[]; manufacturer: string; product: string; version: string }>();
  for (const r of relinks) {
    const [before, after] = [await statementOf(trx, r.oldSourceId), await statementOf(trx, r.newSourceId)];
    diffs.set(`${r.oldSourceId} ${r.newSourceId}`, {
      rows: changedRows(before.statement, after.statement),
      manufacturer: after.manufacturer,
      product: after.product,
      version: after.product_version,
    });
  }
  const at = ctx.now();
  const actor = input.actor === undefined ? {} : { actor: input.actor };
  for (const { id } of assessments) {
    const a = await requireAssessment(trx, orgId, id);
    const mine = relinks.filter((r) => a.system_id === null || r.systemIds.includes(a.system_id));
    if (mine.length === 0) continue;
    const details = {
      relinks: mine.map((r) => ({ oldSourceId: r.oldSourceId, newSourceId: r.newSourceId, systems: r.systemIds })),
    };
    let keys: string[];
    const action = a.status === 'draft' ? 'redrafted' : 'review-needed';
    if (a.status === 'draft') {
      const outcome = await redraftIn(trx, deps, ctx, orgId, a, {
        action: AUDIT_ACTIONS.ASSESSMENT_AUTO_REDRAFT,
        details,
        ...actor,
      });
      keys = outcome.changes.map((c) => c.key);
      out.redrafted.push(id);
    } else {
      keys = await touchedKeysOfAccepted(trx, deps, orgId, a);
      out.alerted.push(id);
    }
    const touched = await riskIds(trx, id, keys);
    let touchedCount = 0;
    for (const r of mine) {
      const ids = touched.filter((t) => r.systemIds.includes(t.system_id)).map((t) => t.id);
      touchedCount += ids.length;
      await insertAlert(trx, {
        id: randomUUID(),
        assessmentId: id,
        orgId,
        oldSourceId: r.oldSourceId,
        newSourceId: r.newSourceId,
        changedRows: diffs.get(`${r.oldSourceId} ${r.newSourceId}`)?.rows ?? [],
        touchedRiskIds: ids,
        action,
        createdAt: at,
      });
    }
    if (a.status === 'accepted') {
      // The accepted assessment's row stays untouched (the database refuses it); the alert is the record.
      await writeAudit(trx, {
        ctx,
        ...actor,
        orgId,
        action: AUDIT_ACTIONS.ASSESSMENT_ALERT,
        objectType: 'assessment',
        objectId: id,
        outcome: 'success',
        details: { ...details, touchedRisks: touchedCount },
      });
    }
    const about = diffs.get(`${mine[0]!.oldSourceId} ${mine[0]!.newSourceId}`);
    await notify(trx, {
      orgId,
      kind: 'assessment.new-revision',
      params: {
        assessmentId: id,
        title: a.title,
        action,
        manufacturer: about?.manufacturer ?? '',
        productName: about?.product ?? '',
        productVersion: about?.version ?? '',
        touchedRisks: touchedCount,
      },
      at,
    });
  }
  return out;
}

/**
 * Starts a new draft assessment to reassess an accepted one: the same scope, system and method, drafted from the
 * statements relied on now, each risk's record carried forward by its key; risks whose row's answer changed reopen
 * with the reason. The accepted assessment stays as it was; its alerts are resolved.
 */
export async function reassessAssessment(
  db: Kysely<Database>,
  deps: AssessmentDeps,
  ctx: RequestContext,
  orgId: string,
  assessmentId: string,
): Promise<AssessmentSummary> {
  requireAccess(ctx.actor, 'inventory.write', { orgId, describe: 'assessment' });
  const user = requireUser(ctx.actor);
  return db.transaction().execute(async (trx) => {
    const old = await requireAssessment(trx, orgId, assessmentId);
    if (old.status !== 'accepted') {
      throw new AppError('conflict', {
        message: 'only an accepted assessment is reassessed; a draft is re-drafted (POST …/redraft)',
      });
    }
    const successor = await trx
      .selectFrom('assessments')
      .select('id')
      .where('org_id', '=', orgId)
      .where('supersedes', '=', assessmentId)
      .where('status', '=', 'draft')
      .executeTakeFirst();
    if (successor !== undefined) {
      throw new AppError('conflict', {
        message: `the assessment is being reassessed already (assessment ${successor.id})`,
        details: { assessmentId: successor.id },
      });
    }
    const method = methodOf(old.method);
    const at = ctx.now();
    const id = randomUUID();
    await trx
      .insertInto('assessments')
      .values({
        id,
        org_id: orgId,
        scope: old.scope,
        system_id: old.system_id,
        title: `${old.title}（再評価）`,
        method: old.method,
        status: 'draft',
        created_by: user.userId,
        created_at: at,
        updated_at: at,
        supersedes: assessmentId,
      })
      .execute();
    const previousRows = await riskRows(trx, assessmentId);
    const { results } = await draftScope(trx, deps, orgId, old.system_id, method);
    const seen = new Set<string>();
    const counts = { carried: 0, reopened: 0, added: 0, removed: 0 };
    for (const { result, sourceId } of results) {
      const previous = previousRows
        .filter((r) => r.system_id === result.systemId)
        .map((r) => JSON.parse(r.record) as Risk);
      const cmp = compareDrafts(previous, result);
      const rows = [
        ...cmp.unchanged.map((u) => ({ draft: u.draft, record: u.risk, reason: null })),
        ...cmp.changed.map((c) => ({
          draft: c.draft,
          record: { ...c.risk, basis: basisOf(c.draft), ...(c.reopen ? { status: 'open' as const } : {}) },
          reason: c.reopen ? c.reasons.map((x) => x.message.ja).join('／') : null,
        })),
        ...cmp.added.map((x) => ({ draft: x.draft, record: openRisk(x.draft), reason: null })),
      ];
      for (const r of rows) {
        // A system relying on two statements of one template drafts a row once: the first statement wins.
        if (seen.has(r.draft.key)) continue;
        seen.add(r.draft.key);
        await trx
          .insertInto('risks')
          .values({
            id: randomUUID(),
            assessment_id: id,
            system_id: r.draft.systemId,
            source_id: sourceId,
            key: r.draft.key,
            draft: JSON.stringify(r.draft),
            record: JSON.stringify(r.record),
            reopened_reason: r.reason,
            created_at: at,
            updated_at: at,
          })
          .execute();
        if (r.reason !== null) counts.reopened++;
      }
      counts.carried += cmp.unchanged.length + cmp.changed.length;
      counts.added += cmp.added.length;
      counts.removed += cmp.removed.length;
    }
    const resolvedAlerts = await resolveAlerts(trx, assessmentId, { userId: user.userId, at });
    await writeAudit(trx, {
      ctx,
      orgId,
      action: AUDIT_ACTIONS.ASSESSMENT_REASSESS,
      objectType: 'assessment',
      objectId: id,
      outcome: 'success',
      details: { supersedes: assessmentId, ...counts, resolvedAlerts },
    });
    return summaryOf(await requireAssessment(trx, orgId, id), seen.size);
  });
}
