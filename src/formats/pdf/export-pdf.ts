import PDFDocument from 'pdfkit';
import { Applies, type CompiledRow, type CompiledTemplate } from '../../domain/compiled-template.js';
import { pick, type Language } from '../../domain/i18n.js';
import { normalizeStatement } from '../../domain/normalize.js';
import type { Statement } from '../../domain/statement.js';
import type { AnswerOption } from '../../domain/template.js';
import { FormatError } from '../errors.js';
import { PDF_ATTACHMENT } from './import-pdf.js';
import { registerJapaneseFonts } from './pdf-fonts.js';
import { BODY_SIZE, PdfFlow, type Cell, type TextStyle } from './pdf-flow.js';
import { pdfLabels, type PdfLabels } from './pdf-labels.js';

export interface PdfSignatureInfo {
  signer: string;
  issuer?: string;
  signedAt: string;
  /** SHA-256 fingerprint of the signing certificate, hex. */
  certificateSha256?: string;
}

export interface PdfExportOptions {
  /** Language of the row texts and the PDF's own wording; default 'ja'. Texts fall back to the other language. */
  lang?: Language;
  /** Printed in the footer of every page; without it the footer says 未署名 (not signed). */
  signature?: PdfSignatureInfo;
  publishedAt?: string;
  /** Printed prominently as 取り下げ済み, with the reason, on the first page and in every footer. */
  withdrawn?: { at: string; reason: string };
  /** sha256 (hex) of the statement's content, printed in every footer. */
  contentHash?: string;
  /** A file (the signed statement JSON) embedded in the PDF as an attachment; `importPdf` reads it back. */
  attachment?: { name: string; data: string };
}

// A4 portrait, in points.
const PAGE = { width: 595.28, height: 841.89 };
const MARGIN = { left: 36, right: 36, top: 36 };
const CONTENT_WIDTH = PAGE.width - MARGIN.left - MARGIN.right;
const FOOTER_SIZE = 6.5;
const FOOTER_BOTTOM = PAGE.height - 18;
const HEADER_FILL = '#e4e4e4';
const SECTION_FILL = '#f1f1f1';
const GROUP_FILL = '#f6f6f6';
const GREY = '#9a9a9a';
const RED = '#c00000';
const MARK = '○';
const NOT_APPLICABLE = '—';
const INDENT = 7;
const MIN_QUESTION_WIDTH = 160;

const head: TextStyle = { bold: true, size: 7, align: 'center' };
const small: TextStyle = { size: 7 };
const center: TextStyle = { align: 'center' };

interface Columns {
  no: number;
  question: number;
  /** 0 when no row of the template cites a guideline clause. */
  refs: number;
  answer: number;
  /** The answer options when every answerable row shares one set: one labelled column each. */
  shared: readonly AnswerOption[] | null;
  count: number;
  remarks: number;
}

function columnsFor(template: CompiledTemplate, flow: PdfFlow, lang: Language, L: PdfLabels): Columns {
  const sets = new Set<string>();
  for (const r of template.rows) if (r.answerable && r.row.answerSet !== undefined) sets.add(r.row.answerSet);
  const options = [...sets].map((id) => template.template.answerSets[id] ?? []);
  const count = Math.max(1, ...options.map((o) => o.length));
  const shared = options.length === 1 ? (options[0] ?? null) : null;
  const pad = 8;
  // Long ids and clauses wrap rather than squeeze the question column.
  const no = Math.min(90, Math.max(26, ...template.rows.map((r) => flow.widthOf(r.row.id, { size: BODY_SIZE }) + pad)));
  const refList = template.rows.flatMap((r) => r.row.refs);
  const refs =
    refList.length === 0 ? 0 : Math.min(80, Math.max(40, ...refList.map((r) => flow.widthOf(r, small) + pad)));
  const remarks = Math.min(48, Math.max(36, flow.widthOf(L.remarkNo(template.template.remarkStyle), head) + pad));
  const labels = options.flat().map((o) => flow.widthOf(pick(o.label, lang), head) + pad);
  const room = (CONTENT_WIDTH - no - refs - remarks - MIN_QUESTION_WIDTH) / count;
  const answer = Math.max(14, Math.min(44, room, Math.max(26, ...labels)));
  const question = CONTENT_WIDTH - no - refs - answer * count - remarks;
  return { no, question, refs, answer, shared, count, remarks };
}

