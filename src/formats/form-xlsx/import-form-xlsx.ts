import type { Cell, CellValue, Row, Workbook, Worksheet } from 'exceljs';
import { normalizeSpelling, type CompiledRow, type CompiledTemplate } from '../../domain/compiled-template.js';
import { schemaCheck } from '../../domain/schema-check.js';
import {
  ProvenanceSchema,
  STATEMENT_FORMAT,
  STATEMENT_FORMAT_VERSION,
  StatementStatusSchema,
  type AnswerEntry,
  type Provenance,
  type Remark,
  type Statement,
  type StatementStatus,
} from '../../domain/statement.js';
import { parseTemplateKey, RowIdSchema } from '../../domain/template.js';
import type { TemplateLookup } from '../../domain/validation.js';
import { FormatError } from '../errors.js';
import { toStatement } from '../json/json-format.js';
import { cellDate, cellResult, cellText } from '../mds2-xlsx/cells.js';
import { cellAddress } from '../mds2-xlsx/mds2-sheet.js';
import { readXlsxWorkbook } from '../mds2-xlsx/read-xlsx.js';
import {
  ANSWER_MARKS,
  BLANK_MARKS,
  CHECKLIST_SHEET_NAMES,
  FORM_XLSX_FORMAT,
  FORM_XLSX_MARKER,
  FORM_XLSX_VERSION,
  headerLabels,
  ID_HEADINGS,
  labelKey,
  METADATA_SHEET,
  optionSpellings,
  QUESTION_HEADINGS,
  REMARK_NUMBER_HEADINGS,
  REMARK_TEXT_HEADINGS,
  REMARKS_SHEET_NAMES,
  STATUS_LABELS,
  type HeaderTarget,
} from './form-layout.js';

export interface FormXlsxImportOptions {
  templates: TemplateLookup;
  /** The file's name, recorded in the statement's provenance. */
  file?: string;
  /** The import time recorded in the provenance; now by default. */
  now?: Date;
}

export interface FormXlsxImportResult {
  statement: Statement;
  /** Things the import passed over, each naming its cell. */
  warnings: string[];
}

const F = FORM_XLSX_FORMAT;

// The statement schema's limits, checked here so that every failure names its cell.
const MAX_HEADER_CHARS = 2000;
const MAX_HEADER_FIELDS = 100;
const MAX_REMARK_CHARS = 20000;
const MAX_REMARKS = 5000;
const MAX_CITATIONS = 100;

/** Columns looked at: the form has a dozen; a cell far to the right of the table is not part of it. */
const MAX_COLUMNS = 100;
/** How far down the table heading (and on the remarks sheet, its heading) is looked for. */
const HEADING_SCAN_ROWS = 300;
const REMARKS_HEADING_SCAN_ROWS = 20;

