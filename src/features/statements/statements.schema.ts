import { Type } from '@sinclair/typebox';
import { StatementSchema, StatementStatusSchema } from '../../domain/statement.js';
import { ValidationResultSchema } from '../validation/validate.schema.js';

const Id = Type.String({ maxLength: 64 });
export const OrgParamsSchema = Type.Object({ orgId: Id });
export const StatementParamsSchema = Type.Object({ orgId: Id, id: Id });
export const RevisionParamsSchema = Type.Object({ orgId: Id, id: Id, rev: Type.Integer({ minimum: 1 }) });

const LocalizedTitle = Type.Object({ ja: Type.Optional(Type.String()), en: Type.Optional(Type.String()) });
export const UserRefSchema = Type.Object({ id: Type.String(), displayName: Type.String(), email: Type.String() });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const StatementSummarySchema = Type.Object({
  id: Type.String(),
  product: Type.Object({ id: Type.String(), name: Type.String() }),
  productVersion: Type.Object({ id: Type.String(), version: Type.String() }),
  template: Type.Object({ id: Type.String(), edition: Type.String(), title: LocalizedTitle }),
  currentRevision: Type.Integer(),
  status: StatementStatusSchema,
  responsible: Nullable(UserRefSchema),
  progress: Type.Object({ answered: Type.Integer(), applicable: Type.Integer() }),
  updatedAt: Type.String(),
});

export const RevisionSummarySchema = Type.Object({
  revision: Type.Integer(),
  status: StatementStatusSchema,
  version: Type.Integer(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  submittedAt: Nullable(Type.String()),
  finalizedAt: Nullable(Type.String()),
  contentHash: Type.String(),
});

const EntrySchema = Type.Object({
  answer: Type.Optional(Type.String()),
  remarks: Type.Optional(Type.Array(Type.Integer())),
});

export const RevisionDetailSchema = Type.Composite([
  RevisionSummarySchema,
  Type.Object({
    content: StatementSchema,
    validation: ValidationResultSchema,
    responsible: Nullable(UserRefSchema),
    approver: Nullable(UserRefSchema),
    submittedBy: Nullable(UserRefSchema),
    savedBy: Nullable(UserRefSchema),
    timeSource: Nullable(Type.String()),
    proxyEntries: Type.Array(
      Type.Object({
        row: Type.String(),
        enteredBy: Nullable(UserRefSchema),
        onBehalfOf: Nullable(UserRefSchema),
        at: Type.String(),
        answer: Nullable(Type.String()),
        remarks: Nullable(Type.Array(Type.Integer())),
      }),
    ),
    proxyPending: Type.Integer(),
    proxyConfirmedAt: Nullable(Type.String()),
    returnedReason: Nullable(Type.String()),
  }),
]);

export const CarryForwardReportSchema = Type.Object({
  from: Type.String(),
  to: Type.String(),
  carried: Type.Array(Type.Object({ from: Type.String(), to: Type.String() })),
  needsAnswer: Type.Array(
    Type.Object({
      row: Type.String(),
      reason: Type.String(),
      from: Type.Array(Type.Object({ row: Type.String(), answer: Type.Optional(Type.String()) })),
    }),
  ),
  dropped: Type.Array(
    Type.Object({ row: Type.String(), answer: Type.Optional(Type.String()), remarks: Type.Array(Type.Integer()) }),
  ),
  uncitedRemarks: Type.Array(Type.Integer()),
  notes: Type.Array(Type.String()),
});

export const StatementDetailSchema = Type.Composite([
  StatementSummarySchema,
  Type.Object({
    revisions: Type.Array(RevisionSummarySchema),
    latest: RevisionDetailSchema,
    carryForward: Type.Optional(CarryForwardReportSchema),
  }),
]);

export const CreateStatementSchema = Type.Object(
  {
    productVersionId: Id,
    template: Type.Optional(
      Type.Object(
        { id: Type.String({ maxLength: 64 }), edition: Type.String({ maxLength: 32 }) },
        { additionalProperties: false },
      ),
    ),
    carryForwardFrom: Type.Optional(Id),
  },
  { additionalProperties: false },
);

export const SetResponsibleSchema = Type.Object({ responsibleUserId: Id }, { additionalProperties: false });
// The content is checked by validation, field by field, after the route accepts the object.
export const SaveRevisionSchema = Type.Object(
  { expectedVersion: Type.Integer({ minimum: 1 }), content: StatementSchema },
  { additionalProperties: false },
);
export const ExpectedVersionSchema = Type.Object(
  { expectedVersion: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);
export const ReturnSchema = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 5000 }) },
  { additionalProperties: false },
);
export const SaveResultSchema = Type.Object({
  version: Type.Integer(),
  validation: ValidationResultSchema,
  proxyEntries: Type.Integer(),
});

const DiffSide = Nullable(EntrySchema);
export const DiffQuerySchema = Type.Object({ from: Type.Integer({ minimum: 1 }), to: Type.Integer({ minimum: 1 }) });
export const DiffSchema = Type.Object({
  from: Type.Integer(),
  to: Type.Integer(),
  rows: Type.Array(
    Type.Object({
      row: Type.String(),
      section: Nullable(Type.String()),
      number: Type.String(),
      before: DiffSide,
      after: DiffSide,
    }),
  ),
  remarks: Type.Array(
    Type.Object({ number: Type.Integer(), before: Nullable(Type.String()), after: Nullable(Type.String()) }),
  ),
  header: Type.Array(
    Type.Object({ field: Type.String(), before: Nullable(Type.String()), after: Nullable(Type.String()) }),
  ),
});
