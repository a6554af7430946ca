import type { CompiledTemplate } from '../../domain/compiled-template.js';
import { normalizeStatement } from '../../domain/normalize.js';
import { schemaCheck } from '../../domain/schema-check.js';
import { StatementSchema, type Statement } from '../../domain/statement.js';
import { FormatError, LIMITS } from '../errors.js';
import { locateJsonError } from './json-locate.js';

const statementShape = schemaCheck<Statement>(StatementSchema);

/** Position (1-based line and column) of a character offset in a text. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, column: offset - last };
}

/** Rejects nesting deeper than the limit before parsing, by a scan that skips strings. */
function checkDepth(text: string, format: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > LIMITS.maxJsonDepth) {
        const { line, column } = lineAndColumn(text, i);
        throw new FormatError(
          format,
          `line ${line}, column ${column}`,
          `nesting deeper than ${LIMITS.maxJsonDepth} levels`,
        );
      }
    } else if (c === 125 || c === 93) depth--;
  }
}

/** Decodes UTF-8 bytes strictly (a BOM is dropped); invalid UTF-8 is an error, not replacement characters. */
export function decodeUtf8(data: Uint8Array | string, format: string): string {
  if (typeof data === 'string') return data.charCodeAt(0) === 0xfeff ? data.slice(1) : data;
  if (data.byteLength > LIMITS.maxFileBytes) {
    throw new FormatError(format, undefined, `file is larger than ${LIMITS.maxFileBytes} bytes`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(data);
  } catch {
    throw new FormatError(format, undefined, 'file is not valid UTF-8 text');
  }
}

/** Parses JSON text with size and depth limits; syntax errors name the line and column. */
export function parseJsonText(data: Uint8Array | string, format = 'json'): unknown {
  const text = decodeUtf8(data, format);
  if (text.length > LIMITS.maxFileBytes)
    throw new FormatError(format, undefined, `file is larger than ${LIMITS.maxFileBytes} bytes`);
  checkDepth(text, format);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const { offset, reason } = locateJsonError(text);
    const { line, column } = lineAndColumn(text, offset);
    throw new FormatError(format, `line ${line}, column ${column}`, `invalid JSON: ${reason}`);
  }
}

/** True when the value looks like a canonical statement (its `format` field), before any validation. */
export function looksLikeStatement(value: unknown): value is Statement {
  return typeof value === 'object' && value !== null && (value as { format?: unknown }).format === 'openmds-statement';
}

/**
 * Reads a canonical statement file into its normal form. The file must have the statement's shape (its problems are
 * named, field by field); whether its answers make sense is for validation to say.
 */
export function importJson(data: Uint8Array | string, template?: CompiledTemplate): Statement {
  return toStatement(parseJsonText(data, 'json'), 'json', template);
}

/** Checks a parsed value against the statement schema and normalizes it. */
export function toStatement(value: unknown, format: string, template?: CompiledTemplate): Statement {
  if (!looksLikeStatement(value)) {
    throw new FormatError(format, 'format', 'not an OpenMDS statement (expected "format": "openmds-statement")');
  }
  if (!statementShape.is(value)) {
    const problems = statementShape.problems(value);
    const first = problems
      .slice(0, 5)
      .map((p) => `${p.path}: ${p.message}`)
      .join('; ');
    throw new FormatError(
      format,
      undefined,
      `${first}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}`,
    );
  }
  return normalizeStatement(value, template);
}

/** Writes the canonical JSON file: two-space indented, fields in the documented order, a final newline. */
export function exportJson(statement: Statement, template?: CompiledTemplate): string {
  return `${JSON.stringify(normalizeStatement(statement, template), null, 2)}\n`;
}
