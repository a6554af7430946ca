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
function values(p: Params, t: TFunction) {
  const product = [str(p, 'productName', 'product'), str(p, 'productVersion', 'version')]
    .filter((x) => x !== '')
    .join(' ');
  return {
    hospital: str(p, 'hospital', 'hospitalName'),
    manufacturer: str(p, 'manufacturer', 'manufacturerName'),
    // A grant without a product covers all of the manufacturer's products.
    product: product === '' ? t('grants.allProducts') : product,
    revision: str(p, 'revision'),
    reason: str(p, 'reason', 'declineReason'),
    dueDate: str(p, 'dueDate'),
  };
}

/** A notification as a sentence in the UI's language, from its kind and params (never the server's words). */
export function notificationText(n: AppNotification, t: TFunction): string {
  const v = values(n.params, t);
  const access = n.params['accessRequest'] === true;
  // Reminders and overdue notices the server sends on its own say why: past the due date, or open for 14 days.
  const openTooLong = n.params['reason'] === 'open-14-days';
  switch (n.kind) {
    case 'request.received':
      return t(access ? 'notifications.kinds.request.receivedAccess' : 'notifications.kinds.request.received', v);
    case 'request.answered':
      return t('notifications.kinds.request.answered', v);
    case 'request.declined':
      return t(access ? 'notifications.kinds.request.declinedAccess' : 'notifications.kinds.request.declined', v);
    case 'request.reminder':
      if (n.params['automatic'] !== true) return t('notifications.kinds.request.reminder', v);
      return t(openTooLong ? 'notifications.kinds.request.reminderOpen' : 'notifications.kinds.request.reminderDue', v);
    case 'request.overdue':
      return t(openTooLong ? 'notifications.kinds.request.overdueOpen' : 'notifications.kinds.request.overdue', v);
    case 'publication.new-revision':
      return t('notifications.kinds.publication.newRevision', v);
    case 'publication.withdrawn':
      return t('notifications.kinds.publication.withdrawn', v);
    case 'grant.created':
      return t('notifications.kinds.grant.created', v);
    case 'grant.revoked':
      return t('notifications.kinds.grant.revoked', v);
    case 'assessment.new-revision':
      return t(
        n.params['action'] === 'review-needed'
          ? 'notifications.kinds.assessment.reviewNeeded'
          : 'notifications.kinds.assessment.redrafted',
        { ...v, title: str(n.params, 'title'), count: Number(n.params['touchedRisks'] ?? 0) },
      );
    case 'break-glass.used':
      return t('notifications.kinds.breakGlass.used', v);
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
    case 'request.answered': {
      const item = str(n.params, 'collectionItemId');
      if (item !== '') return `${base}/collection/${encodeURIComponent(item)}`;
      return publicationId === '' ? withRequest(`${base}/requests`) : `${base}/collection`;
    }
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
    case 'assessment.new-revision': {
      const a = str(n.params, 'assessmentId');
      return a === '' ? `${base}/assessments` : `${base}/assessments/${encodeURIComponent(a)}`;
    }
    case 'break-glass.used':
      return `${base}/break-glass`;
  }
}
