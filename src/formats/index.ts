import { extname } from 'node:path';
import type { Statement } from '../domain/statement.js';
import type { TemplateLookup } from '../domain/validation.js';
import { exportCsv, importCsv } from './csv/statement-csv.js';
import { FormatError } from './errors.js';
import { exportJson, importJson } from './json/json-format.js';
import { importMds2Xlsx } from './mds2-xlsx/import-mds2-xlsx.js';

/** Formats a statement can be read from. */
export const IMPORT_FORMATS = ['json', 'csv', 'mds2-xlsx'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** Formats a statement can be written to. */
export const EXPORT_FORMATS = ['json', 'csv'] as const;
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
}

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

/** Tells the format from the name and the first bytes; content wins over a misleading extension. */
export function detectFormat(data: Uint8Array, file?: string): ImportFormat {
  if (ZIP_MAGIC.every((b, i) => data[i] === b)) return 'mds2-xlsx';
  let i = 0;
  if (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) i = 3;
  while (i < data.length && (data[i] === 0x20 || data[i] === 0x0a || data[i] === 0x0d || data[i] === 0x09)) i++;
  if (data[i] === 0x7b) return 'json';
  const ext = file === undefined ? '' : extname(file).toLowerCase();
  if (ext === '.json') return 'json';
  return 'csv';
}

/** Reads a statement from any supported format into the canonical form. Throws FormatError for bad input. */
export async function importStatement(data: Uint8Array, options: ImportOptions): Promise<Imported> {
  const format =
    options.format === undefined || options.format === 'auto' ? detectFormat(data, options.file) : options.format;
  switch (format) {
    case 'json': {
      const statement = importJson(data);
      const t = options.templates.get(statement.template.id, statement.template.edition);
      return { statement: t === undefined ? statement : importJson(data, t), format, warnings: [] };
    }
    case 'csv':
      return { statement: importCsv(data, options.templates), format, warnings: [] };
    case 'mds2-xlsx': {
      const r = await importMds2Xlsx(data, {
        ...(options.file === undefined ? {} : { file: options.file }),
        templates: options.templates,
      });
      return { statement: r.statement, format, warnings: r.warnings };
    }
  }
}

/** Writes a statement in a format; the template must be known. */
export function exportStatement(statement: Statement, format: ExportFormat, templates: TemplateLookup): string {
  const t = templates.get(statement.template.id, statement.template.edition);
  if (t === undefined) {
    throw new FormatError(
      format,
      'template',
      `template ${statement.template.id}@${statement.template.edition} is not known`,
    );
  }
  switch (format) {
    case 'json':
      return exportJson(statement, t);
    case 'csv':
      return exportCsv(statement, t);
  }
}
