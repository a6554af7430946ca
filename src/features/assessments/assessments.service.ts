import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Statement } from '../../domain/statement.js';
import type { TemplateLookup } from '../../domain/validation.js';
import {
  basisOf,
  compareDrafts,
  openRisk,
  summarize,
  validateRiskUpdate,
  type Risk,
} from '../../domain/risk/assessment.js';
import { builtinCatalogueFor, catalogueEntryFor } from '../../domain/risk/catalogue.js';
import { draftRisks, type DraftResult, type DraftRisk, type FilteredRow } from '../../domain/risk/drafting.js';
import { CONNECTIONS, type Connection, type SystemProfile } from '../../domain/risk/profile.js';
import {
  defaultMethod,
  formatFieldError,
  score,
  validateMethod,
  type FieldError,
  type ScoringMethod,
} from '../../domain/risk/scoring.js';
import { canonicalContent } from '../../db/hash.js';
import type { Database } from '../../db/schema.js';
import { notFound, requireAccess, requireUser } from '../../security/access.js';
import { writeAudit, type AuditAction } from '../../security/audit.js';
import type { RequestContext } from '../../security/context.js';
import { AppError } from '../../server/errors.js';
import { requireOrgKind } from '../requests/org-kind.js';
import { timeSource } from '../statements/statements.workflow.js';
import type { AssessmentSummary, CreateAssessmentInput } from './assessments.schema.js';
import { listAlerts, resolveAlerts } from './alerts.repository.js';
import { registerXlsx, type RegisterHeader, type RegisterRow } from './register-xlsx.js';

type Trx = Transaction<Database>;
type Queryable = Kysely<Database> | Trx;

export interface AssessmentDeps {
  templates: TemplateLookup;
}

function invalid(errors: FieldError[], prefix = ''): AppError {
  return new AppError('invalid-input', {
    message: errors.map((e) => `${prefix}${formatFieldError(e)}`).join('; '),
    details: { errors },
  });
}

interface SystemRow {
  id: string;
  name: string;
  patient_data: number;
  connections: string;
  department: string;
  location: string;
  owner: string;
}

function profileOf(s: SystemRow): SystemProfile {
  const parsed = JSON.parse(s.connections) as unknown;
  const connections = (Array.isArray(parsed) ? parsed : []).filter((c): c is Connection =>
    (CONNECTIONS as readonly unknown[]).includes(c),
  );
  return {
    patientData: s.patient_data === 1,
    connections,
    department: s.department,
    location: s.location,
    owner: s.owner,
  };
}

async function systemsInScope(db: Queryable, orgId: string, systemId: string | null): Promise<SystemRow[]> {
  let q = db
    .selectFrom('systems')
    .select(['id', 'name', 'patient_data', 'connections', 'department', 'location', 'owner'])
    .where('org_id', '=', orgId);
  if (systemId !== null) q = q.where('id', '=', systemId);
  return q.orderBy('name').execute();
}

/** Drafts every system in scope from the statements it relies on. */
export async function draftScope(
  db: Queryable,
  deps: AssessmentDeps,
  orgId: string,
  systemId: string | null,
  method: ScoringMethod,
): Promise<{
  results: Array<{ result: DraftResult; sourceId: string }>;
  withoutStatement: Array<{ id: string; name: string }>;
}> {
  const systems = await systemsInScope(db, orgId, systemId);
  const links = await db
    .selectFrom('system_statements as l')
    .innerJoin('statement_sources as s', 's.id', 'l.source_id')
    .select(['l.system_id', 's.id', 's.content'])
    .where('s.org_id', '=', orgId)
    .orderBy('l.added_at')
    .execute();
  const results: Array<{ result: DraftResult; sourceId: string }> = [];
  const withoutStatement: Array<{ id: string; name: string }> = [];
  for (const system of systems) {
    const mine = links.filter((l) => l.system_id === system.id);
    let drafted = false;
    for (const link of mine) {
      const statement = JSON.parse(link.content) as Statement;
      const template = deps.templates.get(statement.template.id, statement.template.edition);
      if (template === undefined) continue;
      const catalogue = builtinCatalogueFor(statement.template);
      const result = draftRisks({
        template,
        statement,
        profile: profileOf(system),
        catalogue: (q) => (catalogue === undefined ? undefined : catalogueEntryFor(catalogue, q.rowId, template)),
        system: { id: system.id, name: system.name },
        options: { method },
      });
      results.push({ result, sourceId: link.id });
      drafted = true;
    }
    if (!drafted) withoutStatement.push({ id: system.id, name: system.name });
  }
  return { results, withoutStatement };
}

