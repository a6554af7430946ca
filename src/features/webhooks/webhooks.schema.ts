import { Type, type Static } from '@sinclair/typebox';

const Id = Type.String({ minLength: 1, maxLength: 64 });

export const OrgParamsSchema = Type.Object({ orgId: Id });
export const WebhookParamsSchema = Type.Object({ orgId: Id, webhookId: Id });

/** The longest webhook URL accepted. */
export const MAX_WEBHOOK_URL = 2000;

export const CreateWebhookBodySchema = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      maxLength: MAX_WEBHOOK_URL,
      description: 'http:// or https://, without user name or password',
      examples: ['https://hospital.example.jp/openmds/webhook'],
    }),
  },
  { additionalProperties: false },
);
export type CreateWebhookBody = Static<typeof CreateWebhookBodySchema>;

export const WebhookSchema = Type.Object(
  {
    id: Type.String(),
    url: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    disabledAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: 'Set when the receiver answered 410 Gone: nothing is sent any more',
    }),
  },
  { additionalProperties: false },
);

export const CreatedWebhookSchema = Type.Composite(
  [
    WebhookSchema,
    Type.Object({
      secret: Type.String({ description: 'The signing secret (`whsec_…`); shown only this once' }),
    }),
  ],
  { additionalProperties: false },
);

export const DeliveryStateSchema = Type.Union([
  Type.Literal('pending'),
  Type.Literal('delivered'),
  Type.Literal('failed'),
]);

export const DeliverySchema = Type.Object(
  {
    id: Type.String({ description: 'The `webhook-id` header: the same on every attempt' }),
    event: Type.String(),
    state: DeliveryStateSchema,
    attempts: Type.Integer({ minimum: 0 }),
    nextAttemptAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    deliveredAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    lastStatus: Type.Union([Type.Integer(), Type.Null()]),
    lastError: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
    payload: Type.String({ description: 'The body as sent and signed (JSON text)' }),
  },
  { additionalProperties: false },
);
