import ExcelJS from 'exceljs';
import { Applies, type CompiledRow, type CompiledTemplate } from '../../domain/compiled-template.js';
import { pick, type Language } from '../../domain/i18n.js';
import { normalizeStatement } from '../../domain/normalize.js';
import type { Remark, Statement } from '../../domain/statement.js';
import { CORE_HEADER_FIELDS } from '../../domain/template.js';
import { FormatError } from '../errors.js';
import {
  ANSWER_MARK,
  CHECKLIST_SHEET,
  coreLabel,
  FORM_XLSX_FORMAT,
  FORM_XLSX_MARKER,
  FORM_XLSX_VERSION,
  hasRefColumn,
  headerLabels,
  labelKey,
  META_LABELS,
  METADATA_SHEET,
  NOT_APPLICABLE_MARK,
  optionColumns,
  REMARKS_SHEET,
  STATUS_LABELS,
  TABLE_LABELS,
  type OptionColumn,
} from './form-layout.js';
import { displayWidth, encodeCellText, lineHeight, wrappedLines } from './xlsx-text.js';

export interface FormXlsxExportOptions {
  /** Language of the labels and question texts; Japanese by default. Import reads either. */
  lang?: Language;
}

/** The most characters Excel keeps in a cell. */
const MAX_CELL_CHARS = 32767;
/** Excel's tallest row, in points. */
const MAX_ROW_HEIGHT = 409;
/** Header values can be long (MDS2's intended use): the header block is frozen with the table heading, so cap it. */
const MAX_HEADER_LINES = 4;

const WIDTH = { id: 16, question: 60, ref: 18, remarkNumbers: 10, remarkNumber: 8, remarkText: 100 };

const FILL = {
  title: 'FFFFFFFF',
  label: 'FFF2F2F2',
  tableHeading: 'FFBDD7EE',
  section: 'FFDDEBF7',
  /** Rows that do not apply, as the paper form greys them out. */
  notApplicable: 'FFD9D9D9',
  /** Answer cells a row does not have (group rows, options of another answer set). */
  noAnswer: 'FFF2F2F2',
};

const THIN: Partial<ExcelJS.Borders> = {
  top: { style: 'thin' },
  left: { style: 'thin' },
  bottom: { style: 'thin' },
  right: { style: 'thin' },
};

function solid(argb: string): ExcelJS.Fill {
  return { type: 'pattern', pattern: 'solid', fgColor: { argb } };
}

/** A cell's text, encoded to come back unchanged; a text too long for a cell is an error naming its field. */
function cellString(text: string, field: string): string {
  const encoded = encodeCellText(text);
  if (encoded.length > MAX_CELL_CHARS) {
    throw new FormatError(FORM_XLSX_FORMAT, field, `longer than the ${MAX_CELL_CHARS} characters a cell holds`);
  }
  return encoded;
}

/** A row's height for the lines its tallest cell wraps to; Excel does not fit heights to wrapped text on opening. */
function heightOf(lines: number, ...texts: string[]): number {
  return Math.min(MAX_ROW_HEIGHT, Math.max(1, lines) * lineHeight(...texts));
}

interface Columns {
  id: number;
  question: number;
  ref: number | undefined;
  options: (OptionColumn & { column: number })[];
  remarks: number;
  last: number;
}

function tableColumns(template: CompiledTemplate, lang: Language): Columns {
  const ref = hasRefColumn(template) ? 3 : undefined;
  const first = ref === undefined ? 3 : 4;
  const options = optionColumns(template, lang).map((o, i) => ({ ...o, column: first + i }));
  const remarks = first + options.length;
  return { id: 1, question: 2, ref, options, remarks, last: remarks };
}

function columnWidth(ws: ExcelJS.Worksheet, from: number, to: number): number {
  let w = 0;
  for (let c = from; c <= to; c++) w += ws.getColumn(c).width ?? 9;
  return w;
}

/**
 * Refuses statements the form has no place for, rather than writing a file that would not read back the same: a row
 * the template does not know, an answer outside the row's options, a header field whose name reads as another label.
 */
