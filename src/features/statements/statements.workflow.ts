import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { carryForward, type CarryForwardReport } from '../../domain/carry-forward.js';
import { diffStatements, type StatementDiff } from '../../domain/diff.js';
import { mappingByRowId } from '../../domain/edition-mapping.js';
import { normalizeStatement } from '../../domain/normalize.js';
import { emptyStatement, type Statement, type StatementStatus } from '../../domain/statement.js';
import type { TemplateRegistry } from '../../domain/templates/registry.js';
import { validateStatement, type ValidationResult } from '../../domain/validation.js';
import { StoreError } from '../../db/errors.js';
import type { Database } from '../../db/schema.js';
import { notFound, requireAccess, requireUser } from '../../security/access.js';
import { writeAudit } from '../../security/audit.js';
import type { RequestContext } from '../../security/context.js';
import { AppError } from '../../server/errors.js';
import { findProductVersion } from '../products/products.repository.js';
import { findRevision, listRevisions, type RevisionRecord, type RevisionSummary } from './statements.repository.js';
import {
  findOrgStatementRow,
  insertProxyEntries,
  listOrgStatementRows,
  listProxyEntries,
  memberRole,
  revisionWorkflow,
  setResponsibleUser,
  setRevisionWorkflow,
  setStatementOwnership,
  userRefs,
  type OrgStatementRow,
  type UserRef,
} from './statements.queries.js';
import {
  changeRevisionStatus,
  createStatement,
  finalizeRevision,
  inTransaction,
  saveDraft,
  startRevision,
} from './statements.service.js';

/** The clock that finalization reads, named on every finalized revision (確定日時の時刻源). */
export function timeSource(): string {
  return process.env['OPENMDS_TIME_SOURCE'] ?? 'server clock (UTC system time of the OpenMDS host, kept by NTP)';
}

export interface StatementSummary {
  id: string;
  product: { id: string; name: string };
  productVersion: { id: string; version: string };
  template: { id: string; edition: string; title: { ja?: string; en?: string } };
  currentRevision: number;
  status: StatementStatus;
  responsible: UserRef | null;
  progress: { answered: number; applicable: number };
  updatedAt: string;
}

export interface ProxyEntryView {
  row: string;
  enteredBy: UserRef | null;
  onBehalfOf: UserRef | null;
  at: string;
  answer: string | null;
  remarks: number[] | null;
}

export interface RevisionView {
  revision: number;
  status: StatementStatus;
  version: number;
  createdAt: string;
  updatedAt: string;
  submittedAt: string | null;
  finalizedAt: string | null;
  contentHash: string;
}

export interface RevisionDetailView extends RevisionView {
  content: Statement;
  validation: ValidationResult;
  responsible: UserRef | null;
  approver: UserRef | null;
  submittedBy: UserRef | null;
  savedBy: UserRef | null;
  timeSource: string | null;
  proxyEntries: ProxyEntryView[];
  /** Proxy entries made after the responsible person last confirmed them. */
  proxyPending: number;
  proxyConfirmedAt: string | null;
  returnedReason: string | null;
}

export interface StatementDetailView extends StatementSummary {
  revisions: RevisionView[];
  latest: RevisionDetailView;
  carryForward?: CarryForwardReport;
}

type Trx = Transaction<Database>;

/** Store errors become API errors; anything else passes through. */
function mapStoreError(e: unknown): never {
  if (e instanceof StoreError) {
    switch (e.code) {
      case 'not-found':
        throw new AppError('not-found', { message: e.message });
      case 'conflict':
      case 'immutable':
        throw new AppError('conflict', { message: e.message });
      case 'invalid':
        throw new AppError('invalid-input', {
          message: e.message,
          ...(e.issues === undefined ? {} : { details: { issues: e.issues } }),
        });
    }
  }
  throw e;
}

async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    return mapStoreError(e);
  }
}

function progressOf(v: ValidationResult): { answered: number; applicable: number } {
  const c = v.counts;
  const answered = c.yes + c.no + c.na + c.other;
  return { answered, applicable: answered + c.unanswered };
}

async function requireStatementIn(trx: Trx, orgId: string, id: string): Promise<OrgStatementRow> {
  const row = await findOrgStatementRow(trx, orgId, id);
  if (row === undefined) throw notFound({ orgId, describe: 'statement' });
  return row;
}

async function requireRevisionOf(trx: Trx, id: string, revision: number): Promise<RevisionRecord> {
  const r = await findRevision(trx, id, revision);
  if (r === undefined) throw new AppError('not-found', { message: `statement has no revision ${revision}` });
  return r;
}

