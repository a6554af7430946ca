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
import type {
  CountsSchema,
  DirectoryPageSchema,
  FileFormatSchema,
  OrgPublicationSchema,
  PublicationDetailSchema,
  PublicationSummarySchema,
  PublishBodySchema,
  RevisionEntrySchema,
  SignatureCheckSchema,
  SignerSchema,
  SigningKeySchema,
  SigningKeysSchema,
  VerifyResultSchema,
  VisibilitySchema,
} from '../../src/features/publishing/publishing.schema.js';
import type { CreateGrantBodySchema, GrantSchema, HospitalSchema } from '../../src/features/grants/grants.schema.js';
import type {
  CollectionItemDetailSchema,
  CollectionItemSchema,
} from '../../src/features/collection/collection.schema.js';
import type {
  AnswerBodySchema,
  CreateRequestBodySchema,
  CreatedRequestSchema,
  ManufacturerSchema,
  RequestInvitationSchema,
  RequestSchema,
  RequestStatusSchema,
} from '../../src/features/requests/requests.schema.js';
import type {
  CreatedWebhookSchema,
  DeliverySchema,
  WebhookSchema,
} from '../../src/features/webhooks/webhooks.schema.js';
import type {
  NotificationKindSchema,
  NotificationSchema,
} from '../../src/features/notifications/notifications.schema.js';

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
  /** Records at or after this time (a date-time with its offset, or a UTC date). */
  from?: string;
  /** Records before this time. */
  to?: string;
}

export type AuditExportFormat = 'csv' | 'fhir' | 'syslog';

/** One of the signed-in user's own audit records (GET /account/activity). */
export interface ActivityEvent {
  seq: number;
  at: string;
  action: string;
  outcome: 'success' | 'denied' | 'failure';
  orgId: string | null;
  orgName: string | null;
  objectType: string;
  objectId: string | null;
  revision: number | null;
  ip: string | null;
  userAgent: string | null;
}

export interface ActivityQuery {
  limit?: number;
  before?: number;
  action?: string;
}

// ---- Publishing and the directory (src/features/publishing/publishing.schema.ts) ---------------------------------

export type Visibility = Static<typeof VisibilitySchema>;
export type FileFormat = Static<typeof FileFormatSchema>;
export type AnswerCounts = Static<typeof CountsSchema>;
export type PublicationSummary = Static<typeof PublicationSummarySchema>;
export type OrgPublication = Static<typeof OrgPublicationSchema>;
export type Signer = Static<typeof SignerSchema>;
export type SignatureCheck = Static<typeof SignatureCheckSchema>;
export type PublicationRevision = Static<typeof RevisionEntrySchema>;
export type PublicationDetail = Static<typeof PublicationDetailSchema>;
export type DirectoryPage = Static<typeof DirectoryPageSchema>;
export type DirectoryItem = DirectoryPage['items'][number];
export type SigningKey = Static<typeof SigningKeySchema>;
export type SigningKeys = Static<typeof SigningKeysSchema>;
export type VerifyResult = Static<typeof VerifyResultSchema>;
export type PublishBody = Static<typeof PublishBodySchema>;

/** The directory's query string, as the API and the page's address both carry it. */
export interface DirectoryQuery {
  q?: string;
  manufacturer?: string;
  category?: string;
  /** TEMPLATE@EDITION. */
  template?: string;
  /** ROW:ANSWER, all must hold. */
  answer?: string[];
  withdrawn?: boolean;
  page?: number;
  pageSize?: number;
}

// ---- Exchange: grants, requests, collection, notifications, webhooks (docs/api-exchange.md) ------------------------

export type Grant = Static<typeof GrantSchema>;
export type CreateGrantBody = Static<typeof CreateGrantBodySchema>;
/** A hospital organization on this instance, as the grant and publish dialogs search them. */
export type HospitalRef = Static<typeof HospitalSchema>;
export type NotificationKind = Static<typeof NotificationKindSchema>;
export type AppNotification = Static<typeof NotificationSchema>;
export type CollectionItem = Static<typeof CollectionItemSchema>;
export type CollectionItemDetail = Static<typeof CollectionItemDetailSchema>;

/** A request's status as shown: the stored one, or `overdue` for an open request past its due date. */
export type RequestStatus = Static<typeof RequestStatusSchema>;
export const REQUEST_STATUSES: readonly RequestStatus[] = ['open', 'overdue', 'answered', 'declined', 'cancelled'];
/** A hospital's request, the same view on both sides: the hospital's sent list and the manufacturer's inbox. */
export type StatementRequest = Static<typeof RequestSchema>;
/** The answer to creating a request; an invitation's single-use link is in it only this once. */
export type CreatedRequest = Static<typeof CreatedRequestSchema>;
export type NewRequestBody = Static<typeof CreateRequestBodySchema>;
export type AnswerBody = Static<typeof AnswerBodySchema>;
/** What the holder of a request invitation link sees before claiming it. */
export type RequestInvitationInfo = Static<typeof RequestInvitationSchema>;
/** A manufacturer organization on this instance, with its products, for the new request dialog. */
export type ManufacturerRef = Static<typeof ManufacturerSchema>;

export type Webhook = Static<typeof WebhookSchema>;
/** The answer to adding a webhook: the only time its secret is shown. */
export type CreatedWebhook = Static<typeof CreatedWebhookSchema>;
export type WebhookDelivery = Static<typeof DeliverySchema>;
