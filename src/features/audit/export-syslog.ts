import type { AuditEvent } from '../../security/audit.js';
import type { AuditExportWriter, ExportSource } from './export-format.js';

/** Facilities (RFC 5424 §6.2.1): 10 security/authorization (authpriv) for sign-ins and refusals, 13 log audit else. */
const AUTHPRIV = 10;
const LOG_AUDIT = 13;
/** Severities: 5 notice for what succeeded, 4 warning for failures and refusals. */
const NOTICE = 5;
const WARNING = 4;

/**
 * The structured data id. 32473 is the enterprise number RFC 5612 reserves for documentation; an operator who
 * forwards these lines to a SIEM may register a number of their own and rewrite it.
 */
export const SYSLOG_SD_ID = 'openmds@32473';

const BOM = '\uFEFF';

/** PRINTUSASCII (%d33-126) only, at most `max` characters; the nil value `-` when nothing is left. */
function printable(text: string, max: number): string {
  const clean = text.replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return clean === '' ? '-' : clean;
}

/** A PARAM-VALUE: `"`, `\` and `]` escaped with a backslash (RFC 5424 §6.3.3); line breaks become spaces. */
export function sdValue(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/["\\\]]/g, (c) => `\\${c}`);
}

function facilityOf(e: AuditEvent): number {
  return e.action.startsWith('user.') ||
    e.action.startsWith('session.') ||
    e.action.startsWith('operator.') ||
    e.action === 'access.denied'
    ? AUTHPRIV
    : LOG_AUDIT;
}

/** One record as an RFC 5424 message (without the line end). */
export function toSyslogLine(e: AuditEvent, source: ExportSource): string {
  const pri = facilityOf(e) * 8 + (e.outcome === 'success' ? NOTICE : WARNING);
  const params: [string, string][] = [
    ['seq', String(e.seq)],
    ['id', e.id],
    ['actor', e.actorName ?? e.actorId ?? '-'],
    ...(e.actorId === null ? [] : ([['actorId', e.actorId]] as [string, string][])),
    ['org', e.orgId ?? '-'],
    ['object', e.objectId === null ? e.objectType : `${e.objectType}:${e.objectId}`],
    ...(e.revision === null ? [] : ([['revision', String(e.revision)]] as [string, string][])),
    ['outcome', e.outcome],
    ...(e.ip === null ? [] : ([['ip', e.ip]] as [string, string][])),
    ['hash', e.hash],
    ['prevHash', e.prevHash],
  ];
  const sd = `[${SYSLOG_SD_ID} ${params.map(([k, v]) => `${k}="${sdValue(v)}"`).join(' ')}]`;
  const who = e.actorName ?? e.userAgent ?? 'anonymous';
  const what = e.objectId === null ? e.objectType : `${e.objectType} ${e.objectId}`;
  const msg = `${who} ${e.action} ${what}${e.revision === null ? '' : ` rev ${e.revision}`}: ${e.outcome}`;
  // HOSTNAME, APP-NAME, PROCID, MSGID; the MSG is UTF-8, so it begins with the BOM (§6.4).
  const header = `<${pri}>1 ${e.at} ${printable(source.instance, 255)} openmds - ${printable(e.action, 32)}`;
  return `${header} ${sd} ${BOM}${msg.replace(/[\r\n]+/g, ' ')}`;
}

/** RFC 5424 syslog messages, one per line (LF), as a file to forward or to feed `logger --rfc5424`. */
export function syslogExport(source: ExportSource): AuditExportWriter {
  return {
    contentType: 'text/plain; charset=utf-8',
    extension: 'log',
    begin: () => '',
    record: (e) => `${toSyslogLine(e, source)}\n`,
    end: () => '',
  };
}