function checkExportable(s: Statement, template: CompiledTemplate): void {
  for (const [id, entry] of Object.entries(s.answers)) {
    const row = template.byId.get(id);
    if (row === undefined) {
      throw new FormatError(FORM_XLSX_FORMAT, `answers/${id}`, `row ${id} is not in template ${template.key}`);
    }
    if (entry.answer !== undefined && !row.options.has(entry.answer)) {
      throw new FormatError(
        FORM_XLSX_FORMAT,
        `answers/${id}`,
        row.answerable
          ? `answer "${entry.answer}" is not an option of row ${id}`
          : `row ${id} is a group heading and takes no answer`,
      );
    }
  }
  const numbers = new Set<number>();
  for (const r of s.remarks) {
    if (numbers.has(r.number)) {
      throw new FormatError(FORM_XLSX_FORMAT, `remarks/${r.number}`, `remark ${r.number} is defined twice`);
    }
    numbers.add(r.number);
  }
  const labels = headerLabels(template);
  for (const key of Object.keys(s.header)) {
    const target = labels.get(labelKey(key));
    if (target === undefined ? labelKey(key) === '' : target.kind !== 'field' || target.id !== key) {
      throw new FormatError(
        FORM_XLSX_FORMAT,
        `header/${key}`,
        'the header field name cannot be told apart from another header label of the form',
      );
    }
  }
}

interface Pair {
  label: string;
  value: string | number;
}

/** The template's header fields (the core ones even when it lacks them), then the statement's own extra fields. */
function headerPairs(s: Statement, template: CompiledTemplate, lang: Language): Pair[] {
  const header = s.header as Record<string, string | undefined>;
  const pairs: Pair[] = [];
  const done = new Set<string>();
  const add = (key: string, label: string): void => {
    done.add(key);
    pairs.push({ label, value: cellString(header[key] ?? '', `header/${key}`) });
  };
  for (const f of template.template.headerFields) add(f.id, pick(f.label, lang));
  for (const id of CORE_HEADER_FIELDS) if (!done.has(id)) add(id, coreLabel(id, lang));
  for (const key of Object.keys(header)) if (!done.has(key)) add(key, cellString(key, `header/${key}`));
  return pairs;
}

function metaPairs(s: Statement, lang: Language): Pair[] {
  return [
    { label: META_LABELS.template[lang], value: s.template.id },
    { label: META_LABELS.edition[lang], value: s.template.edition },
    { label: META_LABELS.status[lang], value: STATUS_LABELS[s.status][lang] },
    { label: META_LABELS.revision[lang], value: s.revision },
  ];
}

function labelCell(cell: ExcelJS.Cell, text: string): void {
  cell.value = text;
  cell.font = { bold: true };
  cell.fill = solid(FILL.label);
  cell.border = THIN;
  cell.alignment = { vertical: 'top', wrapText: true };
}

function valueCell(cell: ExcelJS.Cell, value: string | number): void {
  cell.value = value;
  cell.border = THIN;
  cell.numFmt = '@';
  cell.alignment = { vertical: 'top', horizontal: 'left', wrapText: true };
}

/** Writes the header block from row 2; returns the first row after it. */
function writeHeader(ws: ExcelJS.Worksheet, s: Statement, template: CompiledTemplate, cols: Columns, lang: Language) {
  const left = headerPairs(s, template, lang);
  const right = metaPairs(s, lang);
  // Template, edition, status and revision sit beside the first header fields (a shorter frozen block), when the
  // table is wide enough for a label and a value right of the question column.
  const rightLabel = cols.question + 1;
  const rightValue = rightLabel + 1;
  const beside = cols.last >= rightValue;
  if (!beside) left.push(...right.splice(0));
  const rows = Math.max(left.length, right.length);
  for (let i = 0; i < rows; i++) {
    const r = 2 + i;
    const l = left[i];
    const m = right[i];
    let lines = 1;
    const texts: string[] = [];
    if (l !== undefined) {
      texts.push(l.label, String(l.value));
      labelCell(ws.getCell(r, 1), l.label);
      const to = m === undefined ? cols.last : cols.question;
      if (to > 2) ws.mergeCells(r, 2, r, to);
      valueCell(ws.getCell(r, 2), l.value);
      lines = Math.max(
        wrappedLines(l.label, columnWidth(ws, 1, 1)),
        wrappedLines(String(l.value), columnWidth(ws, 2, to)),
      );
    }
    if (m !== undefined) {
      labelCell(ws.getCell(r, rightLabel), m.label);
      if (cols.last > rightValue) ws.mergeCells(r, rightValue, r, cols.last);
      valueCell(ws.getCell(r, rightValue), m.value);
      if (typeof m.value === 'number') ws.getCell(r, rightValue).numFmt = '0';
      texts.push(m.label, String(m.value));
      lines = Math.max(lines, wrappedLines(m.label, columnWidth(ws, rightLabel, rightLabel)));
    }
    ws.getRow(r).height = heightOf(Math.min(lines, MAX_HEADER_LINES), ...texts);
  }
  return 2 + rows;
}

