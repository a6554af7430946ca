import { Type, type Static } from '@sinclair/typebox';
import { PasswordSchema } from './accounts.schema.js';

/** A 6-digit TOTP code, or a recovery code (`xxxxx-xxxxx`) where one is accepted. */
export const CodeSchema = Type.String({ minLength: 1, maxLength: 32, description: '6-digit code or recovery code' });

export const TwoFactorStatusSchema = Type.Object(
  {
    enabled: Type.Boolean({ description: 'An authenticator app or a passkey (or both) is set up' }),
    totp: Type.Boolean({ description: 'An authenticator app (TOTP) is set up' }),
    pending: Type.Boolean({ description: 'A TOTP setup was started and waits for its first code' }),
    passkeys: Type.Integer({ minimum: 0, description: 'How many passkeys the account has' }),
    recoveryCodesLeft: Type.Integer({ minimum: 0 }),
    requiredBy: Type.Array(Type.String(), { description: 'Your organizations that require two-factor authentication' }),
  },
  { additionalProperties: false },
);
export type TwoFactorStatusBody = Static<typeof TwoFactorStatusSchema>;

export const PasswordBodySchema = Type.Object({ password: PasswordSchema }, { additionalProperties: false });

export const TotpSetupSchema = Type.Object(
  {
    secret: Type.String({ description: 'base32, to type into the authenticator app by hand' }),
    uri: Type.String({ description: 'otpauth://totp/… (RFC 6238: SHA-1, 6 digits, 30 s)' }),
    qrCode: Type.String({ description: 'The URI as a QR code: data:image/svg+xml;base64,…' }),
  },
  { additionalProperties: false },
);
export type TotpSetupBody = Static<typeof TotpSetupSchema>;

export const CodeBodySchema = Type.Object({ code: CodeSchema }, { additionalProperties: false });

export const OptionalCodeBodySchema = Type.Object({ code: Type.Optional(CodeSchema) }, { additionalProperties: false });

export const SecondFactorMethodSchema = Type.Union([
  Type.Literal('totp'),
  Type.Literal('recovery-code'),
  Type.Literal('passkey'),
]);

export const DisableBodySchema = Type.Object(
  { password: PasswordSchema, code: CodeSchema },
  { additionalProperties: false },
);

export const RecoveryCodesSchema = Type.Object(
  {
    recoveryCodes: Type.Array(Type.String(), {
      description: 'Single-use codes for when the authenticator is lost; shown this once, stored hashed',
    }),
  },
  { additionalProperties: false },
);
export type RecoveryCodesBody = Static<typeof RecoveryCodesSchema>;

export const TwoFactorPendingSchema = Type.Object(
  {
    twoFactorRequired: Type.Literal(true),
    expiresAt: Type.String({ format: 'date-time' }),
    methods: Type.Array(SecondFactorMethodSchema, { description: 'What the second step accepts for this user' }),
  },
  {
    additionalProperties: false,
    description:
      'The password was right; before expiresAt, send a code to POST /auth/two-factor, or answer with a passkey ' +
      '(POST /auth/two-factor/passkey/options, then POST /auth/two-factor/passkey)',
  },
);
export type TwoFactorPendingBody = Static<typeof TwoFactorPendingSchema>;

export const ReauthBodySchema = Type.Object(
  { password: PasswordSchema, code: Type.Optional(CodeSchema) },
  { additionalProperties: false },
);

export const ReauthSchema = Type.Object(
  {
    reauthenticatedAt: Type.String({ format: 'date-time' }),
    validUntil: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

export const SecurityPolicySchema = Type.Object(
  {
    requireTwoFactor: Type.Boolean(),
    updatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    membersWithoutTwoFactor: Type.Array(Type.String(), { description: 'User ids of members without 2FA' }),
  },
  { additionalProperties: false },
);
export type SecurityPolicyBody = Static<typeof SecurityPolicySchema>;

export const SecurityPolicyPutSchema = Type.Object(
  { requireTwoFactor: Type.Boolean() },
  { additionalProperties: false },
);

export const OrgParamsSchema = Type.Object({ orgId: Type.String({ minLength: 1, maxLength: 64 }) });
