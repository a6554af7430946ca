import type { CellValue, Row, Workbook, Worksheet } from 'exceljs';
import { FormatError } from '../errors.js';
import { cellText } from './cells.js';

/** The format name importers and errors use for NEMA MDS2 workbooks. */
export const MDS2_FORMAT = 'mds2-xlsx';

/**
 * Question ids NEMA's workbooks print wrongly, and the id the form means. The HN 1-2019 example numbers SAHD-15 as
 * "SHAD-15" between SAHD-14.1 and SAHD-16.
 */
export const KNOWN_ID_TYPOS: ReadonlyMap<string, string> = new Map([['SHAD-15', 'SAHD-15']]);

/** The section that holds the document items (DOC-n), which come before the first section title. */
export const DOC_SECTION = 'DOC';

/** How far down the header row ("Question ID") is looked for. */
const HEADER_SCAN_ROWS = 200;

const QUESTION_ID = /^([A-Za-z][A-Za-z0-9]*)-(\d+(?:\.\d+)*)$/;
const NOTE_ROW = /^note\s*#?\s*(\d+)\s*[:.)-]?\s*([\s\S]*)$/i;
/** A section title: capitals with the abbreviation in brackets, "AUTOMATIC LOGOFF (ALOF)", "... (SBoM)". */
const SECTION_TITLE = /^[^a-z]*\(([A-Za-z][A-Za-z0-9]*)\)$/;

export interface Mds2Columns {
  /** 1-based column numbers. */
  id: number;
  question: number;
  answer: number;
  note: number;
  /** The reference columns (IEC TR 80001-2-2, NIST SP 800-53, ISO 27002) by their header label, in sheet order. */
  refs: { label: string; column: number }[];
}

/** A worksheet row that carries a question id (DOC-1 … TXIG-2), header items included. */
export interface Mds2Item {
  /** The id the form means (KNOWN_ID_TYPOS applied). */
  id: string;
  /** The id as the cell has it, trimmed. */
  written: string;
  idCell: string;
  row: number;
  /** The id of the section the row stands in: "DOC" before the first section title. */
  section: string;
  /** Column B as written (untidied). */
  text: string;
  answer: CellValue;
  answerText: string;
  answerCell: string;
  noteText: string;
  noteCell: string;
  /** Text of each reference column, indexed like `Mds2Columns.refs`. */
  refs: string[];
}

/** A section title row and what follows it up to the next title. */
export interface Mds2Section {
  /** The abbreviation of the section's question ids ("MPII"), else the one in its title ("OTHR"). */
  id: string | undefined;
  title: string;
  titleCell: string;
  /** The text rows between the title and the first question: the section's description. */
  description: string[];
  /** Text rows of a section without questions (OTHR's free text). */
  lines: string[];
  items: number;
}

export interface Mds2Note {
  number: number;
  text: string;
  cell: string;
}

/** The MDS2 worksheet read into its parts, nothing interpreted beyond the layout. */
export interface Mds2Sheet {
  sheet: string;
  headerRow: number;
  columns: Mds2Columns;
  items: Mds2Item[];
  sections: Mds2Section[];
  notes: Mds2Note[];
  /** The form's title row above the header ("Manufacturer Disclosure Statement for Medical Device Security -- MDS2"). */
  title: string | undefined;
}

function label(value: CellValue): string {
  return cellText(value).normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase();
}

