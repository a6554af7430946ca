import type { CompiledTemplate } from '../../domain/compiled-template.js';
import { pick } from '../../domain/i18n.js';
import { normalizeStatement } from '../../domain/normalize.js';
import {
  StatementStatusSchema,
  STATEMENT_FORMAT,
  STATEMENT_FORMAT_VERSION,
  type AnswerEntry,
  type Statement,
  type StatementStatus,
} from '../../domain/statement.js';
import type { TemplateLookup } from '../../domain/validation.js';
import { FormatError } from '../errors.js';
import { decodeUtf8, toStatement } from '../json/json-format.js';
import { csvLine, parseCsv } from './csv-text.js';

/**
 * The statement as CSV: one record per line, the first field naming its kind.
 *
 *   kind,key,value,remarks,question
 *   template,jahis-jira-mds,2
 *   status,draft,1
 *   header,manufacturer,XYZ株式会社
 *   answer,1,はい,1,扱う情報のリストを提示しているか?
 *   remark,1,DICOM CONFORMANCE STATEMENT 中に…
 *
 * Every answerable row of the template gets an answer line, so the file is also a form to fill in. Answers are
 * written as the template's Japanese labels and read back from labels in either language, aliases or values.
 * The question column is for people and is ignored on import.
 */
export const CSV_COLUMNS = ['kind', 'key', 'value', 'remarks', 'question'] as const;

const STATUSES = new Set<string>(StatementStatusSchema.anyOf.map((s) => String(s.const)));

