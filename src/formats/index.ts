import { extname } from 'node:path';
import type { Statement } from '../domain/statement.js';
import type { TemplateLookup } from '../domain/validation.js';
import type { SignedStatementDocument } from '../signing/signed-statement.js';
import { exportCsv, importCsv } from './csv/statement-csv.js';
import { FormatError } from './errors.js';
import { detectXlsxKind } from './form-xlsx/detect-form-xlsx.js';
import { exportFormXlsx } from './form-xlsx/export-form-xlsx.js';
import { importFormXlsx } from './form-xlsx/import-form-xlsx.js';
import { exportStandaloneHtml } from './html/export-standalone-html.js';
import { importStandaloneHtml } from './html/import-standalone-html.js';
import { decodeUtf8, exportJson, lineAndColumn, parseJsonText, toStatement } from './json/json-format.js';
import { importMds2Xlsx } from './mds2-xlsx/import-mds2-xlsx.js';
import { exportPdf, type PdfSignatureInfo } from './pdf/export-pdf.js';
import { importPdf, looksLikePdf } from './pdf/import-pdf.js';
import { findDuplicateKey, isSignedStatement, looksLikeSignedStatement } from './signed-json/signed-json.js';

/**
 * Formats a statement can be read from: canonical or signed JSON, CSV, the form-layout XLSX, NEMA's MDS2 workbook,
 * the standalone HTML file and OpenMDS's PDF (both carry the JSON inside).
 */
