import ExcelJS from 'exceljs';
import { pick } from '../../domain/i18n.js';
import { encodeCellText } from '../../formats/form-xlsx/xlsx-text.js';
import type { Cell, CellCategory, Comparison, RemarkCited, RowAnswer } from './comparison.schema.js';

export const COMPARISON_SHEET = '比較表';

/** The text each category shows; "other" answers show their own label. */
const CATEGORY_TEXT: Record<Exclude<CellCategory, 'other'>, string> = {
  yes: 'はい',
  no: 'いいえ',
  na: '対象外',
  unanswered: '未回答',
  'not-applicable-by-rule': '対象外',
};

const FILL = {
  yes: 'FFC6EFCE',
  no: 'FFFFC7CE',
  na: 'FFD9D9D9',
  blank: 'FFFFFFFF',
  heading: 'FFBDD7EE',
  section: 'FFDDEBF7',
} as const;

const RELATION_TEXT = { equivalent: '同等', partial: '部分' } as const;

const solid = (argb: string): ExcelJS.Fill => ({ type: 'pattern', pattern: 'solid', fgColor: { argb } });

function fillOf(category: CellCategory | undefined): string {
  switch (category) {
    case 'yes':
      return FILL.yes;
    case 'no':
      return FILL.no;
    case 'na':
    case 'not-applicable-by-rule':
      return FILL.na;
    case 'other':
    case 'unanswered':
    case undefined:
      return FILL.blank;
  }
}

function answerText(a: RowAnswer): string {
  if (a.category === 'other') return a.label === null ? (a.answer ?? '') : pick(a.label, 'ja');
  return CATEGORY_TEXT[a.category];
}

function remarkLines(remarks: readonly RemarkCited[], prefix = ''): string[] {
  return remarks.map((r) => `${prefix}備考${r.number}: ${r.text ?? '（備考なし）'}`);
}

/** The text, fill and note of one cell. */
function render(cell: Cell): { text: string; fill: string; note: string[] } {
  switch (cell.kind) {
    case 'answer': {
      const note = remarkLines(cell.remarks);
      if (cell.category === 'not-applicable-by-rule') note.unshift('他の回答により対象外');
      if (cell.via === 'row-id') note.unshift('別の版の同じ行番号で対応');
      return { text: answerText(cell), fill: fillOf(cell.category), note };
    }
    case 'counterparts': {
      const categories = new Set(cell.rows.map((r) => r.category));
      const only = categories.size === 1 ? [...categories][0] : undefined;
      return {
        text: cell.rows.map((r) => `${r.rowId}: ${answerText(r)}（${RELATION_TEXT[r.relation]}）`).join('\n'),
        fill: fillOf(only),
        note: cell.rows.flatMap((r) => remarkLines(r.remarks, `${r.rowId} `)),
      };
    }
    case 'no-counterpart':
      return { text: '対応する行なし', fill: FILL.blank, note: [] };
    case 'not-comparable':
      return { text: '対応表なし', fill: FILL.blank, note: [] };
  }
}

/** The comparison matrix as a workbook: one column per statement, one line per row of the base template. */
export async function comparisonXlsx(c: Comparison): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'OpenMDS';
  const ws = wb.addWorksheet(COMPARISON_SHEET);
  ws.columns = [{ width: 10 }, { width: 60 }, { width: 16 }, ...c.sources.map(() => ({ width: 22 }))];
  const header = ws.getRow(1);
  const headings = [
    '番号',
    '質問',
    'ガイドライン',
    ...c.sources.map((s) => encodeCellText([s.manufacturer, s.product, s.productVersion].join('\n'))),
  ];
  headings.forEach((text, i) => {
    const cell = header.getCell(i + 1);
    cell.value = text;
    cell.font = { bold: true };
    cell.fill = solid(FILL.heading);
    cell.alignment = { vertical: 'top', wrapText: true };
  });
  ws.views = [{ state: 'frozen', xSplit: 3, ySplit: 1, topLeftCell: 'D2', activeCell: 'D2' }];

  for (const line of c.lines) {
    const row = ws.addRow([]);
    switch (line.kind) {
      case 'section':
        row.getCell(1).value = line.sectionId;
        row.getCell(2).value = pick(line.title, 'ja');
        row.getCell(3).value = line.ref ?? '';
        for (let i = 1; i <= headings.length; i++) {
          row.getCell(i).fill = solid(FILL.section);
          row.getCell(i).font = { bold: true };
        }
        break;
      case 'group':
        row.getCell(1).value = line.number || line.rowId;
        row.getCell(2).value = pick(line.text, 'ja');
        row.getCell(3).value = line.refs.join(', ');
        break;
      case 'row': {
        row.getCell(1).value = line.rowId;
        row.getCell(2).value = pick(line.text, 'ja');
        row.getCell(3).value = line.refs.join(', ');
        line.cells.forEach((cell, i) => {
          const { text, fill, note } = render(cell);
          const target = row.getCell(4 + i);
          target.value = text;
          target.fill = solid(fill);
          target.alignment = { vertical: 'top', wrapText: true };
          if (note.length > 0) target.note = encodeCellText(note.join('\n'));
        });
        break;
      }
    }
    row.getCell(2).alignment = { vertical: 'top', wrapText: true };
  }
  return new Uint8Array(await wb.xlsx.writeBuffer());
}
