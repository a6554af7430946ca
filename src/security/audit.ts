import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { canonicalJson } from '../domain/canonical-json.js';
import { sha256Hex } from '../db/hash.js';
import type { Database } from '../db/schema.js';
import type { AuditEventsTable } from '../db/schema-accounts.js';
import type { RequestContext } from './context.js';
import { lockForTransaction } from './transaction-lock.js';

type Queryable = Kysely<Database> | Transaction<Database>;

/**
 * Every action the audit trail records, Documenso style: a constant per event with what it means. Services write
 * them with writeAudit in the transaction of the change they record.
 */
export const AUDIT_ACTIONS = {
  /** A user signed in with email and password; a new session began. */
  USER_SIGN_IN: 'user.sign-in',
  /** A sign-in failed (wrong password, unknown email, disabled account), or the failures started a temporary block. */
  USER_SIGN_IN_FAILED: 'user.sign-in-failed',
  /** A user ended their session. */
  USER_SIGN_OUT: 'user.sign-out',
  /** Someone created an account (and signed in with it). */
  USER_SIGN_UP: 'user.sign-up',
  /** The screen lock was turned on for a session (checklist row 3). */
  SESSION_LOCK: 'session.lock',
  /** A locked session was unlocked with the password (outcome failure: a wrong password, the screen stays locked). */
  SESSION_UNLOCK: 'session.unlock',
  /** A session moved to another of the user's organizations. */
  SESSION_SWITCH_ORG: 'session.switch-org',
  /** An organization was created; its creator became its owner. */
  ORG_CREATE: 'org.create',
  /** An owner changed a member's role. */
  MEMBER_ROLE_CHANGE: 'member.role-change',
  /** An owner removed a member from the organization. */
  MEMBER_REMOVE: 'member.remove',
  /** An owner invited an email address to the organization with a role. */
  INVITATION_CREATE: 'invitation.create',
  /** An invited user accepted; they are now a member. */
  INVITATION_ACCEPT: 'invitation.accept',
  /** An owner revoked a pending invitation. */
  INVITATION_REVOKE: 'invitation.revoke',
  /** The instance operator account was created (setup link or `openmds admin create`). */
  OPERATOR_SETUP: 'operator.setup',
  /** A fresh one-time setup link was issued (server start without an operator, `openmds admin reset-setup`). */
  OPERATOR_SETUP_LINK: 'operator.setup-link',
  /** A product was added to the organization's catalogue. */
  PRODUCT_CREATE: 'product.create',
  /** A product's name, category or description changed. */
  PRODUCT_UPDATE: 'product.update',
  /** A version was added to a product. */
  PRODUCT_VERSION_CREATE: 'product-version.create',
  /** A statement was created (from a template, or carried forward from another statement). */
  STATEMENT_CREATE: 'statement.create',
  /** An organization's statement list was read. */
  STATEMENT_LIST: 'statement.list',
  /** A statement (or one of its revisions) was read: statements are non-public until published. */
  STATEMENT_READ: 'statement.read',
  /** A draft revision's content was saved (proxy entries in the details when someone else than the responsible person saved). */
  STATEMENT_SAVE: 'statement.save',
  /** The person responsible for a statement (作成責任者) changed. */
  STATEMENT_RESPONSIBLE_CHANGE: 'statement.responsible-change',
  /** A draft was submitted for review (draft → in-review). */
  STATEMENT_SUBMIT: 'statement.submit',
  /** A reviewer returned a revision to draft, with a reason. */
  STATEMENT_RETURN: 'statement.return',
  /** The responsible person confirmed the proxy entries made on their behalf (代行入力の承認). */
  STATEMENT_PROXY_CONFIRM: 'statement.proxy-confirm',
  /** A revision was finalized and frozen. */
  STATEMENT_FINALIZE: 'statement.finalize',
  /** A new draft revision was started from the latest finalized one. */
  STATEMENT_REVISION_START: 'statement.revision-start',
  /** The differences between two revisions were read. */
  STATEMENT_DIFF_READ: 'statement.diff-read',
  /** An owner or auditor read the organization's audit trail. */
  AUDIT_READ: 'audit.read',
  /** An owner or auditor exported the organization's audit trail (CSV, FHIR AuditEvent, syslog); filters in the details. */
  AUDIT_EXPORT: 'audit.export',
  /** A finalized revision was published (public or restricted), signed with the organization's key. */
  PUBLICATION_CREATE: 'publication.create',
  /** A publication was withdrawn, with a reason; holders can still read it, marked withdrawn. */
  PUBLICATION_WITHDRAW: 'publication.withdraw',
  /** A restricted publication (or one of its files) was read by a hospital with access. */
  PUBLICATION_VIEW: 'publication.view',
  /** A restricted publication was asked for by someone without access (outcome denied). */
  PUBLICATION_VIEW_DENIED: 'publication.view-denied',
  /** The organization's signing key was issued by the instance CA, rotated, or replaced by an uploaded certificate. */
  SIGNING_KEY_CREATE: 'signing-key.create',
  /** The instance's certificate authority was created. */
  SIGNING_CA_CREATE: 'signing-ca.create',
  /** A manufacturer granted a hospital organization access to its restricted publications. */
  GRANT_CREATE: 'grant.create',
  /** A manufacturer revoked an access grant. */
  GRANT_REVOKE: 'grant.revoke',
  /** A hospital asked a manufacturer for a statement or for access to a restricted publication. */
  REQUEST_CREATE: 'request.create',
  /** A manufacturer answered a request with a publication. */
  REQUEST_ANSWER: 'request.answer',
  /** A manufacturer declined a request, with a reason (access requests: the denial). */
  REQUEST_DECLINE: 'request.decline',
  /** A hospital cancelled its request. */
  REQUEST_CANCEL: 'request.cancel',
  /** A reminder was sent for an open request (by the hospital, or by the overdue sweep). */
  REQUEST_REMIND: 'request.remind',
  /** An invited manufacturer claimed a request through its single-use link. */
  REQUEST_CLAIM: 'request.claim',
  /** A hospital added a publication to its collection. */
  COLLECTION_ADD: 'collection.add',
  /** A webhook was added or removed. */
  WEBHOOK_CREATE: 'webhook.create',
  WEBHOOK_DELETE: 'webhook.delete',
  /** A test delivery (`ping`) was queued for a webhook. */
  WEBHOOK_TEST: 'webhook.test',
  /** A member marked notifications of the organization read (for themselves; the count in the details). */
  NOTIFICATION_READ: 'notification.read',
  /** A system or device was added to, changed in or removed from the hospital's inventory. */
  SYSTEM_CREATE: 'system.create',
  SYSTEM_UPDATE: 'system.update',
  SYSTEM_DELETE: 'system.delete',
  /** A statement was added to the hospital's statements: imported from a file (signature check kept) or from a publication. */
  SOURCE_ADD: 'source.add',
  /** A system now relies on a statement, or no longer does. */
  SYSTEM_STATEMENT_LINK: 'system.statement-link',
  SYSTEM_STATEMENT_UNLINK: 'system.statement-unlink',
  /** A newer revision of a statement arrived: a system relying on the older one now relies on the newer (both named). */
  SYSTEM_STATEMENT_RELINK: 'system.statement-relink',
  /** A risk assessment was created, (re)drafted, or a risk in it recorded. */
  ASSESSMENT_CREATE: 'assessment.create',
  ASSESSMENT_DRAFT: 'assessment.draft',
  RISK_UPDATE: 'risk.update',
  /** Residual risk was accepted by a named person: the assessment is frozen. */
  ASSESSMENT_ACCEPT: 'assessment.accept',
  /** A draft assessment was re-drafted because a newer revision of a statement it relies on arrived. */
  ASSESSMENT_AUTO_REDRAFT: 'assessment.auto-redraft',
  /** An accepted assessment was alerted that a newer revision of a statement it relied on arrived (it stays frozen). */
  ASSESSMENT_ALERT: 'assessment.alert',
  /** A new draft assessment was started to reassess an accepted one, its records carried forward; its alerts resolved. */
  ASSESSMENT_REASSESS: 'assessment.reassess',
  /** TOTP enrolment began (a secret was issued, not yet confirmed). */
  TWO_FACTOR_SETUP: 'two-factor.setup',
  /** A first code confirmed the enrolment: two-factor authentication is on (outcome failure: a wrong code). */
  TWO_FACTOR_ENABLE: 'two-factor.enable',
  /** Two-factor authentication was turned off with the password and a code (outcome failure: either was wrong). */
  TWO_FACTOR_DISABLE: 'two-factor.disable',
  /** A fresh set of recovery codes replaced the old ones (outcome failure: a wrong code). */
  TWO_FACTOR_RECOVERY_REGENERATE: 'two-factor.recovery-regenerate',
  /** The second step of a sign-in succeeded (details: method totp or recovery-code); a session began. */
  TWO_FACTOR_VERIFY: 'two-factor.verify',
  /** The second step of a sign-in failed: a wrong, replayed or used code, or an expired pending sign-in. */
  TWO_FACTOR_VERIFY_FAILED: 'two-factor.verify-failed',
  /**
   * The operator removed a user's second factors (TOTP, passkeys, recovery codes) after the user lost them, with the
   * stated reason; the user's sessions ended and they were told by mail.
   */
  TWO_FACTOR_OPERATOR_RESET: 'two-factor.operator-reset',
  /** A user registered a passkey (details: its name, whether it is synced, the authenticator's AAGUID). */
  PASSKEY_REGISTER: 'passkey.register',
  PASSKEY_RENAME: 'passkey.rename',
  /** A user removed a passkey (details.twoFactorOff: it was their last second factor). */
  PASSKEY_REMOVE: 'passkey.remove',
  /**
   * A user ended one of their own sessions from the session list (details: its public id, user agent, address, and
   * whether it was the session of the request).
   */
  SESSION_REVOKE: 'session.revoke',
  /** A user ended all their other sessions (details: how many, their public ids). */
  SESSION_REVOKE_OTHERS: 'session.revoke-others',
  /** The user confirmed their password (and code) for a sensitive action (outcome failure: either was wrong). */
  SESSION_REAUTHENTICATE: 'session.reauthenticate',
  /** An owner changed the organization's security policy (two-factor authentication required or not). */
  ORG_SECURITY_POLICY_CHANGE: 'org.security-policy-change',
  /** A user changed their password (outcome failure: the current password was wrong); their other sessions ended. */
  PASSWORD_CHANGE: 'user.password-change',
  /** Someone asked for a password reset link (unknown emails too, objectId null); or an operator issued one. */
  PASSWORD_RESET_REQUEST: 'user.password-reset-request',
  /** A password was set with a reset link, which is now used up; every session of the user ended. */
  PASSWORD_RESET: 'user.password-reset',
  /** An owner created the organization's sealed break-glass account (非常時アカウント). */
  BREAK_GLASS_CREATE: 'break-glass.create',
  /** An owner sealed a new break-glass credential; the old one and any break-glass session stopped working. */
  BREAK_GLASS_ROTATE: 'break-glass.rotate',
  /** The break-glass account was used, with the stated reason (outcome failure: a wrong or used credential). */
  BREAK_GLASS_USE: 'break-glass.use',
  /** A signed-in caller was refused by the access gate (outside the organization, or a role without the permission). */
  ACCESS_DENIED: 'access.denied',
} as const;

