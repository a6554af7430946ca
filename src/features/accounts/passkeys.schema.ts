import { Type, type Static } from '@sinclair/typebox';

/** base64url, bounded: WebAuthn values are short (an attestation object of a few kilobytes at most). */
const B64 = (maxLength: number, description?: string) =>
  Type.String({ pattern: '^[A-Za-z0-9_-]*={0,2}$', maxLength, ...(description === undefined ? {} : { description }) });

const ExtensionResultsSchema = Type.Object({}, { additionalProperties: true, maxProperties: 16 });

const AttachmentSchema = Type.Optional(Type.Union([Type.Literal('platform'), Type.Literal('cross-platform')]));

/** What navigator.credentials.create() gave, as JSON (RegistrationResponseJSON, WebAuthn Level 3). */
export const RegistrationResponseSchema = Type.Object(
  {
    id: B64(1400, 'The credential ID'),
    rawId: B64(1400),
    type: Type.Literal('public-key'),
    authenticatorAttachment: AttachmentSchema,
    clientExtensionResults: ExtensionResultsSchema,
    response: Type.Object(
      {
        clientDataJSON: B64(8192),
        attestationObject: B64(65536),
        authenticatorData: Type.Optional(B64(65536)),
        transports: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 16 })),
        publicKeyAlgorithm: Type.Optional(Type.Integer()),
        publicKey: Type.Optional(B64(8192)),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

/** What navigator.credentials.get() gave, as JSON (AuthenticationResponseJSON). */
export const AuthenticationResponseSchema = Type.Object(
  {
    id: B64(1400, 'The credential ID'),
    rawId: B64(1400),
    type: Type.Literal('public-key'),
    authenticatorAttachment: AttachmentSchema,
    clientExtensionResults: ExtensionResultsSchema,
    response: Type.Object(
      {
        clientDataJSON: B64(8192),
        authenticatorData: B64(65536),
        signature: B64(8192),
        userHandle: Type.Optional(B64(256)),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type AuthenticationResponseBody = Static<typeof AuthenticationResponseSchema>;

export const PasskeyNameSchema = Type.String({
  minLength: 1,
  maxLength: 100,
  description: 'Your label for it, e.g. 「業務用PC Windows Hello」',
});

export const PasskeySchema = Type.Object(
  {
    id: Type.String({ description: 'The credential ID (base64url)' }),
    name: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    synced: Type.Boolean({ description: 'A multi-device passkey, backed up by its provider (iCloud, Google, …)' }),
    transports: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);
export type PasskeyBody = Static<typeof PasskeySchema>;

export const PasskeyListSchema = Type.Object({ passkeys: Type.Array(PasskeySchema) }, { additionalProperties: false });

export const PasskeyCreateBodySchema = Type.Object(
  { name: PasskeyNameSchema, response: RegistrationResponseSchema },
  { additionalProperties: false },
);
export type PasskeyCreateBody = Static<typeof PasskeyCreateBodySchema>;

export const PasskeyCreatedSchema = Type.Object(
  {
    passkey: PasskeySchema,
    recoveryCodes: Type.Array(Type.String(), {
      description: 'Issued when this passkey is your first second factor; shown this once. Empty otherwise.',
    }),
  },
  { additionalProperties: false },
);

export const PasskeyRenameBodySchema = Type.Object({ name: PasskeyNameSchema }, { additionalProperties: false });

export const PasskeyParamsSchema = Type.Object({ passkeyId: B64(1400) });

export const AssertionBodySchema = Type.Object(
  { response: AuthenticationResponseSchema },
  { additionalProperties: false },
);

/**
 * PublicKeyCredentialCreationOptionsJSON or …RequestOptionsJSON (WebAuthn Level 3), for
 * PublicKeyCredential.parseCreationOptionsFromJSON() / parseRequestOptionsFromJSON() or @simplewebauthn/browser.
 */
export const CeremonyOptionsSchema = Type.Object(
  { challenge: Type.String({ description: 'base64url; single use, valid 5 minutes' }) },
  { additionalProperties: true },
);
