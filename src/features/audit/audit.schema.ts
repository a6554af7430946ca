import { Type } from '@sinclair/typebox';
import { AUDIT_PAGE_DEFAULT, AUDIT_PAGE_MAX } from './audit.service.js';
import { AUDIT_EXPORT_FORMATS } from './export-format.js';

export const AuditParamsSchema = Type.Object({ orgId: Type.String({ minLength: 1, maxLength: 64 }) });

const TIME_DESCRIPTION = (what: string) =>
  `${what}: a date-time (YYYY-MM-DDTHH:MM:SSZ, or with an offset) or a date (YYYY-MM-DD, UTC)`;

/** The filters the trail, its export and (in part) the own-activity view share. */
const FilterProperties = {
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
  from: Type.Optional(
    Type.String({ minLength: 10, maxLength: 40, description: TIME_DESCRIPTION('Records at or after this time') }),
  ),
  to: Type.Optional(
    Type.String({
      minLength: 10,
      maxLength: 40,
      description: TIME_DESCRIPTION('Records before this time (a date: through the end of that day)'),
    }),
  ),
};

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
    ...FilterProperties,
  },
  { additionalProperties: false },
);

export const AuditExportQuerySchema = Type.Object(
  {
    format: Type.Union(
      AUDIT_EXPORT_FORMATS.map((f) => Type.Literal(f)),
      { description: 'csv (RFC 4180, UTF-8 with BOM), fhir (FHIR R4 Bundle of AuditEvent), syslog (RFC 5424 lines)' },
    ),
    ...FilterProperties,
  },
  { additionalProperties: false },
);

export const ActivityQuerySchema = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: AUDIT_PAGE_MAX, default: AUDIT_PAGE_DEFAULT })),
    before: Type.Optional(
      Type.Integer({ minimum: 1, description: 'A seq: records before it (the smallest seq of the previous page)' }),
    ),
    action: FilterProperties.action,
    from: FilterProperties.from,
    to: FilterProperties.to,
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

export const ActivityEventSchema = Type.Object(
  {
    seq: Type.Integer(),
    at: Type.String({ format: 'date-time' }),
    action: Type.String(),
    outcome: Type.Union([Type.Literal('success'), Type.Literal('denied'), Type.Literal('failure')]),
    orgId: Nullable(Type.String()),
    orgName: Nullable(Type.String()),
    objectType: Type.String(),
    objectId: Nullable(Type.String()),
    revision: Type.Union([Type.Integer(), Type.Null()]),
    ip: Nullable(Type.String()),
    userAgent: Nullable(Type.String()),
  },
  { additionalProperties: false },
);

export const ActivityPageSchema = Type.Object(
  { events: Type.Array(ActivityEventSchema) },
  { additionalProperties: false },
);