/** The name of an audited action, e.g. 'statement.finalize'. */
export type AuditAction = (typeof AUDIT_ACTIONS)[keyof typeof AUDIT_ACTIONS];

export type AuditOutcome = 'success' | 'denied' | 'failure';

/** One audit record to append. */
export interface AuditInput {
  ctx: RequestContext;
  /** The organization the record belongs to (its owners and auditors see it); null for instance-level events. */
  orgId: string | null;
  action: AuditAction;
  objectType: string;
  objectId: string | null;
  revision?: number | null;
  outcome: AuditOutcome;
  /** Extra facts, stored as canonical JSON. Never secrets (passwords, tokens). */
  details?: Record<string, unknown>;
  /**
   * Who acted, when ctx.actor does not say (a sign-in, before the session exists; the CLI). Default: ctx.actor,
   * or nobody for an anonymous caller.
   */
  actor?: { id: string | null; name: string | null };
}

/** The prev_hash of the first record. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/** The advisory lock that serializes appends on PostgreSQL. */
const CHAIN_LOCK = 'openmds:audit-chain';

const MAX_USER_AGENT = 512;

/** The fields a record's hash covers, as stored (seq is not among them: order is carried by prev_hash). */
interface ChainedFields {
  id: string;
  at: string;
  actorId: string | null;
  actorName: string | null;
  orgId: string | null;
  action: string;
  objectType: string;
  objectId: string | null;
  revision: number | null;
  outcome: AuditOutcome;
  ip: string | null;
  userAgent: string | null;
  details: string | null;
  prevHash: string;
}