function view(r: RevisionSummary, submittedAt: string | null): RevisionView {
  return {
    revision: r.revision,
    status: r.status,
    version: r.version,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    submittedAt,
    finalizedAt: r.finalizedAt,
    contentHash: r.contentHash,
  };
}

async function revisionDetail(
  trx: Trx,
  row: OrgStatementRow,
  r: RevisionRecord,
  templates: TemplateRegistry,
): Promise<RevisionDetailView> {
  const wf = await revisionWorkflow(trx, row.id, r.revision);
  const proxies = await listProxyEntries(trx, row.id, r.revision);
  const users = await userRefs(trx, [
    row.responsibleUserId,
    wf?.responsible_user_id,
    wf?.finalized_by,
    wf?.submitted_by,
    wf?.saved_by,
    ...proxies.flatMap((p) => [p.enteredBy, p.onBehalfOf]),
  ]);
  const ref = (id: string | null | undefined): UserRef | null =>
    id === null || id === undefined ? null : (users.get(id) ?? null);
  const confirmedAt = wf?.proxy_confirmed_at ?? null;
  const responsibleId =
    r.status === 'draft' || r.status === 'in-review'
      ? row.responsibleUserId
      : (wf?.responsible_user_id ?? row.responsibleUserId);
  return {
    ...view(r, wf?.submitted_at ?? null),
    content: r.content,
    validation: validateStatement(r.content, templates, { final: true }),
    responsible: ref(responsibleId),
    approver: ref(r.finalizedBy),
    submittedBy: ref(wf?.submitted_by),
    savedBy: ref(wf?.saved_by),
    timeSource: wf?.time_source ?? null,
    proxyEntries: proxies.map((p) => ({
      row: p.row,
      enteredBy: ref(p.enteredBy),
      onBehalfOf: ref(p.onBehalfOf),
      at: p.at,
      answer: p.answer,
      remarks: p.remarks,
    })),
    proxyPending: proxies.filter((p) => confirmedAt === null || p.at > confirmedAt).length,
    proxyConfirmedAt: confirmedAt,
    returnedReason: wf?.returned_reason ?? null,
  };
}

function summary(
  row: OrgStatementRow,
  latest: Statement,
  templates: TemplateRegistry,
  users: Map<string, UserRef>,
): StatementSummary {
  const t = templates.get(row.templateId, row.templateEdition);
  return {
    id: row.id,
    product: { id: row.productId, name: row.productName },
    productVersion: { id: row.versionId, version: row.version },
    template: { id: row.templateId, edition: row.templateEdition, title: t?.template.title ?? { ja: row.templateId } },
    currentRevision: row.currentRevision,
    status: row.status,
    responsible: row.responsibleUserId === null ? null : (users.get(row.responsibleUserId) ?? null),
    progress: progressOf(validateStatement(latest, templates)),
    updatedAt: row.updatedAt,
  };
}

async function detail(trx: Trx, orgId: string, id: string, templates: TemplateRegistry): Promise<StatementDetailView> {
  const row = await requireStatementIn(trx, orgId, id);
  const revisions = await listRevisions(trx, id);
  const latest = await requireRevisionOf(trx, id, row.currentRevision);
  const submitted = new Map<number, string | null>();
  for (const r of revisions)
    submitted.set(r.revision, (await revisionWorkflow(trx, id, r.revision))?.submitted_at ?? null);
  const users = await userRefs(trx, [row.responsibleUserId]);
  return {
    ...summary(row, latest.content, templates, users),
    revisions: revisions.map((r) => view(r, submitted.get(r.revision) ?? null)),
    latest: await revisionDetail(trx, row, latest, templates),
  };
}

/** Today's date in Japan, for the 作成日 of a new statement. */
function tokyoDate(iso: string): string {
  return new Date(Date.parse(iso) + 9 * 3600_000).toISOString().slice(0, 10);
}

export interface WorkflowDeps {
  db: Kysely<Database>;
  templates: TemplateRegistry;
}