export function methodOf(text: string): ScoringMethod {
  return JSON.parse(text) as ScoringMethod;
}

export async function requireAssessment(db: Queryable, orgId: string, id: string) {
  const row = await db
    .selectFrom('assessments as a')
    .leftJoin('systems as s', 's.id', 'a.system_id')
    .leftJoin('users as u', 'u.id', 'a.accepted_by')
    .selectAll('a')
    .select(['s.name as system_name', 'u.display_name as accepted_by_name'])
    .select(openAlertCount)
    .where('a.org_id', '=', orgId)
    .where('a.id', '=', id)
    .executeTakeFirst();
  if (row === undefined) throw notFound({ orgId, describe: 'assessment' });
  return row;
}

/** The number of the assessment (aliased `a`)'s alerts nobody resolved yet (a new revision arrived). */
const openAlertCount = sql<number | string>`(select count(*) from assessment_alerts x
  where x.assessment_id = a.id and x.resolved_at is null)`.as('open_alerts');

export type AssessmentRecord = Awaited<ReturnType<typeof requireAssessment>>;

export function summaryOf(a: AssessmentRecord, risks: number): AssessmentSummary {
  return {
    id: a.id,
    title: a.title,
    scope: a.scope,
    system: a.system_id === null ? null : { id: a.system_id, name: a.system_name ?? '' },
    status: a.status,
    method: JSON.parse(a.method) as unknown,
    risks,
    accepted:
      a.status === 'accepted'
        ? {
            by: a.accepted_by_name ?? '',
            at: a.accepted_at ?? '',
            timeSource: a.time_source ?? '',
            contentHash: a.content_hash ?? '',
          }
        : null,
    createdAt: a.created_at,
    updatedAt: a.updated_at,
    openAlerts: Number(a.open_alerts ?? 0),
    supersedes: a.supersedes,
  };
}

export async function insertDrafts(
  trx: Trx,
  assessmentId: string,
  drafts: Array<{ draft: DraftRisk; sourceId: string }>,
  at: string,
): Promise<void> {
  for (const { draft, sourceId } of drafts) {
    await trx
      .insertInto('risks')
      .values({
        id: randomUUID(),
        assessment_id: assessmentId,
        system_id: draft.systemId,
        source_id: sourceId,
        key: draft.key,
        draft: JSON.stringify(draft),
        record: JSON.stringify(openRisk(draft)),
        created_at: at,
        updated_at: at,
      })
      .execute();
  }
}