/** "技術的安全対策 (6.5)"; a title that already names its ref ("Document information (DOC)") is left as it is. */
function sectionHeading(title: string, ref: string): string {
  return title.includes(`(${ref})`) ? title : `${title} (${ref})`;
}

/** The first of the dates the export knows, for the PDF's CreationDate: the same input gives the same bytes. */
function creationDate(s: Statement, options: PdfExportOptions): Date {
  for (const candidate of [options.withdrawn?.at, options.publishedAt, options.signature?.signedAt, s.header.date]) {
    if (candidate === undefined) continue;
    const d = new Date(candidate);
    if (!Number.isNaN(d.getTime())) return d;
  }
  return new Date(0);
}

function signatureLine(L: PdfLabels, sig: PdfSignatureInfo | undefined): string {
  if (sig === undefined) return L.unsigned;
  const signer = sig.issuer === undefined ? sig.signer : `${sig.signer} (${L.issuer}: ${sig.issuer})`;
  const parts = [`${L.signer}: ${signer}`, `${L.signedAt}: ${sig.signedAt}`];
  if (sig.certificateSha256 !== undefined) parts.push(`${L.certificate}: ${sig.certificateSha256}`);
  return parts.join(L.separator);
}

function collect(doc: PDFKit.PDFDocument): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    doc.on('error', reject);
  });
}

/**
 * The statement as a PDF laid out like the paper form: title, header block, the rows by section (No., question,
 * guideline, one column per answer option with ○ on the answer, remark numbers), then the remarks, with a footer
 * on every page (page x / n, revision, content hash, signature). Rows that do not apply are greyed with —.
 * With `attachment`, the file is embedded for `importPdf`.
 */
export async function exportPdf(
  statement: Statement,
  template: CompiledTemplate,
  options: PdfExportOptions = {},
): Promise<Uint8Array> {
  if (statement.template.id !== template.template.id || statement.template.edition !== template.template.edition) {
    const { id, edition } = statement.template;
    throw new FormatError('pdf', 'template', `the statement answers ${id}@${edition}, not ${template.key}`);
  }
  checkFooterFields(options);
  const lang = options.lang ?? 'ja';
  const L = pdfLabels(lang);
  const s = normalizeStatement(statement, template);
  const t = template.template;
  const title = pick(t.title, lang);
  const created = creationDate(s, options);
  const doc = new PDFDocument({
    size: 'A4',
    margin: 0,
    bufferPages: true,
    lang: lang === 'ja' ? 'ja-JP' : 'en',
    displayTitle: true,
    info: {
      Title: [title, s.header.product, s.header.productVersion].filter((x) => x !== undefined && x !== '').join(' '),
      ...(s.header.manufacturer === undefined ? {} : { Author: s.header.manufacturer }),
      Subject: `${t.id}@${t.edition}`,
      Creator: 'OpenMDS',
      Producer: 'OpenMDS (PDFKit)',
      CreationDate: created,
      ModDate: created,
    },
  });
  const bytes = collect(doc);
  registerJapaneseFonts(doc);

  // The footer's height is known before layout (its widest page number stands in), so the body stops above it.
  const footer = footerLines(s, options, L);
  const measure = new PdfFlow(doc, { left: MARGIN.left, top: 0, width: CONTENT_WIDTH, bottom: PAGE.height });
  const footerHeight = footer
    .map((line) => measure.heightOf(line.text(9999, 9999), CONTENT_WIDTH, line.style) + 1)
    .reduce((a, b) => a + b, 0);
  const footerTop = FOOTER_BOTTOM - footerHeight;
  const flow = new PdfFlow(doc, {
    left: MARGIN.left,
    top: MARGIN.top,
    width: CONTENT_WIDTH,
    bottom: footerTop - 8,
  });

  flow.text(title, MARGIN.left, flow.y, CONTENT_WIDTH, { bold: true, size: 13 });
  flow.gap(flow.heightOf(title, CONTENT_WIDTH, { bold: true, size: 13 }) + 8);
  if (options.withdrawn !== undefined || s.status === 'withdrawn') withdrawnBanner(flow, L, options.withdrawn);
  headerBlock(flow, s, template, options, L, lang);
  flow.gap(10);
  rowsTable(flow, s, template, L, lang);
  unknownRows(flow, s, template, L);
  remarksList(flow, s, template, L);

  const pages = doc.bufferedPageRange();
  for (let i = 0; i < pages.count; i++) {
    doc.switchToPage(pages.start + i);
    let y = footerTop;
    for (const line of footer) {
      const text = line.text(i + 1, pages.count);
      flow.text(text, MARGIN.left, y, CONTENT_WIDTH, line.style);
      y += flow.heightOf(text, CONTENT_WIDTH, line.style) + 1;
    }
  }

  if (options.attachment !== undefined) {
    const attachment: PDFKit.Mixins.PDFAttachmentOptions & { relationship: string } = {
      name: options.attachment.name,
      type: PDF_ATTACHMENT.type,
      description: PDF_ATTACHMENT.description,
      creationDate: created,
      modifiedDate: created,
      // PDF 2.0 / PDF/A-3: the data the pages present.
      relationship: 'Data',
    };
    doc.file(Buffer.from(options.attachment.data, 'utf8'), attachment);
  }
  doc.end();
  return bytes;
}

