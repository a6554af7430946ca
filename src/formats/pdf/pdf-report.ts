import PDFDocument from 'pdfkit';
import { registerJapaneseFonts } from './pdf-fonts.js';
import { PdfFlow, type TextStyle } from './pdf-flow.js';

/** A4 in points, either way up. */
export const A4 = {
  portrait: { width: 595.28, height: 841.89 },
  landscape: { width: 841.89, height: 595.28 },
} as const;

export interface ReportOptions {
  layout: keyof typeof A4;
  title: string;
  author?: string;
  subject?: string;
  /** The document's creation date: a date of the content, so that the same content gives the same bytes. */
  created: Date;
  margin: number;
  /** Room kept free at the foot of every page for the footer that `finish` prints. */
  footerHeight: number;
}

export interface Report {
  doc: PDFKit.PDFDocument;
  /** Lays out down the page between the margins, above the footer. */
  flow: PdfFlow;
  width: number;
  /** Prints `footer(page, of)` at the foot of every page and ends the document; resolves to its bytes. */
  finish(footer: (page: number, of: number) => string, style?: TextStyle): Promise<Uint8Array>;
}

/**
 * A Japanese report with pdfkit, the way the statement export makes one: Noto Sans JP, pages buffered so that the
 * footer can say "page x of n", every page break made by PdfFlow (pdfkit's margins are zero), and every text run
 * marked with ActualText so that `pdftotext` gives back exactly the characters written.
 */
export function openReport(options: ReportOptions): Report {
  const page = A4[options.layout];
  const doc = new PDFDocument({
    size: 'A4',
    layout: options.layout,
    margin: 0,
    bufferPages: true,
    lang: 'ja-JP',
    displayTitle: true,
    info: {
      Title: options.title,
      ...(options.author === undefined ? {} : { Author: options.author }),
      ...(options.subject === undefined ? {} : { Subject: options.subject }),
      Creator: 'OpenMDS',
      Producer: 'OpenMDS (PDFKit)',
      CreationDate: options.created,
      ModDate: options.created,
    },
  });
  const chunks: Buffer[] = [];
  const bytes = new Promise<Uint8Array>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    doc.on('error', reject);
  });
  registerJapaneseFonts(doc);
  const width = page.width - 2 * options.margin;
  const footerTop = page.height - options.margin / 2 - options.footerHeight;
  const flow = new PdfFlow(doc, { left: options.margin, top: options.margin, width, bottom: footerTop - 6 });
  return {
    doc,
    flow,
    width,
    finish(footer, style = { size: 7 }) {
      const pages = doc.bufferedPageRange();
      for (let i = 0; i < pages.count; i++) {
        doc.switchToPage(pages.start + i);
        flow.text(footer(i + 1, pages.count), options.margin, footerTop, width, style);
      }
      doc.end();
      return bytes;
    },
  };
}

/** A heading or paragraph outside a table: kept on one page with `keepWith` points of what follows it. */
export function paragraph(report: Report, text: string, style: TextStyle, keepWith = 0, after = 4): void {
  const { flow } = report;
  const height = flow.heightOf(text, report.width, style);
  flow.ensure(height + keepWith);
  flow.text(text, flow.box.left, flow.y, report.width, style);
  flow.gap(height + after);
}