const ROW_ID = new RegExp(RowIdSchema.pattern ?? '^.+$');
const REMARK_NUMBER = /^(?:備考|注記|note|remark|no\.?)?\s*[#※]?\s*(\d+)\s*[:.)]?$/i;
const STATUSES: StatementStatus[] = StatementStatusSchema.anyOf.map((s) => s.const);
const provenanceShape = schemaCheck<Provenance>(ProvenanceSchema);

function quote(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

function listOr(words: string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1] ?? ''}`;
}

function isMergeSlave(cell: Cell): boolean {
  return cell.master.address !== cell.address;
}

function isFormula(value: CellValue): boolean {
  return typeof value === 'object' && value !== null && ('formula' in value || 'sharedFormula' in value);
}

/** A cell's value through any formula; a formula Excel never computed is refused, naming the cell. */
function resolved(cell: Cell, where: string): unknown {
  const value = cell.value;
  if (isFormula(value) && cellResult(value) === undefined) {
    throw new FormatError(
      F,
      where,
      'a formula without a computed value; open and save the file in Excel, or type the value instead',
    );
  }
  const v = cellResult(value);
  if (typeof v === 'object' && v !== null && typeof (v as { error?: unknown }).error === 'string') {
    throw new FormatError(F, where, `the cell holds the error value ${String((v as { error: string }).error)}`);
  }
  return v;
}

/** The last column of the row that belongs to the same merged cell as column `c`. */
function mergeEnd(row: Row, c: number, cell: Cell): number {
  let end = c;
  while (end < MAX_COLUMNS && row.getCell(end + 1).master.address === cell.address) end++;
  return end;
}

function columnLimit(ws: Worksheet): number {
  return Math.min(ws.columnCount, MAX_COLUMNS);
}

// ——— the hidden metadata sheet ———

interface Metadata {
  template?: { id: string; edition: string };
  provenance: Provenance[];
}

function readMetadata(wb: Workbook, warnings: string[]): Metadata {
  const ws = wb.getWorksheet(METADATA_SHEET);
  const out: Metadata = { provenance: [] };
  if (ws === undefined) return out;
  const values = new Map<string, { text: string; cell: string }[]>();
  ws.eachRow((row, r) => {
    const key = cellText(row.getCell(1).value).trim();
    if (key === '') return;
    const list = values.get(key) ?? [];
    list.push({ text: cellText(row.getCell(2).value), cell: cellAddress(2, r) });
    values.set(key, list);
  });
  const one = (key: string): string | undefined => values.get(key)?.[0]?.text.trim();
  const where = `sheet ${METADATA_SHEET}`;
  if (one('format') !== FORM_XLSX_MARKER) {
    warnings.push(`${where}: not OpenMDS metadata (no format ${FORM_XLSX_MARKER}); ignored`);
    return out;
  }
  const version = Number(one('formatVersion'));
  if (Number.isInteger(version) && version > FORM_XLSX_VERSION) {
    warnings.push(`${where}: written by a newer OpenMDS (format version ${version}); read as version 1`);
  }
  const id = one('template');
  const edition = one('edition');
  if (id !== undefined && id !== '' && edition !== undefined && edition !== '') out.template = { id, edition };
  for (const { text, cell } of values.get('provenance') ?? []) {
    let entry: unknown;
    try {
      entry = JSON.parse(text) as unknown;
    } catch {
      entry = undefined;
    }
    if (provenanceShape.is(entry)) out.provenance.push(entry);
    else warnings.push(`${where}, cell ${cell}: not a provenance entry; dropped`);
  }
  return out;
}

// ——— finding the sheets and the table ———

interface Heading {
  row: number;
  id: number;
  question: number;
}

function findHeading(ws: Worksheet): Heading | undefined {
  const last = Math.min(ws.rowCount, HEADING_SCAN_ROWS);
  for (let r = 1; r <= last; r++) {
    const row = ws.getRow(r);
    let id: number | undefined;
    let question: number | undefined;
    for (let c = 1; c <= columnLimit(ws); c++) {
      const cell = row.getCell(c);
      if (isMergeSlave(cell)) continue;
      const key = labelKey(cellText(cell.value));
      if (id === undefined && ID_HEADINGS.has(key)) id = c;
      else if (question === undefined && QUESTION_HEADINGS.has(key)) question = c;
    }
    if (id !== undefined && question !== undefined) return { row: r, id, question };
  }
  return undefined;
}

function findChecklist(wb: Workbook): { ws: Worksheet; heading: Heading } {
  const sheets = wb.worksheets.filter((ws) => ws.name !== METADATA_SHEET);
  const named = sheets.find((ws) => CHECKLIST_SHEET_NAMES.has(labelKey(ws.name)));
  if (named !== undefined) {
    const heading = findHeading(named);
    if (heading === undefined) {
      throw new FormatError(
        F,
        `sheet ${named.name}`,
        'no table heading: no row has both a "No." and a "質問" (Question) cell',
      );
    }
    return { ws: named, heading };
  }
  for (const ws of sheets) {
    const heading = findHeading(ws);
    if (heading !== undefined) return { ws, heading };
  }
  throw new FormatError(
    F,
    undefined,
    'not a checklist workbook: no sheet "チェックリスト" (Checklist) with a table headed "No." and "質問" (Question)',
  );
}

function findRemarksSheet(wb: Workbook, checklist: Worksheet): Worksheet | undefined {
  const sheets = wb.worksheets.filter((ws) => ws !== checklist && ws.name !== METADATA_SHEET);
  return sheets.find((ws) => REMARKS_SHEET_NAMES.has(labelKey(ws.name)));
}

// ——— the header block ———

interface Pair {
  label: string;
  labelCell: string;
  value: Cell;
  valueCell: string;
}

/** Label–value pairs above the table: each label is followed by its value in the next cell (merged or not). */
function headerPairs(ws: Worksheet, before: number): Pair[] {
  const pairs: Pair[] = [];
  for (let r = 1; r < before; r++) {
    const row = ws.getRow(r);
    const limit = columnLimit(ws);
    let c = 1;
    while (c <= limit) {
      const cell = row.getCell(c);
      if (isMergeSlave(cell)) {
        c++;
        continue;
      }
      const end = mergeEnd(row, c, cell);
      const label = cellText(cell.value);
      if (label.trim() === '') {
        c = end + 1;
        continue;
      }
      const value = row.getCell(end + 1);
      pairs.push({ label, labelCell: cellAddress(c, r), value, valueCell: cellAddress(end + 1, r) });
      c = isMergeSlave(value) ? end + 2 : mergeEnd(row, end + 1, value) + 1;
    }
  }
  return pairs;
}

function pairText(pair: Pair): string {
  return cellText(resolved(pair.value, `cell ${pair.valueCell}`));
}

function resolveTemplate(
  pairs: Pair[],
  meta: Metadata,
  templates: TemplateLookup,
  warnings: string[],
): CompiledTemplate {
  const labels = headerLabels(undefined);
  const find = (field: 'template' | 'edition'): Pair | undefined =>
    pairs.find((p) => {
      const t = labels.get(labelKey(p.label));
      return t?.kind === 'meta' && t.field === field;
    });
  const templatePair = find('template');
  const editionPair = find('edition');
  let id = templatePair === undefined ? '' : pairText(templatePair).normalize('NFKC').trim();
  let edition = '';
  if (editionPair !== undefined) {
    const raw = resolved(editionPair.value, `cell ${editionPair.valueCell}`);
    // Excel turns an edition typed as "2" or "2019" into a number; match it against the editions the template has.
    edition =
      typeof raw === 'number'
        ? (templates.editions(id).find((e) => Number(e) === raw) ?? String(raw))
        : cellText(raw).normalize('NFKC').trim();
  }
  if (id !== '' && edition === '' && id.includes('@')) {
    const ref = parseTemplateKey(id);
    if (ref !== undefined) ({ id, edition } = ref);
  }
  if (id === '' && meta.template !== undefined)
    return lookup(meta.template.id, meta.template.edition, templates, undefined);
  if (id === '' || templatePair === undefined) {
    throw new FormatError(
      F,
      undefined,
      'the header names no template: the form needs a "テンプレート" (Template) cell, e.g. jahis-jira-mds, and a "版" (Edition) cell, e.g. 2',
    );
  }
  if (edition === '') {
    if (meta.template?.id === id) edition = meta.template.edition;
    else {
      throw new FormatError(
        F,
        `cell ${editionPair?.valueCell ?? templatePair.valueCell}`,
        `template ${id} needs an edition (a "版" (Edition) cell${templates.editions(id).length > 0 ? `: ${templates.editions(id).join(', ')}` : ''})`,
      );
    }
  }
  if (meta.template !== undefined && (meta.template.id !== id || meta.template.edition !== edition)) {
    warnings.push(
      `cell ${templatePair.valueCell}: the form names template ${id}@${edition}, its metadata ${meta.template.id}@${meta.template.edition}; the form's cells win`,
    );
  }
  // A known template with an unknown edition: the edition cell is the one to fix.
  const wrong = editionPair !== undefined && templates.editions(id).length > 0 ? editionPair : templatePair;
  return lookup(id, edition, templates, wrong);
}

