import type { Visibility } from '../../db/schema-publishing.js';
import type { RequestRecord } from './requests.repository.js';

/** A request's status as shown: the stored one, or `overdue` for an open request past its due date. */
export type RequestStatus = 'open' | 'answered' | 'declined' | 'cancelled' | 'overdue';

/** How long an invitation link to a manufacturer not on the instance can be claimed. */
export const REQUEST_INVITATION_TTL_MS = 30 * 24 * 3_600_000;

/** The date in Japan at an instant: due dates are calendar dates there. */
export function tokyoDate(iso: string): string {
  return new Date(Date.parse(iso) + 9 * 3_600_000).toISOString().slice(0, 10);
}

export function requestStatus(r: Pick<RequestRecord, 'status' | 'dueDate'>, now: string): RequestStatus {
  return r.status === 'open' && r.dueDate !== null && r.dueDate < tokyoDate(now) ? 'overdue' : r.status;
}

export function invitationExpiresAt(r: Pick<RequestRecord, 'createdAt'>): string {
  return new Date(Date.parse(r.createdAt) + REQUEST_INVITATION_TTL_MS).toISOString();
}

/** Whether an invitation link can still be claimed: unclaimed, the request open, within its 30 days. */
export function invitationClaimable(
  r: Pick<RequestRecord, 'status' | 'inviteClaimedAt' | 'manufacturerOrgId' | 'createdAt'>,
  now: string,
): boolean {
  return (
    r.status === 'open' && r.inviteClaimedAt === null && r.manufacturerOrgId === null && invitationExpiresAt(r) > now
  );
}

export interface RequestView {
  id: string;
  kind: 'statement' | 'access';
  status: RequestStatus;
  hospital: { id: string; name: string };
  manufacturer: { id: string | null; name: string };
  product: { id: string | null; name: string; version: string | null };
  publicationId: string | null;
  message: string;
  dueDate: string | null;
  createdAt: string;
  updatedAt: string;
  answer: { publicationId: string; revision: number; visibility: Visibility } | null;
  declineReason: string | null;
  answeredAt: string | null;
  reminderCount: number;
  lastRemindedAt: string | null;
  invitation: { email: string; claimedAt: string | null; claimable: boolean; expiresAt: string } | null;
}

/** The same view for both sides: the hospital's sent list and the manufacturer's inbox. */
export function requestView(r: RequestRecord, now: string): RequestView {
  return {
    id: r.id,
    kind: r.publicationId === null ? 'statement' : 'access',
    status: requestStatus(r, now),
    hospital: { id: r.hospitalOrgId, name: r.hospitalName },
    manufacturer: { id: r.manufacturerOrgId, name: r.manufacturerName },
    product: { id: r.productId, name: r.productName, version: r.productVersion },
    publicationId: r.publicationId,
    message: r.message,
    dueDate: r.dueDate,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    answer: r.answer,
    declineReason: r.declineReason,
    answeredAt: r.answeredAt,
    reminderCount: r.reminderCount,
    lastRemindedAt: r.lastRemindedAt,
    invitation:
      r.inviteEmail === null
        ? null
        : {
            email: r.inviteEmail,
            claimedAt: r.inviteClaimedAt,
            claimable: invitationClaimable(r, now),
            expiresAt: invitationExpiresAt(r),
          },
  };
}
