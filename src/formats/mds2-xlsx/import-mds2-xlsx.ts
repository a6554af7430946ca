import { normalizeSpelling, type CompiledRow, type CompiledTemplate } from '../../domain/compiled-template.js';
import { normalizeStatement } from '../../domain/normalize.js';
import {
  STATEMENT_FORMAT,
  STATEMENT_FORMAT_VERSION,
  type AnswerEntry,
  type Remark,
  type Statement,
} from '../../domain/statement.js';
import type { HeaderField } from '../../domain/template.js';
import type { TemplateLookup } from '../../domain/validation.js';
import { FormatError } from '../errors.js';
import { cellDate } from './cells.js';
import { MDS2_FORMAT, readMds2Sheet, type Mds2Item, type Mds2Sheet } from './mds2-sheet.js';
import { MDS2_TEMPLATE } from './mds2-template.js';
import { readXlsxWorkbook } from './read-xlsx.js';

export interface Mds2ImportOptions {
  /** The file's name, recorded in the statement's provenance. */
  file?: string;
  templates: TemplateLookup;
  /** The import time recorded in the provenance; now by default. */
  now?: Date;
}

export interface Mds2ImportResult {
  statement: Statement;
  /** Things imported differently from what the workbook says, or not at all, each naming its cell. */
  warnings: string[];
}

// The statement schema's limits, checked here so that an import always validates.
const MAX_HEADER_CHARS = 2000;
const MAX_NOTE_CHARS = 20000;
const MAX_NOTES = 5000;
const MAX_CITATIONS = 100;

/** Column D's ways of saying "no note": the form's "__", a dash, "None". */
const NO_NOTE = /^(?:_+|-+|–|—|none|n\/?a)$/i;
/** An answer cell that cites its note too: "See Note 3". */
const ANSWER_WITH_NOTE = /^(see\s+notes?)\s*#?\s*(\d[\d\s,;&]*(?:and\s*\d+)?)$/i;