/** The organization's statements, newest first. Reading the list is audited like reading a statement. */
export async function listOrgStatements(
  deps: WorkflowDeps,
  ctx: RequestContext,
  orgId: string,
): Promise<StatementSummary[]> {
  requireAccess(ctx.actor, 'statement.read', { orgId, describe: 'organization' });
  return deps.db.transaction().execute(async (trx) => {
    const rows = await listOrgStatementRows(trx, orgId);
    const users = await userRefs(
      trx,
      rows.map((r) => r.responsibleUserId),
    );
    const out: StatementSummary[] = [];
    for (const row of rows) {
      const latest = await requireRevisionOf(trx, row.id, row.currentRevision);
      out.push(summary(row, latest.content, deps.templates, users));
    }
    await writeAudit(trx, {
      ctx,
      orgId,
      action: 'statement.list',
      objectType: 'statement',
      objectId: null,
      outcome: 'success',
      details: { count: out.length },
    });
    return out;
  });
}

export interface CreateInput {
  productVersionId: string;
  template?: { id: string; edition: string };
  carryForwardFrom?: string;
}

/** A new statement for a product version: empty on a template edition, or carried forward from another statement. */
export async function createOrgStatement(
  deps: WorkflowDeps,
  ctx: RequestContext,
  orgId: string,
  input: CreateInput,
): Promise<StatementDetailView> {
  const membership = requireAccess(ctx.actor, 'statement.write', { orgId, describe: 'organization' });
  const user = requireUser(ctx.actor);
  const at = ctx.now();
  return guarded(() =>
    deps.db.transaction().execute(async (trx) => {
      const pv = await findProductVersion(trx, orgId, input.productVersionId);
      if (pv === undefined) throw new AppError('not-found', { message: 'productVersionId: product version not found' });
      const header = {
        manufacturer: membership.orgName,
        product: pv.productName,
        productVersion: pv.version,
        date: tokyoDate(at),
      };
      let content: Statement;
      let report: CarryForwardReport | undefined;
      if (input.carryForwardFrom !== undefined) {
        const source = await findOrgStatementRow(trx, orgId, input.carryForwardFrom);
        if (source === undefined) throw new AppError('not-found', { message: 'carryForwardFrom: statement not found' });
        const from = deps.templates.get(source.templateId, source.templateEdition);
        const target = input.template ?? { id: source.templateId, edition: source.templateEdition };
        const to = deps.templates.get(target.id, target.edition);
        if (from === undefined || to === undefined) {
          throw new AppError('invalid-input', { message: `template: ${target.id}@${target.edition} is not known` });
        }
        const src = await requireRevisionOf(trx, source.id, source.currentRevision);
        const carried = carryForward(src.content, from, to, mappingByRowId(from, to), at);
        if (!carried.ok)
          throw new AppError('invalid-input', { message: `carryForwardFrom: ${carried.problems.join('; ')}` });
        content = { ...carried.statement, header: { ...carried.statement.header, ...header } };
        report = carried.report;
      } else {
        if (input.template === undefined)
          throw new AppError('invalid-input', { message: 'template: is required (or carryForwardFrom)' });
        const t = deps.templates.get(input.template.id, input.template.edition);
        if (t === undefined)
          throw new AppError('invalid-input', {
            message: `template: ${input.template.id}@${input.template.edition} is not known`,
          });
        content = { ...emptyStatement(t.template), header };
      }
      const ref = await createStatement(trx, {
        statement: normalizeStatement(content, deps.templates.get(content.template.id, content.template.edition)),
        templates: deps.templates,
        at,
      });
      await setStatementOwnership(trx, ref.id, {
        orgId,
        productVersionId: pv.id,
        responsibleUserId: user.userId,
        createdBy: user.userId,
      });
      await writeAudit(trx, {
        ctx,
        orgId,
        action: 'statement.create',
        objectType: 'statement',
        objectId: ref.id,
        revision: 1,
        outcome: 'success',
        details: {
          template: `${content.template.id}@${content.template.edition}`,
          productVersionId: pv.id,
          ...(input.carryForwardFrom === undefined ? {} : { carriedFrom: input.carryForwardFrom }),
        },
      });
      const d = await detail(trx, orgId, ref.id, deps.templates);
      return report === undefined ? d : { ...d, carryForward: report };
    }),
  );
}

/** One statement with its history and its newest revision; the read is audited. */
export async function getOrgStatement(
  deps: WorkflowDeps,
  ctx: RequestContext,
  orgId: string,
  id: string,
): Promise<StatementDetailView> {
  requireAccess(ctx.actor, 'statement.read', { orgId, describe: 'statement' });
  return deps.db.transaction().execute(async (trx) => {
    const d = await detail(trx, orgId, id, deps.templates);
    await writeAudit(trx, {
      ctx,
      orgId,
      action: 'statement.read',
      objectType: 'statement',
      objectId: id,
      revision: d.currentRevision,
      outcome: 'success',
    });
    return d;
  });
}

