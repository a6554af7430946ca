import { Type, type Static } from '@sinclair/typebox';
import { NOTIFICATION_KINDS } from './notification-kinds.js';

const Id = Type.String({ minLength: 1, maxLength: 64 });

export const OrgParamsSchema = Type.Object({ orgId: Id });

export const NotificationKindSchema = Type.Union(
  NOTIFICATION_KINDS.map((k) => Type.Literal(k)),
  { description: 'What the notification is about (see docs/api-exchange.md)' },
);

export const NotificationParamsSchema = Type.Record(
  Type.String(),
  Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]),
  { description: 'Ids and names the client renders in its language' },
);

export const NotificationSchema = Type.Object(
  {
    id: Type.String(),
    kind: NotificationKindSchema,
    params: NotificationParamsSchema,
    createdAt: Type.String({ format: 'date-time' }),
    read: Type.Boolean({ description: 'Whether you (the calling user) have marked it read' }),
  },
  { additionalProperties: false },
);

export const ListNotificationsQuerySchema = Type.Object(
  {
    unreadOnly: Type.Optional(Type.Boolean({ default: false })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    before: Type.Optional(Type.String({ maxLength: 64, description: 'Paging: the id of the last notification seen' })),
  },
  { additionalProperties: false },
);
export type ListNotificationsQuery = Static<typeof ListNotificationsQuerySchema>;

export const UnreadCountSchema = Type.Object({ count: Type.Integer({ minimum: 0 }) }, { additionalProperties: false });

export const MarkReadBodySchema = Type.Object(
  {
    ids: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: 500, uniqueItems: true })),
    all: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, description: 'Either `ids` or `all: true`' },
);
export type MarkReadBody = Static<typeof MarkReadBodySchema>;

export const MarkReadResultSchema = Type.Object(
  { marked: Type.Integer({ minimum: 0, description: 'How many were unread before' }) },
  { additionalProperties: false },
);
