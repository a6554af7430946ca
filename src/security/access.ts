import { AppError } from '../server/errors.js';
import type { Actor, Membership, Role } from './context.js';

/** Everything a caller can be allowed to do inside an organization. */
export type Action =
  | 'org.read'
  | 'org.manage'
  | 'member.read'
  | 'member.manage'
  | 'product.read'
  | 'product.write'
  | 'statement.read'
  | 'statement.write'
  | 'statement.submit'
  | 'statement.review'
  | 'statement.finalize'
  | 'audit.read'
  /** Publish or withdraw a finalized revision (manufacturer). */
  | 'statement.publish'
  /** Grant and revoke hospitals' access to restricted publications (manufacturer). */
  | 'grant.manage'
  /** Manage the organization's signing key and certificate. */
  | 'signing.manage'
  /** Read requests sent or received, the collection and notifications. */
  | 'request.read'
  /** Ask a manufacturer for a statement, remind, cancel; add to the collection (hospital). */
  | 'request.write'
  /** Answer or decline a hospital's request (manufacturer). */
  | 'request.answer'
  | 'webhook.manage'
  /** Read the hospital's inventory, statements held, comparisons and assessments. */
  | 'inventory.read'
  /** Add and change systems, import statements, draft and treat risks (hospital). */
  | 'inventory.write'
  /** Accept residual risk: finalize an assessment (hospital). */
  | 'assessment.accept';

const READ: Action[] = ['org.read', 'member.read', 'product.read', 'statement.read', 'request.read', 'inventory.read'];

/** The role matrix: one place that says who may do what. */
export const PERMISSIONS: Readonly<Record<Role, ReadonlySet<Action>>> = {
  owner: new Set<Action>([
    ...READ,
    'org.manage',
    'member.manage',
    'product.write',
    'statement.write',
    'statement.submit',
    'statement.review',
    'statement.finalize',
    'audit.read',
    'statement.publish',
    'grant.manage',
    'signing.manage',
    'request.write',
    'request.answer',
    'webhook.manage',
    'inventory.write',
    'assessment.accept',
  ]),
  editor: new Set<Action>([
    ...READ,
    'product.write',
    'statement.write',
    'statement.submit',
    'request.write',
    'inventory.write',
  ]),
  approver: new Set<Action>([...READ, 'statement.review', 'statement.finalize', 'statement.publish', 'request.answer']),
  viewer: new Set<Action>(READ),
  auditor: new Set<Action>([...READ, 'audit.read']),
};

/** The resource an action is about: at least the organization that owns it. */
export interface Resource {
  orgId: string;
  /** For messages only, e.g. "statement 3f2…". */
  describe?: string;
}

/** Why the gate refused a signed-in caller; the server records it as an `access.denied` audit event. */
export interface Denial {
  action: Action;
  orgId: string;
  /** False when the caller is not a member of the organization (answered as not found). */
  member: boolean;
  /** The caller's role, when a member. */
  role?: Role;
}

/**
 * A refusal by the gate. It answers exactly like its code (`not-found` outside the organization, with the same
 * message as a resource that does not exist; `forbidden` inside it); the error handler also writes the audit
 * record, in a transaction of its own, since the request's transaction is rolled back.
 */
export class AccessDeniedError extends AppError {
  constructor(
    code: 'not-found' | 'forbidden',
    message: string,
    readonly denial: Denial,
  ) {
    super(code, { message });
  }
}

/**
 * The one access gate every service calls first. Outside the owning organization the answer is "not found", the
 * same as for a resource that does not exist, so nothing leaks about other organizations. Inside it, a role without
 * the permission gets "forbidden". Anonymous callers are "unauthenticated".
 */
export function requireAccess(actor: Actor, action: Action, resource: Resource): Membership {
  if (actor.kind === 'anonymous') throw new AppError('unauthenticated', { message: 'sign in first' });
  const membership = actor.memberships.find((m) => m.orgId === resource.orgId);
  if (membership === undefined) {
    throw new AccessDeniedError('not-found', notFound(resource).message, {
      action,
      orgId: resource.orgId,
      member: false,
    });
  }
  if (!PERMISSIONS[membership.role].has(action)) {
    throw new AccessDeniedError('forbidden', `the ${membership.role} role may not ${action.replace('.', ' ')}`, {
      action,
      orgId: resource.orgId,
      member: true,
      role: membership.role,
    });
  }
  return membership;
}

/** True when the role may perform the action (for showing or hiding UI, never instead of requireAccess). */
export function can(role: Role, action: Action): boolean {
  return PERMISSIONS[role].has(action);
}

/** The answer for a resource that does not exist, or that the caller may not know exists. */
export function notFound(resource?: Resource): AppError {
  return new AppError('not-found', { message: `${resource?.describe ?? 'resource'} not found` });
}

/** Throws unless someone is signed in; returns the user. */
export function requireUser(actor: Actor): Extract<Actor, { kind: 'user' }> {
  if (actor.kind === 'anonymous') throw new AppError('unauthenticated', { message: 'sign in first' });
  return actor;
}