/** Names the 作成責任者: a member who may write or approve. */
export async function setStatementResponsible(
  deps: WorkflowDeps,
  ctx: RequestContext,
  orgId: string,
  id: string,
  userId: string,
): Promise<StatementDetailView> {
  requireAccess(ctx.actor, 'statement.write', { orgId, describe: 'statement' });
  return deps.db.transaction().execute(async (trx) => {
    await requireStatementIn(trx, orgId, id);
    const role = await memberRole(trx, orgId, userId);
    if (role === undefined || !['owner', 'editor', 'approver'].includes(role)) {
      throw new AppError('invalid-input', {
        message: 'responsibleUserId: must be a member with the owner, editor or approver role',
      });
    }
    await setResponsibleUser(trx, id, userId, ctx.now());
    await writeAudit(trx, {
      ctx,
      orgId,
      action: 'statement.responsible-change',
      objectType: 'statement',
      objectId: id,
      outcome: 'success',
      details: { responsibleUserId: userId },
    });
    return detail(trx, orgId, id, deps.templates);
  });
}

export interface SaveResult {
  version: number;
  validation: ValidationResult;
  proxyEntries: number;
}

/**
 * Saves the open draft. A save on a stale version is a conflict carrying the server's content and what differs
 * from the caller's (before = the caller's, after = the server's). When someone other than the responsible person
 * saves, every row they changed is recorded as a proxy entry, and the responsible person must confirm again.
 */
export async function saveOrgRevision(
  deps: WorkflowDeps,
  ctx: RequestContext,
  orgId: string,
  id: string,
  revision: number,
  input: { expectedVersion: number; content: Statement },
): Promise<SaveResult> {
  requireAccess(ctx.actor, 'statement.write', { orgId, describe: 'statement' });
  const user = requireUser(ctx.actor);
  const at = ctx.now();
  return guarded(() =>
    deps.db.transaction().execute(async (trx) => {
      const row = await requireStatementIn(trx, orgId, id);
      const current = await requireRevisionOf(trx, id, revision);
      if (current.status !== 'draft') {
        throw new AppError('conflict', {
          message: `revision ${revision} is ${current.status}; ${current.status === 'in-review' ? 'return it to draft to edit it' : 'start a new revision to edit'}`,
        });
      }
      const compiled = deps.templates.get(row.templateId, row.templateEdition);
      const content = normalizeStatement({ ...input.content, status: 'draft', revision }, compiled);
      if (current.version !== input.expectedVersion) {
        const wf = await revisionWorkflow(trx, id, revision);
        const savedBy = (await userRefs(trx, [wf?.saved_by])).get(wf?.saved_by ?? '') ?? null;
        throw new AppError('conflict', {
          message: `revision ${revision} was saved by ${savedBy?.displayName ?? 'someone else'} since you loaded it (version ${current.version}, you had ${input.expectedVersion})`,
          details: {
            current: { version: current.version, content: current.content, savedBy, savedAt: current.updatedAt },
            changes: diffStatements(content, current.content, compiled).rows,
          },
        });
      }
      let proxies = 0;
      if (row.responsibleUserId !== null && row.responsibleUserId !== user.userId) {
        const changed = diffStatements(current.content, content, compiled).rows;
        await insertProxyEntries(
          trx,
          changed.map((c) => ({
            id: randomUUID(),
            statementId: id,
            revision,
            row: c.row,
            enteredBy: user.userId,
            onBehalfOf: row.responsibleUserId as string,
            at,
            answer: c.after?.answer ?? null,
            remarks: c.after?.remarks ?? null,
          })),
        );
        proxies = changed.length;
      }
      const saved = await saveDraft(trx, {
        id,
        revision,
        expectedVersion: input.expectedVersion,
        statement: content,
        templates: deps.templates,
        at,
      });
      await setRevisionWorkflow(trx, id, revision, {
        saved_by: user.userId,
        ...(proxies > 0 ? { proxy_confirmed_at: null, proxy_confirmed_by: null } : {}),
      });
      await writeAudit(trx, {
        ctx,
        orgId,
        action: 'statement.save',
        objectType: 'statement',
        objectId: id,
        revision,
        outcome: 'success',
        details: { version: saved.version, proxyEntries: proxies },
      });
      return { version: saved.version, validation: validateStatement(content, deps.templates), proxyEntries: proxies };
    }),
  );
}

