import { Type, type Static } from '@sinclair/typebox';
import { EmailSchema } from '../accounts/accounts.schema.js';

const Id = Type.String({ minLength: 1, maxLength: 64 });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const OrgParamsSchema = Type.Object({ orgId: Id });
export const RequestParamsSchema = Type.Object({ orgId: Id, requestId: Id });
export const TokenParamsSchema = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) });

export const RequestStatusSchema = Type.Union(
  [
    Type.Literal('open'),
    Type.Literal('answered'),
    Type.Literal('declined'),
    Type.Literal('cancelled'),
    Type.Literal('overdue'),
  ],
  { description: 'overdue: open, and the due date has passed (Japan time)' },
);

const Message = Type.String({ maxLength: 2000 });
const ProductName = Type.String({ minLength: 1, maxLength: 200 });
const ProductVersion = Type.String({ maxLength: 100 });
const DueDate = Type.String({ format: 'date', description: 'YYYY-MM-DD, today or later (Japan time)' });

export const CreateRequestBodySchema = Type.Object(
  {
    manufacturerOrgId: Type.Optional(Id),
    invite: Type.Optional(
      Type.Object(
        { manufacturerName: Type.String({ minLength: 1, maxLength: 200 }), email: EmailSchema },
        { additionalProperties: false, description: 'A manufacturer not on this instance: answered with a link' },
      ),
    ),
    publicationId: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'Ask for access to a restricted publication' }),
    ),
    productId: Type.Optional(Id),
    productName: Type.Optional(ProductName),
    productVersion: Type.Optional(ProductVersion),
    message: Type.Optional(Message),
    dueDate: Type.Optional(DueDate),
  },
  {
    additionalProperties: false,
    description:
      'One of: `{ manufacturerOrgId, productId? | productName, productVersion?, message?, dueDate? }`; ' +
      '`{ invite: { manufacturerName, email }, productName, productVersion?, message?, dueDate? }`; ' +
      '`{ publicationId, message?, dueDate? }`.',
  },
);
export type CreateRequestBody = Static<typeof CreateRequestBodySchema>;

const Ref = Type.Object({ id: Type.String(), name: Type.String() });

export const RequestSchema = Type.Object(
  {
    id: Type.String(),
    kind: Type.Union([Type.Literal('statement'), Type.Literal('access')], {
      description: 'access: asks for access to a restricted publication',
    }),
    status: RequestStatusSchema,
    hospital: Ref,
    manufacturer: Type.Object({ id: Nullable(Type.String()), name: Type.String() }),
    product: Type.Object({ id: Nullable(Type.String()), name: Type.String(), version: Nullable(Type.String()) }),
    publicationId: Nullable(Type.String({ description: 'The restricted publication an access request asks for' })),
    message: Type.String(),
    dueDate: Nullable(Type.String({ format: 'date' })),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    answer: Nullable(
      Type.Object({
        publicationId: Type.String(),
        revision: Type.Integer(),
        visibility: Type.Union([Type.Literal('public'), Type.Literal('restricted')]),
      }),
    ),
    declineReason: Nullable(Type.String()),
    answeredAt: Nullable(Type.String({ format: 'date-time' })),
    reminderCount: Type.Integer({ minimum: 0 }),
    lastRemindedAt: Nullable(Type.String({ format: 'date-time' })),
    invitation: Nullable(
      Type.Object({
        email: Type.String(),
        claimedAt: Nullable(Type.String({ format: 'date-time' })),
        claimable: Type.Boolean(),
        expiresAt: Type.String({ format: 'date-time' }),
      }),
    ),
  },
  { additionalProperties: false },
);

export const CreatedRequestSchema = Type.Composite(
  [
    RequestSchema,
    Type.Object({
      invitationUrl: Type.Optional(
        Type.String({ description: 'Invitations only: the link to send the manufacturer; shown only this once' }),
      ),
    }),
  ],
  { additionalProperties: false },
);

export const InboxQuerySchema = Type.Object(
  { status: Type.Optional(RequestStatusSchema) },
  { additionalProperties: false },
);

export const AnswerBodySchema = Type.Object(
  {
    publicationId: Type.Optional(Id),
    statementId: Type.Optional(Id),
    revision: Type.Optional(Type.Integer({ minimum: 1 })),
    visibility: Type.Optional(Type.Union([Type.Literal('public'), Type.Literal('restricted')])),
    grantExpiresAt: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
  },
  {
    additionalProperties: false,
    description:
      '`{ publicationId }` (an existing publication) or `{ statementId, revision, visibility }` (publish now); ' +
      '`grantExpiresAt` when the answer grants access (restricted, or an access request)',
  },
);
export type AnswerBody = Static<typeof AnswerBodySchema>;

export const DeclineBodySchema = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 2000 }) },
  { additionalProperties: false },
);

export const ManufacturersQuerySchema = Type.Object(
  { q: Type.Optional(Type.String({ maxLength: 100 })) },
  { additionalProperties: false },
);

export const ManufacturerSchema = Type.Object(
  { id: Type.String(), name: Type.String(), products: Type.Array(Ref) },
  { additionalProperties: false },
);

export const RequestInvitationSchema = Type.Object(
  {
    hospital: Type.Object({ name: Type.String() }),
    manufacturerName: Type.String(),
    email: Type.String({ description: 'Whom the hospital invited' }),
    product: Type.Object({ name: Type.String(), version: Nullable(Type.String()) }),
    message: Type.String(),
    dueDate: Nullable(Type.String({ format: 'date' })),
    createdAt: Type.String({ format: 'date-time' }),
    expiresAt: Type.String({ format: 'date-time' }),
    claimable: Type.Boolean(),
    claimedAt: Nullable(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

export const ClaimBodySchema = Type.Object(
  {
    orgId: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'Your manufacturer organization (you: owner or approver)',
    }),
  },
  { additionalProperties: false },
);
