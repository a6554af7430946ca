import { loadTemplate } from '../../domain/template-check.js';
import type {
  AnswerOption,
  CrossReference,
  HeaderField,
  Section,
  Template,
  TemplateRow,
} from '../../domain/template.js';
import { tidyText } from './cells.js';
import { DOC_SECTION, MDS2_FORMAT, readMds2Sheet, type Mds2Item, type Mds2Sheet } from './mds2-sheet.js';
import { readXlsxWorkbook } from './read-xlsx.js';

/** The built-in template the MDS2 workbook is read into. */
export const MDS2_TEMPLATE = { id: 'nema-mds2', edition: '2019' } as const;

export const MDS2_ANSWER_SET = 'mds2';

const ANSWERS: AnswerOption[] = [
  { value: 'yes', label: { ja: 'はい', en: 'Yes' }, countsAs: 'yes' },
  { value: 'no', label: { ja: 'いいえ', en: 'No' }, countsAs: 'no' },
  { value: 'na', label: { ja: '対象外', en: 'N/A' }, aliases: ['NA', 'n/a'], countsAs: 'na' },
  // The example workbook answers SAHD-16 "See Notes".
  { value: 'see-note', label: { ja: '備考参照', en: 'See Note' }, aliases: ['See Notes'], countsAs: 'other' },
];

interface HeaderItem {
  id: string;
  /** A DOC item id, or the id of a section of free text (OTHR). */
  sourceId?: string;
  /** The English label when the form has none (productVersion). */
  en?: string;
  ja: string;
  required: boolean;
  kind: HeaderField['kind'];
}

/**
 * The form's document items that are not questions, in the order they are shown. DOC-1, DOC-3 and DOC-7 are the core
 * header fields every template has; productVersion has no DOC item but OpenMDS needs it to tell releases apart.
 */
export const MDS2_HEADER_ITEMS: readonly HeaderItem[] = [
  { id: 'manufacturer', sourceId: 'DOC-1', ja: '製造業者名', required: true, kind: 'text' },
  { id: 'deviceDescription', sourceId: 'DOC-2', ja: '機器の説明', required: false, kind: 'text' },
  { id: 'product', sourceId: 'DOC-3', ja: '機器の型式', required: true, kind: 'text' },
  {
    id: 'productVersion',
    en: 'Device version / software release',
    ja: 'バージョン / ソフトウェアリリース',
    required: false,
    kind: 'text',
  },
  { id: 'documentId', sourceId: 'DOC-4', ja: '文書番号', required: false, kind: 'text' },
  { id: 'contact', sourceId: 'DOC-5', ja: '製造業者の連絡先', required: false, kind: 'multiline' },
  {
    id: 'intendedUse',
    sourceId: 'DOC-6',
    ja: 'ネットワーク接続環境における機器の使用目的',
    required: false,
    kind: 'multiline',
  },
  { id: 'date', sourceId: 'DOC-7', ja: '文書発行日', required: true, kind: 'date' },
  {
    id: 'otherConsiderations',
    sourceId: 'OTHR',
    ja: 'その他のセキュリティ上の考慮事項',
    required: false,
    kind: 'multiline',
  },
];

/** Reference column labels of HN 1-2019 → cross-reference scheme. A new label means a new edition: fail, not guess. */
const REFERENCE_SCHEMES: ReadonlyMap<string, string> = new Map([
  ['IEC TR 80001-2-2:2012', 'iec-tr-80001-2-2'],
  ['NIST SP 800-53 Rev. 4', 'nist-sp-800-53r4'],
  ['ISO 27002:2013', 'iso-27002-2013'],
]);
const IEC_SCHEME = 'iec-tr-80001-2-2';
/** "Section 5.1, ALOF": the clause of IEC TR 80001-2-2 and its security capability. */
const IEC_CLAUSE = /^Section\s+(\d+(?:\.\d+)*)\s*,\s*[A-Za-z]+$/;