async function openRevision(
  trx: Trx,
  orgId: string,
  id: string,
  revision: number,
  status: StatementStatus,
  expectedVersion?: number,
) {
  const row = await requireStatementIn(trx, orgId, id);
  const current = await requireRevisionOf(trx, id, revision);
  if (current.status !== status)
    throw new AppError('conflict', { message: `revision ${revision} is ${current.status}, not ${status}` });
  if (expectedVersion !== undefined && current.version !== expectedVersion) {
    throw new AppError('conflict', {
      message: `revision ${revision} changed since you loaded it (version ${current.version}, you had ${expectedVersion})`,
    });
  }
  return { row, current };
}

/** Draft → in review, once it passes final validation. */
export async function submitOrgRevision(
  deps: WorkflowDeps,
  ctx: RequestContext,
  orgId: string,
  id: string,
  revision: number,
  expectedVersion: number,
): Promise<StatementDetailView> {
  requireAccess(ctx.actor, 'statement.submit', { orgId, describe: 'statement' });
  const user = requireUser(ctx.actor);
  return guarded(() =>
    deps.db.transaction().execute(async (trx) => {
      const { current } = await openRevision(trx, orgId, id, revision, 'draft', expectedVersion);
      const v = validateStatement(current.content, deps.templates, { final: true });
      if (!v.valid) {
        const errors = v.issues.filter((i) => i.severity === 'error');
        throw new AppError('invalid-input', {
          message: `the statement is not complete: ${errors.length} error(s), e.g. ${errors[0]?.message.en ?? ''}`,
          details: { issues: v.issues },
        });
      }
      await changeRevisionStatus(trx, { id, revision, to: 'in-review', at: ctx.now() });
      await setRevisionWorkflow(trx, id, revision, {
        submitted_at: ctx.now(),
        submitted_by: user.userId,
        returned_reason: null,
      });
      await writeAudit(trx, {
        ctx,
        orgId,
        action: 'statement.submit',
        objectType: 'statement',
        objectId: id,
        revision,
        outcome: 'success',
      });
      return detail(trx, orgId, id, deps.templates);
    }),
  );
}

/** In review → draft, with the approver's reason. */
export async function returnOrgRevision(
  deps: WorkflowDeps,
  ctx: RequestContext,
  orgId: string,
  id: string,
  revision: number,
  reason: string,
): Promise<StatementDetailView> {
  requireAccess(ctx.actor, 'statement.review', { orgId, describe: 'statement' });
  const text = reason.normalize('NFC').trim();
  if (text === '') throw new AppError('invalid-input', { message: 'reason: must not be blank' });
  return guarded(() =>
    deps.db.transaction().execute(async (trx) => {
      await openRevision(trx, orgId, id, revision, 'in-review');
      await changeRevisionStatus(trx, { id, revision, to: 'draft', at: ctx.now() });
      await setRevisionWorkflow(trx, id, revision, { returned_reason: text, submitted_at: null, submitted_by: null });
      await writeAudit(trx, {
        ctx,
        orgId,
        action: 'statement.return',
        objectType: 'statement',
        objectId: id,
        revision,
        outcome: 'success',
        details: { reason: text },
      });
      return detail(trx, orgId, id, deps.templates);
    }),
  );
}

/** The responsible person confirms the answers entered on their behalf (代行入力の承認). */
export async function confirmOrgProxy(
  deps: WorkflowDeps,
  ctx: RequestContext,
  orgId: string,
  id: string,
  revision: number,
): Promise<StatementDetailView> {
  requireAccess(ctx.actor, 'statement.read', { orgId, describe: 'statement' });
  const user = requireUser(ctx.actor);
  return guarded(() =>
    deps.db.transaction().execute(async (trx) => {
      const row = await requireStatementIn(trx, orgId, id);
      if (row.responsibleUserId !== user.userId) {
        throw new AppError('forbidden', { message: 'only the responsible person (作成責任者) confirms proxy entries' });
      }
      const current = await requireRevisionOf(trx, id, revision);
      if (current.status !== 'draft' && current.status !== 'in-review') {
        throw new AppError('conflict', { message: `revision ${revision} is ${current.status}` });
      }
      await setRevisionWorkflow(trx, id, revision, { proxy_confirmed_at: ctx.now(), proxy_confirmed_by: user.userId });
      await writeAudit(trx, {
        ctx,
        orgId,
        action: 'statement.proxy-confirm',
        objectType: 'statement',
        objectId: id,
        revision,
        outcome: 'success',
      });
      return detail(trx, orgId, id, deps.templates);
    }),
  );
}

