/** Membership roles in an organization. */
export type Role = 'owner' | 'editor' | 'approver' | 'viewer' | 'auditor';
export const ROLES: readonly Role[] = ['owner', 'editor', 'approver', 'viewer', 'auditor'];

export type OrgKind = 'manufacturer' | 'hospital';

export interface Membership {
  orgId: string;
  orgName: string;
  kind: OrgKind;
  role: Role;
}

/** Who is calling: nobody signed in, or a user with their memberships. */
export type Actor =
  | { kind: 'anonymous' }
  | {
      kind: 'user';
      userId: string;
      email: string;
      displayName: string;
      /** The instance operator administers the instance, not other organizations' content. */
      isOperator: boolean;
      memberships: readonly Membership[];
      sessionId: string;
    };

/** What every service call receives besides its input: the actor and where the request came from, for audit. */
export interface RequestContext {
  actor: Actor;
  ip: string;
  userAgent: string;
  /** The current time as UTC ISO 8601; injectable for tests. */
  now(): string;
}

export const ANONYMOUS: Actor = { kind: 'anonymous' };
