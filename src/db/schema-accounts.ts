/** Tables of accounts, organizations, sessions and the audit trail (migration 0002-accounts). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface AccountsTables {}
