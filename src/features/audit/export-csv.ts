import { canonicalJson } from '../../domain/canonical-json.js';
import { csvLine } from '../../formats/csv/csv-text.js';
import type { AuditEvent } from '../../security/audit.js';
import type { AuditExportWriter } from './export-format.js';

/** The columns of the CSV export, in order (docs/security.md lists them). */
export const AUDIT_CSV_COLUMNS = [
  'seq',
  'id',
  'at',
  'actor_id',
  'actor_name',
  'org_id',
  'action',
  'object_type',
  'object_id',
  'revision',
  'outcome',
  'ip',
  'user_agent',
  'details',
  'prev_hash',
  'hash',
] as const;

/** The byte order mark that makes Excel read the file as UTF-8 (Japanese names stay intact). */
const BOM = '\uFEFF';

function cells(e: AuditEvent): string[] {
  return [
    String(e.seq),
    e.id,
    e.at,
    e.actorId ?? '',
    e.actorName ?? '',
    e.orgId ?? '',
    e.action,
    e.objectType,
    e.objectId ?? '',
    e.revision === null ? '' : String(e.revision),
    e.outcome,
    e.ip ?? '',
    e.userAgent ?? '',
    // As stored (canonical JSON), so the record's hash can be recomputed from the row.
    e.details === null ? '' : canonicalJson(e.details),
    e.prevHash,
    e.hash,
  ];
}

/**
 * RFC 4180 CSV (CRLF line ends, quotes only where needed), UTF-8 with a BOM, a header row first. `csvLine` gives a
 * cell that a spreadsheet would run as a formula a leading apostrophe (names and user agents come from users, so
 * either may carry one), and `parseCsv` removes it again.
 */
export function csvExport(): AuditExportWriter {
  return {
    contentType: 'text/csv; charset=utf-8',
    extension: 'csv',
    begin: () => `${BOM}${csvLine(AUDIT_CSV_COLUMNS)}\r\n`,
    record: (e) => `${csvLine(cells(e))}\r\n`,
    end: () => '',
  };
}
