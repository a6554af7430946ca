import type { LocalizedText } from '../../src/domain/i18n.js';
import type { TemplateDetail, TemplateSummary } from '../../src/features/templates/templates.schema.js';
import type {
  AnswerBody,
  AppNotification,
  AuditPage,
  CollectionItem,
  CollectionItemDetail,
  CreateGrantBody,
  CreatedRequest,
  CreatedWebhook,
  ManufacturerRef,
  NewRequestBody,
  RequestInvitationInfo,
  StatementRequest,
  Webhook,
  WebhookDelivery,
  Grant,
  HospitalRef,
  AuditQuery,
  ActivityEvent,
  ActivityQuery,
  AuditExportFormat,
  CreatedInvitation,
  DirectoryPage,
  DirectoryQuery,
  FileFormat,
  Invitation,
  InvitationInfo,
  Member,
  Org,
  OrgKind,
  OrgPublication,
  OrgSummary,
  PublicationDetail,
  PublicationSummary,
  PublishBody,
  Product,
  ProductCategory,
  ProductVersion,
  RevisionDetail,
  Role,
  SaveResult,
  Session,
  SigningKey,
  SigningKeys,
  Statement,
  StatementDetail,
  StatementDiff,
  StatementSummary,
  VerifyResult,
} from './api-types';
import type { Lang } from './i18n';

export type { TemplateDetail, TemplateSummary };
export type TemplateRowData = TemplateDetail['rows'][number];
export type RuleData = NonNullable<TemplateRowData['appliesWhen']>;
export type AnswerOptionData = TemplateDetail['answerSets'][string][number];

/** An error answered by the API: `{error: {code, message, details}}` with the HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Present where the server gives more (a 409 conflict's current state and changes, a 429's retry delay). */
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function isApiError(e: unknown, status?: number): e is ApiError {
  return e instanceof ApiError && (status === undefined || e.status === status);
}

// ---- Session plumbing --------------------------------------------------------------------------------------------

let csrfToken: string | null = null;

/** Remembers the CSRF token of the session the server just gave; every later write sends it. */
export function rememberSession(session: Session | null): void {
  csrfToken = session?.csrfToken ?? null;
  markSignedIn(session !== null);
}

type Listener = (error: ApiError) => void;
const listeners = {
  unauthenticated: new Set<Listener>(),
  locked: new Set<Listener>(),
  activity: new Set<() => void>(),
};

/** Called on every 401 (the session is gone) from any request but the session probe itself. */
export function onUnauthenticated(fn: Listener): () => void {
  listeners.unauthenticated.add(fn);
  return () => listeners.unauthenticated.delete(fn);
}

/** Called on every 423 `locked` (the screen lock is on). */
export function onLocked(fn: Listener): () => void {
  listeners.locked.add(fn);
  return () => listeners.locked.delete(fn);
}

/** Called after every successful request: the server has just extended the idle timeout. */
export function onActivity(fn: () => void): () => void {
  listeners.activity.add(fn);
  return () => listeners.activity.delete(fn);
}

const HINT_KEY = 'openmds.signedIn';

/**
 * Whether this browser signed in last time. Public pages ask for the session only then, so an anonymous visit makes
 * no request that is bound to fail (a 401 the browser would log).
 */
export function probablySignedIn(): boolean {
  try {
    return localStorage.getItem(HINT_KEY) === '1';
  } catch {
    return false;
  }
}

function markSignedIn(on: boolean): void {
  try {
    if (on) localStorage.setItem(HINT_KEY, '1');
    else localStorage.removeItem(HINT_KEY);
  } catch {
    // Storage disabled: public pages then treat the visitor as signed out until they open a workspace page.
  }
}

// ---- Requests ----------------------------------------------------------------------------------------------------

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

interface RequestOptions {
  body?: unknown;
  /** Bytes sent as they are (application/octet-stream), e.g. a file to verify. */
  raw?: Blob;
  /** Do not tell the listeners about a 401/423 (the session probe, the unlock form). */
  quiet?: boolean;
  /**
   * Not the user's doing (a background poll): it does not count as activity for the idle timeout in the UI, which
   * then signs out of an unattended window even though the poll keeps reaching the server.
   */
  passive?: boolean;
  signal?: AbortSignal;
}

