import { AccessDeniedError, type Action } from '../../security/access.js';
import type { Membership, OrgKind } from '../../security/context.js';

const article = (kind: OrgKind): string => (kind === 'hospital' ? 'a hospital' : 'a manufacturer');

/**
 * Refuses a route of the other side of the exchange: hospitals ask and collect, manufacturers grant and answer.
 * The refusal is `forbidden` (the caller is a member; the organization is of the wrong kind), raised as the access
 * gate's error so that it is audited as `access.denied` like a role without the permission. `doing` completes
 * "only a hospital organization may …".
 */
export function requireOrgKind(membership: Membership, kind: OrgKind, action: Action, doing: string): void {
  if (membership.kind === kind) return;
  throw new AccessDeniedError(
    'forbidden',
    `orgId: only ${article(kind)} organization may ${doing}; ${membership.orgName} is ${article(membership.kind)}`,
    { action, orgId: membership.orgId, member: true, role: membership.role },
  );
}
