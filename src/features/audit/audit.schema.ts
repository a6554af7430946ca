import { Type } from '@sinclair/typebox';
import { AUDIT_PAGE_DEFAULT, AUDIT_PAGE_MAX } from './audit.service.js';

export const AuditParamsSchema = Type.Object({ orgId: Type.String({ minLength: 1, maxLength: 64 }) });

export const AuditQuerySchema = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: AUDIT_PAGE_MAX, default: AUDIT_PAGE_DEFAULT })),
    before: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 40,
        description: 'A seq (records before it: the smallest seq of the previous page) or a date-time',
      }),
    ),
    actor: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'A user id' })),
    action: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'An action, e.g. statement.finalize, or a prefix: statement.*',
      }),
    ),
    object: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'objectType:objectId, or an object id' }),
    ),
  },
  { additionalProperties: false },
);

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const AuditEventSchema = Type.Object(
  {
    seq: Type.Integer(),
    at: Type.String({ format: 'date-time' }),
    actorId: Nullable(Type.String()),
    actorName: Nullable(Type.String()),
    orgId: Nullable(Type.String()),
    action: Type.String(),
    objectType: Type.String(),
    objectId: Nullable(Type.String()),
    revision: Type.Union([Type.Integer(), Type.Null()]),
    outcome: Type.Union([Type.Literal('success'), Type.Literal('denied'), Type.Literal('failure')]),
    ip: Nullable(Type.String()),
    userAgent: Nullable(Type.String()),
    details: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
    hash: Type.String({ description: 'sha256 (hex) of the RFC 8785 canonical JSON of the record and prevHash' }),
    prevHash: Type.String(),
  },
  { additionalProperties: false },
);

export const ChainSchema = Type.Object(
  {
    ok: Type.Boolean(),
    checked: Type.Integer({ description: "This organization's records verified" }),
    firstBroken: Type.Optional(
      Type.Object(
        {
          seq: Type.Integer(),
          reason: Type.Union([Type.Literal('changed'), Type.Literal('deleted'), Type.Literal('reordered')]),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const AuditPageSchema = Type.Object(
  { events: Type.Array(AuditEventSchema), chain: ChainSchema },
  { additionalProperties: false },
);
