import type { ColumnType } from 'kysely';

/** A value set on insert and never changed afterwards. */
type Immutable<T> = ColumnType<T, T, never>;

/** A nullable column that inserts may leave out. */
type Optional<T> = ColumnType<T | null, T | null | undefined, T | null>;

/** Tables of accounts, organizations, sessions and the audit trail (migration 0002-accounts). */
export interface AccountsTables {
  users: UsersTable;
  organizations: OrganizationsTable;
  memberships: MembershipsTable;
  invitations: InvitationsTable;
  sessions: SessionsTable;
  sign_in_throttle: SignInThrottleTable;
  instance_settings: InstanceSettingsTable;
  audit_events: AuditEventsTable;
}

export type RoleColumn = 'owner' | 'editor' | 'approver' | 'viewer' | 'auditor';
export type OrgKindColumn = 'manufacturer' | 'hospital';
export type AuditOutcomeColumn = 'success' | 'denied' | 'failure';

export interface UsersTable {
  id: Immutable<string>;
  /** Lower-cased; unique. */
  email: string;
  display_name: string;
  /** Self-describing: `scrypt$N$r$p$salt$hash` (see src/security/passwords.ts). */
  password_hash: string;
  password_changed_at: string;
  /** 1 for the instance operator (boolean as integer on both dialects). */
  is_operator: ColumnType<number, number | undefined, number>;
  created_at: Immutable<string>;
  disabled_at: Optional<string>;
  /** Failed sign-ins since the last successful one. */
  failed_sign_ins: ColumnType<number, number | undefined, number>;
  /** Mirrors the sign-in throttle's block of this user's email, for display. */
  locked_until: Optional<string>;
}

export interface OrganizationsTable {
  id: Immutable<string>;
  name: string;
  kind: Immutable<OrgKindColumn>;
  created_at: Immutable<string>;
}

export interface MembershipsTable {
  user_id: Immutable<string>;
  org_id: Immutable<string>;
  role: RoleColumn;
  created_at: Immutable<string>;
}

export interface InvitationsTable {
  id: Immutable<string>;
  org_id: Immutable<string>;
  /** Lower-cased. */
  email: Immutable<string>;
  role: Immutable<RoleColumn>;
  /** sha256 (hex) of the token in the invitation link; the token itself is never stored. */
  token_hash: Immutable<string>;
  expires_at: Immutable<string>;
  created_by: Immutable<string>;
  created_at: Immutable<string>;
  accepted_at: Optional<string>;
  accepted_by: Optional<string>;
  revoked_at: Optional<string>;
}

export interface SessionsTable {
  /** sha256 (hex) of the session cookie's token; the token itself is never stored. */
  id_hash: Immutable<string>;
  user_id: Immutable<string>;
  current_org_id: Optional<string>;
  /** Sent back in X-CSRF-Token on every write (synchronizer token). */
  csrf_token: Immutable<string>;
  created_at: Immutable<string>;
  last_seen_at: string;
  idle_expires_at: string;
  absolute_expires_at: Immutable<string>;
  /** Set while the screen is locked. */
  locked_at: Optional<string>;
  ip: Immutable<string>;
  user_agent: Immutable<string>;
}

export interface SignInThrottleTable {
  /** `email:<address>` or `ip:<address>`. */
  key: Immutable<string>;
  /** Failures in the current streak. */
  failures: number;
  window_started_at: string;
  last_failure_at: string;
  blocked_until: Optional<string>;
}

export interface InstanceSettingsTable {
  key: Immutable<string>;
  value: string;
  updated_at: string;
}

export interface AuditEventsTable {
  /**
   * Position in the trail, assigned by the database (SQLite AUTOINCREMENT, PostgreSQL identity). PostgreSQL
   * returns bigint as text, so read it through Number(). Never written by the application.
   */
  seq: ColumnType<number | string, never, never>;
  id: string;
  at: string;
  actor_id: string | null;
  actor_name: string | null;
  org_id: string | null;
  action: string;
  object_type: string;
  object_id: string | null;
  revision: number | null;
  outcome: AuditOutcomeColumn;
  ip: string | null;
  user_agent: string | null;
  /** RFC 8785 canonical JSON text of an object, or null. */
  details: string | null;
  prev_hash: string;
  hash: string;
}