/** Control ids in a reference cell: split on commas and slashes, "None" dropped, "PE- 3(4)" read as "PE-3(4)". */
export function splitControlIds(cell: string): string[] {
  const ids = cell
    .split(/[,/]/)
    .map((s) =>
      s
        .replace(/\s*-\s*/g, '-')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .filter((s) => s !== '' && !/^none$/i.test(s));
  return [...new Set(ids)];
}

function crossReferences(item: Mds2Item, schemes: (string | undefined)[]): CrossReference[] {
  const out: CrossReference[] = [];
  item.refs.forEach((cell, i) => {
    const scheme = schemes[i];
    if (scheme === undefined) return;
    const clause = scheme === IEC_SCHEME ? IEC_CLAUSE.exec(cell) : null;
    const ids = clause !== null ? [clause[1] ?? cell] : splitControlIds(cell);
    if (ids.length > 0) out.push({ scheme, ids });
  });
  return out;
}

/** Thrown when the workbook cannot become the template; lists every problem found. */
export class Mds2TemplateError extends Error {
  constructor(readonly problems: string[]) {
    super(`cannot build the MDS2 template:\n  ${problems.join('\n  ')}`);
    this.name = 'Mds2TemplateError';
  }
}

/**
 * Builds the NEMA MDS2 template from the form read out of NEMA's workbook. Question texts are kept as written (only
 * trimmed and with accidental runs of spaces joined); rows carry no parent, because MDS2 answers a sub-question even
 * when its parent is "No" (with N/A). Throws Mds2TemplateError when the workbook does not fit.
 */
export function buildMds2Template(sheet: Mds2Sheet): Template {
  const problems: string[] = [];
  const schemes = sheet.columns.refs.map((ref) => {
    const scheme = REFERENCE_SCHEMES.get(ref.label);
    if (scheme === undefined) {
      problems.push(`reference column "${ref.label}" is not one of ${[...REFERENCE_SCHEMES.keys()].join(', ')}`);
    }
    return scheme;
  });
  const iecColumn = schemes.indexOf(IEC_SCHEME);

  const byId = new Map<string, Mds2Item>();
  for (const item of sheet.items) {
    const earlier = byId.get(item.id);
    if (earlier !== undefined) problems.push(`${item.idCell}: ${item.id} appears twice (first in ${earlier.idCell})`);
    else byId.set(item.id, item);
  }

  const headerSources = new Set(MDS2_HEADER_ITEMS.map((h) => h.sourceId).filter((s) => s !== undefined));
  const headerFields: HeaderField[] = MDS2_HEADER_ITEMS.map((h) => {
    let en = h.en;
    if (h.sourceId !== undefined) {
      const item = byId.get(h.sourceId);
      const free = sheet.sections.find((s) => s.items === 0 && s.id === h.sourceId);
      const text = item !== undefined ? item.text : free?.title;
      if (text === undefined) problems.push(`header item ${h.sourceId} is not in the workbook`);
      else en = tidyText(text).replace(/\s*:$/, '');
    }
    const field: HeaderField = { id: h.id, label: { ja: h.ja, en: en ?? h.id }, required: h.required, kind: h.kind };
    if (h.sourceId !== undefined) field.sourceId = h.sourceId;
    return field;
  });

  const sections: Section[] = [{ id: DOC_SECTION, title: { en: 'Document information (DOC)' } }];
  for (const s of sheet.sections) {
    if (s.items === 0) {
      if (s.id === undefined || !headerSources.has(s.id)) {
        problems.push(`${s.titleCell}: section "${s.title}" has no questions`);
      }
      continue;
    }
    if (s.id === undefined) {
      problems.push(`${s.titleCell}: section "${s.title}" has no abbreviation`);
      continue;
    }
    const section: Section = { id: s.id, title: { en: tidyText(s.title) } };
    if (s.description.length > 0) section.description = { en: tidyText(s.description.join('\n')) };
    // The IEC TR 80001-2-2 clause, when every row of the section that names one names the same.
    const clauses = new Set(
      sheet.items
        .filter((i) => i.section === s.id && iecColumn >= 0)
        .map((i) => i.refs[iecColumn] ?? '')
        .filter((c) => c !== ''),
    );
    const [clause] = clauses;
    if (clauses.size === 1 && clause !== undefined) section.ref = clause;
    sections.push(section);
  }

  const rows: TemplateRow[] = [];
  for (const item of byId.values()) {
    if (headerSources.has(item.id)) continue;
    const prefix = /^[^-]+/.exec(item.id)?.[0];
    if (prefix !== item.section) problems.push(`${item.idCell}: ${item.id} stands in section ${item.section}`);
    const text = tidyText(item.text);
    if (text === '') problems.push(`${item.idCell}: ${item.id} has no question text`);
    const iec = iecColumn >= 0 ? (item.refs[iecColumn] ?? '') : '';
    const row: TemplateRow = {
      id: item.id,
      number: item.id,
      section: item.section,
      kind: 'question',
      text: { en: text === '' ? item.id : text },
      refs: iec === '' ? [] : [iec.replace(/\s+/g, ' ')],
      answerSet: MDS2_ANSWER_SET,
      remarkRequiredWhen: ['see-note'],
    };
    const xrefs = crossReferences(item, schemes);
    if (xrefs.length > 0) row.xrefs = xrefs;
    rows.push(row);
  }

  if (problems.length > 0) throw new Mds2TemplateError(problems);
  const template: Template = {
    $schema: '../../../../schemas/template.json',
    format: 'openmds-template',
    id: MDS2_TEMPLATE.id,
    edition: MDS2_TEMPLATE.edition,
    title: {
      ja: '医療機器セキュリティのための製造業者開示書 (MDS2)',
      en: 'Manufacturer Disclosure Statement for Medical Device Security (MDS2)',
    },
    publisher: { en: 'National Electrical Manufacturers Association (NEMA)' },
    guideline: {
      title: {
        en: 'IEC TR 80001-2-2, Guidance for the disclosure and communication of medical device security needs, risks and controls',
      },
      edition: '2012',
    },
    languages: ['en'],
    source:
      "NEMA's example workbook for ANSI/NEMA HN 1-2019 (examples/nema-mds2-example-worksheet.xlsx, a copy of NEMA's Example-MDS2-Worksheet.xlsx), read by " +
      "scripts/generate-mds2-template.ts. Question texts as written (trimmed, runs of spaces joined); the workbook's " +
      '"SHAD-15" is SAHD-15. The DOC section title and the Japanese labels are OpenMDS\'s.',
    remarkStyle: 'notes',
    answerSets: { [MDS2_ANSWER_SET]: ANSWERS },
    headerFields,
    sections,
    rows,
  };
  const loaded = loadTemplate(template);
  if (!loaded.ok) throw new Mds2TemplateError(loaded.problems.map((p) => `${p.where}: ${p.message}`));
  return template;
}

/** The template file's text, as committed: two-space JSON and a final newline. */
export function templateJson(template: Template): string {
  return `${JSON.stringify(template, null, 2)}\n`;
}

/** Reads NEMA's MDS2 workbook and returns the built-in template file's text. */
export async function generateMds2TemplateJson(workbook: Uint8Array): Promise<string> {
  const sheet = readMds2Sheet(await readXlsxWorkbook(workbook, MDS2_FORMAT));
  return templateJson(buildMds2Template(sheet));
}
