import { Type, type Static } from '@sinclair/typebox';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { LIMITS } from '../formats/errors.js';

/** Every error code the API answers with. One table maps each to its HTTP status. */
export const APP_ERROR_STATUS = {
  /** The resource does not exist, or the caller may not know that it does. */
  'not-found': 404,
  /** The request is malformed: a field fails its schema, the body is not JSON, a limit is exceeded. */
  'invalid-input': 400,
  /** The change clashes with the current state (a finalized revision, a duplicate name). */
  conflict: 409,
  /**
   * The caller is known but may not do this. Callers outside the owning organisation get `not-found` instead,
   * so that they cannot learn what exists (see requireAccess).
   */
  forbidden: 403,
  /** Nobody is signed in, or the session expired (idle or absolute timeout). */
  unauthenticated: 401,
  /** A write without the session's CSRF token (header X-CSRF-Token), or from a foreign origin. */
  csrf: 403,
  /** The session's screen is locked (checklist row 3): only unlock, sign-out and the session itself answer. */
  locked: 423,
  'payload-too-large': 413,
  /** The body is in a media type the route does not read (e.g. a form post to a JSON API). */
  'unsupported-media-type': 415,
  'rate-limited': 429,
  /**
   * A sensitive action (disabling 2FA, a member's role, signing keys…) needs a recent password (and code): the UI
   * asks for them, POSTs /auth/reauthenticate and retries. 403, not 401: the session is alive.
   */
  'reauth-required': 403,
  /** The organization requires two-factor authentication and the caller has not turned it on yet. */
  'two-factor-required': 403,
  /** Anything unexpected. The client gets a generic message; the details go to the log. */
  internal: 500,
} as const satisfies Record<string, number>;

export type AppErrorCode = keyof typeof APP_ERROR_STATUS;

export interface AppErrorOptions {
  message: string;
  /** Overrides the status of the code table; rarely right. */
  statusCode?: number;
  /** Machine-readable detail for the client (e.g. the list of field problems). Never secrets. */
  details?: unknown;
  cause?: unknown;
}

/** The one error type of the application: a code from the table, a message safe to show the client. */
export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly statusCode: number;
  readonly details: unknown;

  constructor(code: AppErrorCode, options: AppErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.statusCode = options.statusCode ?? APP_ERROR_STATUS[code];
    this.details = options.details;
  }
}

const codes = Object.keys(APP_ERROR_STATUS) as AppErrorCode[];

/** The body of every error response. Declare it on routes so OpenAPI shows it. */
export const ErrorResponseSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.Union(codes.map((c) => Type.Literal(c))),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { description: 'An error: a code from the table in docs/api.md and a message naming the field' },
);

/** The error answers most organization routes declare: bad input, not signed in, refused, not found, locked. */
export const ROUTE_ERRORS = {
  400: ErrorResponseSchema,
  401: ErrorResponseSchema,
  403: ErrorResponseSchema,
  404: ErrorResponseSchema,
  423: ErrorResponseSchema,
} as const;
export type ErrorResponse = Static<typeof ErrorResponseSchema>;

export function errorBody(code: AppErrorCode, message: string, details?: unknown): ErrorResponse {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** One problem found by a schema, as "field: message". */
export interface FieldProblem {
  field: string;
  message: string;
}

interface AjvLikeError {
  instancePath?: string;
  keyword?: string;
  params?: Record<string, unknown>;
  message?: string;
}

function unescapePointer(path: string): string {
  return path
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('/');
}

/** Turns schema errors into "body/header/date: must match format "date"" problems. */
export function fieldProblems(context: string, errors: readonly AjvLikeError[]): FieldProblem[] {
  return errors.map((e) => {
    let field = context + unescapePointer(e.instancePath ?? '');
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'required' && typeof e.params?.missingProperty === 'string') {
      field += `/${e.params.missingProperty}`;
      message = 'is required';
    } else if (e.keyword === 'additionalProperties' && typeof e.params?.additionalProperty === 'string') {
      field += `/${e.params.additionalProperty}`;
      message = 'is not a known field';
    }
    return { field, message };
  });
}

const MIB = 1024 * 1024;

/** Maps a status Fastify (or a plugin) put on a client error to our code. */
function codeForStatus(status: number): AppErrorCode {
  switch (status) {
    case 401:
      return 'unauthenticated';
    case 403:
      return 'forbidden';
    case 404:
      return 'not-found';
    case 409:
      return 'conflict';
    case 413:
      return 'payload-too-large';
    case 415:
      return 'unsupported-media-type';
    case 423:
      return 'locked';
    case 429:
      return 'rate-limited';
    default:
      return 'invalid-input';
  }
}

/**
 * The one error handler. AppError answers as itself; schema failures as 400 "field: message"; Fastify's own client
 * errors (body too large, bad JSON, wrong media type) keep their status under our codes; anything else is a 500
 * with a generic message, logged with its stack, which never reaches the client.
 */
export function handleError(
  error: FastifyError | AppError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  if (error instanceof AppError) {
    if (error.statusCode >= 500) request.log.error({ err: error }, 'request failed');
    const retry = (error.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
    if (error.code === 'rate-limited' && typeof retry === 'number') void reply.header('retry-after', String(retry));
    void reply.code(error.statusCode).send(errorBody(error.code, error.message, error.details));
    return;
  }
  const fe = error as Partial<FastifyError>;
  if (Array.isArray(fe.validation)) {
    const problems = fieldProblems(fe.validationContext ?? 'request', fe.validation);
    const first = problems[0];
    const message = first === undefined ? 'request is invalid' : `${first.field}: ${first.message}`;
    void reply.code(400).send(errorBody('invalid-input', message, { problems }));
    return;
  }
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const limit = `${LIMITS.maxFileBytes / MIB} MiB`;
    void reply.code(413).send(errorBody('payload-too-large', `body: larger than the limit of ${limit}`));
    return;
  }
  if (fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    void reply.code(400).send(errorBody('invalid-input', 'body: is not valid JSON'));
    return;
  }
  if (fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    void reply.code(400).send(errorBody('invalid-input', 'body: is empty, but Content-Type is application/json'));
    return;
  }
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    const type = request.headers['content-type'] ?? '(none)';
    void reply
      .code(415)
      .send(errorBody('unsupported-media-type', `body: media type ${type} is not accepted; send application/json`));
    return;
  }
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (status >= 400 && status < 500) {
    // Client errors raised by Fastify or its plugins carry messages written for the client.
    void reply.code(status).send(errorBody(codeForStatus(status), error.message));
    return;
  }
  request.log.error({ err: error }, 'unhandled error');
  void reply.code(500).send(errorBody('internal', `internal server error (request ${request.id})`));
}

/** JSON 404 for unknown API routes. */
export function notFoundBody(request: FastifyRequest): ErrorResponse {
  const path = (request.url.split('?', 1)[0] ?? request.url).slice(0, 200);
  return errorBody('not-found', `no route ${request.method} ${path}`);
}