function headingText(template: CompiledTemplate, sectionId: string, lang: Language): string {
  const section = template.template.sections.find((x) => x.id === sectionId);
  if (section === undefined) return sectionId;
  const title = pick(section.title, lang);
  return title.includes(section.id) ? title : `${section.id} ${title}`;
}

function writeTableHeading(
  ws: ExcelJS.Worksheet,
  r: number,
  template: CompiledTemplate,
  cols: Columns,
  lang: Language,
) {
  const notes = template.template.remarkStyle === 'notes';
  const guideline = template.template.guideline?.title.ja?.includes('安全管理') === true;
  const labels: [number, string][] = [
    [cols.id, TABLE_LABELS.id[lang]],
    [cols.question, TABLE_LABELS.question[lang]],
    ...cols.options.map((o): [number, string] => [o.column, o.label]),
    [cols.remarks, (notes ? TABLE_LABELS.noteNumbers : TABLE_LABELS.remarkNumbers)[lang]],
  ];
  if (cols.ref !== undefined) labels.push([cols.ref, (guideline ? TABLE_LABELS.guidelineRef : TABLE_LABELS.ref)[lang]]);
  for (const [c, text] of labels) {
    const cell = ws.getCell(r, c);
    cell.value = text;
    cell.font = { bold: true };
    cell.fill = solid(FILL.tableHeading);
    cell.border = THIN;
    cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
  }
  ws.getRow(r).height = heightOf(
    Math.max(...labels.map(([c, text]) => wrappedLines(text, columnWidth(ws, c, c)))),
    ...labels.map(([, text]) => text),
  );
}

function answerValidation(lang: Language): ExcelJS.DataValidation {
  return {
    type: 'list',
    allowBlank: true,
    formulae: [`"${ANSWER_MARK}"`],
    showErrorMessage: true,
    errorStyle: 'stop',
    errorTitle: lang === 'ja' ? '回答欄に入力できない値です' : 'Not an answer mark',
    error:
      lang === 'ja'
        ? `回答する欄に ${ANSWER_MARK} を入力するか、空欄にしてください。1 行に ${ANSWER_MARK} は 1 つだけです。`
        : `Put ${ANSWER_MARK} in the column of the answer, or leave the cell blank. One ${ANSWER_MARK} a row.`,
  };
}

function writeRow(
  ws: ExcelJS.Worksheet,
  r: number,
  row: CompiledRow,
  s: Statement,
  applies: Applies,
  cols: Columns,
  lang: Language,
): void {
  const entry = s.answers[row.row.id];
  const skipped = applies === Applies.No;
  const validation = answerValidation(lang);
  const cells: ExcelJS.Cell[] = [];

  const id = ws.getCell(r, cols.id);
  id.value = row.row.id;
  id.numFmt = '@';
  id.alignment = { vertical: 'top', horizontal: 'left' };
  cells.push(id);

  const question = ws.getCell(r, cols.question);
  // The form prints its unnumbered rows (4.1-a …) as bullets under their group.
  const bullet = row.row.number === '' ? (lang === 'ja' ? '・' : '• ') : '';
  const text = cellString(bullet + pick(row.row.text, lang), `rows/${row.row.id}`);
  question.value = text;
  question.alignment = { vertical: 'top', wrapText: true, indent: Math.min(row.depth, 4) };
  cells.push(question);
  let lines = wrappedLines(text, (ws.getColumn(cols.question).width ?? WIDTH.question) - Math.min(row.depth, 4) * 2);

  if (cols.ref !== undefined) {
    const ref = ws.getCell(r, cols.ref);
    const refs = row.row.refs.join(', ');
    if (refs !== '') ref.value = refs;
    ref.alignment = { vertical: 'top', wrapText: true };
    cells.push(ref);
    lines = Math.max(lines, wrappedLines(refs, ws.getColumn(cols.ref).width ?? WIDTH.ref));
  }

  for (const o of cols.options) {
    const cell = ws.getCell(r, o.column);
    cell.alignment = { horizontal: 'center', vertical: 'top' };
    cells.push(cell);
    if (!row.answerable || !row.options.has(o.value)) {
      cell.fill = solid(FILL.noAnswer);
      continue;
    }
    if (entry?.answer === o.value) cell.value = ANSWER_MARK;
    else if (skipped && entry?.answer === undefined) cell.value = NOT_APPLICABLE_MARK;
    cell.dataValidation = validation;
  }

  const remarks = ws.getCell(r, cols.remarks);
  if (entry?.remarks !== undefined) remarks.value = entry.remarks.join(', ');
  remarks.numFmt = '@';
  remarks.alignment = { horizontal: 'center', vertical: 'top', wrapText: true };
  cells.push(remarks);

  for (const cell of cells) {
    cell.border = THIN;
    if (skipped) cell.fill = solid(FILL.notApplicable);
  }
  ws.getRow(r).height = heightOf(lines, text);
}