function lookup(id: string, edition: string, templates: TemplateLookup, pair: Pair | undefined): CompiledTemplate {
  const t = templates.get(id, edition);
  if (t !== undefined) return t;
  const known = templates.editions(id);
  throw new FormatError(
    F,
    pair === undefined ? `sheet ${METADATA_SHEET}` : `cell ${pair.valueCell}`,
    `template ${id}@${edition} is not known${known.length > 0 ? ` (editions of ${id}: ${known.join(', ')})` : ''}`,
  );
}

interface HeaderResult {
  header: Record<string, string>;
  status: StatementStatus;
  revision: number;
}

function readStatus(pair: Pair): StatementStatus {
  const text = pairText(pair);
  if (text.trim() === '') return 'draft';
  const key = labelKey(text);
  for (const s of STATUSES) {
    if (key === labelKey(s) || key === labelKey(STATUS_LABELS[s].ja) || key === labelKey(STATUS_LABELS[s].en)) {
      return s;
    }
  }
  const allowed = listOr(STATUSES.map((s) => `${STATUS_LABELS[s].ja} (${s})`));
  throw new FormatError(F, `cell ${pair.valueCell}`, `status ${quote(text)} is not ${allowed}`);
}

function readRevision(pair: Pair): number {
  const raw = resolved(pair.value, `cell ${pair.valueCell}`);
  const text = cellText(raw).normalize('NFKC').trim();
  if (text === '') return 1;
  const n = typeof raw === 'number' ? raw : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new FormatError(F, `cell ${pair.valueCell}`, `revision ${quote(text)} is not a whole number from 1`);
  }
  return n;
}

