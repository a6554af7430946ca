import { ApiError, V1, enc, query, request } from '../api';
import type { CellCategory, Comparison, ComparisonQuery } from '../../../src/features/comparison/comparison.schema.js';
import type {
  Connection,
  Coverage,
  CreateSystemInput,
  ImportedSource,
  SourceView,
  SystemDetail,
  SystemView,
  UpdateSystemInput,
  ZipImportResult,
} from '../../../src/features/inventory/inventory.schema.js';

export type {
  Cell,
  CellCategory,
  Comparison,
  ComparedSource,
  Line,
  RowAnswer,
} from '../../../src/features/comparison/comparison.schema.js';
export type {
  Connection,
  Coverage,
  CoverageReason,
  CoverageStatement,
  CoverageStatus,
  CreateSystemInput,
  FileResult,
  ImportedSource,
  SignatureStatus,
  SourceSummary,
  SourceView,
  StoredSignatureCheck,
  SystemDetail,
  SystemView,
  UpdateSystemInput,
  ZipImportResult,
} from '../../../src/features/inventory/inventory.schema.js';

/** The connections in the order the API answers them (the schema's CONNECTIONS, kept here as a type-checked copy). */
export const CONNECTION_ORDER = [
  'internal-only',
  'external',
  'remote-maintenance',
  'wireless',
  'removable-media',
  'scanning',
] as const satisfies readonly Connection[];

export const CELL_CATEGORIES = [
  'yes',
  'no',
  'na',
  'other',
  'unanswered',
  'not-applicable-by-rule',
] as const satisfies readonly CellCategory[];

const org = (orgId: string) => `${V1}/orgs/${enc(orgId)}`;

/** The comparison's query string: the same for the matrix and its workbook. */
export function comparisonQuery(q: ComparisonQuery): string {
  return query({ sources: q.sources, base: q.base, section: q.section, answer: q.answer });
}

/** The inventory, statements held, coverage and comparison routes of a hospital organization. */
export const inventoryApi = {
  systems: (orgId: string): Promise<SystemView[]> => request('GET', `${org(orgId)}/systems`),
  system: (orgId: string, systemId: string): Promise<SystemDetail> =>
    request('GET', `${org(orgId)}/systems/${enc(systemId)}`),
  createSystem: (orgId: string, body: CreateSystemInput): Promise<SystemDetail> =>
    request('POST', `${org(orgId)}/systems`, { body }),
  updateSystem: (orgId: string, systemId: string, body: UpdateSystemInput): Promise<SystemDetail> =>
    request('PATCH', `${org(orgId)}/systems/${enc(systemId)}`, { body }),
  deleteSystem: (orgId: string, systemId: string): Promise<void> =>
    request('DELETE', `${org(orgId)}/systems/${enc(systemId)}`),
  link: (orgId: string, systemId: string, sourceId: string): Promise<SystemDetail> =>
    request('POST', `${org(orgId)}/systems/${enc(systemId)}/statements`, { body: { sourceId } }),
  unlink: (orgId: string, systemId: string, sourceId: string): Promise<void> =>
    request('DELETE', `${org(orgId)}/systems/${enc(systemId)}/statements/${enc(sourceId)}`),

  sources: (orgId: string): Promise<SourceView[]> => request('GET', `${org(orgId)}/sources`),
  importFile: (orgId: string, file: Blob, name: string, signal?: AbortSignal): Promise<ImportedSource> =>
    request('POST', `${org(orgId)}/sources/import${query({ file: name.slice(0, 255) })}`, { raw: file, signal }),
  importZip: (orgId: string, zip: Blob, signal?: AbortSignal): Promise<ZipImportResult> =>
    request('POST', `${org(orgId)}/sources/import-zip`, { raw: zip, signal }),
  fromPublication: (orgId: string, publicationId: string): Promise<ImportedSource> =>
    request('POST', `${org(orgId)}/sources/from-publication`, { body: { publicationId } }),

  coverage: (orgId: string): Promise<Coverage> => request('GET', `${org(orgId)}/coverage`),

  comparison: (orgId: string, q: ComparisonQuery, signal?: AbortSignal): Promise<Comparison> =>
    request('GET', `${org(orgId)}/comparison${comparisonQuery(q)}`, { signal }),
  /** The workbook's address: a plain link downloads it with the session cookie. */
  comparisonXlsxUrl: (orgId: string, q: ComparisonQuery): string =>
    `${org(orgId)}/comparison.xlsx${comparisonQuery(q)}`,
};

/**
 * The field an API error names and its message: "name: …", "body/connections/0: …" → connections. The shared
 * `fieldError` takes only a bare field; the inventory's schema errors also name an array item.
 */
export function inventoryFieldError(error: unknown): { field: string | null; message: string } | null {
  if (error === null || error === undefined) return null;
  if (!(error instanceof ApiError)) return { field: null, message: error instanceof Error ? error.message : '' };
  const m = /^(?:body\/)?([A-Za-z]+)(?:\/[^:\s]*)?: (.+)$/s.exec(error.message);
  return m === null ? { field: null, message: error.message } : { field: m[1] ?? null, message: m[2] ?? '' };
}

/** The message of an error for one field, when the error names it. */
export function errorOn(error: unknown, field: string): string | undefined {
  const e = inventoryFieldError(error);
  return e !== null && e.field === field ? e.message : undefined;
}

/** Lower-cased, NFKC-folded text for searching (全角 and 半角 alike). */
export function fold(s: string): string {
  return s.normalize('NFKC').toLowerCase();
}
