/** What a notification (and the webhook event sent with it) is about. */
export const NOTIFICATION_KINDS = [
  /** A hospital sent the manufacturer a request (or an invited manufacturer claimed one). */
  'request.received',
  /** The manufacturer answered the hospital's request with a publication, now in the hospital's collection. */
  'request.answered',
  /** The manufacturer declined the hospital's request (for an access request: the denial), with a reason. */
  'request.declined',
  /** The hospital reminded the manufacturer of an open request, or the overdue sweep did. */
  'request.reminder',
  /** The hospital's request is past its due date (or has been open for more than 14 days). */
  'request.overdue',
  /** A newer revision of a statement the hospital holds was published. */
  'publication.new-revision',
  /** A publication the hospital holds was withdrawn, with a reason. */
  'publication.withdrawn',
  /** A manufacturer granted the hospital access to its restricted publications. */
  'grant.created',
  /** A manufacturer revoked the hospital's access grant. */
  'grant.revoked',
  /**
   * A newer revision of a statement an assessment relies on arrived: a draft was re-drafted (`action: 'redrafted'`),
   * an accepted one needs review (`action: 'review-needed'`).
   */
  'assessment.new-revision',
  /** The organization's break-glass account (非常時アカウント) was used, with the stated reason; an owner must rotate it. */
  'break-glass.used',
] as const;

export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** The values a notification carries: ids and names, rendered by the client in its language. */
export type NotificationParams = Record<string, string | number | boolean | null>;
