import type { TFunction } from 'i18next';
import type { AppNotification, OrgKind } from '../api-types';

type Params = AppNotification['params'];

function str(p: Params, ...keys: string[]): string {
  for (const k of keys) {
    const v = p[k];
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number') return String(v);
  }
  return '';
}

/** The values every notification sentence may name, each '' when the notification does not carry it. */
function values(p: Params) {
  const product = [str(p, 'productName', 'product'), str(p, 'productVersion', 'version')]
    .filter((x) => x !== '')
    .join(' ');
  return {
    hospital: str(p, 'hospital', 'hospitalName'),
    manufacturer: str(p, 'manufacturer', 'manufacturerName'),
    product: product === '' ? '—' : product,
    revision: str(p, 'revision'),
    reason: str(p, 'reason', 'declineReason'),
    dueDate: str(p, 'dueDate'),
  };
}

/** A notification as a sentence in the UI's language, from its kind and params (never the server's words). */
export function notificationText(n: AppNotification, t: TFunction): string {
  const v = values(n.params);
  switch (n.kind) {
    case 'request.received':
      return t('notifications.kinds.request.received', v);
    case 'request.answered':
      return t('notifications.kinds.request.answered', v);
    case 'request.declined':
      return t('notifications.kinds.request.declined', v);
    case 'request.reminder':
      return t('notifications.kinds.request.reminder', v);
    case 'request.overdue':
      return t('notifications.kinds.request.overdue', v);
    case 'publication.new-revision':
      return t('notifications.kinds.publication.newRevision', v);
    case 'publication.withdrawn':
      return t('notifications.kinds.publication.withdrawn', v);
    case 'grant.created':
      return t('notifications.kinds.grant.created', v);
    case 'grant.revoked':
      return t('notifications.kinds.grant.revoked', v);
  }
}

/** Where a notification leads: the request in the inbox or the hospital's list, the publication, the grants. */
export function notificationLink(n: AppNotification, orgId: string, kind: OrgKind | undefined): string {
  const base = `/orgs/${encodeURIComponent(orgId)}`;
  const publicationId = str(n.params, 'publicationId', 'answerPublicationId');
  const requestId = str(n.params, 'requestId');
  const withRequest = (path: string) => (requestId === '' ? path : `${path}?request=${encodeURIComponent(requestId)}`);
  switch (n.kind) {
    case 'request.received':
    case 'request.reminder':
      return withRequest(`${base}/inbox`);
    case 'request.overdue':
      return withRequest(kind === 'manufacturer' ? `${base}/inbox` : `${base}/requests`);
    case 'request.answered':
      return publicationId === '' ? withRequest(`${base}/requests`) : `${base}/collection`;
    case 'request.declined':
      return withRequest(`${base}/requests`);
    case 'publication.new-revision':
    case 'publication.withdrawn':
      return publicationId === '' ? `${base}/collection` : `/directory/${encodeURIComponent(publicationId)}`;
    case 'grant.created':
    case 'grant.revoked': {
      const m = str(n.params, 'manufacturerOrgId');
      return m === '' ? '/directory' : `/directory?manufacturer=${encodeURIComponent(m)}`;
    }
  }
}
