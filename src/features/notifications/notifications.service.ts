import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { requireAccess, requireUser } from '../../security/access.js';
import { AUDIT_ACTIONS, writeAudit } from '../../security/audit.js';
import type { RequestContext } from '../../security/context.js';
import { AppError } from '../../server/errors.js';
import type { NotificationKind, NotificationParams } from './notification-kinds.js';
import {
  countUnread,
  findNotificationPosition,
  listNotifications as listNotificationRows,
  markRead,
  notificationIdsIn,
  unreadNotificationIds,
} from './notifications.repository.js';

export interface NotificationView {
  id: string;
  kind: NotificationKind;
  params: NotificationParams;
  createdAt: string;
  read: boolean;
}

function parseParams(text: string): NotificationParams {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as NotificationParams;
  } catch {
    // Written by notify() as JSON; anything else is shown as empty rather than failing the whole list.
  }
  return {};
}

/** The organization's notifications, newest first, with the calling user's read flag. */
export async function listNotifications(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  query: { unreadOnly?: boolean; limit?: number; before?: string },
): Promise<NotificationView[]> {
  requireAccess(ctx.actor, 'request.read', { orgId, describe: 'organization' });
  const user = requireUser(ctx.actor);
  let before: { id: string; createdAt: string } | undefined;
  if (query.before !== undefined) {
    before = await findNotificationPosition(db, orgId, query.before);
    if (before === undefined) throw new AppError('invalid-input', { message: 'before: no such notification' });
  }
  const rows = await listNotificationRows(db, {
    orgId,
    userId: user.userId,
    unreadOnly: query.unreadOnly ?? false,
    limit: query.limit ?? 50,
    ...(before === undefined ? {} : { before }),
  });
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind as NotificationKind,
    params: parseParams(r.params),
    createdAt: r.createdAt,
    read: r.read,
  }));
}

/** How many of the organization's notifications the calling user has not read. */
export async function unreadNotificationCount(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
): Promise<{ count: number }> {
  requireAccess(ctx.actor, 'request.read', { orgId, describe: 'organization' });
  const user = requireUser(ctx.actor);
  return { count: await countUnread(db, orgId, user.userId) };
}

/**
 * Marks notifications read for the calling user (read flags are per user: a colleague still sees them unread):
 * the `ids` given, or `all` of the organization's.
 */
export async function markNotificationsRead(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  input: { ids?: string[]; all?: boolean },
): Promise<{ marked: number }> {
  requireAccess(ctx.actor, 'request.read', { orgId, describe: 'organization' });
  const user = requireUser(ctx.actor);
  const all = input.all === true;
  if (all === (input.ids !== undefined)) {
    throw new AppError('invalid-input', { message: 'body: give either ids or all: true' });
  }
  return db.transaction().execute(async (trx) => {
    let ids: string[];
    if (all) {
      ids = await unreadNotificationIds(trx, orgId, user.userId);
    } else {
      ids = input.ids ?? [];
      const known = await notificationIdsIn(trx, orgId, ids);
      const missing = ids.findIndex((id) => !known.has(id));
      if (missing >= 0) throw new AppError('not-found', { message: `ids/${missing}: notification not found` });
    }
    const marked = await markRead(trx, user.userId, ids, ctx.now());
    await writeAudit(trx, {
      ctx,
      orgId,
      action: AUDIT_ACTIONS.NOTIFICATION_READ,
      objectType: 'notification',
      objectId: all || ids.length !== 1 ? null : (ids[0] ?? null),
      outcome: 'success',
      details: { all, marked },
    });
    return { marked };
  });
}
