import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The two weights the PDF uses, registered under these names in every document. */
export const FONT = { regular: 'NotoSansJP', bold: 'NotoSansJP-Bold' } as const;

type Weight = keyof typeof FONT;

const FILES: Record<Weight, string> = { regular: 'NotoSansJP-Regular.otf', bold: 'NotoSansJP-Bold.otf' };

let files: Record<Weight, Buffer> | undefined;

/** A font as fontkit parsed it; pdfkit accepts one in place of the file's bytes. */
interface ParsedFont {
  layout: (...args: never[]) => unknown;
}
const parsed: Partial<Record<Weight, ParsedFont>> = {};

/**
 * Noto Sans JP from the @embedpdf/fonts-jp package, read once per process. Resolved through Node's module lookup,
 * so it is found from src/ (tsx, vitest) and from dist/ alike; nothing is ever downloaded. The package exports only
 * its entry point (not package.json), so the font folder is found next to it.
 */
export function japaneseFontFiles(): Record<Weight, Buffer> {
  if (files === undefined) {
    const entry = createRequire(import.meta.url).resolve('@embedpdf/fonts-jp');
    const folder = join(dirname(entry), '..', 'fonts');
    files = { regular: readFileSync(join(folder, FILES.regular)), bold: readFileSync(join(folder, FILES.bold)) };
  }
  return files;
}

function isParsedFont(value: unknown): value is ParsedFont {
  return typeof value === 'object' && value !== null && typeof (value as ParsedFont).layout === 'function';
}

/**
 * Registers both weights in a document. Parsing the 4.5 MB fonts is most of an export's time, so the fontkit
 * object pdfkit made for the first document is kept and handed to later ones (pdfkit's font factory accepts a
 * parsed font: anything with `layout`). pdfkit keeps it on a private field; if that ever changes, every document
 * parses the file again, which is slower but the same.
 */
export function registerJapaneseFonts(doc: PDFKit.PDFDocument): void {
  const bytes = japaneseFontFiles();
  for (const weight of ['regular', 'bold'] as const) {
    const known = parsed[weight];
    // pdfkit's types list only byte sources, though its factory takes a parsed font as well.
    doc.registerFont(FONT[weight], known === undefined ? bytes[weight] : (known as unknown as Buffer));
    if (known === undefined) {
      doc.font(FONT[weight]);
      const font = (doc as unknown as { _font?: { font?: unknown } })._font?.font;
      if (isParsedFont(font)) parsed[weight] = font;
    }
  }
}