export function exportCsv(statement: Statement, template: CompiledTemplate): string {
  const s = normalizeStatement(statement, template);
  const lines: string[] = [csvLine(CSV_COLUMNS)];
  lines.push(csvLine(['template', s.template.id, s.template.edition]));
  lines.push(csvLine(['status', s.status, String(s.revision)]));
  for (const [k, v] of Object.entries(s.header)) if (v !== undefined) lines.push(csvLine(['header', k, v]));
  const written = new Set<string>();
  for (const r of template.rows) {
    if (!r.answerable && s.answers[r.row.id] === undefined) continue;
    const entry = s.answers[r.row.id];
    written.add(r.row.id);
    const option = entry?.answer === undefined ? undefined : r.options.get(entry.answer);
    const value = entry?.answer === undefined ? '' : option === undefined ? entry.answer : pick(option.label, 'ja');
    lines.push(csvLine(['answer', r.row.id, value, (entry?.remarks ?? []).join(' '), pick(r.row.text, 'ja')]));
  }
  // Rows the template does not know are kept, so that nothing is lost; validation reports them.
  for (const [row, entry] of Object.entries(s.answers)) {
    if (!written.has(row))
      lines.push(csvLine(['answer', row, entry.answer ?? '', (entry.remarks ?? []).join(' '), '']));
  }
  for (const r of s.remarks) lines.push(csvLine(['remark', String(r.number), r.text]));
  if (s.provenance !== undefined)
    for (const p of s.provenance) lines.push(csvLine(['provenance', p.kind, JSON.stringify(p)]));
  // A BOM, so that Excel opens the Japanese text as UTF-8.
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

function parseRemarkNumbers(text: string, line: number): number[] {
  const out: number[] = [];
  for (const part of text.split(/[\s,;、]+/).filter((p) => p !== '')) {
    const n = Number(part.normalize('NFKC'));
    if (!Number.isInteger(n) || n < 1 || n > 9999) {
      throw new FormatError('csv', `line ${line}`, `remark number "${part}" is not a whole number from 1 to 9999`);
    }
    out.push(n);
  }
  return out;
}

/** Reads the CSV form of a statement. Errors name the line. */
export function importCsv(data: Uint8Array | string, templates: TemplateLookup): Statement {
  const text = decodeUtf8(data, 'csv');
  const records = parseCsv(text);
  const first = records[0];
  if (first === undefined) throw new FormatError('csv', undefined, 'the file is empty');
  let start = 0;
  if (first.fields[0]?.trim().toLowerCase() === 'kind') start = 1;
  let template: CompiledTemplate | undefined;
  let templateRef: { id: string; edition: string } | undefined;
  let status: StatementStatus = 'draft';
  let revision = 1;
  const header: Record<string, string> = {};
  const answers: Record<string, AnswerEntry> = {};
  const remarks: { number: number; text: string }[] = [];
  const provenance: NonNullable<Statement['provenance']> = [];
  for (const { line, fields } of records.slice(start)) {
    const kind = (fields[0] ?? '').trim();
    const key = (fields[1] ?? '').trim();
    const value = fields[2] ?? '';
    switch (kind) {
      case 'template': {
        if (key === '' || value.trim() === '')
          throw new FormatError('csv', `line ${line}`, 'template needs an id and an edition');
        templateRef = { id: key, edition: value.trim() };
        template = templates.get(templateRef.id, templateRef.edition);
        if (template === undefined) {
          throw new FormatError(
            'csv',
            `line ${line}`,
            `template ${templateRef.id}@${templateRef.edition} is not known`,
          );
        }
        break;
      }
      case 'status': {
        if (!STATUSES.has(key))
          throw new FormatError('csv', `line ${line}`, `status "${key}" is not one of ${[...STATUSES].join(', ')}`);
        status = key as StatementStatus;
        const rev = Number(value === '' ? '1' : value);
        if (!Number.isInteger(rev) || rev < 1)
          throw new FormatError('csv', `line ${line}`, `revision "${value}" is not a whole number from 1`);
        revision = rev;
        break;
      }
      case 'header':
        if (key === '') throw new FormatError('csv', `line ${line}`, 'header line without a field name');
        header[key] = value;
        break;
      case 'answer': {
        if (template === undefined)
          throw new FormatError('csv', `line ${line}`, 'an answer comes before the template line');
        if (key === '') throw new FormatError('csv', `line ${line}`, 'answer line without a row id');
        if (answers[key] !== undefined) throw new FormatError('csv', `line ${line}`, `row ${key} is answered twice`);
        const entry: AnswerEntry = {};
        const raw = value.trim();
        if (raw !== '') {
          const row = template.byId.get(key);
          const spelled = row?.spellings.get(raw.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, ' '));
          if (row !== undefined && spelled === undefined) {
            const allowed = [...row.options.values()].map((o) => pick(o.label, 'ja')).join(', ');
            throw new FormatError('csv', `line ${line}`, `row ${key}: answer "${raw}" is not one of ${allowed}`);
          }
          entry.answer = spelled ?? raw;
        }
        const nums = parseRemarkNumbers(fields[3] ?? '', line);
        if (nums.length > 0) entry.remarks = nums;
        answers[key] = entry;
        break;
      }
      case 'remark': {
        const n = parseRemarkNumbers(key, line);
        if (n.length !== 1) throw new FormatError('csv', `line ${line}`, 'a remark line needs one remark number');
        remarks.push({ number: n[0]!, text: value });
        break;
      }
      case 'provenance': {
        try {
          provenance.push(JSON.parse(value) as NonNullable<Statement['provenance']>[number]);
        } catch {
          throw new FormatError('csv', `line ${line}`, 'provenance value is not JSON');
        }
        break;
      }
      default:
        throw new FormatError(
          'csv',
          `line ${line}`,
          `unknown kind "${kind}" (expected template, status, header, answer, remark or provenance)`,
        );
    }
  }
  if (templateRef === undefined)
    throw new FormatError('csv', undefined, 'no template line (e.g. "template,jahis-jira-mds,2")');
  const statement: Statement = {
    format: STATEMENT_FORMAT,
    formatVersion: STATEMENT_FORMAT_VERSION,
    template: templateRef,
    header,
    answers,
    remarks,
    status,
    revision,
  };
  if (provenance.length > 0) statement.provenance = provenance;
  return toStatement(statement, 'csv', template);
}