/** The longest value printed in the footer, which must leave most of the page to the form. */
const MAX_FOOTER_FIELD = 500;

function checkFooterFields(options: PdfExportOptions): void {
  const fields: [string, string | undefined][] = [
    ['signature.signer', options.signature?.signer],
    ['signature.issuer', options.signature?.issuer],
    ['signature.signedAt', options.signature?.signedAt],
    ['signature.certificateSha256', options.signature?.certificateSha256],
    ['contentHash', options.contentHash],
    ['withdrawn.at', options.withdrawn?.at],
  ];
  for (const [name, value] of fields) {
    if (value !== undefined && value.length > MAX_FOOTER_FIELD) {
      throw new FormatError('pdf', name, `longer than ${MAX_FOOTER_FIELD} characters, too long for the page footer`);
    }
  }
}

interface FooterLine {
  text: (page: number, of: number) => string;
  style: TextStyle;
}

function footerLines(s: Statement, options: PdfExportOptions, L: PdfLabels): FooterLine[] {
  const lines: FooterLine[] = [];
  if (options.withdrawn !== undefined) {
    const text = `${L.withdrawn}${L.separator}${L.withdrawnAt}: ${options.withdrawn.at}`;
    lines.push({ text: () => text, style: { size: FOOTER_SIZE, bold: true, color: RED } });
  }
  const product = [s.header.product, s.header.productVersion].filter((x) => x !== undefined && x !== '').join(' ');
  const hash = options.contentHash === undefined ? '' : `${L.separator}${L.contentHash}: ${options.contentHash}`;
  lines.push({
    text: (page, of) =>
      [L.page(page, of), product, L.revision(s.revision)].filter((x) => x !== '').join(L.separator) + hash,
    style: { size: FOOTER_SIZE },
  });
  const sig = signatureLine(L, options.signature);
  lines.push({
    text: () => sig,
    style: { size: FOOTER_SIZE, color: options.signature === undefined ? GREY : '#000000' },
  });
  return lines;
}

function withdrawnBanner(flow: PdfFlow, L: PdfLabels, withdrawn: PdfExportOptions['withdrawn']): void {
  const width = CONTENT_WIDTH;
  flow.row([
    { text: L.withdrawn, width, style: { bold: true, size: 16, color: RED, align: 'center' }, fill: '#fdeaea' },
  ]);
  if (withdrawn !== undefined) {
    const label = 110;
    flow.row(
      [
        { text: L.withdrawnAt, width: label, style: { bold: true, color: RED }, fill: '#fdeaea' },
        { text: withdrawn.at, width: width - label, style: { color: RED } },
      ],
      { flow: 1, splitAtBottom: true },
    );
    flow.row(
      [
        { text: L.withdrawnReason, width: label, style: { bold: true, color: RED }, fill: '#fdeaea' },
        { text: withdrawn.reason, width: width - label, style: { color: RED } },
      ],
      { flow: 1, splitAtBottom: true },
    );
  }
  flow.gap(8);
}

