import type { FastifyInstance } from 'fastify';
import { LIMITS } from '../formats/errors.js';
import { AppError } from './errors.js';

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The deepest nesting of objects and arrays in JSON text, stopping as soon as it passes `limit`. A scan of the
 * text, so a hostile body is refused before JSON.parse and before any recursive code (schema checks, our own
 * walkers) sees it. Brackets inside strings do not count. The text need not be valid JSON.
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return false;
}

/**
 * Replaces the application/json parser with one that refuses bodies nested deeper than LIMITS.maxJsonDepth, then
 * parses with Fastify's own parser (which also refuses __proto__ and constructor.prototype keys).
 * The text/plain parser is removed: a JSON API then never reads a body a cross-site form could send without a
 * CORS preflight.
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (jsonDepthExceeds(text, LIMITS.maxJsonDepth)) {
      done(
        new AppError('invalid-input', {
          message: `body: JSON is nested deeper than the limit of ${LIMITS.maxJsonDepth} levels`,
        }),
        undefined,
      );
      return;
    }
    // Typed as possibly async; Fastify's JSON parser calls `done` synchronously.
    void parse(request, text, done);
  });
}