/** sha256 (hex) of the RFC 8785 canonical JSON of a record's fields, prev_hash included. */
export function auditRecordHash(fields: ChainedFields): string {
  return sha256Hex(canonicalJson(fields));
}

function actorOf(input: AuditInput): { id: string | null; name: string | null } {
  if (input.actor !== undefined) return input.actor;
  const a = input.ctx.actor;
  return a.kind === 'user' ? { id: a.userId, name: `${a.displayName} <${a.email}>` } : { id: null, name: null };
}

/**
 * Appends one record to the audit trail, chained to the previous one by its hash. Call it inside the transaction
 * of the change it records, so both are committed or neither; given a plain Kysely it opens its own transaction.
 * Appends are serialized (an advisory lock on PostgreSQL, held until the caller's transaction ends).
 */
export async function writeAudit(db: Queryable, event: AuditInput): Promise<void> {
  if (!db.isTransaction) {
    await db.transaction().execute((trx) => writeAudit(trx, event));
    return;
  }
  const trx = db as Transaction<Database>;
  await lockForTransaction(trx, CHAIN_LOCK);
  const last = await trx.selectFrom('audit_events').select('hash').orderBy('seq', 'desc').limit(1).executeTakeFirst();
  const actor = actorOf(event);
  const fields: ChainedFields = {
    id: randomUUID(),
    at: event.ctx.now(),
    actorId: actor.id,
    actorName: actor.name,
    orgId: event.orgId,
    action: event.action,
    objectType: event.objectType,
    objectId: event.objectId,
    revision: event.revision ?? null,
    outcome: event.outcome,
    ip: event.ctx.ip === '' ? null : event.ctx.ip,
    userAgent: event.ctx.userAgent === '' ? null : event.ctx.userAgent.slice(0, MAX_USER_AGENT),
    details: event.details === undefined ? null : canonicalJson(event.details),
    prevHash: last?.hash ?? AUDIT_GENESIS_HASH,
  };
  await trx
    .insertInto('audit_events')
    .values({
      id: fields.id,
      at: fields.at,
      actor_id: fields.actorId,
      actor_name: fields.actorName,
      org_id: fields.orgId,
      action: fields.action,
      object_type: fields.objectType,
      object_id: fields.objectId,
      revision: fields.revision,
      outcome: event.outcome,
      ip: fields.ip,
      user_agent: fields.userAgent,
      details: fields.details,
      prev_hash: fields.prevHash,
      hash: auditRecordHash(fields),
    })
    .execute();
}