function writeChecklist(wb: ExcelJS.Workbook, s: Statement, template: CompiledTemplate, lang: Language): void {
  const ws = wb.addWorksheet(CHECKLIST_SHEET[lang]);
  const cols = tableColumns(template, lang);
  ws.getColumn(cols.id).width = WIDTH.id;
  ws.getColumn(cols.question).width = WIDTH.question;
  if (cols.ref !== undefined) ws.getColumn(cols.ref).width = WIDTH.ref;
  for (const o of cols.options) ws.getColumn(o.column).width = Math.max(8, displayWidth(o.label) + 3);
  ws.getColumn(cols.remarks).width = WIDTH.remarkNumbers;

  ws.mergeCells(1, 1, 1, cols.last);
  const title = ws.getCell(1, 1);
  title.value = cellString(pick(template.template.title, lang), 'template');
  title.font = { bold: true, size: 14 };
  title.alignment = { vertical: 'middle', wrapText: true };
  ws.getRow(1).height = 24;

  const headingRow = writeHeader(ws, s, template, cols, lang) + 1;
  writeTableHeading(ws, headingRow, template, cols, lang);

  const applies = template.evaluate((id) => s.answers[id]?.answer);
  let r = headingRow + 1;
  let section: string | undefined;
  for (const row of template.rows) {
    if (row.row.section !== section) {
      section = row.row.section;
      ws.mergeCells(r, 1, r, cols.last);
      const cell = ws.getCell(r, 1);
      cell.value = cellString(headingText(template, section, lang), `sections/${section}`);
      cell.font = { bold: true };
      cell.fill = solid(FILL.section);
      cell.border = THIN;
      cell.alignment = { vertical: 'middle', wrapText: true };
      r++;
    }
    writeRow(ws, r, row, s, applies[row.index] ?? Applies.Yes, cols, lang);
    r++;
  }

  ws.views = [
    {
      state: 'frozen',
      xSplit: 0,
      ySplit: headingRow,
      topLeftCell: `A${headingRow + 1}`,
      activeCell: `A${headingRow + 1}`,
    },
  ];
  ws.pageSetup = {
    paperSize: 9,
    orientation: 'portrait',
    fitToPage: true,
    fitToWidth: 1,
    fitToHeight: 0,
    printTitlesRow: `${headingRow}:${headingRow}`,
    margins: { left: 0.5, right: 0.5, top: 0.6, bottom: 0.6, header: 0.3, footer: 0.3 },
  };
  ws.headerFooter = { oddFooter: '&P / &N' };
}

/**
 * The remarks sheet's rows: the statement's remarks, and an empty row for each number a row cites that no remark
 * defines (a draft may cite a remark before writing it), so that the sheet has a slot for it and the file reads back.
 */
