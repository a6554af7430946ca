import type { ColumnType, TableColumn } from './schema-introspection.js';

/*
 * The backup file: a .tar.gz holding `tables/<table>.ndjson` (one JSON object per row, keys in column order, values
 * typed by the column: text a string, integer a number or, beyond 2^53, a string of digits, real a number, blob
 * base64 text, NULL null) and `manifest.json` (written last, so a file cut short has none).
 */

export const BACKUP_FORMAT = 'openmds-backup';
/** Raise when the layout changes in a way an older restore would misread. */
export const BACKUP_FORMAT_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';

export const tableFile = (table: string): string => `tables/${table}.ndjson`;

export interface ManifestTable {
  name: string;
  file: string;
  columns: TableColumn[];
  primaryKey: string[];
  rows: number;
  bytes: number;
  /** sha256 (hex) of the file's bytes. */
  sha256: string;
}

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  formatVersion: number;
  openmdsVersion: string;
  /** When the snapshot was taken (UTC ISO 8601, from this machine's clock). */
  createdAt: string;
  source: { dialect: 'sqlite' | 'postgres' };
  /** The migrations applied to the source, in order: the schema version of the data. */
  migrations: string[];
  /** Parents before children: the order restore inserts in. */
  tables: ManifestTable[];
  /** The audit trail's length and head, so a restore can tell that no record was lost from its end. */
  auditChain: { events: number; headSeq: number | null; headHash: string | null } | null;
}

/** A manifest that is malformed, or in a format version this build does not read. */
export class ManifestError extends Error {
  constructor(message: string) {
    super(`${MANIFEST_FILE}: ${message}`);
    this.name = 'ManifestError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
const COLUMN_TYPES: readonly ColumnType[] = ['text', 'integer', 'real', 'blob'];
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Parses and checks manifest.json; throws ManifestError naming what is wrong. */
export function parseManifest(bytes: Buffer): BackupManifest {
  let m: unknown;
  try {
    m = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ManifestError('not valid JSON');
  }
  if (!isObject(m) || m['format'] !== BACKUP_FORMAT) throw new ManifestError(`not an OpenMDS backup manifest`);
  if (m['formatVersion'] !== BACKUP_FORMAT_VERSION) {
    throw new ManifestError(
      `format version ${JSON.stringify(m['formatVersion'])} is not one this OpenMDS reads (it reads ${BACKUP_FORMAT_VERSION}); use the OpenMDS version that made the backup (${String(m['openmdsVersion'])}) or a newer one`,
    );
  }
  const source = m['source'];
  if (!isObject(source) || (source['dialect'] !== 'sqlite' && source['dialect'] !== 'postgres')) {
    throw new ManifestError('source.dialect: must be "sqlite" or "postgres"');
  }
  if (typeof m['createdAt'] !== 'string' || typeof m['openmdsVersion'] !== 'string') {
    throw new ManifestError('createdAt and openmdsVersion: must be text');
  }
  if (!isStringArray(m['migrations']) || m['migrations'].length === 0) {
    throw new ManifestError('migrations: must list the applied migrations');
  }
  const tables = m['tables'];
  if (!Array.isArray(tables)) throw new ManifestError('tables: must be a list');
  const seen = new Set<string>();
  tables.forEach((t: unknown, i) => {
    const where = `tables[${i}]`;
    if (!isObject(t) || typeof t['name'] !== 'string' || !NAME.test(t['name'])) {
      throw new ManifestError(`${where}.name: must be a table name`);
    }
    const name = t['name'];
    if (seen.has(name)) throw new ManifestError(`${where}: table ${name} appears twice`);
    seen.add(name);
    if (t['file'] !== tableFile(name)) throw new ManifestError(`${where}.file: must be ${tableFile(name)}`);
    const columns = t['columns'];
    if (
      !Array.isArray(columns) ||
      columns.length === 0 ||
      !columns.every(
        (c: unknown) =>
          isObject(c) &&
          typeof c['name'] === 'string' &&
          NAME.test(c['name']) &&
          COLUMN_TYPES.includes(c['type'] as ColumnType),
      )
    ) {
      throw new ManifestError(`${where}.columns (${name}): each must be { name, type: ${COLUMN_TYPES.join('|')} }`);
    }
    if (!isStringArray(t['primaryKey'])) throw new ManifestError(`${where}.primaryKey (${name}): must be a list`);
    for (const key of ['rows', 'bytes'] as const) {
      if (!Number.isSafeInteger(t[key]) || (t[key] as number) < 0) {
        throw new ManifestError(`${where}.${key} (${name}): must be a count`);
      }
    }
    if (typeof t['sha256'] !== 'string' || !/^[0-9a-f]{64}$/.test(t['sha256'])) {
      throw new ManifestError(`${where}.sha256 (${name}): must be 64 hex digits`);
    }
  });
  const chain = m['auditChain'];
  if (
    chain !== null &&
    !(
      isObject(chain) &&
      Number.isSafeInteger(chain['events']) &&
      (chain['headSeq'] === null || Number.isSafeInteger(chain['headSeq'])) &&
      (chain['headHash'] === null || typeof chain['headHash'] === 'string')
    )
  ) {
    throw new ManifestError('auditChain: must be null or { events, headSeq, headHash }');
  }
  return m as unknown as BackupManifest;
}

/** A value as the database gave it, in its backup form. `raw` integers arrive as text (read with CAST AS TEXT). */
export function encodeValue(value: unknown, type: ColumnType, where: () => string): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'text':
      if (typeof value === 'string') return value;
      break;
    case 'integer': {
      const text = typeof value === 'bigint' || typeof value === 'number' ? String(value) : value;
      if (typeof text === 'string' && /^-?\d+$/.test(text)) {
        const n = Number(text);
        return Number.isSafeInteger(n) ? n : text;
      }
      break;
    }
    case 'real':
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      if (typeof value === 'string' && Number.isFinite(Number(value))) return Number(value);
      break;
    case 'blob':
      if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
      break;
  }
  throw new Error(`${where()}: a ${typeof value} value in a ${type} column cannot be backed up as it is`);
}

/**
 * A backup value, checked against its column's type, as the driver takes it: a beyond-2^53 integer as a BigInt
 * (better-sqlite3) or its digits (pg), a blob as a Buffer. Returns undefined when the value does not fit the type.
 */
export function decodeValue(
  value: unknown,
  type: ColumnType,
  dialect: 'sqlite' | 'postgres',
): { ok: true; value: unknown } | { ok: false } {
  if (value === null) return { ok: true, value: null };
  switch (type) {
    case 'text':
      return typeof value === 'string' ? { ok: true, value } : { ok: false };
    case 'integer':
      if (typeof value === 'number' && Number.isSafeInteger(value)) return { ok: true, value };
      if (typeof value === 'string' && /^-?\d+$/.test(value)) {
        return { ok: true, value: dialect === 'sqlite' ? BigInt(value) : value };
      }
      return { ok: false };
    case 'real':
      return typeof value === 'number' ? { ok: true, value } : { ok: false };
    case 'blob':
      return typeof value === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(value)
        ? { ok: true, value: Buffer.from(value, 'base64') }
        : { ok: false };
  }
}