function columnLetters(column: number): string {
  let s = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

export function cellAddress(column: number, row: number): string {
  return `${columnLetters(column)}${row}`;
}

function findHeaderCell(ws: Worksheet): { row: number; column: number } | undefined {
  let found: { row: number; column: number } | undefined;
  ws.eachRow((row, r) => {
    if (found !== undefined || r > HEADER_SCAN_ROWS) return;
    row.eachCell((cell, c) => {
      if (found === undefined && label(cell.value) === 'question id') found = { row: r, column: c };
    });
  });
  return found;
}

/** The worksheet that holds the MDS2 form: the first with a "Question ID" header cell. */
export function findMds2Worksheet(workbook: Workbook): Worksheet | undefined {
  return workbook.worksheets.find((ws) => findHeaderCell(ws) !== undefined);
}

function findColumns(ws: Worksheet, headerRow: number, idColumn: number): Mds2Columns {
  const header = ws.getRow(headerRow);
  let question: number | undefined;
  let note: number | undefined;
  const refs: { label: string; column: number }[] = [];
  header.eachCell((cell, c) => {
    if (c === idColumn) return;
    const l = label(cell.value);
    if (l === '') return;
    if (l === 'question' && question === undefined) question = c;
    else if ((l === 'see note' || l === 'note #' || l === 'note' || l === 'notes') && note === undefined) note = c;
    else if (/^(iec|iso|nist)\b/.test(l)) refs.push({ label: cellText(cell.value).trim(), column: c });
  });
  // The answer column has no label in the header row; the form labels it "Yes, No, N/A, or See Note" further down,
  // beside "Note #".
  let answer: number | undefined;
  ws.eachRow((row, r) => {
    if (r < headerRow || (answer !== undefined && note !== undefined)) return;
    row.eachCell((cell, c) => {
      const l = label(cell.value);
      if (answer === undefined && /^yes ?, ?no\b/.test(l)) answer = c;
      if (note === undefined && l === 'note #') note = c;
    });
  });
  const where = cellAddress(idColumn, headerRow);
  if (question === undefined) {
    throw new FormatError(MDS2_FORMAT, `row ${headerRow}`, `no "Question" column beside "Question ID" (${where})`);
  }
  if (note === undefined) {
    throw new FormatError(MDS2_FORMAT, `row ${headerRow}`, `no "See note" column beside "Question ID" (${where})`);
  }
  if (answer === undefined) {
    // Fall back to the form's layout: the unlabelled column between the question and its note.
    if (note - question !== 2) {
      throw new FormatError(MDS2_FORMAT, `row ${headerRow}`, 'cannot tell which column holds the answers');
    }
    answer = question + 1;
  }
  if (new Set([idColumn, question, answer, note]).size !== 4) {
    throw new FormatError(
      MDS2_FORMAT,
      `row ${headerRow}`,
      'the Question ID, Question, answer and note columns overlap',
    );
  }
  return { id: idColumn, question, answer, note, refs };
}

function rowText(row: Row, from: number): string {
  let text = '';
  row.eachCell((cell, c) => {
    if (text === '' && c >= from) text = cellText(cell.value).trim();
  });
  return text;
}

/**
 * Reads the MDS2 form of a workbook by its labels, not fixed positions: the header row is the one with "Question ID",
 * section titles are the rows that repeat the reference column labels (or look like "TITLE (ABBR)"), and notes are
 * the rows whose first cell reads "Note n". Throws FormatError when the workbook has no MDS2 form.
 */
export function readMds2Sheet(workbook: Workbook): Mds2Sheet {
  const ws = findMds2Worksheet(workbook);
  const headerCell = ws === undefined ? undefined : findHeaderCell(ws);
  if (ws === undefined || headerCell === undefined) {
    throw new FormatError(MDS2_FORMAT, undefined, 'not an MDS2 workbook: no worksheet has a "Question ID" header cell');
  }
  const columns = findColumns(ws, headerCell.row, headerCell.column);
  const refLabels = new Set(columns.refs.map((r) => label(r.label)));
  const items: Mds2Item[] = [];
  const sections: Mds2Section[] = [];
  const notes: Mds2Note[] = [];
  let title: string | undefined;
  let current: Mds2Section | undefined;
  let inNotes = false;

  ws.eachRow((row, r) => {
    const idText = cellText(row.getCell(columns.id).value).trim();
    const questionText = cellText(row.getCell(columns.question).value);
    if (r < headerCell.row) {
      const t = rowText(row, 1);
      if (/disclosure statement/i.test(t)) title = t;
      return;
    }
    if (r === headerCell.row) return;

    const note = NOTE_ROW.exec(idText);
    if (note !== null) {
      const number = Number(note[1]);
      const cell = cellAddress(columns.id, r);
      if (!(number >= 1 && number <= 9999)) {
        throw new FormatError(MDS2_FORMAT, `cell ${cell}`, `note number ${note[1]} is not between 1 and 9999`);
      }
      const inline = (note[2] ?? '').trim();
      notes.push({ number, text: inline !== '' ? inline : rowText(row, columns.id + 1), cell });
      inNotes = true;
      return;
    }

    const m = QUESTION_ID.exec(idText);
    if (m !== null) {
      const written = idText;
      const id = KNOWN_ID_TYPOS.get(written) ?? written;
      if (current !== undefined) {
        current.id ??= /^[^-]+/.exec(id)?.[0].toUpperCase();
        current.items++;
      }
      const answerCell = row.getCell(columns.answer);
      const noteCell = row.getCell(columns.note);
      items.push({
        id,
        written,
        idCell: cellAddress(columns.id, r),
        row: r,
        section: current === undefined ? DOC_SECTION : (current.id ?? DOC_SECTION),
        text: questionText,
        answer: answerCell.value,
        answerText: cellText(answerCell.value).trim(),
        answerCell: cellAddress(columns.answer, r),
        noteText: cellText(noteCell.value).trim(),
        noteCell: cellAddress(columns.note, r),
        refs: columns.refs.map((ref) => cellText(row.getCell(ref.column).value).trim()),
      });
      return;
    }

    if (idText !== '') return;
    const text = questionText.trim();
    if (text === '') return;
    if (/^notes?\s*:?$/i.test(text)) {
      inNotes = true;
      current = undefined;
      return;
    }
    if (inNotes) return;
    const repeatsLabels =
      columns.refs.length > 0 && columns.refs.every((ref) => refLabels.has(label(row.getCell(ref.column).value)));
    const titled = SECTION_TITLE.exec(text);
    if (repeatsLabels || titled !== null) {
      current = {
        id: undefined,
        title: text,
        titleCell: cellAddress(columns.question, r),
        description: [],
        lines: [],
        items: 0,
      };
      sections.push(current);
      return;
    }
    if (current === undefined) return;
    if (current.items === 0) current.description.push(text);
  });

  // A section without questions has free text where others have their description (OTHR's "NONE").
  for (const s of sections) {
    if (s.items === 0) {
      s.lines = s.description;
      s.description = [];
      s.id = SECTION_TITLE.exec(s.title)?.[1]?.toUpperCase();
    }
  }
  return { sheet: ws.name, headerRow: headerCell.row, columns, items, sections, notes, title };
}
