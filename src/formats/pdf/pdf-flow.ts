import { FONT } from './pdf-fonts.js';

export interface TextStyle {
  bold?: boolean;
  size?: number;
  color?: string;
  align?: 'left' | 'center' | 'right';
}

export interface Cell {
  text: string;
  width: number;
  style?: TextStyle;
  /** Extra left inset, for sub-rows. */
  indent?: number;
  fill?: string;
}

export interface RowOptions {
  /** The cell whose text may continue on the next page; the row's other cells stay on the first part. */
  flow?: number;
  /**
   * Split the flow cell at the bottom of a page (remarks, long header values). Otherwise a row that does not fit
   * moves to the next page whole, and is split only if it is taller than a page.
   */
  splitAtBottom?: boolean;
}

export interface FlowBox {
  left: number;
  top: number;
  width: number;
  bottom: number;
}

export const BODY_SIZE = 8;
const PAD_X = 3;
const PAD_Y = 2.5;
const LINE_GAP = 1;
const BORDER = '#7a7a7a';
const graphemes = new Intl.Segmenter('ja', { granularity: 'grapheme' });
const WORD = /^[\p{L}\p{N}]/u;
const LATIN = /[\p{Script=Latin}\p{N}]$/u;

/** The fewest lines of a split cell left at the bottom of a page; fewer move to the next page. */
const MIN_SPLIT_LINES = 3;

/**
 * Lays out table rows down A4 pages with pdfkit: measures each row, moves it to a new page (repeating the table
 * header) when it does not fit, and splits a cell's text across pages only where it must. pdfkit's own page breaks
 * are never used (its margins are zero), so every page break happens here, between or inside rows we measured.
 */
export class PdfFlow {
  y: number;
  /** Where content starts on the current page, below the repeated table header. */
  private freshY: number;
  /** Drawn at the top of each page added while a table is open (the table's header row). */
  pageHeader: (() => void) | undefined;

  constructor(
    readonly doc: PDFKit.PDFDocument,
    readonly box: FlowBox,
  ) {
    this.y = box.top;
    this.freshY = box.top;
  }

  newPage(): void {
    this.doc.addPage();
    this.y = this.box.top;
    this.pageHeader?.();
    this.freshY = this.y;
  }

  /** Moves to a new page unless `height` fits below the current position (or the page is still empty). */
  ensure(height: number): void {
    if (this.y + height > this.box.bottom && this.y > this.freshY + 0.01) this.newPage();
  }

  gap(height: number): void {
    this.y = Math.min(this.y + height, this.box.bottom);
  }

  private useStyle(style: TextStyle | undefined): void {
    this.doc.font(style?.bold === true ? FONT.bold : FONT.regular).fontSize(style?.size ?? BODY_SIZE);
  }

  heightOf(text: string, width: number, style?: TextStyle): number {
    if (text === '') return 0;
    this.useStyle(style);
    return this.doc.heightOfString(text, { width, lineGap: LINE_GAP });
  }

  widthOf(text: string, style?: TextStyle): number {
    this.useStyle(style);
    return this.doc.widthOfString(text);
  }

  /**
   * Draws one cell's text with a single `doc.text` call, inside a marked-content span whose /ActualText is the
   * text itself. Text extractors that honour ActualText (poppler's pdftotext, Acrobat) then give back exactly the
   * characters we were given, even where the font draws two characters with one glyph (〜 and ～, − and －, ⾧ and
   * 長 share glyphs in Noto Sans JP, and a glyph's ToUnicode entry can name only one of them) or lacks a glyph.
   */
  text(text: string, x: number, y: number, width: number, style?: TextStyle): void {
    if (text === '') return;
    this.useStyle(style);
    this.doc.fillColor(style?.color ?? '#000000');
    this.doc.markContent('Span', { actual: text });
    this.doc.text(text, x, y, { width, lineGap: LINE_GAP, align: style?.align ?? 'left' });
    this.doc.endMarkedContent();
  }

  private cellTextWidth(cell: Cell): number {
    return Math.max(1, cell.width - 2 * PAD_X - (cell.indent ?? 0));
  }

  /** The height a row needs, padding included. */
  measureRow(cells: readonly Cell[]): number {
    let h = 0;
    for (const c of cells) h = Math.max(h, this.heightOf(c.text, this.cellTextWidth(c), c.style));
    return h + 2 * PAD_Y;
  }

