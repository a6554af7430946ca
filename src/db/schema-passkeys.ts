import type { ColumnType } from 'kysely';

/** A value set on insert and never changed afterwards. */
type Immutable<T> = ColumnType<T, T, never>;

/** A nullable column that inserts may leave out. */
type Optional<T> = ColumnType<T | null, T | null | undefined, T | null>;

/** Passkeys and WebAuthn ceremonies (migration 0009-passkeys). */
export interface PasskeysTables {
  passkeys: PasskeysTable;
  webauthn_challenges: WebauthnChallengesTable;
}

export interface PasskeysTable {
  /** The credential ID, base64url. */
  id: Immutable<string>;
  user_id: Immutable<string>;
  /** The user's own label, e.g. "MacBook Touch ID". */
  name: string;
  /** COSE public key, base64url. A public key: nothing secret is stored for a passkey. */
  public_key: Immutable<string>;
  /** The authenticator's signature counter as last seen (0 for authenticators that keep none, as synced passkeys). */
  sign_count: number;
  /** JSON array of transports. */
  transports: Immutable<string>;
  device_type: string;
  backed_up: number;
  aaguid: Immutable<string>;
  created_at: Immutable<string>;
  last_used_at: Optional<string>;
}

export interface WebauthnChallengesTable {
  /** `<purpose>:<hash of the session, pending sign-in or cookie token>`. */
  id: Immutable<string>;
  purpose: Immutable<string>;
  /** The user the ceremony is for; null for a passwordless sign-in, where the passkey says who. */
  user_id: Immutable<string | null>;
  /** base64url, as sent to the browser. */
  challenge: Immutable<string>;
  created_at: Immutable<string>;
  expires_at: Immutable<string>;
}
