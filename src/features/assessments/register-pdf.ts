import type { Cell, TextStyle } from '../../formats/pdf/pdf-flow.js';
import { openReport, paragraph } from '../../formats/pdf/pdf-report.js';
import {
  REGISTER_HEADINGS,
  REGISTER_SHEET,
  registerCells,
  type RegisterHeader,
  type RegisterRow,
} from './register-xlsx.js';

const MARGIN = 28;
const HEAD_FILL = '#bdd7ee';
const SIZE = 6.5;
/**
 * Relative column widths, as in the workbook (its column widths), except that the short columns are a little wider
 * so that a date or "18（高）" stays on one line at this size.
 */
const WEIGHTS = [16, 8, 38, 12, 12, 38, 13, 7, 38, 14, 14, 9, 13, 24] as const;

/** The header's lines: organization and title, then the status or who accepted it, when, and the content hash. */
export function registerHeaderLines(header: RegisterHeader): string[] {
  const status =
    header.acceptedAt === null
      ? `状態: ${header.status}`
      : `状態: ${header.status}\u3000受容: ${header.acceptedBy ?? ''}\u3000${header.acceptedAt}`;
  const lines = [`${header.organization}\u3000${header.title}`, status];
  if (header.contentHash !== null) lines.push(`内容のハッシュ (SHA-256): ${header.contentHash}`);
  return lines;
}

/**
 * The risk register (リスク登録簿) as a PDF: A4 landscape, the header, then the workbook's columns as a table whose
 * header row repeats on every page, long texts wrapping in their cells, and "x / n ページ" in every footer.
 */
export async function registerPdf(header: RegisterHeader, rows: readonly RegisterRow[]): Promise<Uint8Array> {
  const created = new Date(header.acceptedAt ?? 0);
  const report = openReport({
    layout: 'landscape',
    title: `${REGISTER_SHEET} ${header.title}`,
    author: header.organization,
    subject: REGISTER_SHEET,
    created: Number.isNaN(created.getTime()) ? new Date(0) : created,
    margin: MARGIN,
    footerHeight: 10,
  });
  const { flow } = report;
  const total = WEIGHTS.reduce((a, b) => a + b, 0);
  const widths = WEIGHTS.map((w) => (w / total) * report.width);
  const head: TextStyle = { bold: true, size: SIZE, align: 'center' };
  const body: TextStyle = { size: SIZE };
  const headerRow: Cell[] = REGISTER_HEADINGS.map((h, i) => ({
    text: h,
    width: widths[i]!,
    style: head,
    fill: HEAD_FILL,
  }));

  paragraph(report, REGISTER_SHEET, { bold: true, size: 14 }, 0, 6);
  const [first, ...rest] = registerHeaderLines(header);
  paragraph(report, first!, { bold: true, size: 10 });
  for (const line of rest) paragraph(report, line, { size: 8 }, 0, 2);
  flow.gap(6);

  flow.ensure(flow.measureRow(headerRow) * 2);
  flow.row(headerRow);
  flow.pageHeader = () => flow.row(headerRow);
  for (const r of rows) {
    const cells: Cell[] = registerCells(r).map((text, i) => ({ text, width: widths[i]!, style: body }));
    // A row taller than a page continues its tallest cell on the next page; the others print with its first part.
    let tallest = 0;
    cells.forEach((c, i) => {
      if (flow.heightOf(c.text, c.width, body) > flow.heightOf(cells[tallest]!.text, cells[tallest]!.width, body)) {
        tallest = i;
      }
    });
    flow.row(cells, { flow: tallest });
  }
  if (rows.length === 0) flow.row([{ text: 'リスクはありません', width: report.width, style: body }]);
  flow.pageHeader = undefined;
  return report.finish((page, of) => `${page} / ${of} ページ\u3000${header.organization}\u3000${header.title}`, {
    size: 7,
  });
}
