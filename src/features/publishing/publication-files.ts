import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { TemplateRegistry } from '../../domain/templates/registry.js';
import { exportCsv } from '../../formats/csv/statement-csv.js';
import { exportFormXlsx } from '../../formats/form-xlsx/export-form-xlsx.js';
import { exportStandaloneHtml } from '../../formats/html/export-standalone-html.js';
import { exportPdf } from '../../formats/pdf/export-pdf.js';
import type { SignedStatementDocument } from '../../signing/signed-statement.js';
import { AppError } from '../../server/errors.js';
import { checkPublicationSignature } from './directory.service.js';
import type { FileFormat } from './publishing.schema.js';
import { signedDocumentOf } from './publishing.service.js';
import type { PublicationRow } from './publishing.repository.js';

export interface RenderedFile {
  data: Uint8Array;
  contentType: string;
  /** The download's name: manufacturer, product, version and revision (Japanese kept). */
  name: string;
  /** An ASCII name for clients that do not read filename*. */
  asciiName: string;
}

const TYPES: Record<FileFormat, { type: string; ext: string }> = {
  json: { type: 'application/json; charset=utf-8', ext: 'signed.json' },
  pdf: { type: 'application/pdf', ext: 'pdf' },
  xlsx: { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', ext: 'xlsx' },
  html: { type: 'text/html; charset=utf-8', ext: 'html' },
  csv: { type: 'text/csv; charset=utf-8', ext: 'csv' },
};

/** Characters no file system takes in a name (control characters are dropped separately). */
const UNSAFE = /[\\/:*?"<>|]+/g;

function withoutControls(s: string): string {
  return [...s].filter((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f).join('');
}

export function downloadName(row: PublicationRow, format: FileFormat): { name: string; asciiName: string } {
  const ext = TYPES[format].ext;
  const base = [row.manufacturer, row.product_name, row.product_version, `r${row.revision}`]
    .map((p) => withoutControls(p.normalize('NFC')).replace(UNSAFE, '_').trim())
    .join('_')
    .slice(0, 150);
  return { name: `${base}.${ext}`, asciiName: `openmds-${row.id.slice(0, 8)}-r${row.revision}.${ext}` };
}

/** Rendered files, by publication, format and withdrawal state: a publication's files never change otherwise. */
const cache = new Map<string, Uint8Array>();
const CACHE_ENTRIES = 64;

/** Renders a publication in a format; every format converts from the signed canonical statement. */
export async function renderPublicationFile(
  db: Kysely<Database>,
  templates: TemplateRegistry,
  row: PublicationRow,
  format: FileFormat,
  now: string,
): Promise<RenderedFile> {
  const names = downloadName(row, format);
  const key = `${row.id}/${format}/${row.withdrawn_at ?? ''}`;
  let data = cache.get(key);
  if (data === undefined) {
    data = await render(db, templates, row, format, now);
    if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value ?? '');
    cache.set(key, data);
  }
  return { data, contentType: TYPES[format].type, ...names };
}

async function render(
  db: Kysely<Database>,
  templates: TemplateRegistry,
  row: PublicationRow,
  format: FileFormat,
  now: string,
): Promise<Uint8Array> {
  const doc = signedDocumentOf(row);
  const statement = doc.statement;
  const template = templates.get(statement.template.id, statement.template.edition);
  if (template === undefined) {
    throw new AppError('not-found', {
      message: `template ${statement.template.id}@${statement.template.edition} is not installed on this instance`,
    });
  }
  const withdrawn =
    row.withdrawn_at === null ? undefined : { at: row.withdrawn_at, reason: row.withdrawn_reason ?? '' };
  switch (format) {
    case 'json':
      return new TextEncoder().encode(row.signed_document);
    case 'csv':
      return new TextEncoder().encode(exportCsv(statement, template));
    case 'xlsx':
      return exportFormXlsx(statement, template);
    case 'html':
      return new TextEncoder().encode(
        exportStandaloneHtml(statement, template, {
          signed: doc as unknown as SignedStatementDocument,
          publishedAt: row.published_at,
          ...(withdrawn === undefined ? {} : { withdrawn }),
        }),
      );
    case 'pdf': {
      const sig = await checkPublicationSignature(db, row, now);
      return exportPdf(statement, template, {
        ...(sig.signer === null
          ? {}
          : {
              signature: {
                signer: sig.signer.subject,
                issuer: sig.signer.issuer,
                signedAt: sig.signedAt ?? row.published_at,
                certificateSha256: sig.signer.certificateSha256,
              },
            }),
        publishedAt: row.published_at,
        contentHash: row.content_hash,
        ...(withdrawn === undefined ? {} : { withdrawn }),
        attachment: { name: 'statement.signed.json', data: row.signed_document },
      });
    }
  }
}