/** Creates an assessment of one system or the facility and drafts its risks from the statements relied on. */
export async function createAssessment(
  db: Kysely<Database>,
  deps: AssessmentDeps,
  ctx: RequestContext,
  orgId: string,
  input: CreateAssessmentInput,
): Promise<AssessmentSummary> {
  const membership = requireAccess(ctx.actor, 'inventory.write', { orgId, describe: 'organization' });
  requireOrgKind(membership, 'hospital', 'inventory.write', 'assess risks');
  const user = requireUser(ctx.actor);
  let method = defaultMethod('asset-threat-vulnerability');
  if (input.method !== undefined) {
    const m = validateMethod(input.method);
    if (!m.ok) throw invalid(m.errors, 'method/');
    method = m.value;
  }
  if (input.scope === 'system' && input.systemId === undefined) {
    throw new AppError('invalid-input', { message: 'systemId: required when the scope is one system' });
  }
  if (input.scope === 'facility' && input.systemId !== undefined) {
    throw new AppError('invalid-input', { message: 'systemId: a facility assessment covers every system' });
  }
  const systemId = input.scope === 'system' ? (input.systemId ?? null) : null;
  const at = ctx.now();
  const id = randomUUID();
  return db.transaction().execute(async (trx) => {
    if (systemId !== null && (await systemsInScope(trx, orgId, systemId)).length === 0) {
      throw new AppError('invalid-input', { message: 'systemId: no such system in this organization' });
    }
    await trx
      .insertInto('assessments')
      .values({
        id,
        org_id: orgId,
        scope: input.scope,
        system_id: systemId,
        title: input.title.normalize('NFC').trim(),
        method: JSON.stringify(method),
        status: 'draft',
        created_by: user.userId,
        created_at: at,
        updated_at: at,
      })
      .execute();
    const { results } = await draftScope(trx, deps, orgId, systemId, method);
    const drafts = results.flatMap((r) => r.result.drafts.map((draft) => ({ draft, sourceId: r.sourceId })));
    // A system relying on two statements of the same product drafts a row once: the first statement wins.
    const seen = new Set<string>();
    const unique = drafts.filter((d) => (seen.has(d.draft.key) ? false : (seen.add(d.draft.key), true)));
    await insertDrafts(trx, id, unique, at);
    await writeAudit(trx, {
      ctx,
      orgId,
      action: 'assessment.create',
      objectType: 'assessment',
      objectId: id,
      outcome: 'success',
      details: { scope: input.scope, systemId, method: method.kind, risks: unique.length },
    });
    return summaryOf(await requireAssessment(trx, orgId, id), unique.length);
  });
}

export async function listAssessments(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
): Promise<AssessmentSummary[]> {
  requireAccess(ctx.actor, 'inventory.read', { orgId, describe: 'organization' });
  const rows = await db
    .selectFrom('assessments as a')
    .leftJoin('systems as s', 's.id', 'a.system_id')
    .leftJoin('users as u', 'u.id', 'a.accepted_by')
    .selectAll('a')
    .select(['s.name as system_name', 'u.display_name as accepted_by_name'])
    .select((eb) =>
      eb
        .selectFrom('risks as r')
        .select((r) => r.fn.countAll<number | string>().as('n'))
        .whereRef('r.assessment_id', '=', 'a.id')
        .as('risk_count'),
    )
    .select(openAlertCount)
    .where('a.org_id', '=', orgId)
    .orderBy('a.created_at', 'desc')
    .execute();
  return rows.map((r) => summaryOf(r, Number(r.risk_count ?? 0)));
}

export async function riskRows(db: Queryable, assessmentId: string) {
  return db
    .selectFrom('risks as r')
    .innerJoin('systems as s', 's.id', 'r.system_id')
    .selectAll('r')
    .select('s.name as system_name')
    .where('r.assessment_id', '=', assessmentId)
    .orderBy('s.name')
    .orderBy('r.key')
    .execute();
}

function scoreOrNull(method: ScoringMethod, rating: Risk['rating'] | null): unknown {
  if (rating === null) return null;
  try {
    return score(method, rating);
  } catch {
    return null;
  }
}