/** A stored audit record, as the API shows it: the chained fields, its place, its details parsed, its hash. */
export interface AuditEvent extends Omit<ChainedFields, 'details'> {
  seq: number;
  details: Record<string, unknown> | null;
  hash: string;
}

type AuditRow = Selectable<AuditEventsTable>;

function fieldsOf(row: AuditRow): ChainedFields {
  return {
    id: row.id,
    at: row.at,
    actorId: row.actor_id,
    actorName: row.actor_name,
    orgId: row.org_id,
    action: row.action,
    objectType: row.object_type,
    objectId: row.object_id,
    revision: row.revision === null ? null : Number(row.revision),
    outcome: row.outcome,
    ip: row.ip,
    userAgent: row.user_agent,
    details: row.details,
    prevHash: row.prev_hash,
  };
}

function parseDetails(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : { value };
  } catch {
    return { unparsable: text };
  }
}

/** Maps a row to the API's shape. */
export function auditRowToEvent(row: AuditRow): AuditEvent {
  return { seq: Number(row.seq), ...fieldsOf(row), details: parseDetails(row.details), hash: row.hash };
}

/** Where the chain first fails to verify, and why. */
export interface ChainBreak {
  /** The record at which verification failed. */
  seq: number;
  /**
   * changed: the record's fields no longer give its hash (edited in place). deleted: its prev_hash names a record
   * that is gone (the one before it was deleted). reordered: its prev_hash names a record that exists elsewhere in
   * the trail (records were moved or swapped).
   */
  reason: 'changed' | 'deleted' | 'reordered';
}

export interface ChainVerification {
  ok: boolean;
  /** Records verified before the first break (all of them when ok); with orgId, only that organization's. */
  checked: number;
  firstBroken?: ChainBreak;
}

const BATCH = 1000;

/**
 * Walks the whole trail in seq order, recomputing every hash and following every prev_hash link from the genesis
 * value. The chain is one for the instance, so deleting a record of one organization breaks the link at the next
 * record, whoever it belongs to: the result is the whole trail's, while `checked` counts only `orgId`'s records when
 * given. What no chain can show by itself: records removed from the end (compare the head hash with one kept
 * elsewhere), or a trail rewritten wholesale with recomputed hashes.
 */
export async function verifyAuditChain(db: Queryable, options: { orgId?: string } = {}): Promise<ChainVerification> {
  let expected = AUDIT_GENESIS_HASH;
  let after: number | undefined;
  let checked = 0;
  for (;;) {
    let q = db.selectFrom('audit_events').selectAll().orderBy('seq').limit(BATCH);
    if (after !== undefined) q = q.where('seq', '>', after);
    const rows = await q.execute();
    for (const row of rows) {
      const seq = Number(row.seq);
      const fields = fieldsOf(row);
      if (auditRecordHash(fields) !== row.hash) return { ok: false, checked, firstBroken: { seq, reason: 'changed' } };
      if (row.prev_hash !== expected) {
        const target = await db
          .selectFrom('audit_events')
          .select('seq')
          .where('hash', '=', row.prev_hash)
          .executeTakeFirst();
        return { ok: false, checked, firstBroken: { seq, reason: target === undefined ? 'deleted' : 'reordered' } };
      }
      expected = row.hash;
      if (options.orgId === undefined || row.org_id === options.orgId) checked++;
      after = seq;
    }
    if (rows.length < BATCH) return { ok: true, checked };
  }
}