function headerBlock(
  flow: PdfFlow,
  s: Statement,
  template: CompiledTemplate,
  options: PdfExportOptions,
  L: PdfLabels,
  lang: Language,
): void {
  const t = template.template;
  const label = 140;
  const pairs: [string, string][] = [];
  const header = s.header as Record<string, string | undefined>;
  const known = new Set<string>();
  for (const f of t.headerFields) {
    known.add(f.id);
    pairs.push([pick(f.label, lang), header[f.id] ?? '']);
  }
  // Header fields the template does not define are printed under their own names, so nothing is left out.
  for (const [k, v] of Object.entries(header)) if (!known.has(k) && v !== undefined) pairs.push([k, v]);
  pairs.push([L.template, `${pick(t.title, lang)} (${t.id}@${t.edition})`]);
  pairs.push([L.status, `${L.statuses[s.status]}${L.separator}${L.revision(s.revision)}`]);
  if (options.publishedAt !== undefined) pairs.push([L.publishedAt, options.publishedAt]);
  for (const [k, v] of pairs) {
    flow.row(
      [
        { text: k, width: label, style: { bold: true, size: 7.5 }, fill: HEADER_FILL },
        { text: v, width: CONTENT_WIDTH - label },
      ],
      { flow: 1, splitAtBottom: true },
    );
  }
}

function tableHeader(cols: Columns, template: CompiledTemplate, L: PdfLabels, lang: Language): Cell[] {
  const cells: Cell[] = [
    { text: L.colNo, width: cols.no, style: head, fill: HEADER_FILL },
    { text: L.colQuestion, width: cols.question, style: head, fill: HEADER_FILL },
  ];
  if (cols.refs > 0) cells.push({ text: L.colGuideline, width: cols.refs, style: head, fill: HEADER_FILL });
  if (cols.shared === null) {
    cells.push({ text: L.colAnswer, width: cols.answer * cols.count, style: head, fill: HEADER_FILL });
  } else {
    for (const o of cols.shared)
      cells.push({ text: pick(o.label, lang), width: cols.answer, style: head, fill: HEADER_FILL });
  }
  cells.push({ text: L.remarkNo(template.template.remarkStyle), width: cols.remarks, style: head, fill: HEADER_FILL });
  return cells;
}

function answerCells(
  r: CompiledRow,
  answer: string | undefined,
  greyed: boolean,
  cols: Columns,
  lang: Language,
): Cell[] {
  const width = cols.answer;
  if (!r.answerable) return [{ text: '', width: width * cols.count, fill: GROUP_FILL }];
  const options = [...r.options.values()];
  if (answer !== undefined && !r.options.has(answer)) {
    // An answer the template does not offer (validation reports it): printed as given rather than dropped.
    return [{ text: answer, width: width * cols.count, style: { ...center, color: RED } }];
  }
  const color = greyed ? GREY : '#000000';
  const cells: Cell[] = [];
  for (let i = 0; i < cols.count; i++) {
    const o = options[i];
    let text = '';
    if (o !== undefined && o.value === answer) text = cols.shared === null ? `${MARK} ${pick(o.label, lang)}` : MARK;
    else if (greyed) text = NOT_APPLICABLE;
    else if (o !== undefined && cols.shared === null) text = pick(o.label, lang);
    const style: TextStyle =
      o !== undefined && o.value === answer
        ? { align: 'center', size: cols.shared === null ? 7 : 10, color }
        : { align: 'center', size: 7, color: cols.shared === null ? GREY : color };
    cells.push({ text, width, style });
  }
  return cells;
}