function readHeader(pairs: Pair[], template: CompiledTemplate, warnings: string[]): HeaderResult {
  const labels = headerLabels(template);
  const kinds = new Map(template.template.headerFields.map((f) => [f.id, f.kind]));
  const out: HeaderResult = { header: {}, status: 'draft', revision: 1 };
  const seen = new Map<string, string>();
  for (const pair of pairs) {
    const target: HeaderTarget | undefined = labels.get(labelKey(pair.label));
    const name = target === undefined ? pair.label : target.kind === 'meta' ? target.field : target.id;
    let value = '';
    if (target?.kind !== 'meta') {
      const raw = resolved(pair.value, `cell ${pair.valueCell}`);
      const kind = target === undefined ? 'text' : kinds.get(target.id);
      // A date a person typed into Excel is a date cell; written by OpenMDS it is the text YYYY-MM-DD.
      value =
        kind === 'date' && (raw instanceof Date || typeof raw === 'number')
          ? (cellDate(raw) ?? cellText(raw))
          : cellText(raw);
      // Text above the table that names no field and has no value (the title, a note) is no header field.
      if (target === undefined && value === '') continue;
    }
    const first = seen.get(name);
    if (first !== undefined) {
      throw new FormatError(
        F,
        `cell ${pair.labelCell}`,
        `${quote(pair.label.trim())} appears twice (first in cell ${first})`,
      );
    }
    seen.set(name, pair.labelCell);
    if (target?.kind === 'meta') {
      if (target.field === 'status') out.status = readStatus(pair);
      else if (target.field === 'revision') out.revision = readRevision(pair);
      continue;
    }
    if (value === '') continue;
    if (value.length > MAX_HEADER_CHARS) {
      throw new FormatError(
        F,
        `cell ${pair.valueCell}`,
        `${quote(pair.label.trim())} is longer than ${MAX_HEADER_CHARS} characters`,
      );
    }
    if (target === undefined && labelKey(pair.label) === '') {
      warnings.push(`cell ${pair.labelCell}: ${quote(pair.label)} is no label; the value beside it was ignored`);
      continue;
    }
    out.header[name] = value;
  }
  if (Object.keys(out.header).length > MAX_HEADER_FIELDS) {
    throw new FormatError(F, undefined, `more than ${MAX_HEADER_FIELDS} header fields`);
  }
  return out;
}

// ——— the table ———

interface TableColumns {
  answers: { column: number; value: string; heading: string }[];
  remarks: number | undefined;
}

function tableColumns(ws: Worksheet, heading: Heading, template: CompiledTemplate): TableColumns {
  const spellings = optionSpellings(template);
  const row = ws.getRow(heading.row);
  const out: TableColumns = { answers: [], remarks: undefined };
  const byValue = new Map<string, number>();
  for (let c = 1; c <= columnLimit(ws); c++) {
    if (c === heading.id || c === heading.question) continue;
    const cell = row.getCell(c);
    if (isMergeSlave(cell)) continue;
    const text = cellText(cell.value).trim();
    const value = spellings.get(normalizeSpelling(text));
    if (value !== undefined) {
      const first = byValue.get(value);
      if (first !== undefined) {
        throw new FormatError(
          F,
          `cell ${cellAddress(c, heading.row)}`,
          `a second column for the answer ${quote(text)} (the first is column ${cellAddress(first, heading.row)})`,
        );
      }
      byValue.set(value, c);
      out.answers.push({ column: c, value, heading: text });
    } else if (out.remarks === undefined && REMARK_NUMBER_HEADINGS.has(labelKey(text))) {
      out.remarks = c;
    }
  }
  if (out.answers.length === 0) {
    const names = [
      ...new Set(
        [...template.rows].flatMap((r) => [...r.options.values()].map((o) => o.label.ja ?? o.label.en ?? o.value)),
      ),
    ];
    throw new FormatError(F, `row ${heading.row}`, `the table heading has no answer column (${listOr(names)})`);
  }
  return out;
}

