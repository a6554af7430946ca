import { Type } from '@sinclair/typebox';
import { RoleSchema } from './accounts.schema.js';

export const BreakGlassSchema = Type.Object(
  {
    state: Type.Union([Type.Literal('none'), Type.Literal('sealed'), Type.Literal('used'), Type.Literal('rotated')], {
      description: 'none: not created; sealed: never used; used: used and refused until rotated; rotated: sealed again',
    }),
    role: RoleSchema,
    sessionMinutes: Type.Integer({ description: 'How long a break-glass session lasts at most' }),
    createdAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    sealedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    sealedBy: Type.Union([Type.String(), Type.Null()]),
    rotations: Type.Integer({ minimum: 0 }),
    useCount: Type.Integer({ minimum: 0 }),
    lastUse: Type.Union([
      Type.Object(
        {
          at: Type.String({ format: 'date-time' }),
          reason: Type.String(),
          ip: Type.Union([Type.String(), Type.Null()]),
          sessionExpiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
    sessionActive: Type.Boolean({ description: 'A break-glass session is running now; rotating ends it' }),
  },
  { additionalProperties: false, description: "The organization's break-glass account (非常時アカウント)" },
);

export const SealedBreakGlassSchema = Type.Object(
  {
    ...BreakGlassSchema.properties,
    credential: Type.String({
      description: 'Shown this once: print it and seal it in an envelope. Only its sha256 is stored.',
    }),
  },
  { additionalProperties: false, description: 'The break-glass account with its new credential' },
);

export const UseBreakGlassBodySchema = Type.Object(
  {
    org: Type.String({
      minLength: 1,
      maxLength: 64,
      description: "The organization's id, printed with the credential",
    }),
    credential: Type.String({ minLength: 1, maxLength: 100 }),
    reason: Type.String({ minLength: 1, maxLength: 1000, description: 'Why the account is needed; owners are told' }),
  },
  { additionalProperties: false },
);