export const IMPORT_FORMATS = ['json', 'csv', 'xlsx', 'mds2-xlsx', 'html', 'pdf'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** Formats a statement can be written to. Every one converts from the canonical JSON. */
export const EXPORT_FORMATS = ['json', 'csv', 'xlsx', 'pdf', 'html'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ImportOptions {
  format?: ImportFormat | 'auto';
  /** The file's name, for format detection and messages. */
  file?: string;
  templates: TemplateLookup;
}

export interface Imported {
  statement: Statement;
  format: ImportFormat;
  warnings: string[];
  /** The signed document, when the file carried one (signed JSON, or HTML/PDF made from it). Not yet verified. */
  signed?: SignedStatementDocument;
}

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

function firstSignificantByte(data: Uint8Array): number | undefined {
  let i = 0;
  if (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) i = 3;
  while (i < data.length && (data[i] === 0x20 || data[i] === 0x0a || data[i] === 0x0d || data[i] === 0x09)) i++;
  return data[i];
}

/** Tells the format from the first bytes and the name; content wins over a misleading extension. */
export function detectFormat(data: Uint8Array, file?: string): ImportFormat {
  if (ZIP_MAGIC.every((b, i) => data[i] === b)) return detectXlsxKind(data) === 'mds2-xlsx' ? 'mds2-xlsx' : 'xlsx';
  if (looksLikePdf(data)) return 'pdf';
  const first = firstSignificantByte(data);
  if (first === 0x7b) return 'json';
  if (first === 0x3c) return 'html';
  const ext = file === undefined ? '' : extname(file).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.html' || ext === '.htm') return 'html';
  return 'csv';
}

/**
 * The JSON document inside a JSON, standalone HTML or PDF file, parsed (line and column named on errors). A signed
 * document that repeats a key in one object is refused: parsers disagree on which value wins, so what one verifier
 * checks could differ from what another shows.
 */
export function extractDocument(data: Uint8Array, file?: string): { format: 'json' | 'html' | 'pdf'; value: unknown } {
  const format = detectFormat(data, file);
  let text: string;
  let label: string;
  switch (format) {
    case 'pdf':
      text = importPdf(data);
      label = 'pdf (embedded statement)';
      break;
    case 'html':
      text = importStandaloneHtml(data);
      label = 'html (embedded statement)';
      break;
    case 'json':
      text = decodeUtf8(data, 'json');
      label = 'json';
      break;
    case 'csv':
    case 'xlsx':
    case 'mds2-xlsx':
      throw new FormatError(
        format,
        undefined,
        'this file carries no JSON statement (expected signed JSON, HTML or PDF)',
      );
  }
  const value = parseJsonText(text, label);
  if (looksLikeSignedStatement(value)) {
    const duplicate = findDuplicateKey(text);
    if (duplicate !== undefined) {
      const { line, column } = lineAndColumn(text, duplicate.offset);
      throw new FormatError(
        label,
        `line ${line}, column ${column}`,
        `the key "${duplicate.key}" occurs twice in one object; a signed file must not repeat keys`,
      );
    }
  }
  return { format, value };
}

/** Reads a statement from any supported format into the canonical form. Throws FormatError for bad input. */
export async function importStatement(data: Uint8Array, options: ImportOptions): Promise<Imported> {
  const format =
    options.format === undefined || options.format === 'auto' ? detectFormat(data, options.file) : options.format;
  switch (format) {
    case 'json':
    case 'html':
    case 'pdf': {
      const value =
        format === 'json'
          ? parseJsonText(data, 'json')
          : parseJsonText(format === 'pdf' ? importPdf(data) : importStandaloneHtml(data), format);
      // A signed document whose statement is damaged still reads as one, so the problem is named field by field.
      const signed = isSignedStatement(value) ? value : undefined;
      const body: unknown =
        signed !== undefined
          ? signed.statement
          : looksLikeSignedStatement(value)
            ? (value as { statement?: unknown }).statement
            : value;
      const first = toStatement(body, format);
      const t = options.templates.get(first.template.id, first.template.edition);
      return {
        statement: t === undefined ? first : toStatement(body, format, t),
        format,
        warnings: [],
        ...(signed === undefined ? {} : { signed }),
      };
    }
    case 'csv':
      return { statement: importCsv(data, options.templates), format, warnings: [] };
    case 'xlsx': {
      const r = await importFormXlsx(data, {
        ...(options.file === undefined ? {} : { file: options.file }),
        templates: options.templates,
      });
      return { statement: r.statement, format, warnings: r.warnings };
    }
    case 'mds2-xlsx': {
      const r = await importMds2Xlsx(data, {
        ...(options.file === undefined ? {} : { file: options.file }),
        templates: options.templates,
      });
      return { statement: r.statement, format, warnings: r.warnings };
    }
  }
}

export interface ExportOptions {
  /** The signed document of this statement: embedded in HTML and PDF so they stay verifiable. */
  signed?: SignedStatementDocument;
  /** The signer, for the PDF's footer. */
  signature?: PdfSignatureInfo;
  lang?: 'ja' | 'en';
}

/** Writes a statement in a format; the template must be known. Text formats come back as UTF-8 bytes. */
export async function exportStatement(
  statement: Statement,
  format: ExportFormat,
  templates: TemplateLookup,
  options: ExportOptions = {},
): Promise<Uint8Array> {
  const t = templates.get(statement.template.id, statement.template.edition);
  if (t === undefined) {
    throw new FormatError(
      format,
      'template',
      `template ${statement.template.id}@${statement.template.edition} is not known`,
    );
  }
  const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
  switch (format) {
    case 'json':
      return utf8(exportJson(statement, t));
    case 'csv':
      return utf8(exportCsv(statement, t));
    case 'xlsx':
      return exportFormXlsx(statement, t, options.lang === undefined ? {} : { lang: options.lang });
    case 'html':
      return utf8(
        exportStandaloneHtml(statement, t, {
          ...(options.signed === undefined ? {} : { signed: options.signed }),
          ...(options.lang === undefined ? {} : { lang: options.lang }),
        }),
      );
    case 'pdf':
      return exportPdf(statement, t, {
        ...(options.lang === undefined ? {} : { lang: options.lang }),
        ...(options.signature === undefined ? {} : { signature: options.signature }),
        attachment: {
          name: options.signed === undefined ? 'statement.json' : 'statement.signed.json',
          data:
            options.signed === undefined ? exportJson(statement, t) : `${JSON.stringify(options.signed, null, 2)}\n`,
        },
      });
  }
}