/** Template row ids that Excel may have turned into a number when someone typed them: "4.1" → 4.1. */
function numericIds(template: CompiledTemplate): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const r of template.rows) {
    const n = Number(r.row.id);
    if (r.row.id.trim() === '' || !Number.isFinite(n)) continue;
    const list = out.get(n) ?? [];
    list.push(r.row.id);
    out.set(n, list);
  }
  return out;
}

function readRowId(cell: Cell, where: string, numbers: Map<number, string[]>): string {
  const raw = resolved(cell, where);
  if (typeof raw !== 'number') return cellText(raw).normalize('NFKC').trim();
  const candidates = numbers.get(raw) ?? [];
  if (candidates.length === 1) return candidates[0] ?? String(raw);
  if (candidates.length === 0) return String(raw);
  // "2.1" and "2.10" are both 2.1 as numbers; the cell's number format may still show which was typed.
  const decimals = /^0\.(0+)$/.exec(cell.numFmt ?? '')?.[1]?.length;
  const shown = decimals === undefined ? undefined : raw.toFixed(decimals);
  if (shown !== undefined && candidates.includes(shown)) return shown;
  throw new FormatError(
    F,
    where,
    `the number ${raw} could be row ${listOr(candidates)}; type the row number as text (e.g. '${candidates[candidates.length - 1] ?? ''})`,
  );
}

interface Mark {
  value: string;
  cell: string;
  written: string;
}

/** The answer a cell gives: undefined when blank or a dash; throws for anything that is neither a mark nor a spelling. */
function readAnswerCell(
  cell: Cell,
  where: string,
  column: TableColumns['answers'][number],
  row: CompiledRow | undefined,
): Mark | undefined {
  const raw = resolved(cell, `cell ${where}`);
  // A check box (Excel's, or a linked form control) leaves TRUE or FALSE in its cell.
  if (raw === true) return { value: column.value, cell: where, written: 'TRUE' };
  if (raw === false || raw === null || raw === undefined) return undefined;
  const text = cellText(raw).trim();
  if (text === '' || BLANK_MARKS.test(text.normalize('NFKC'))) return undefined;
  const spelled = normalizeSpelling(text);
  if (ANSWER_MARKS.has(spelled)) return { value: column.value, cell: where, written: text };
  const value = (row?.spellings ?? new Map<string, string>()).get(spelled);
  if (value !== undefined) return { value, cell: where, written: text };
  if (row === undefined) return { value: '', cell: where, written: text };
  const options = [...row.options.values()].map((o) => o.label.ja ?? o.label.en ?? o.value);
  throw new FormatError(
    F,
    `cell ${where}`,
    `${quote(text)} for row ${row.row.id} is not an answer: put ○ in the column of the answer${options.length > 0 ? `, or write ${listOr(options)}` : ''}`,
  );
}

