import { hostname } from 'node:os';
import type { AuditEvent } from '../../security/audit.js';
import { csvExport } from './export-csv.js';
import { fhirExport } from './export-fhir.js';
import { syslogExport } from './export-syslog.js';

/** The formats the audit trail exports to. */
export const AUDIT_EXPORT_FORMATS = ['csv', 'fhir', 'syslog'] as const;
export type AuditExportFormat = (typeof AUDIT_EXPORT_FORMATS)[number];

/** The most records one export holds; a larger trail is exported in parts (narrow the time range). */
export const AUDIT_EXPORT_MAX_ROWS = 100_000;

/** What an export says about where it comes from. */
export interface ExportSource {
  /** This OpenMDS instance's name (the host name unless OPENMDS_INSTANCE_NAME says otherwise). */
  instance: string;
  /** When the export was made (UTC ISO 8601). */
  exportedAt: string;
}

/**
 * One export format, written piece by piece so a large export streams: `begin`, then `record` for each record in
 * seq order, then `end`. Each returns text to append (UTF-8).
 */
export interface AuditExportWriter {
  contentType: string;
  extension: string;
  begin(): string;
  record(event: AuditEvent): string;
  end(): string;
}

/** The writer for a format. */
export function exportWriter(format: AuditExportFormat, source: ExportSource): AuditExportWriter {
  switch (format) {
    case 'csv':
      return csvExport();
    case 'fhir':
      return fhirExport(source);
    case 'syslog':
      return syslogExport(source);
  }
}

/** The instance's name in exports: OPENMDS_INSTANCE_NAME, else the host name. */
export function instanceName(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env['OPENMDS_INSTANCE_NAME']?.trim();
  return configured !== undefined && configured !== '' ? configured : hostname();
}