/**
 * In review → finalized by an approver. Records the responsible person, the approver, the server time and its
 * source, and the content hash; refused while proxy entries await the responsible person's confirmation.
 */
export async function finalizeOrgRevision(
  deps: WorkflowDeps,
  ctx: RequestContext,
  orgId: string,
  id: string,
  revision: number,
  expectedVersion: number,
): Promise<StatementDetailView> {
  requireAccess(ctx.actor, 'statement.finalize', { orgId, describe: 'statement' });
  const user = requireUser(ctx.actor);
  return guarded(() =>
    deps.db.transaction().execute(async (trx) => {
      const { row } = await openRevision(trx, orgId, id, revision, 'in-review', expectedVersion);
      const wf = await revisionWorkflow(trx, id, revision);
      const confirmedAt = wf?.proxy_confirmed_at ?? null;
      const pending = (await listProxyEntries(trx, id, revision)).filter(
        (p) => confirmedAt === null || p.at > confirmedAt,
      );
      if (pending.length > 0) {
        throw new AppError('conflict', {
          message: `${pending.length} proxy entr${pending.length === 1 ? 'y awaits' : 'ies await'} the responsible person's confirmation (代行入力の承認待ち)`,
        });
      }
      const at = ctx.now();
      // Recorded before finalizing: afterwards the database refuses any change to the revision.
      await setRevisionWorkflow(trx, id, revision, {
        responsible_user_id: row.responsibleUserId,
        time_source: timeSource(),
      });
      await finalizeRevision(trx, { id, revision, by: user.userId, at, templates: deps.templates, expectedVersion });
      await writeAudit(trx, {
        ctx,
        orgId,
        action: 'statement.finalize',
        objectType: 'statement',
        objectId: id,
        revision,
        outcome: 'success',
      });
      return detail(trx, orgId, id, deps.templates);
    }),
  );
}

/** Opens revision n+1 as a draft copy of the finalized revision n. */
export async function startOrgRevision(
  deps: WorkflowDeps,
  ctx: RequestContext,
  orgId: string,
  id: string,
): Promise<StatementDetailView> {
  requireAccess(ctx.actor, 'statement.write', { orgId, describe: 'statement' });
  return guarded(() =>
    deps.db.transaction().execute(async (trx) => {
      await requireStatementIn(trx, orgId, id);
      const ref = await startRevision(trx, { id, at: ctx.now() });
      await writeAudit(trx, {
        ctx,
        orgId,
        action: 'statement.revision-start',
        objectType: 'statement',
        objectId: id,
        revision: ref.revision,
        outcome: 'success',
      });
      return detail(trx, orgId, id, deps.templates);
    }),
  );
}

/** One revision with its content and workflow record; the read is audited. */
export async function getOrgRevision(
  deps: WorkflowDeps,
  ctx: RequestContext,
  orgId: string,
  id: string,
  revision: number,
): Promise<RevisionDetailView> {
  requireAccess(ctx.actor, 'statement.read', { orgId, describe: 'statement' });
  return deps.db.transaction().execute(async (trx) => {
    const row = await requireStatementIn(trx, orgId, id);
    const r = await requireRevisionOf(trx, id, revision);
    await writeAudit(trx, {
      ctx,
      orgId,
      action: 'statement.read',
      objectType: 'statement',
      objectId: id,
      revision,
      outcome: 'success',
    });
    return revisionDetail(trx, row, r, deps.templates);
  });
}

/** What changed between two revisions, row by row. */
export async function diffOrgRevisions(
  deps: WorkflowDeps,
  ctx: RequestContext,
  orgId: string,
  id: string,
  from: number,
  to: number,
): Promise<StatementDiff & { from: number; to: number }> {
  requireAccess(ctx.actor, 'statement.read', { orgId, describe: 'statement' });
  return deps.db.transaction().execute(async (trx) => {
    const row = await requireStatementIn(trx, orgId, id);
    const a = await requireRevisionOf(trx, id, from);
    const b = await requireRevisionOf(trx, id, to);
    await writeAudit(trx, {
      ctx,
      orgId,
      action: 'statement.diff-read',
      objectType: 'statement',
      objectId: id,
      revision: to,
      outcome: 'success',
      details: { from, to },
    });
    return {
      from,
      to,
      ...diffStatements(a.content, b.content, deps.templates.get(row.templateId, row.templateEdition)),
    };
  });
}

export { inTransaction };
