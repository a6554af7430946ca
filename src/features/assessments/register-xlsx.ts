import ExcelJS from 'exceljs';
import type { Risk } from '../../domain/risk/assessment.js';
import { RISK_LEVEL_LABELS, type RiskLevel } from '../../domain/risk/scoring.js';
import { encodeCellText } from '../../formats/form-xlsx/xlsx-text.js';

export const REGISTER_SHEET = 'リスク登録簿';

const TREATMENT_JA: Record<NonNullable<Risk['treatment']>, string> = {
  reduce: '低減',
  accept: '受容',
  avoid: '回避',
  transfer: '移転',
};
const STATUS_JA: Record<Risk['status'], string> = {
  open: '未対応',
  'in-progress': '対応中',
  done: '対応済',
  accepted: '受容済',
};

export interface RegisterRow {
  systemName: string;
  draft: {
    rowId: string;
    text: { ja?: string; en?: string };
    guidelineSection: string;
    /** Guideline clauses the row checks ("6.5.C1"). */
    refs: string[];
    threat: { ja?: string } | null;
    /** The catalogue's suggested measure. */
    measure: { ja?: string; en?: string } | null;
  };
  record: Risk;
  score: { value: number; level: RiskLevel } | null;
  residualScore: { value: number; level: RiskLevel } | null;
}

export interface RegisterHeader {
  organization: string;
  title: string;
  status: string;
  acceptedBy: string | null;
  acceptedAt: string | null;
  contentHash: string | null;
}

/** The register's columns, the same in every format. */
export const REGISTER_HEADINGS = [
  'システム',
  '行',
  '質問',
  '安全管理GL',
  '製造業者の回答',
  '脅威',
  '固有リスク',
  '対応',
  '運用による対策',
  '担当',
  '期限',
  '状況',
  '残留リスク',
  '受容の理由',
] as const;

const text = (s: string): string => encodeCellText(s);
const level = (s: { value: number; level: RiskLevel } | null): string =>
  s === null ? '' : `${s.value}（${RISK_LEVEL_LABELS[s.level].ja}）`;

/** One risk's values under REGISTER_HEADINGS, as plain text. */
export function registerCells(r: RegisterRow): string[] {
  const risk = r.record;
  return [
    r.systemName,
    r.draft.rowId,
    r.draft.text.ja ?? r.draft.text.en ?? '',
    r.draft.guidelineSection,
    risk.basis.answer.label?.ja ?? risk.basis.answer.label?.en ?? risk.basis.answer.value ?? '未回答',
    r.draft.threat?.ja ?? '',
    level(r.score),
    risk.treatment === null ? '' : TREATMENT_JA[risk.treatment],
    risk.measure,
    risk.owner ?? '',
    risk.dueDate ?? '',
    STATUS_JA[risk.status],
    level(r.residualScore),
    risk.acceptanceReason ?? '',
  ];
}

/** The risk register (リスク登録簿) of an assessment as an XLSX workbook: one line per risk. */
export async function registerXlsx(header: RegisterHeader, rows: readonly RegisterRow[]): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'OpenMDS';
  const ws = wb.addWorksheet(REGISTER_SHEET, {
    pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0 },
  });
  ws.addRow([text(`${header.organization} ${header.title}`)]).font = { bold: true, size: 14 };
  ws.addRow([
    text(
      header.acceptedAt === null
        ? `状態: ${header.status}`
        : `受容: ${header.acceptedBy ?? ''} ${header.acceptedAt}（内容のハッシュ ${header.contentHash ?? ''}）`,
    ),
  ]);
  const head = ws.addRow([...REGISTER_HEADINGS]);
  head.font = { bold: true };
  head.eachCell((c) => {
    c.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFBDD7EE' } };
    c.alignment = { vertical: 'middle', wrapText: true };
  });
  for (const r of rows) {
    const row = ws.addRow(registerCells(r).map(text));
    row.alignment = { vertical: 'top', wrapText: true };
  }
  const widths = [16, 8, 40, 12, 12, 40, 12, 8, 40, 14, 12, 10, 12, 24];
  widths.forEach((w, i) => {
    ws.getColumn(i + 1).width = w;
  });
  ws.views = [{ state: 'frozen', ySplit: 3 }];
  ws.autoFilter = { from: { row: 3, column: 1 }, to: { row: 3, column: REGISTER_HEADINGS.length } };
  return new Uint8Array(await wb.xlsx.writeBuffer());
}
