import type { CompiledTemplate } from '../../domain/compiled-template.js';
import { schemaCheck } from '../../domain/schema-check.js';
import { StatementSchema, type Statement } from '../../domain/statement.js';
import {
  SIGNED_STATEMENT_FORMAT,
  SIGNED_STATEMENT_FORMAT_VERSION,
  type SignedStatementDocument,
} from '../../signing/signed-statement.js';
import {
  verifySignedStatement,
  type SignatureVerification,
  type VerifyOptions,
} from '../../signing/verify-signed-statement.js';
import { FormatError } from '../errors.js';
import { decodeUtf8, lineAndColumn, looksLikeStatement, parseJsonText, toStatement } from '../json/json-format.js';

const FORMAT = 'signed-json';
const statementShape = schemaCheck<Statement>(StatementSchema);

/**
 * True when a parsed value says it is a signed statement (its `format`), before any check of its content. Use it to
 * route a file to verification, which then names whatever else is wrong.
 */
export function looksLikeSignedStatement(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && (value as { format?: unknown }).format === SIGNED_STATEMENT_FORMAT
  );
}

/**
 * True when a parsed value is a signed statement in shape: the envelope (format, version, signature strings) and a
 * statement that passes the statement schema. Says nothing about the signature: verify it with verifySignedStatement.
 * A signed file whose statement was damaged is not one; `looksLikeSignedStatement` still tells it apart.
 */
export function isSignedStatement(value: unknown): value is SignedStatementDocument {
  if (!looksLikeSignedStatement(value)) return false;
  const doc = value as Record<string, unknown>;
  const signature = doc['signature'] as Record<string, unknown> | null | undefined;
  return (
    doc['formatVersion'] === SIGNED_STATEMENT_FORMAT_VERSION &&
    typeof signature === 'object' &&
    signature !== null &&
    typeof signature['protected'] === 'string' &&
    typeof signature['signature'] === 'string' &&
    statementShape.is(doc['statement'])
  );
}

/**
 * The first object key that occurs twice in one object, with its position. JSON.parse keeps the last of the two,
 * other parsers the first: in a signed file that would let two readers see two different statements, so I-JSON
 * (RFC 7493), on which RFC 8785 builds, forbids it. `text` must be valid JSON.
 */
export function findDuplicateKey(text: string): { key: string; offset: number } | undefined {
  const stack: ({ keys: Set<string>; expectKey: boolean } | null)[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b) stack.push({ keys: new Set(), expectKey: true });
    else if (c === 0x5b) stack.push(null);
    else if (c === 0x7d || c === 0x5d) stack.pop();
    else if (c === 0x2c) {
      const top = stack[stack.length - 1];
      if (top) top.expectKey = true;
    } else if (c === 0x22) {
      const start = i;
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
      const top = stack[stack.length - 1];
      if (top?.expectKey === true) {
        const key = JSON.parse(text.slice(start, i + 1)) as string;
        if (top.keys.has(key)) return { key, offset: start };
        top.keys.add(key);
        top.expectKey = false;
      }
    }
  }
  return undefined;
}

/**
 * Parses a signed statement file (`.signed.json`): JSON within the size and depth limits, no repeated keys, and the
 * envelope's shape. The statement inside is not checked here: a changed statement is for verification to report,
 * not a file that cannot be read.
 */
export function parseSignedStatementText(data: Uint8Array | string): SignedStatementDocument<unknown> {
  const text = decodeUtf8(data, FORMAT);
  const value = parseJsonText(text, FORMAT);
  const duplicate = findDuplicateKey(text);
  if (duplicate !== undefined) {
    const { line, column } = lineAndColumn(text, duplicate.offset);
    throw new FormatError(
      FORMAT,
      `line ${line}, column ${column}`,
      `the key "${duplicate.key}" occurs twice in one object; a signed file must not repeat keys`,
    );
  }
  if (looksLikeStatement(value)) {
    throw new FormatError(FORMAT, 'format', 'this is a plain statement, not a signed one: there is no signature');
  }
  if (!looksLikeSignedStatement(value)) {
    throw new FormatError(
      FORMAT,
      'format',
      `not a signed OpenMDS statement (expected "format": "${SIGNED_STATEMENT_FORMAT}")`,
    );
  }
  const doc = value as Record<string, unknown>;
  if (doc['formatVersion'] !== SIGNED_STATEMENT_FORMAT_VERSION) {
    throw new FormatError(
      FORMAT,
      'formatVersion',
      `version ${JSON.stringify(doc['formatVersion'])} is not supported (this version reads ${SIGNED_STATEMENT_FORMAT_VERSION})`,
    );
  }
  const statement = doc['statement'];
  if (typeof statement !== 'object' || statement === null || Array.isArray(statement)) {
    throw new FormatError(FORMAT, 'statement', 'missing, or not an object');
  }
  const signature = doc['signature'] as Record<string, unknown> | null | undefined;
  if (typeof signature !== 'object' || signature === null || Array.isArray(signature)) {
    throw new FormatError(FORMAT, 'signature', 'missing, or not an object');
  }
  for (const k of ['protected', 'signature'] as const) {
    if (typeof signature[k] !== 'string') throw new FormatError(FORMAT, `signature/${k}`, 'missing, or not a string');
  }
  return {
    format: SIGNED_STATEMENT_FORMAT,
    formatVersion: SIGNED_STATEMENT_FORMAT_VERSION,
    statement,
    signature: { protected: signature['protected'] as string, signature: signature['signature'] as string },
  };
}

/** Parses and verifies a signed statement file. Throws FormatError only when the file cannot be read at all. */
export async function verifySignedJson(
  data: Uint8Array | string,
  options: VerifyOptions = {},
): Promise<{ document: SignedStatementDocument<unknown>; verification: SignatureVerification }> {
  const document = parseSignedStatementText(data);
  return { document, verification: await verifySignedStatement(document, options) };
}

/** A signed file read in: the statement in normal form, the document as signed, and what verification found. */
export interface ImportedSignedStatement {
  statement: Statement;
  /** Keep it as it is: re-serializing the statement from `statement` may not reproduce the signed bytes. */
  document: SignedStatementDocument<unknown>;
  verification: SignatureVerification;
}

/**
 * Imports a signed statement file: the statement (checked against the schema and normalized, as any import) together
 * with the verification result, so that the caller can keep both. An altered file still imports; its verification
 * says `invalid` and the caller decides.
 */
export async function importSignedJson(
  data: Uint8Array | string,
  options: VerifyOptions & { template?: CompiledTemplate } = {},
): Promise<ImportedSignedStatement> {
  const { document, verification } = await verifySignedJson(data, options);
  return { statement: toStatement(document.statement, FORMAT, options.template), document, verification };
}

/** Writes a signed document as a `.signed.json` file: two-space indented, a final newline. */
export function exportSignedJson(doc: SignedStatementDocument<unknown>): string {
  const { format, formatVersion, statement, signature } = doc;
  return `${JSON.stringify({ format, formatVersion, statement, signature: { protected: signature.protected, signature: signature.signature } }, null, 2)}\n`;
}