/** One call to the API: JSON in and out, the CSRF token on writes, ApiError on failure. Feature modules build on it. */
export async function request<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.raw !== undefined) headers['content-type'] = 'application/octet-stream';
  if (method !== 'GET' && csrfToken !== null) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    signal: options.signal,
  });
  if (!res.ok) {
    let code = 'internal';
    let message = `${res.status} ${res.statusText}`;
    let details: unknown;
    try {
      const body = (await res.json()) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
      if (typeof body.error?.code === 'string') code = body.error.code;
      if (typeof body.error?.message === 'string') message = body.error.message;
      details = body.error?.details;
    } catch {
      // Not our JSON error (a proxy's page): keep the status line.
    }
    const error = new ApiError(res.status, code, message, details);
    if (!options.quiet) {
      if (res.status === 401) for (const fn of listeners.unauthenticated) fn(error);
      if (res.status === 423) for (const fn of listeners.locked) fn(error);
    }
    throw error;
  }
  if (path.startsWith('/api/v1/') && options.passive !== true) for (const fn of listeners.activity) fn();
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

export const enc = encodeURIComponent;
export const V1 = '/api/v1';

async function withSession(p: Promise<Session>): Promise<Session> {
  const session = await p;
  rememberSession(session);
  return session;
}

export function query(params: Record<string, string | number | boolean | readonly string[] | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === '' || v === false) continue;
    if (Array.isArray(v)) for (const one of v as readonly string[]) q.append(k, one);
    else q.set(k, String(v));
  }
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