function readRemarkNumbers(cell: Cell, where: string): number[] {
  const raw = resolved(cell, `cell ${where}`);
  const fail = (part: string): FormatError =>
    new FormatError(F, `cell ${where}`, `remark number ${quote(part)} is not a whole number from 1 to 9999`);
  if (typeof raw === 'number') {
    if (!Number.isInteger(raw) || raw < 1 || raw > 9999) throw fail(String(raw));
    return [raw];
  }
  const text = cellText(raw).normalize('NFKC').trim();
  if (text === '' || BLANK_MARKS.test(text)) return [];
  const out: number[] = [];
  // "1, 3", "1 3", "備考1、備考3", "See Notes 2 and 5": the words around the numbers say nothing more.
  const numbers = text.replace(/備考|注記|参照|\bsee\b|\bnotes?\b|\bremarks?\b|\band\b|\bno\.|[#※]/gi, ' ');
  for (const part of numbers.split(/[\s,;、､・/&]+/).filter((p) => p !== '')) {
    const n = /^\d+$/.test(part) ? Number(part) : NaN;
    if (!Number.isInteger(n) || n < 1 || n > 9999) throw fail(part);
    out.push(n);
  }
  if (out.length > MAX_CITATIONS) {
    throw new FormatError(F, `cell ${where}`, `more than ${MAX_CITATIONS} remark numbers`);
  }
  return out;
}

interface TableResult {
  answers: Record<string, AnswerEntry>;
  /** Each cited remark number and the first cell that cites it. */
  cited: Map<number, string>;
}

function readTable(ws: Worksheet, heading: Heading, template: CompiledTemplate): TableResult {
  const columns = tableColumns(ws, heading, template);
  const numbers = numericIds(template);
  const answers: Record<string, AnswerEntry> = {};
  const cited = new Map<number, string>();
  const seen = new Map<string, string>();
  ws.eachRow((row, r) => {
    if (r <= heading.row) return;
    const idCell = row.getCell(heading.id);
    // A section heading: one merged cell across the number and the question.
    if (idCell.isMerged && row.getCell(heading.question).master.address === idCell.master.address) return;
    const idWhere = cellAddress(heading.id, r);
    const id = readRowId(idCell, `cell ${idWhere}`, numbers);
    const compiled = ROW_ID.test(id) ? template.byId.get(id) : undefined;
    const marks = columns.answers
      .map((column) => readAnswerCell(row.getCell(column.column), cellAddress(column.column, r), column, compiled))
      .filter((m): m is Mark => m !== undefined);
    const remarksWhere = columns.remarks === undefined ? '' : cellAddress(columns.remarks, r);
    const remarks = columns.remarks === undefined ? [] : readRemarkNumbers(row.getCell(columns.remarks), remarksWhere);
    const filled = marks.length > 0 || remarks.length > 0;
    if (id === '' || !ROW_ID.test(id)) {
      // Lines without a row number (a note someone typed under the table) are passed over unless they answer.
      if (!filled) return;
      throw new FormatError(
        F,
        `cell ${idWhere}`,
        id === '' ? 'an answer in a row without a row number' : `${quote(id)} is not a row number`,
      );
    }
    if (compiled === undefined) {
      throw new FormatError(F, `cell ${idWhere}`, `row ${id} is not in template ${template.key}`);
    }
    const first = seen.get(id);
    if (first !== undefined) {
      throw new FormatError(F, `cell ${idWhere}`, `row ${id} appears twice (first in cell ${first})`);
    }
    seen.set(id, idWhere);
    if (marks.length > 1) {
      const listed = marks.map((m) => `${quote(m.written)} in cell ${m.cell}`).join(', ');
      throw new FormatError(
        F,
        `cell ${marks[1]?.cell ?? idWhere}`,
        `row ${id} has ${marks.length} answers (${listed}); keep one`,
      );
    }
    const mark = marks[0];
    if (mark !== undefined && !compiled.options.has(mark.value)) {
      throw new FormatError(
        F,
        `cell ${mark.cell}`,
        compiled.answerable
          ? `row ${id} has no answer ${quote(mark.value)}`
          : `row ${id} is a group heading and takes no answer`,
      );
    }
    for (const n of remarks) if (!cited.has(n)) cited.set(n, remarksWhere);
    const entry: AnswerEntry = {};
    if (mark !== undefined) entry.answer = mark.value;
    if (remarks.length > 0) entry.remarks = [...new Set(remarks)];
    if (entry.answer !== undefined || entry.remarks !== undefined) answers[id] = entry;
  });
  return { answers, cited };
}

// ——— the remarks sheet ———

function readRemarks(ws: Worksheet): Remark[] {
  const at = (c: number, r: number): string => `sheet ${ws.name}, cell ${cellAddress(c, r)}`;
  let headingRow = 0;
  let numberColumn = 1;
  let textColumn = 2;
  for (let r = 1; r <= Math.min(ws.rowCount, REMARKS_HEADING_SCAN_ROWS) && headingRow === 0; r++) {
    const row = ws.getRow(r);
    let id: number | undefined;
    let text: number | undefined;
    for (let c = 1; c <= columnLimit(ws); c++) {
      const key = labelKey(cellText(row.getCell(c).value));
      if (id === undefined && ID_HEADINGS.has(key)) id = c;
      else if (text === undefined && REMARK_TEXT_HEADINGS.has(key)) text = c;
    }
    if (id !== undefined) {
      headingRow = r;
      numberColumn = id;
      textColumn = text ?? id + 1;
    }
  }
  const remarks: Remark[] = [];
  const seen = new Map<number, string>();
  ws.eachRow((row, r) => {
    if (r <= headingRow) return;
    const numberCell = row.getCell(numberColumn);
    const rawNumber = resolved(numberCell, at(numberColumn, r));
    const text = cellText(resolved(row.getCell(textColumn), at(textColumn, r)));
    const numberText = cellText(rawNumber).normalize('NFKC').trim();
    if (numberText === '') {
      if (text.trim() === '') return;
      throw new FormatError(
        F,
        at(textColumn, r),
        `a remark without a number (cell ${cellAddress(numberColumn, r)} is empty)`,
      );
    }
    const m = typeof rawNumber === 'number' ? null : REMARK_NUMBER.exec(numberText);
    const number = typeof rawNumber === 'number' ? rawNumber : m === null ? NaN : Number(m[1]);
    if (!Number.isInteger(number) || number < 1 || number > 9999) {
      throw new FormatError(
        F,
        at(numberColumn, r),
        `remark number ${quote(numberText)} is not a whole number from 1 to 9999`,
      );
    }
    const first = seen.get(number);
    if (first !== undefined) {
      throw new FormatError(F, at(numberColumn, r), `remark ${number} appears twice (first in cell ${first})`);
    }
    seen.set(number, cellAddress(numberColumn, r));
    if (text.length > MAX_REMARK_CHARS) {
      throw new FormatError(F, at(textColumn, r), `remark ${number} is longer than ${MAX_REMARK_CHARS} characters`);
    }
    remarks.push({ number, text });
  });
  if (remarks.length > MAX_REMARKS) throw new FormatError(F, `sheet ${ws.name}`, `more than ${MAX_REMARKS} remarks`);
  return remarks;
}

/**
 * Reads a workbook in the form's layout that exceljs has loaded. Exported for tests and callers that hold a workbook;
 * `importFormXlsx` is the entry point for bytes.
 */
export function statementFromFormWorkbook(wb: Workbook, options: FormXlsxImportOptions): FormXlsxImportResult {
  const warnings: string[] = [];
  const meta = readMetadata(wb, warnings);
  const { ws, heading } = findChecklist(wb);
  const pairs = headerPairs(ws, heading.row);
  const template = resolveTemplate(pairs, meta, options.templates, warnings);
  const { header, status, revision } = readHeader(pairs, template, warnings);
  const { answers, cited } = readTable(ws, heading, template);

  const remarksSheet = findRemarksSheet(wb, ws);
  const remarks = remarksSheet === undefined ? [] : readRemarks(remarksSheet);
  const defined = new Set(remarks.map((r) => r.number));
  for (const [n, cell] of cited) {
    if (defined.has(n)) continue;
    throw new FormatError(
      F,
      `cell ${cell}`,
      remarksSheet === undefined
        ? `remark ${n} is cited, but the workbook has no 備考 (Remarks) sheet`
        : `remark ${n} is cited, but sheet ${remarksSheet.name} has no remark ${n}`,
    );
  }

  const statement: Statement = {
    format: STATEMENT_FORMAT,
    formatVersion: STATEMENT_FORMAT_VERSION,
    template: { id: template.template.id, edition: template.template.edition },
    header,
    answers,
    remarks,
    status,
    revision,
    provenance: [
      ...meta.provenance,
      {
        kind: 'imported' as const,
        format: F,
        ...(options.file === undefined ? {} : { file: options.file.slice(0, 500) }),
        at: (options.now ?? new Date()).toISOString(),
      },
    ].slice(-100),
  };
  return { statement: toStatement(statement, F, template), warnings };
}

/**
 * Imports a workbook in the form's layout (as `exportFormXlsx` writes it, or as a person edited it): the header cells,
 * one answer per row (○ or a typed はい / いいえ / 対象外 in the answer columns), remark numbers and the remarks sheet.
 * Every problem is a FormatError naming its cell.
 */
export async function importFormXlsx(data: Uint8Array, options: FormXlsxImportOptions): Promise<FormXlsxImportResult> {
  const wb = await readXlsxWorkbook(data, F);
  return statementFromFormWorkbook(wb, options);
}
