import type { ColumnType } from 'kysely';

/** A value set on insert and never changed afterwards. */
type Immutable<T> = ColumnType<T, T, never>;

/** A nullable column that inserts may leave out. */
type Optional<T> = ColumnType<T | null, T | null | undefined, T | null>;

/** A counter with a database default. */
type Counter = ColumnType<number, number | undefined, number>;

/** Tables of password management, the mail outbox and break-glass accounts (migration 0008-passwords). */
export interface PasswordsTables {
  password_history: PasswordHistoryTable;
  password_reset_tokens: PasswordResetTokensTable;
  mail_outbox: MailOutboxTable;
  break_glass_accounts: BreakGlassAccountsTable;
}

export interface PasswordHistoryTable {
  id: Immutable<string>;
  user_id: Immutable<string>;
  /** The hash a change or reset replaced (`scrypt$…`). */
  password_hash: Immutable<string>;
  replaced_at: Immutable<string>;
}

export interface PasswordResetTokensTable {
  id: Immutable<string>;
  user_id: Immutable<string>;
  /** sha256 (hex) of the token in the link; the token itself is never stored. */
  token_hash: Immutable<string>;
  created_at: Immutable<string>;
  expires_at: Immutable<string>;
  used_at: Optional<string>;
  issued_via: Immutable<'request' | 'operator'>;
}

export interface MailOutboxTable {
  id: Immutable<string>;
  to_address: Immutable<string>;
  subject: Immutable<string>;
  /** Erased once delivered. */
  body: Optional<string>;
  kind: Immutable<string>;
  created_at: Immutable<string>;
  attempts: Counter;
  last_error: Optional<string>;
  sent_at: Optional<string>;
  /** The earliest time of the next attempt; null: as soon as possible (migration 0010-mail-delivery). */
  next_attempt_at: Optional<string>;
  /** When the outbox gave up on the message after its last allowed attempt (migration 0010-mail-delivery). */
  failed_at: Optional<string>;
}

export interface BreakGlassAccountsTable {
  org_id: Immutable<string>;
  user_id: Immutable<string>;
  /** sha256 (hex) of the sealed credential. */
  credential_hash: string;
  created_at: Immutable<string>;
  created_by: Immutable<string>;
  sealed_at: string;
  sealed_by: string;
  rotations: Counter;
  used_at: Optional<string>;
  use_count: Counter;
  last_use_at: Optional<string>;
  last_use_reason: Optional<string>;
  last_use_ip: Optional<string>;
  last_session_expires_at: Optional<string>;
}