/** An assessment with its risks, the rows filtered out for each system's profile (with reasons), and its summary. */
export async function getAssessment(
  db: Kysely<Database>,
  deps: AssessmentDeps,
  ctx: RequestContext,
  orgId: string,
  id: string,
) {
  requireAccess(ctx.actor, 'inventory.read', { orgId, describe: 'assessment' });
  const a = await requireAssessment(db, orgId, id);
  const method = methodOf(a.method);
  const rows = await riskRows(db, id);
  const risks = rows.map((r) => JSON.parse(r.record) as Risk);
  const { results, withoutStatement } = await draftScope(db, deps, orgId, a.system_id, method);
  const filtered: FilteredRow[] = results.flatMap((r) => r.result.filtered);
  const alerts = await listAlerts(db, orgId, id);
  return {
    ...summaryOf(a, rows.length),
    riskList: rows.map((r, i) => ({
      id: r.id,
      systemId: r.system_id,
      systemName: r.system_name,
      draft: JSON.parse(r.draft) as unknown,
      record: risks[i],
      score: scoreOrNull(method, risks[i]!.rating),
      residualScore: scoreOrNull(method, risks[i]!.residualRating),
      reopenedReason: r.reopened_reason,
      updatedAt: r.updated_at,
    })),
    filtered,
    withoutStatement,
    summary: summarize(risks, method, new Date(ctx.now())),
    alerts,
  };
}

function requireDraftStatus(a: AssessmentRecord): void {
  if (a.status === 'accepted') {
    throw new AppError('conflict', { message: 'the assessment was accepted and is frozen; start a new one' });
  }
}

/** Records what the person decided for one risk: ratings, treatment, measure, owner, due date, status, residual. */
export async function updateRisk(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  assessmentId: string,
  riskId: string,
  update: unknown,
): Promise<{ id: string; record: Risk }> {
  requireAccess(ctx.actor, 'inventory.write', { orgId, describe: 'assessment' });
  return db.transaction().execute(async (trx) => {
    const a = await requireAssessment(trx, orgId, assessmentId);
    const row = await trx
      .selectFrom('risks')
      .selectAll()
      .where('assessment_id', '=', assessmentId)
      .where('id', '=', riskId)
      .executeTakeFirst();
    if (row === undefined) throw notFound({ orgId, describe: 'risk' });
    requireDraftStatus(a);
    const v = validateRiskUpdate(JSON.parse(row.record) as Risk, update, methodOf(a.method));
    if (!v.ok) throw invalid(v.errors);
    const at = ctx.now();
    await trx
      .updateTable('risks')
      .set({ record: JSON.stringify(v.value), reopened_reason: null, updated_at: at })
      .where('id', '=', riskId)
      .execute();
    await trx.updateTable('assessments').set({ updated_at: at }).where('id', '=', assessmentId).execute();
    await writeAudit(trx, {
      ctx,
      orgId,
      action: 'risk.update',
      objectType: 'risk',
      objectId: riskId,
      outcome: 'success',
      details: { assessmentId, key: row.key, treatment: v.value.treatment, status: v.value.status },
    });
    return { id: riskId, record: v.value };
  });
}

/** One risk a re-draft changed, added or found gone, by key. */
export type RedraftChange =
  | { key: string; kind: 'changed'; reopen: boolean; reasons: unknown[] }
  | { key: string; kind: 'added'; reason: unknown }
  | { key: string; kind: 'removed'; code: string; reason: unknown };

export interface RedraftOutcome {
  added: number;
  reopened: number;
  removed: number;
  unchanged: number;
  changes: RedraftChange[];
}

/**
 * Re-drafts a draft assessment inside the caller's transaction (the access and the status checked by the caller),
 * audited as `audit.action`: by hand (`assessment.draft`) or because a new revision arrived (`assessment.auto-redraft`).
 */