export const api = {
  templates: (): Promise<TemplateSummary[]> => request('GET', `${V1}/templates`),
  template: (id: string, edition: string): Promise<TemplateDetail> =>
    request('GET', `${V1}/templates/${enc(id)}/${enc(edition)}`),

  // Accounts and the session.
  setupNeeded: (): Promise<{ needed: boolean }> => request('GET', `${V1}/setup`),
  setup: (body: { token: string; email: string; displayName: string; password: string }) =>
    withSession(request('POST', `${V1}/setup`, { body })),
  signUp: (body: { email: string; displayName: string; password: string; invitationToken?: string }) =>
    withSession(request('POST', `${V1}/auth/sign-up`, { body })),
  signIn: (body: { email: string; password: string }) => withSession(request('POST', `${V1}/auth/sign-in`, { body })),
  async signOut(): Promise<void> {
    try {
      await request<void>('POST', `${V1}/auth/sign-out`, { quiet: true });
    } finally {
      rememberSession(null);
    }
  },
  /** The current session, or null when signed out. */
  async session(): Promise<Session | null> {
    try {
      return await withSession(request('GET', `${V1}/auth/session`, { quiet: true }));
    } catch (e) {
      if (isApiError(e, 401)) {
        rememberSession(null);
        return null;
      }
      throw e;
    }
  },
  lock: () => withSession(request('POST', `${V1}/auth/lock`, { quiet: true })),
  unlock: (password: string) => withSession(request('POST', `${V1}/auth/unlock`, { body: { password }, quiet: true })),
  switchOrg: (orgId: string) => withSession(request('POST', `${V1}/auth/switch-org`, { body: { orgId } })),

  // Organizations, members, invitations.
  orgs: (): Promise<OrgSummary[]> => request('GET', `${V1}/orgs`),
  createOrg: (body: { name: string; kind: OrgKind }): Promise<OrgSummary> => request('POST', `${V1}/orgs`, { body }),
  org: (orgId: string): Promise<Org> => request('GET', `${V1}/orgs/${enc(orgId)}`),
  members: (orgId: string): Promise<Member[]> => request('GET', `${V1}/orgs/${enc(orgId)}/members`),
  setMemberRole: (orgId: string, userId: string, role: Role): Promise<Member> =>
    request('PATCH', `${V1}/orgs/${enc(orgId)}/members/${enc(userId)}`, { body: { role } }),
  removeMember: (orgId: string, userId: string): Promise<void> =>
    request('DELETE', `${V1}/orgs/${enc(orgId)}/members/${enc(userId)}`),
  invitations: (orgId: string): Promise<Invitation[]> => request('GET', `${V1}/orgs/${enc(orgId)}/invitations`),
  invite: (orgId: string, body: { email: string; role: Role }): Promise<CreatedInvitation> =>
    request('POST', `${V1}/orgs/${enc(orgId)}/invitations`, { body }),
  revokeInvitation: (orgId: string, id: string): Promise<void> =>
    request('DELETE', `${V1}/orgs/${enc(orgId)}/invitations/${enc(id)}`),
  invitation: (token: string): Promise<InvitationInfo> => request('GET', `${V1}/invitations/${enc(token)}`),
  acceptInvitation: (token: string) => withSession(request('POST', `${V1}/invitations/${enc(token)}/accept`)),
  audit: (orgId: string, q: AuditQuery): Promise<AuditPage> =>
    request('GET', `${V1}/orgs/${enc(orgId)}/audit${query({ ...q })}`),
  /** Where the browser downloads the trail's export (a plain GET: the session cookie suffices). */
  auditExportUrl: (orgId: string, q: Omit<AuditQuery, 'limit' | 'before'>, format: AuditExportFormat): string =>
    `${V1}/orgs/${enc(orgId)}/audit/export${query({ ...q, format })}`,
  activity: (q: ActivityQuery): Promise<{ events: ActivityEvent[] }> =>
    request('GET', `${V1}/account/activity${query({ ...q })}`),

  // Products.
  products: (orgId: string): Promise<Product[]> => request('GET', `${V1}/orgs/${enc(orgId)}/products`),
  createProduct: (
    orgId: string,
    body: { name: string; category: ProductCategory; description?: string },
  ): Promise<Product> => request('POST', `${V1}/orgs/${enc(orgId)}/products`, { body }),
  addVersion: (orgId: string, productId: string, version: string): Promise<ProductVersion> =>
    request('POST', `${V1}/orgs/${enc(orgId)}/products/${enc(productId)}/versions`, { body: { version } }),

  // Statements.
  statements: (orgId: string): Promise<StatementSummary[]> => request('GET', `${V1}/orgs/${enc(orgId)}/statements`),
  createStatement: (
    orgId: string,
    body:
      | { productVersionId: string; template: { id: string; edition: string } }
      | { productVersionId: string; carryForwardFrom: string; template?: { id: string; edition: string } },
  ): Promise<StatementDetail> => request('POST', `${V1}/orgs/${enc(orgId)}/statements`, { body }),
  statement: (orgId: string, id: string): Promise<StatementDetail> =>
    request('GET', `${V1}/orgs/${enc(orgId)}/statements/${enc(id)}`),
  setResponsible: (orgId: string, id: string, responsibleUserId: string): Promise<StatementDetail> =>
    request('PATCH', `${V1}/orgs/${enc(orgId)}/statements/${enc(id)}`, { body: { responsibleUserId } }),
  saveRevision: (
    orgId: string,
    id: string,
    rev: number,
    body: { expectedVersion: number; content: Statement },
    signal?: AbortSignal,
  ): Promise<SaveResult> =>
    request('PUT', `${V1}/orgs/${enc(orgId)}/statements/${enc(id)}/revisions/${rev}`, { body, signal }),
  submit: (orgId: string, id: string, rev: number, expectedVersion: number): Promise<StatementDetail> =>
    request('POST', `${V1}/orgs/${enc(orgId)}/statements/${enc(id)}/revisions/${rev}/submit`, {
      body: { expectedVersion },
    }),
  returnToDraft: (orgId: string, id: string, rev: number, reason: string): Promise<StatementDetail> =>
    request('POST', `${V1}/orgs/${enc(orgId)}/statements/${enc(id)}/revisions/${rev}/return`, { body: { reason } }),
  confirmProxy: (orgId: string, id: string, rev: number): Promise<StatementDetail> =>
    request('POST', `${V1}/orgs/${enc(orgId)}/statements/${enc(id)}/revisions/${rev}/confirm-proxy`),
  finalize: (orgId: string, id: string, rev: number, expectedVersion: number): Promise<StatementDetail> =>
    request('POST', `${V1}/orgs/${enc(orgId)}/statements/${enc(id)}/revisions/${rev}/finalize`, {
      body: { expectedVersion },
    }),
  newRevision: (orgId: string, id: string): Promise<StatementDetail> =>
    request('POST', `${V1}/orgs/${enc(orgId)}/statements/${enc(id)}/revisions`),
  revision: (orgId: string, id: string, rev: number): Promise<RevisionDetail> =>
    request('GET', `${V1}/orgs/${enc(orgId)}/statements/${enc(id)}/revisions/${rev}`),
  diff: (orgId: string, id: string, from: number, to: number): Promise<StatementDiff> =>
    request('GET', `${V1}/orgs/${enc(orgId)}/statements/${enc(id)}/diff${query({ from, to })}`),

  // The directory, statement pages and verification (public).
  directory: (q: DirectoryQuery, signal?: AbortSignal): Promise<DirectoryPage> =>
    request('GET', `${V1}/directory${query({ ...q })}`, { signal }),
  publication: (publicationId: string): Promise<PublicationDetail> =>
    request('GET', `${V1}/directory/${enc(publicationId)}`),
  /** The address a publication's file downloads from. */
  publicationFileUrl: (publicationId: string, format: FileFormat): string =>
    `${V1}/directory/${enc(publicationId)}/files/${format}`,
  verify: (file: Blob): Promise<VerifyResult> => request('POST', `${V1}/verify`, { raw: file }),
  caPemUrl: `${V1}/signing/ca.pem`,

  // Publishing (manufacturer).
  publish: (orgId: string, id: string, rev: number, body: PublishBody): Promise<PublicationSummary> =>
    request('POST', `${V1}/orgs/${enc(orgId)}/statements/${enc(id)}/revisions/${rev}/publish`, { body }),
  orgPublications: (orgId: string): Promise<OrgPublication[]> =>
    request('GET', `${V1}/orgs/${enc(orgId)}/publications`),
  withdraw: (orgId: string, publicationId: string, reason: string): Promise<PublicationSummary> =>
    request('POST', `${V1}/orgs/${enc(orgId)}/publications/${enc(publicationId)}/withdraw`, { body: { reason } }),
  signingKeys: (orgId: string): Promise<SigningKeys> => request('GET', `${V1}/orgs/${enc(orgId)}/signing-keys`),
  rotateSigningKey: (orgId: string): Promise<SigningKey> =>
    request('POST', `${V1}/orgs/${enc(orgId)}/signing-keys/rotate`),
  uploadSigningKey: (
    orgId: string,
    body: { certificateChainPem: string; privateKeyPem: string },
  ): Promise<SigningKey> => request('PUT', `${V1}/orgs/${enc(orgId)}/signing-keys`, { body }),

  // Access grants (manufacturer) and the hospitals they name.
  grants: (orgId: string): Promise<Grant[]> => request('GET', `${V1}/orgs/${enc(orgId)}/grants`),
  createGrant: (orgId: string, body: CreateGrantBody): Promise<Grant> =>
    request('POST', `${V1}/orgs/${enc(orgId)}/grants`, { body }),
  revokeGrant: (orgId: string, grantId: string): Promise<Grant> =>
    request('POST', `${V1}/orgs/${enc(orgId)}/grants/${enc(grantId)}/revoke`),
  hospitals: (q: string, signal?: AbortSignal): Promise<HospitalRef[]> =>
    request('GET', `${V1}/organizations/hospitals${query({ q })}`, { signal }),

  // Notifications of an organization, read state per user.
  notifications: (orgId: string, q: { unreadOnly?: boolean; limit?: number; before?: string } = {}) =>
    request<AppNotification[]>('GET', `${V1}/orgs/${enc(orgId)}/notifications${query({ ...q })}`),
  /** Polled in the background: passive, so it never keeps the UI's idle timeout from running out. */
  unreadCount: (orgId: string): Promise<{ count: number }> =>
    request('GET', `${V1}/orgs/${enc(orgId)}/notifications/unread-count`, { passive: true }),
  markRead: (orgId: string, body: { ids: string[] } | { all: true }): Promise<{ marked: number }> =>
    request('POST', `${V1}/orgs/${enc(orgId)}/notifications/read`, { body }),

  // A hospital's requests to manufacturers.
  requests: (orgId: string): Promise<StatementRequest[]> => request('GET', `${V1}/orgs/${enc(orgId)}/requests`),
  createRequest: (orgId: string, body: NewRequestBody): Promise<CreatedRequest> =>
    request('POST', `${V1}/orgs/${enc(orgId)}/requests`, { body }),
  remindRequest: (orgId: string, requestId: string): Promise<StatementRequest> =>
    request('POST', `${V1}/orgs/${enc(orgId)}/requests/${enc(requestId)}/remind`),
  cancelRequest: (orgId: string, requestId: string): Promise<StatementRequest> =>
    request('POST', `${V1}/orgs/${enc(orgId)}/requests/${enc(requestId)}/cancel`),
  manufacturers: (q: string, signal?: AbortSignal): Promise<ManufacturerRef[]> =>
    request('GET', `${V1}/manufacturers${query({ q })}`, { signal }),

  // A manufacturer's inbox.
  inbox: (orgId: string): Promise<StatementRequest[]> => request('GET', `${V1}/orgs/${enc(orgId)}/inbox`),
  inboxRequest: (orgId: string, requestId: string): Promise<StatementRequest> =>
    request('GET', `${V1}/orgs/${enc(orgId)}/inbox/${enc(requestId)}`),
  answerRequest: (orgId: string, requestId: string, body: AnswerBody): Promise<StatementRequest> =>
    request('POST', `${V1}/orgs/${enc(orgId)}/inbox/${enc(requestId)}/answer`, { body }),
  declineRequest: (orgId: string, requestId: string, reason: string): Promise<StatementRequest> =>
    request('POST', `${V1}/orgs/${enc(orgId)}/inbox/${enc(requestId)}/decline`, { body: { reason } }),

  // Invitation links to manufacturers not (yet) on the instance.
  requestInvitation: (token: string): Promise<RequestInvitationInfo> =>
    request('GET', `${V1}/request-invitations/${enc(token)}`),
  claimRequestInvitation: (token: string, orgId: string): Promise<StatementRequest> =>
    request('POST', `${V1}/request-invitations/${enc(token)}/claim`, { body: { orgId } }),

  // A hospital's collection of statements.
  collection: (orgId: string): Promise<CollectionItem[]> => request('GET', `${V1}/orgs/${enc(orgId)}/collection`),
  addToCollection: (orgId: string, publicationId: string): Promise<CollectionItem> =>
    request('POST', `${V1}/orgs/${enc(orgId)}/collection`, { body: { publicationId } }),
  collectionItem: (orgId: string, itemId: string): Promise<CollectionItemDetail> =>
    request('GET', `${V1}/orgs/${enc(orgId)}/collection/${enc(itemId)}`),

  // Webhooks.
  webhooks: (orgId: string): Promise<Webhook[]> => request('GET', `${V1}/orgs/${enc(orgId)}/webhooks`),
  createWebhook: (orgId: string, url: string): Promise<CreatedWebhook> =>
    request('POST', `${V1}/orgs/${enc(orgId)}/webhooks`, { body: { url } }),
  deleteWebhook: (orgId: string, id: string): Promise<void> =>
    request('DELETE', `${V1}/orgs/${enc(orgId)}/webhooks/${enc(id)}`),
  webhookDeliveries: (orgId: string, id: string): Promise<WebhookDelivery[]> =>
    request('GET', `${V1}/orgs/${enc(orgId)}/webhooks/${enc(id)}/deliveries`),
  testWebhook: (orgId: string, id: string): Promise<WebhookDelivery> =>
    request('POST', `${V1}/orgs/${enc(orgId)}/webhooks/${enc(id)}/test`),
};

/** Picks the text for a language, falling back to the other one (as the domain's `pick`). */
export function pick(text: LocalizedText | string | undefined, lang: Lang): string {
  if (text === undefined) return '';
  if (typeof text === 'string') return text;
  return (lang === 'en' ? (text.en ?? text.ja) : (text.ja ?? text.en)) ?? '';
}
