import type { ColumnType } from 'kysely';

/** A value set on insert and never changed afterwards. */
type Immutable<T> = ColumnType<T, T, never>;

/** A nullable column that inserts may leave out. */
type Optional<T> = ColumnType<T | null, T | null | undefined, T | null>;

/** Two-factor authentication, re-authentication and organizations' security policies (migration 0007-two-factor). */
export interface TwoFactorTables {
  user_totp: UserTotpTable;
  recovery_codes: RecoveryCodesTable;
  two_factor_challenges: TwoFactorChallengesTable;
  session_reauth: SessionReauthTable;
  org_security_policies: OrgSecurityPoliciesTable;
}

export interface UserTotpTable {
  user_id: Immutable<string>;
  /**
   * The shared secret, base32 (RFC 4648), stored encrypted (`enc:v1:…`, src/security/secret-box.ts); plain text in
   * a database from before encryption, until the next start encrypts it.
   */
  secret: string;
  /** Null while enrolment waits for its first code; set when the code confirmed it (2FA is on from then). */
  confirmed_at: Optional<string>;
  /** The last 30-second step a code was accepted for: a code of that step or an earlier one is refused (replay). */
  last_used_step: Optional<number>;
  created_at: string;
}

export interface RecoveryCodesTable {
  id: Immutable<string>;
  user_id: Immutable<string>;
  /** sha256 (hex) of the normalized code; the code itself is shown once and never stored. */
  code_hash: Immutable<string>;
  created_at: Immutable<string>;
  used_at: Optional<string>;
}

export interface TwoFactorChallengesTable {
  /** sha256 (hex) of the pending sign-in's cookie token. */
  id_hash: Immutable<string>;
  user_id: Immutable<string>;
  created_at: Immutable<string>;
  expires_at: Immutable<string>;
  /** Wrong codes sent against this challenge; it ends at the limit, and the password must be given again. */
  attempts: ColumnType<number, number | undefined, number>;
}

export interface SessionReauthTable {
  session_id_hash: Immutable<string>;
  /** When the session's user last gave their password (and code) again. */
  at: string;
}

export interface OrgSecurityPoliciesTable {
  org_id: Immutable<string>;
  /** 1 when every member must have two-factor authentication on to work in the organization. */
  require_two_factor: number;
  updated_at: string;
  updated_by: string;
}
