import { Type, type Static } from '@sinclair/typebox';

const Id = Type.String({ minLength: 1, maxLength: 64 });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Ref = Type.Object({ id: Type.String(), name: Type.String() }, { additionalProperties: false });

export const OrgParamsSchema = Type.Object({ orgId: Id });
export const GrantParamsSchema = Type.Object({ orgId: Id, grantId: Id });

export const GrantSchema = Type.Object(
  {
    id: Type.String(),
    grantee: Ref,
    product: Nullable(Ref),
    scope: Type.String({ description: 'The product’s name, or "all products"' }),
    expiresAt: Nullable(Type.String({ format: 'date-time' })),
    createdAt: Type.String({ format: 'date-time' }),
    revokedAt: Nullable(Type.String({ format: 'date-time' })),
    active: Type.Boolean({ description: 'Neither revoked nor expired' }),
    requestId: Nullable(Type.String({ description: 'The request the grant answered, if any' })),
  },
  { additionalProperties: false },
);

export const CreateGrantBodySchema = Type.Object(
  {
    granteeOrgId: Id,
    productId: Nullable(Id),
    expiresAt: Nullable(Type.String({ format: 'date-time' })),
  },
  {
    additionalProperties: false,
    description: '`productId: null` grants all products; `expiresAt: null` never expires',
  },
);
export type CreateGrantBody = Static<typeof CreateGrantBodySchema>;

export const HospitalSearchQuerySchema = Type.Object(
  { q: Type.Optional(Type.String({ maxLength: 100, description: 'Part of the name; empty: the first 20 by name' })) },
  { additionalProperties: false },
);

export const HospitalSchema = Ref;
