import { Type, type Static } from '@sinclair/typebox';

const Timestamp = (description: string) => Type.String({ format: 'date-time', description });

/** One of the caller's live sessions. Never carries the stored id hash, the cookie token or the CSRF token. */
export const AccountSessionSchema = Type.Object(
  {
    id: Type.String({
      description:
        'A public id of the session (22 characters, base64url), derived one-way from the stored key: it names the ' +
        'session in DELETE /account/sessions/:sessionId and nowhere else',
    }),
    createdAt: Timestamp('When the session began (the sign-in)'),
    lastActiveAt: Timestamp('The last request counted as activity (written at most once a minute)'),
    idleExpiresAt: Timestamp('When it ends unless used again'),
    absoluteExpiresAt: Timestamp('When it ends in any case'),
    ip: Type.String({ description: 'The client address at sign-in' }),
    userAgent: Type.String({ description: 'The User-Agent header at sign-in, as sent (at most 512 characters)' }),
    browser: Type.Union([Type.String(), Type.Null()], { description: 'e.g. Chrome, Edge, Safari; null if unknown' }),
    os: Type.Union([Type.String(), Type.Null()], { description: 'e.g. Windows, macOS, iOS; null if unknown' }),
    current: Type.Boolean({ description: 'The session of this request' }),
    locked: Type.Boolean({ description: 'The screen lock is on' }),
  },
  { additionalProperties: false },
);
export type AccountSessionBody = Static<typeof AccountSessionSchema>;

export const AccountSessionListSchema = Type.Object(
  { sessions: Type.Array(AccountSessionSchema, { description: 'Newest activity first; the current one first' }) },
  { additionalProperties: false },
);
export type AccountSessionListBody = Static<typeof AccountSessionListSchema>;

export const AccountSessionParamsSchema = Type.Object({
  sessionId: Type.String({ pattern: '^[A-Za-z0-9_-]+$', maxLength: 64, description: 'The public id from the list' }),
});

export const RevokeOthersResultSchema = Type.Object(
  { revoked: Type.Integer({ minimum: 0, description: 'How many sessions ended' }) },
  { additionalProperties: false },
);
export type RevokeOthersResultBody = Static<typeof RevokeOthersResultSchema>;