export async function redraftIn(
  trx: Trx,
  deps: AssessmentDeps,
  ctx: RequestContext,
  orgId: string,
  a: AssessmentRecord,
  audit: { action: AuditAction; actor?: { id: string | null; name: string | null }; details?: Record<string, unknown> },
): Promise<RedraftOutcome> {
  const method = methodOf(a.method);
  const rows = await riskRows(trx, a.id);
  const { results } = await draftScope(trx, deps, orgId, a.system_id, method);
  const at = ctx.now();
  let added = 0;
  let reopened = 0;
  let removed = 0;
  let unchanged = 0;
  const changes: RedraftChange[] = [];
  const inserted = new Set<string>();
  for (const { result, sourceId } of results) {
    const previousRows = rows.filter((r) => r.system_id === result.systemId);
    const previous = previousRows.map((r) => JSON.parse(r.record) as Risk);
    const cmp = compareDrafts(previous, result);
    unchanged += cmp.unchanged.length;
    for (const c of cmp.changed) {
      const row = previousRows.find((r) => r.key === c.risk.key);
      if (row === undefined) continue;
      const record: Risk = { ...c.risk, basis: basisOf(c.draft), ...(c.reopen ? { status: 'open' as const } : {}) };
      await trx
        .updateTable('risks')
        .set({
          draft: JSON.stringify(c.draft),
          record: JSON.stringify(record),
          source_id: sourceId,
          reopened_reason: c.reopen ? c.reasons.map((x) => x.message.ja).join('／') : row.reopened_reason,
          updated_at: at,
        })
        .where('id', '=', row.id)
        .execute();
      if (c.reopen) reopened++;
      changes.push({ key: c.risk.key, kind: 'changed', reopen: c.reopen, reasons: c.reasons });
    }
    // A system relying on two statements of one template drafts a new row once: the first statement wins.
    const fresh = cmp.added.filter((x) => !inserted.has(x.draft.key) && (inserted.add(x.draft.key), true));
    await insertDrafts(
      trx,
      a.id,
      fresh.map((x) => ({ draft: x.draft, sourceId })),
      at,
    );
    added += fresh.length;
    for (const x of fresh) changes.push({ key: x.draft.key, kind: 'added', reason: x.reason });
    for (const r of cmp.removed) {
      const row = previousRows.find((p) => p.key === r.risk.key);
      if (row === undefined) continue;
      await trx
        .updateTable('risks')
        .set({ reopened_reason: r.reason.ja, updated_at: at })
        .where('id', '=', row.id)
        .execute();
      removed++;
      changes.push({ key: r.risk.key, kind: 'removed', code: r.code, reason: r.reason });
    }
  }
  await trx.updateTable('assessments').set({ updated_at: at }).where('id', '=', a.id).execute();
  await writeAudit(trx, {
    ctx,
    ...(audit.actor === undefined ? {} : { actor: audit.actor }),
    orgId,
    action: audit.action,
    objectType: 'assessment',
    objectId: a.id,
    outcome: 'success',
    details: { ...audit.details, added, reopened, removed, unchanged },
  });
  return { added, reopened, removed, unchanged, changes };
}

/**
 * Drafts again from the statements relied on now (a new revision arrived): rows whose answer changed reopen their
 * risks with the reason, new gaps are added, risks the product now covers say why.
 */
export async function redraftAssessment(
  db: Kysely<Database>,
  deps: AssessmentDeps,
  ctx: RequestContext,
  orgId: string,
  assessmentId: string,
): Promise<RedraftOutcome> {
  requireAccess(ctx.actor, 'inventory.write', { orgId, describe: 'assessment' });
  return db.transaction().execute(async (trx) => {
    const a = await requireAssessment(trx, orgId, assessmentId);
    requireDraftStatus(a);
    return redraftIn(trx, deps, ctx, orgId, a, { action: 'assessment.draft' });
  });
}

/**
 * Accepts the residual risk: a named person with the right role freezes the assessment, with the server time, its
 * source and the hash of what was accepted. Every risk must be treated, and its residual risk acceptable or its
 * acceptance reasoned.
 */
