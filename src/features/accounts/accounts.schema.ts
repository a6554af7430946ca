import { Type, type Static } from '@sinclair/typebox';

export const EmailSchema = Type.String({ format: 'email', maxLength: 254, description: 'Compared case-insensitively' });

/** The schema only bounds the size; the password policy (12 to 256 characters, not common) names what is wrong. */
export const PasswordSchema = Type.String({ minLength: 1, maxLength: 1024 });

export const DisplayNameSchema = Type.String({ minLength: 1, maxLength: 100, description: 'e.g. 佐藤 花子' });

export const RoleSchema = Type.Union(
  [
    Type.Literal('owner'),
    Type.Literal('editor'),
    Type.Literal('approver'),
    Type.Literal('viewer'),
    Type.Literal('auditor'),
  ],
  {
    description:
      'owner (everything), editor (write, submit), approver (review, finalize), viewer, auditor (read and audit trail)',
  },
);

export const OrgKindSchema = Type.Union([Type.Literal('manufacturer'), Type.Literal('hospital')]);

export const MembershipSchema = Type.Object(
  { orgId: Type.String(), orgName: Type.String(), kind: OrgKindSchema, role: RoleSchema },
  { additionalProperties: false },
);

export const SessionSchema = Type.Object(
  {
    user: Type.Object(
      { id: Type.String(), email: Type.String(), displayName: Type.String(), isOperator: Type.Boolean() },
      { additionalProperties: false },
    ),
    memberships: Type.Array(MembershipSchema),
    currentOrgId: Type.Union([Type.String(), Type.Null()]),
    csrfToken: Type.String({ description: 'Send it in the X-CSRF-Token header of every write' }),
    locked: Type.Boolean({ description: 'The screen lock is on: only session, unlock and sign-out answer' }),
    idleExpiresAt: Type.String({ format: 'date-time' }),
    absoluteExpiresAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false, description: 'The signed-in session' },
);
export type SessionBody = Static<typeof SessionSchema>;

export const SetupStatusSchema = Type.Object({ needed: Type.Boolean() }, { additionalProperties: false });

export const SetupBodySchema = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 200, description: 'From the setup link the server printed' }),
    email: EmailSchema,
    displayName: DisplayNameSchema,
    password: PasswordSchema,
  },
  { additionalProperties: false },
);

export const SignUpBodySchema = Type.Object(
  {
    email: EmailSchema,
    displayName: DisplayNameSchema,
    password: PasswordSchema,
    invitationToken: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const SignInBodySchema = Type.Object(
  { email: Type.String({ minLength: 1, maxLength: 254 }), password: PasswordSchema },
  { additionalProperties: false },
);

export const UnlockBodySchema = Type.Object({ password: PasswordSchema }, { additionalProperties: false });

export const SwitchOrgBodySchema = Type.Object(
  { orgId: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);
