import { requireAccess } from '../../security/access.js';
import type { Actor, Membership, RequestContext } from '../../security/context.js';
import { requireOrgKind } from '../requests/org-kind.js';
import type { SourceRecord, SystemRecord } from './inventory.repository.js';
import type { SourceSummary, SourceView, SystemView } from './inventory.schema.js';

/**
 * The gate of the inventory's list and create routes: the action, and a hospital organization (a manufacturer is
 * refused with 403, naming the rule). Routes naming a record only pass the access gate and then look the record up
 * within the organization, so on a manufacturer they answer 404 like any id the organization does not have.
 */
export function requireInventory(
  ctx: RequestContext,
  orgId: string,
  action: 'inventory.read' | 'inventory.write',
): Membership {
  const membership = requireAccess(ctx.actor, action, { orgId, describe: 'organization' });
  requireOrgKind(membership, 'hospital', action, 'keep an inventory');
  return membership;
}

/** The actor as a member of this organization only: what it may read for the organization, not for its others. */
export function asMemberOf(actor: Actor, orgId: string): Actor {
  return actor.kind === 'user' ? { ...actor, memberships: actor.memberships.filter((m) => m.orgId === orgId) } : actor;
}

export function systemView(s: SystemRecord, statementCount: number): SystemView {
  return {
    id: s.id,
    name: s.name,
    manufacturer: s.manufacturer,
    product: s.product,
    productVersion: s.productVersion,
    department: s.department,
    location: s.location,
    owner: s.owner,
    patientData: s.patientData,
    connections: s.connections,
    notes: s.notes,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    statementCount,
  };
}

export function sourceSummary(s: SourceRecord): SourceSummary {
  return {
    id: s.id,
    kind: s.kind,
    publicationId: s.publicationId,
    fileName: s.fileName,
    format: s.format,
    template: { id: s.templateId, edition: s.templateEdition },
    manufacturer: s.manufacturer,
    product: s.product,
    productVersion: s.productVersion,
    statementDate: s.statementDate,
    signatureStatus: s.signatureStatus,
    addedAt: s.addedAt,
  };
}

export function sourceView(s: SourceRecord, systems: { id: string; name: string }[]): SourceView {
  return {
    ...sourceSummary(s),
    contentHash: s.contentHash,
    signature: s.signature,
    addedBy: s.addedBy,
    systems,
  };
}