export async function acceptAssessment(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  assessmentId: string,
  input: { statement?: string },
): Promise<AssessmentSummary> {
  // No kind check: assessments exist only in hospital organizations, so elsewhere the lookup answers 404.
  requireAccess(ctx.actor, 'assessment.accept', { orgId, describe: 'assessment' });
  const user = requireUser(ctx.actor);
  return db.transaction().execute(async (trx) => {
    const a = await requireAssessment(trx, orgId, assessmentId);
    requireDraftStatus(a);
    const method = methodOf(a.method);
    const rows = await riskRows(trx, assessmentId);
    const problems: string[] = [];
    for (const r of rows) {
      const risk = JSON.parse(r.record) as Risk;
      if (risk.treatment === null) {
        problems.push(`${risk.rowId} (${r.system_name}): no treatment chosen`);
        continue;
      }
      const residual = risk.residualRating ?? risk.rating;
      const residualScore = scoreOrNull(method, residual) as { acceptable: boolean } | null;
      if (residualScore === null) {
        problems.push(`${risk.rowId} (${r.system_name}): rated under another method`);
        continue;
      }
      if (!residualScore.acceptable && (risk.acceptanceReason ?? '').trim() === '') {
        problems.push(`${risk.rowId} (${r.system_name}): residual risk above the threshold without a reason`);
      }
    }
    if (problems.length > 0) {
      throw new AppError('conflict', {
        message: `the assessment cannot be accepted yet: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ''}`,
        details: { problems },
      });
    }
    const at = ctx.now();
    const { hash } = canonicalContent({
      assessment: { id: a.id, title: a.title, scope: a.scope, systemId: a.system_id, method },
      risks: rows.map((r) => ({
        key: r.key,
        draft: JSON.parse(r.draft) as unknown,
        record: JSON.parse(r.record) as unknown,
      })),
      statement: input.statement ?? null,
    });
    await trx
      .updateTable('assessments')
      .set({
        status: 'accepted',
        accepted_by: user.userId,
        accepted_at: at,
        time_source: timeSource(),
        content_hash: hash,
        updated_at: at,
      })
      .where('id', '=', assessmentId)
      .execute();
    // The re-drafts a new revision caused were reviewed with the risks they reopened.
    const resolved = await resolveAlerts(trx, assessmentId, { userId: user.userId, at });
    await writeAudit(trx, {
      ctx,
      orgId,
      action: 'assessment.accept',
      objectType: 'assessment',
      objectId: assessmentId,
      outcome: 'success',
      details: { risks: rows.length, contentHash: hash, statement: input.statement ?? null, resolvedAlerts: resolved },
    });
    return summaryOf(await requireAssessment(trx, orgId, assessmentId), rows.length);
  });
}

/** What the register (XLSX, PDF) and the 運用管理規程 draft are made of: the header and one row per risk. */
export interface RegisterData {
  header: RegisterHeader;
  rows: RegisterRow[];
}

/** Loads an assessment as its register: the organization and acceptance for the header, the risks in order. */
export async function loadRegister(
  db: Kysely<Database>,
  deps: AssessmentDeps,
  ctx: RequestContext,
  orgId: string,
  id: string,
): Promise<RegisterData> {
  const a = await getAssessment(db, deps, ctx, orgId, id);
  const org = await db.selectFrom('organizations').select('name').where('id', '=', orgId).executeTakeFirstOrThrow();
  return {
    header: {
      organization: org.name,
      title: a.title,
      status: a.status === 'accepted' ? '受容済' : '作成中',
      acceptedBy: a.accepted?.by ?? null,
      acceptedAt: a.accepted?.at ?? null,
      contentHash: a.accepted?.contentHash ?? null,
    },
    rows: a.riskList.map((r) => ({
      systemName: r.systemName,
      draft: r.draft as RegisterRow['draft'],
      record: r.record!,
      score: r.score as RegisterRow['score'],
      residualScore: r.residualScore as RegisterRow['residualScore'],
    })),
  };
}

/** The assessment's risk register (リスク登録簿) as an XLSX workbook. */
export async function assessmentRegisterXlsx(
  db: Kysely<Database>,
  deps: AssessmentDeps,
  ctx: RequestContext,
  orgId: string,
  id: string,
): Promise<{ data: Uint8Array; title: string }> {
  const { header, rows } = await loadRegister(db, deps, ctx, orgId, id);
  return { data: await registerXlsx(header, rows), title: header.title };
}