function rowsTable(flow: PdfFlow, s: Statement, template: CompiledTemplate, L: PdfLabels, lang: Language): void {
  const cols = columnsFor(template, flow, lang, L);
  const header = tableHeader(cols, template, L, lang);
  const applies = template.evaluate((id) => s.answers[id]?.answer);
  const sections = new Map(template.template.sections.map((x) => [x.id, x]));

  const rowCells = (r: CompiledRow): Cell[] => {
    const entry = s.answers[r.row.id];
    const greyed = applies[r.index] === Applies.No;
    const color = greyed ? GREY : '#000000';
    const cells: Cell[] = [
      { text: r.row.id, width: cols.no, style: { color } },
      {
        text: pick(r.row.text, lang),
        width: cols.question,
        indent: r.depth * INDENT,
        style: { color, bold: !r.answerable },
        ...(r.answerable ? {} : { fill: GROUP_FILL }),
      },
    ];
    if (cols.refs > 0) cells.push({ text: r.row.refs.join('\n'), width: cols.refs, style: { ...small, color } });
    cells.push(...answerCells(r, entry?.answer, greyed, cols, lang));
    cells.push({ text: (entry?.remarks ?? []).join(', '), width: cols.remarks, style: { ...center, color } });
    return cells;
  };

  // Each section's heading (and description) goes with its first row: they are laid out as one block.
  const sectionCells = (id: string): Cell[][] => {
    const sec = sections.get(id);
    const heading: Cell[] = [
      {
        text: sec === undefined ? id : sectionHeading(pick(sec.title, lang), sec.ref ?? sec.id),
        width: CONTENT_WIDTH,
        style: { bold: true, size: 8.5 },
        fill: SECTION_FILL,
      },
    ];
    if (sec?.description === undefined) return [heading];
    return [heading, [{ text: pick(sec.description, lang), width: CONTENT_WIDTH, style: small, fill: SECTION_FILL }]];
  };
  const height = (rows: Cell[][]): number => rows.reduce((sum, r) => sum + flow.measureRow(r), 0);

  let section: string | undefined;
  let started = false;
  for (const r of template.rows) {
    const cells = rowCells(r);
    const headings = r.row.section === section ? [] : sectionCells(r.row.section);
    section = r.row.section;
    if (!started) {
      started = true;
      // The table's header goes with the first section, so it never stands alone at the foot of a page.
      flow.ensure(height([header, ...headings, cells]));
      flow.row(header);
      flow.pageHeader = () => flow.row(header);
    } else if (headings.length > 0) {
      flow.ensure(height([...headings, cells]));
    }
    for (const h of headings) flow.row(h, { flow: 0 });
    flow.row(cells, { flow: 1 });
  }
  flow.pageHeader = undefined;
}

function unknownRows(flow: PdfFlow, s: Statement, template: CompiledTemplate, L: PdfLabels): void {
  const rows = Object.entries(s.answers).filter(([id]) => !template.byId.has(id));
  if (rows.length === 0) return;
  const widths = [90, CONTENT_WIDTH - 90 - 80, 80];
  const header: Cell[] = [
    { text: L.colNo, width: widths[0]!, style: head, fill: HEADER_FILL },
    { text: L.answer, width: widths[1]!, style: head, fill: HEADER_FILL },
    { text: L.remarkNo(template.template.remarkStyle), width: widths[2]!, style: head, fill: HEADER_FILL },
  ];
  flow.gap(12);
  const title: TextStyle = { bold: true, size: 10 };
  flow.ensure(flow.heightOf(L.unknownRows, CONTENT_WIDTH, title) + 4 + flow.measureRow(header) * 2);
  flow.text(L.unknownRows, MARGIN.left, flow.y, CONTENT_WIDTH, title);
  flow.gap(flow.heightOf(L.unknownRows, CONTENT_WIDTH, title) + 4);
  flow.row(header);
  flow.pageHeader = () => flow.row(header);
  for (const [id, entry] of rows) {
    flow.row([
      { text: id, width: widths[0]! },
      { text: entry.answer ?? '', width: widths[1]! },
      { text: (entry.remarks ?? []).join(', '), width: widths[2]!, style: center },
    ]);
  }
  flow.pageHeader = undefined;
}

function remarksList(flow: PdfFlow, s: Statement, template: CompiledTemplate, L: PdfLabels): void {
  if (s.remarks.length === 0) return;
  const style = template.template.remarkStyle;
  const numberWidth = 36;
  const header: Cell[] = [
    { text: L.colNo, width: numberWidth, style: head, fill: HEADER_FILL },
    { text: L.remarks(style), width: CONTENT_WIDTH - numberWidth, style: head, fill: HEADER_FILL },
  ];
  const title: TextStyle = { bold: true, size: 10 };
  const heading = L.remarks(style);
  flow.gap(12);
  flow.ensure(flow.heightOf(heading, CONTENT_WIDTH, title) + 4 + flow.measureRow(header) * 3);
  flow.text(heading, MARGIN.left, flow.y, CONTENT_WIDTH, title);
  flow.gap(flow.heightOf(heading, CONTENT_WIDTH, title) + 4);
  flow.row(header);
  flow.pageHeader = () => flow.row(header);
  for (const r of s.remarks) {
    flow.row(
      [
        { text: String(r.number), width: numberWidth, style: center },
        { text: r.text, width: CONTENT_WIDTH - numberWidth },
      ],
      { flow: 1, splitAtBottom: true },
    );
  }
  flow.pageHeader = undefined;
}