function quote(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

function listOr(words: string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1] ?? ''}`;
}

function noteNumbers(text: string, cell: string): number[] {
  return [...text.matchAll(/\d+/g)].map((m) => {
    const n = Number(m[0]);
    if (!(n >= 1 && n <= 9999)) {
      throw new FormatError(MDS2_FORMAT, `cell ${cell}`, `note number ${m[0]} is not between 1 and 9999`);
    }
    return n;
  });
}

/** The note numbers column D cites ("See Note 1", "See Notes 2, 5", "3"); warns about text that cites none. */
function citations(item: Mds2Item, warnings: string[]): number[] {
  const text = item.noteText;
  if (text === '' || NO_NOTE.test(text)) return [];
  const numbers = noteNumbers(text, item.noteCell);
  if (numbers.length === 0) {
    warnings.push(`cell ${item.noteCell}: ${quote(text)} for ${item.id} names no note number; nothing cited`);
  }
  return numbers;
}

function readAnswer(item: Mds2Item, row: CompiledRow): { answer?: string; notes: number[] } {
  const text = item.answerText;
  if (text === '') return { notes: [] };
  const value = row.spellings.get(normalizeSpelling(text));
  if (value !== undefined) return { answer: value, notes: [] };
  const withNote = ANSWER_WITH_NOTE.exec(text);
  const seeNote = withNote === null ? undefined : row.spellings.get(normalizeSpelling(withNote[1] ?? ''));
  if (withNote !== null && seeNote !== undefined) {
    return { answer: seeNote, notes: noteNumbers(withNote[2] ?? '', item.answerCell) };
  }
  const allowed = listOr([...row.options.values()].map((o) => o.label.en ?? o.value));
  throw new FormatError(
    MDS2_FORMAT,
    `cell ${item.answerCell}`,
    `answer ${quote(text)} for ${item.id} is not ${allowed}`,
  );
}

function headerValue(item: Mds2Item, field: HeaderField, warnings: string[]): string | undefined {
  if (item.answerText === '') return undefined;
  let value: string;
  if (field.kind === 'date') {
    const date = cellDate(item.answer);
    if (date === undefined) {
      warnings.push(`cell ${item.answerCell}: ${item.id} ${quote(item.answerText)} is not a date; kept as written`);
      value = item.answerText;
    } else {
      value = date;
    }
  } else {
    value = item.answerText;
  }
  value = value.normalize('NFC');
  if (value.length > MAX_HEADER_CHARS) {
    throw new FormatError(
      MDS2_FORMAT,
      `cell ${item.answerCell}`,
      `${item.id} is longer than ${MAX_HEADER_CHARS} characters`,
    );
  }
  if (citations(item, warnings).length > 0) {
    warnings.push(`cell ${item.noteCell}: ${item.id} is a header item, which takes no notes; the citation was dropped`);
  }
  return value;
}

/** Turns a read MDS2 form into a statement of the template. Throws FormatError for contradictions in the workbook. */
export function statementFromMds2Sheet(
  sheet: Mds2Sheet,
  template: CompiledTemplate,
  options: { file?: string; now?: Date } = {},
): Mds2ImportResult {
  const warnings: string[] = [];
  const key = template.key;
  const headerBySource = new Map<string, HeaderField>();
  for (const f of template.template.headerFields) if (f.sourceId !== undefined) headerBySource.set(f.sourceId, f);

  const header: Record<string, string> = {};
  const answers: Record<string, AnswerEntry> = {};
  const seen = new Map<string, string>();
  const cited = new Map<number, string>();

  for (const item of sheet.items) {
    const first = seen.get(item.id);
    if (first !== undefined) {
      throw new FormatError(
        MDS2_FORMAT,
        `cell ${item.idCell}`,
        `question ${item.id} appears twice (first in cell ${first})`,
      );
    }
    seen.set(item.id, item.idCell);

    const field = headerBySource.get(item.id);
    if (field !== undefined) {
      const value = headerValue(item, field, warnings);
      if (value !== undefined && value !== '') header[field.id] = value;
      continue;
    }
    const row = template.byId.get(item.id);
    if (row === undefined || !row.answerable) {
      if (item.answerText !== '' || citations(item, []).length > 0) {
        warnings.push(
          `cell ${item.idCell}: question ${item.written} is not in template ${key}; its answer was not imported`,
        );
      } else {
        warnings.push(`cell ${item.idCell}: question ${item.written} is not in template ${key}`);
      }
      continue;
    }
    const { answer, notes: inAnswer } = readAnswer(item, row);
    const notes = [...new Set([...inAnswer, ...citations(item, warnings)])];
    if (notes.length > MAX_CITATIONS) {
      throw new FormatError(MDS2_FORMAT, `cell ${item.noteCell}`, `${item.id} cites more than ${MAX_CITATIONS} notes`);
    }
    for (const n of notes) if (!cited.has(n)) cited.set(n, item.noteCell);
    const entry: AnswerEntry = {};
    if (answer !== undefined) entry.answer = answer;
    if (notes.length > 0) entry.remarks = notes;
    if (entry.answer !== undefined || entry.remarks !== undefined) answers[item.id] = entry;
  }

  // Sections of free text (OTHR) map to header fields by their abbreviation.
  for (const s of sheet.sections) {
    const field = s.id === undefined ? undefined : headerBySource.get(s.id);
    if (field === undefined || s.items > 0) continue;
    const value = s.lines.join('\n').normalize('NFC').trim();
    if (value.length > MAX_HEADER_CHARS) {
      throw new FormatError(
        MDS2_FORMAT,
        `cell ${s.titleCell}`,
        `section ${s.id} is longer than ${MAX_HEADER_CHARS} characters`,
      );
    }
    if (value !== '') header[field.id] = value;
  }

  const remarks: Remark[] = [];
  const defined = new Map<number, string>();
  for (const note of sheet.notes) {
    const first = defined.get(note.number);
    if (first !== undefined) {
      throw new FormatError(
        MDS2_FORMAT,
        `cell ${note.cell}`,
        `note ${note.number} appears twice (first in cell ${first})`,
      );
    }
    defined.set(note.number, note.cell);
    const text = note.text.normalize('NFC').trim();
    if (text.length > MAX_NOTE_CHARS) {
      throw new FormatError(
        MDS2_FORMAT,
        `cell ${note.cell}`,
        `note ${note.number} is longer than ${MAX_NOTE_CHARS} characters`,
      );
    }
    // A blank form lists empty "Note n" rows; keep only notes with text, or cited ones (validation flags them empty).
    if (text !== '' || cited.has(note.number)) remarks.push({ number: note.number, text });
  }
  if (remarks.length > MAX_NOTES) throw new FormatError(MDS2_FORMAT, undefined, `more than ${MAX_NOTES} notes`);
  for (const [n, cell] of cited) {
    if (!defined.has(n)) warnings.push(`cell ${cell}: note ${n} is cited but the workbook has no "Note ${n}" row`);
  }

  const statement: Statement = {
    format: STATEMENT_FORMAT,
    formatVersion: STATEMENT_FORMAT_VERSION,
    template: { id: template.template.id, edition: template.template.edition },
    header,
    answers,
    remarks,
    status: 'draft',
    revision: 1,
    provenance: [
      {
        kind: 'imported',
        format: MDS2_FORMAT,
        ...(options.file === undefined ? {} : { file: options.file.slice(0, 500) }),
        at: (options.now ?? new Date()).toISOString(),
      },
    ],
  };
  return { statement: normalizeStatement(statement, template), warnings };
}

/**
 * Imports a NEMA MDS2 (ANSI/NEMA HN 1-2019) workbook as a draft statement of the nema-mds2 template: every answer,
 * every note, the DOC items as header fields. Bad input throws FormatError naming the cell; a question id the
 * template does not know is a warning.
 */
export async function importMds2Xlsx(data: Uint8Array, options: Mds2ImportOptions): Promise<Mds2ImportResult> {
  const template = options.templates.get(MDS2_TEMPLATE.id, MDS2_TEMPLATE.edition);
  if (template === undefined) {
    throw new FormatError(
      MDS2_FORMAT,
      undefined,
      `template ${MDS2_TEMPLATE.id}@${MDS2_TEMPLATE.edition} is not available`,
    );
  }
  const sheet = readMds2Sheet(await readXlsxWorkbook(data, MDS2_FORMAT));
  const result = statementFromMds2Sheet(sheet, template, options);
  if (Object.keys(result.statement.answers).length === 0 && sheet.items.every((i) => !template.byId.has(i.id))) {
    throw new FormatError(
      MDS2_FORMAT,
      `sheet ${JSON.stringify(sheet.sheet)}`,
      'no question of the MDS2 form was found',
    );
  }
  return result;
}
