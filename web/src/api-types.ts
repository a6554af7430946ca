/**
 * The workspace API's shapes (docs/api-workspace.md), taken from the server's own route schemas wherever those are
 * plain TypeBox, so the UI and the server cannot drift apart: a renamed field fails `npm run typecheck`.
 */
import type { Static } from '@sinclair/typebox';
import type { Statement, StatementStatus } from '../../src/domain/statement.js';
import type { ValidationResult } from '../../src/domain/validation.js';
import type {
  MembershipSchema,
  OrgKindSchema,
  RoleSchema,
  SessionSchema,
} from '../../src/features/accounts/accounts.schema.js';
import type {
  CreatedInvitationSchema,
  InvitationLookupSchema,
  InvitationSchema,
  MemberSchema,
  MyOrgSchema,
  OrgSchema,
} from '../../src/features/organizations/organizations.schema.js';
import type {
  ProductCategorySchema,
  ProductSchema,
  ProductVersionSchema,
} from '../../src/features/products/products.schema.js';
import type {
  CarryForwardReportSchema,
  DiffSchema,
  RevisionDetailSchema,
  RevisionSummarySchema,
  SaveResultSchema,
  StatementDetailSchema,
  StatementSummarySchema,
  UserRefSchema,
} from '../../src/features/statements/statements.schema.js';

export type { Statement, StatementStatus, ValidationResult };

export type Role = Static<typeof RoleSchema>;
export const ROLES: readonly Role[] = ['owner', 'editor', 'approver', 'viewer', 'auditor'];
export type OrgKind = Static<typeof OrgKindSchema>;
export type Membership = Static<typeof MembershipSchema>;
export type Session = Static<typeof SessionSchema>;

export type OrgSummary = Static<typeof MyOrgSchema>;
export type Org = Static<typeof OrgSchema>;
export type Member = Static<typeof MemberSchema>;
export type Invitation = Static<typeof InvitationSchema>;
/** The answer to creating an invitation: the only time the link is shown. */
export type CreatedInvitation = Static<typeof CreatedInvitationSchema>;
export type InvitationInfo = Static<typeof InvitationLookupSchema>;

export type ProductCategory = Static<typeof ProductCategorySchema>;
export const PRODUCT_CATEGORIES: readonly ProductCategory[] = ['pacs', 'ris', 'ehr', 'modality', 'viewer', 'other'];
export type ProductVersion = Static<typeof ProductVersionSchema>;
export type Product = Static<typeof ProductSchema>;

export type UserRef = Static<typeof UserRefSchema>;
export type StatementSummary = Static<typeof StatementSummarySchema>;
export type RevisionSummary = Static<typeof RevisionSummarySchema>;
export type RevisionDetail = Static<typeof RevisionDetailSchema>;
export type ProxyEntry = RevisionDetail['proxyEntries'][number];
export type CarryForwardInfo = Static<typeof CarryForwardReportSchema>;
export type StatementDetail = Static<typeof StatementDetailSchema>;
export type SaveResult = Static<typeof SaveResultSchema>;
export type StatementDiff = Static<typeof DiffSchema>;
export type RowDiff = StatementDiff['rows'][number];
export type RowSide = NonNullable<RowDiff['before']>;

/** `details` of a 409 on saving a revision: what the server holds now, and how it differs from what was sent. */
export interface SaveConflict {
  current: { version: number; content: Statement; savedBy?: UserRef | null; savedAt?: string | null };
  changes: RowDiff[];
}

// The audit schema module imports its service (and so the database layer); its shape is restated here.
export interface AuditEvent {
  seq: number;
  at: string;
  actorId: string | null;
  actorName: string | null;
  orgId: string | null;
  action: string;
  objectType: string;
  objectId: string | null;
  revision: number | null;
  outcome: 'success' | 'denied' | 'failure';
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown> | null;
  hash: string;
  prevHash: string;
}

export interface AuditPage {
  events: AuditEvent[];
  chain: { ok: boolean; checked: number; firstBroken?: { seq: number; reason: 'changed' | 'deleted' | 'reordered' } };
}

export interface AuditQuery {
  limit?: number;
  /** A seq: records before it. */
  before?: number;
  /** A user id. */
  actor?: string;
  /** An action or a prefix: statement.* */
  action?: string;
  /** objectType:objectId, or an object id. */
  object?: string;
}