  private drawRow(cells: readonly Cell[], height: number): void {
    const doc = this.doc;
    let x = this.box.left;
    doc.lineWidth(0.5);
    for (const c of cells) {
      if (c.fill !== undefined) doc.rect(x, this.y, c.width, height).fillAndStroke(c.fill, BORDER);
      else doc.rect(x, this.y, c.width, height).stroke(BORDER);
      this.text(c.text, x + PAD_X + (c.indent ?? 0), this.y + PAD_Y, this.cellTextWidth(c), c.style);
      x += c.width;
    }
    this.y += height;
  }

  /** Draws a table row, moving to a new page or splitting the flow cell as needed. */
  row(cells: readonly Cell[], options: RowOptions = {}): void {
    for (;;) {
      const height = this.measureRow(cells);
      if (this.y + height <= this.box.bottom) {
        this.drawRow(cells, height);
        return;
      }
      const atTop = this.y <= this.freshY + 0.01;
      const flow = options.flow === undefined ? undefined : cells[options.flow];
      const fitsAPage = height <= this.box.bottom - this.freshY;
      if (flow === undefined || (fitsAPage && options.splitAtBottom !== true)) {
        if (atTop) {
          // Taller than a page with nothing to split: draw it anyway (it runs past the footer) rather than lose it.
          this.drawRow(cells, height);
          return;
        }
        this.newPage();
        continue;
      }
      const available = this.box.bottom - this.y - 2 * PAD_Y;
      const others = Math.max(
        0,
        ...cells.filter((c) => c !== flow).map((c) => this.heightOf(c.text, this.cellTextWidth(c), c.style)),
      );
      const lineHeight = this.heightOf('国', 100, flow.style);
      if (!atTop && (available < others || available < MIN_SPLIT_LINES * lineHeight)) {
        this.newPage();
        continue;
      }
      const width = this.cellTextWidth(flow);
      const [head, tail] = splitText(flow.text, (t) => this.heightOf(t, width, flow.style) <= available);
      const first = cells.map((c) => (c === flow ? { ...c, text: head } : c));
      this.drawRow(first, Math.min(this.measureRow(first), this.box.bottom - this.y));
      if (tail === '') return;
      this.newPage();
      // The rest of the text goes on in the same column; the other cells were printed with the first part.
      cells = cells.map((c) => (c === flow ? { ...c, text: tail } : { ...c, text: '' }));
    }
  }
}

/**
 * Splits text where it must continue on the next page: the longest head that `fits`, in whole graphemes (a
 * surrogate pair, a letter with its combining marks or variation selector, an emoji sequence stay together), moved
 * back to a space when it would cut a Latin word. Always takes at least one grapheme, so a flow makes progress on
 * every page. head + tail is the text, exactly.
 */
export function splitText(text: string, fits: (head: string) => boolean): [string, string] {
  if (fits(text)) return [text, ''];
  const cps = Array.from(text);
  let lo = 1;
  let hi = cps.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(cps.slice(0, mid).join(''))) lo = mid;
    else hi = mid - 1;
  }
  let k = graphemeBoundary(cps, lo);
  if (LATIN.test(cps[k - 1] ?? '') && WORD.test(cps[k] ?? '')) {
    for (let j = k - 1; j > 0 && j > k - 40; j--) {
      if (/^\s$/u.test(cps[j] ?? '')) {
        k = j + 1;
        break;
      }
    }
  }
  return [cps.slice(0, k).join(''), cps.slice(k).join('')];
}

/**
 * The last grapheme boundary at or before code point `k` (but after 0: the first grapheme's end if need be).
 * Segmenting only a window around the cut keeps long texts fast (Intl.Segmenter is slow over 20,000 characters);
 * the window reaches back further than the longest emoji sequences.
 */
function graphemeBoundary(cps: readonly string[], k: number): number {
  const from = Math.max(0, k - 32);
  let at = from;
  let best = 0;
  for (const g of graphemes.segment(cps.slice(from, k + 32).join(''))) {
    const end = at + Array.from(g.segment).length;
    if (end > k) return best > 0 ? best : end;
    best = end;
    at = end;
  }
  return best > 0 ? best : k;
}
