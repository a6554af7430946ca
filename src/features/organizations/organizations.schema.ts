import { Type } from '@sinclair/typebox';
import { EmailSchema, OrgKindSchema, RoleSchema } from '../accounts/accounts.schema.js';

const Id = Type.String({ minLength: 1, maxLength: 64 });

export const OrgParamsSchema = Type.Object({ orgId: Id });
export const MemberParamsSchema = Type.Object({ orgId: Id, userId: Id });
export const InvitationParamsSchema = Type.Object({ orgId: Id, id: Id });
export const InvitationTokenParamsSchema = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) });

export const MyOrgSchema = Type.Object(
  { id: Type.String(), name: Type.String(), kind: OrgKindSchema, role: RoleSchema },
  { additionalProperties: false },
);

export const OrgSchema = Type.Object(
  { id: Type.String(), name: Type.String(), kind: OrgKindSchema, createdAt: Type.String({ format: 'date-time' }) },
  { additionalProperties: false },
);

export const CreateOrgBodySchema = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200, description: 'e.g. XYZ株式会社' }), kind: OrgKindSchema },
  { additionalProperties: false },
);

export const MemberSchema = Type.Object(
  {
    userId: Type.String(),
    email: Type.String(),
    displayName: Type.String(),
    role: RoleSchema,
    joinedAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

export const ChangeRoleBodySchema = Type.Object({ role: RoleSchema }, { additionalProperties: false });

export const CreateInvitationBodySchema = Type.Object(
  { email: EmailSchema, role: RoleSchema },
  { additionalProperties: false },
);

export const CreatedInvitationSchema = Type.Object(
  {
    id: Type.String(),
    email: Type.String(),
    role: RoleSchema,
    expiresAt: Type.String({ format: 'date-time' }),
    url: Type.String({ description: 'The link to send the invitee (`/invite/<token>`); shown only this once' }),
  },
  { additionalProperties: false },
);

export const InvitationSchema = Type.Object(
  {
    id: Type.String(),
    email: Type.String(),
    role: RoleSchema,
    expiresAt: Type.String({ format: 'date-time' }),
    acceptedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { additionalProperties: false },
);

export const InvitationLookupSchema = Type.Object(
  {
    orgName: Type.String(),
    kind: OrgKindSchema,
    role: RoleSchema,
    email: Type.String(),
    expiresAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
