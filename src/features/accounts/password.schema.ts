import { Type } from '@sinclair/typebox';
import { EmailSchema, PasswordSchema } from './accounts.schema.js';

export const ChangePasswordBodySchema = Type.Object(
  { currentPassword: PasswordSchema, newPassword: PasswordSchema },
  { additionalProperties: false },
);

export const PasswordChangedSchema = Type.Object(
  { sessionsEnded: Type.Integer({ minimum: 0, description: 'Sessions of the user that were signed out' }) },
  { additionalProperties: false },
);

export const ResetRequestBodySchema = Type.Object({ email: EmailSchema }, { additionalProperties: false });

export const ResetRequestedSchema = Type.Object(
  { message: Type.String({ description: 'The same whether or not an account has the email' }) },
  { additionalProperties: false },
);

export const ResetConfirmBodySchema = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 200, description: 'From the link (`#token=…`)' }),
    password: PasswordSchema,
  },
  { additionalProperties: false },
);