function remarkRows(s: Statement): Remark[] {
  const defined = new Set(s.remarks.map((r) => r.number));
  const slots = new Set<number>();
  for (const entry of Object.values(s.answers)) {
    for (const n of entry.remarks ?? []) if (!defined.has(n)) slots.add(n);
  }
  return [...s.remarks, ...[...slots].map((number) => ({ number, text: '' }))].sort((a, b) => a.number - b.number);
}

function writeRemarks(wb: ExcelJS.Workbook, s: Statement, template: CompiledTemplate, lang: Language): void {
  const ws = wb.addWorksheet(REMARKS_SHEET[lang]);
  const notes = template.template.remarkStyle === 'notes';
  ws.getColumn(1).width = WIDTH.remarkNumber;
  ws.getColumn(2).width = WIDTH.remarkText;
  const labels = [TABLE_LABELS.id.ja, (notes ? TABLE_LABELS.noteText : TABLE_LABELS.remarkText)[lang]];
  labels.forEach((text, i) => {
    const cell = ws.getCell(1, i + 1);
    cell.value = text;
    cell.font = { bold: true };
    cell.fill = solid(FILL.tableHeading);
    cell.border = THIN;
    cell.alignment = { horizontal: 'center', vertical: 'middle' };
  });
  remarkRows(s).forEach((remark, i) => {
    const r = i + 2;
    const number = ws.getCell(r, 1);
    number.value = remark.number;
    number.alignment = { horizontal: 'center', vertical: 'top' };
    number.border = THIN;
    const text = ws.getCell(r, 2);
    text.value = cellString(remark.text, `remarks/${remark.number}`);
    text.numFmt = '@';
    text.alignment = { vertical: 'top', wrapText: true };
    text.border = THIN;
    ws.getRow(r).height = heightOf(wrappedLines(remark.text, WIDTH.remarkText), remark.text);
  });
  ws.views = [{ state: 'frozen', xSplit: 0, ySplit: 1, topLeftCell: 'A2', activeCell: 'A2' }];
  ws.pageSetup = {
    paperSize: 9,
    orientation: 'portrait',
    fitToPage: true,
    fitToWidth: 1,
    fitToHeight: 0,
    printTitlesRow: '1:1',
    margins: { left: 0.5, right: 0.5, top: 0.6, bottom: 0.6, header: 0.3, footer: 0.3 },
  };
}

/** The hidden sheet: what the workbook is, the template, and the statement's provenance (which has no cells). */
function writeMetadata(wb: ExcelJS.Workbook, s: Statement, lang: Language): void {
  const ws = wb.addWorksheet(METADATA_SHEET, { state: 'hidden' });
  const rows: [string, string | number][] = [
    ['format', FORM_XLSX_MARKER],
    ['formatVersion', FORM_XLSX_VERSION],
    ['template', s.template.id],
    ['edition', s.template.edition],
    ['lang', lang],
    ...(s.provenance ?? []).map((p): [string, string] => ['provenance', cellString(JSON.stringify(p), 'provenance')]),
  ];
  rows.forEach(([key, value], i) => {
    ws.getCell(i + 1, 1).value = key;
    ws.getCell(i + 1, 2).value = value;
  });
  ws.getColumn(1).width = 14;
  ws.getColumn(2).width = 60;
}

/**
 * Writes a statement as an XLSX workbook in the form's layout: a checklist sheet with the header cells and one row per
 * template row (○ in the answered option's column), a remarks sheet, and a hidden metadata sheet. See
 * docs/formats-xlsx.md. Throws FormatError when the statement has something the form cannot hold.
 */
export async function exportFormXlsx(
  statement: Statement,
  template: CompiledTemplate,
  options: FormXlsxExportOptions = {},
): Promise<Uint8Array> {
  const lang = options.lang ?? 'ja';
  const { id, edition } = statement.template;
  if (id !== template.template.id || edition !== template.template.edition) {
    throw new FormatError(FORM_XLSX_FORMAT, 'template', `the statement answers ${id}@${edition}, not ${template.key}`);
  }
  const s = normalizeStatement(statement, template);
  checkExportable(s, template);
  const wb = new ExcelJS.Workbook();
  wb.creator = 'OpenMDS';
  writeChecklist(wb, s, template, lang);
  writeRemarks(wb, s, template, lang);
  writeMetadata(wb, s, lang);
  const buffer = await wb.xlsx.writeBuffer();
  return new Uint8Array(buffer);
}
