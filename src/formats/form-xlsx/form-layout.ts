import { normalizeSpelling, type CompiledTemplate } from '../../domain/compiled-template.js';
import type { Language } from '../../domain/i18n.js';
import type { StatementStatus } from '../../domain/statement.js';
import { CORE_HEADER_FIELDS } from '../../domain/template.js';

/** The format's name in errors, provenance and format detection. */
export const FORM_XLSX_FORMAT = 'form-xlsx';

/** The marker the metadata sheet carries, so that a workbook says what it is before anyone parses the form. */
export const FORM_XLSX_MARKER = 'openmds-form-xlsx';
export const FORM_XLSX_VERSION = 1;

/** The hidden sheet of machine-readable metadata. Optional on import: the visible header cells are enough. */
export const METADATA_SHEET = '_openmds';

export const CHECKLIST_SHEET: Record<Language, string> = { ja: 'チェックリスト', en: 'Checklist' };
export const REMARKS_SHEET: Record<Language, string> = { ja: '備考', en: 'Remarks' };

/** The mark export writes in the answered option's column. */
export const ANSWER_MARK = '○';
/** What export writes in the answer cells of a row that does not apply. */
export const NOT_APPLICABLE_MARK = '—';

/**
 * Marks read as "this column's answer", after `normalizeSpelling` (so "O" and full-width "Ｏ" are "o"): ○, 〇
 * (U+3007), ◯ (U+25EF), ●, check marks and the letter o.
 */
export const ANSWER_MARKS: ReadonlySet<string> = new Set(['○', '〇', '◯', '●', '✓', '✔', '☑', '✅', 'o']);

/** Cell contents that mean "no answer here": the dashes export writes in rows that do not apply, and look-alikes. */
export const BLANK_MARKS = /^[—–―‐\-－ー─]+$/;

/** The labels of the header cells that are not header fields. */
export type MetaField = 'template' | 'edition' | 'status' | 'revision';

export const META_LABELS: Record<MetaField, Record<Language, string>> = {
  template: { ja: 'テンプレート', en: 'Template' },
  edition: { ja: '版', en: 'Edition' },
  status: { ja: '状態', en: 'Status' },
  revision: { ja: '改訂', en: 'Revision' },
};

/** Other spellings of the meta labels accepted on import. */
const META_ALIASES: Record<MetaField, string[]> = {
  template: ['テンプレートID', 'template id'],
  edition: ['エディション', 'テンプレートの版', 'template edition'],
  status: ['ステータス'],
  revision: ['改訂番号', 'リビジョン', 'revision number'],
};

/** Labels for the core header fields when a template does not name them itself, and other spellings on import. */
const CORE_LABELS: Record<(typeof CORE_HEADER_FIELDS)[number], { ja: string; en: string; aliases: string[] }> = {
  manufacturer: { ja: '製造業者', en: 'Manufacturer', aliases: ['製造メーカー', '製造業者名', 'メーカー'] },
  product: { ja: '製品名', en: 'Product', aliases: ['製品名称', 'product name'] },
  productVersion: { ja: 'バージョン', en: 'Version', aliases: ['製品バージョン', 'product version'] },
  date: { ja: '作成日', en: 'Date', aliases: ['作成年月日', 'date written'] },
};

export function coreLabel(field: (typeof CORE_HEADER_FIELDS)[number], lang: Language): string {
  return CORE_LABELS[field][lang];
}

export const STATUS_LABELS: Record<StatementStatus, Record<Language, string>> = {
  draft: { ja: '下書き', en: 'Draft' },
  'in-review': { ja: 'レビュー中', en: 'In review' },
  finalized: { ja: '確定', en: 'Finalized' },
  published: { ja: '公開', en: 'Published' },
  withdrawn: { ja: '取り下げ', en: 'Withdrawn' },
};

/** Column headings of the checklist table and the remarks sheet. */
export const TABLE_LABELS = {
  id: { ja: 'No.', en: 'ID' },
  question: { ja: '質問', en: 'Question' },
  /** The MDS's rows cite the MHLW guideline (安全管理GL); other templates cite other documents. */
  guidelineRef: { ja: '安全管理GL', en: 'Guideline ref' },
  ref: { ja: '参照', en: 'Reference' },
  remarkNumbers: { ja: '備考 No.', en: 'Remark No.' },
  noteNumbers: { ja: '備考 No.', en: 'Note No.' },
  remarkText: { ja: '備考', en: 'Remark' },
  noteText: { ja: '備考', en: 'Note' },
} as const satisfies Record<string, Record<Language, string>>;

/** Heading spellings import recognises, as `labelKey` gives them. */
export const ID_HEADINGS: ReadonlySet<string> = new Set(
  ['No.', 'No', 'ID', '番号', '項番', 'NO.', 'Row', 'Row ID'].map(labelKey),
);
export const QUESTION_HEADINGS: ReadonlySet<string> = new Set(
  ['質問', '設問', '質問項目', '確認項目', 'チェック項目', 'Question', 'Questions', 'Item'].map(labelKey),
);
export const REMARK_NUMBER_HEADINGS: ReadonlySet<string> = new Set(
  [
    '備考 No.',
    '備考No',
    '備考番号',
    '備考',
    'Remark No.',
    'Remark No',
    'Remarks',
    'Remark',
    'Note No.',
    'Note No',
    'Note #',
    'Notes',
    'Note',
  ].map(labelKey),
);
export const REMARK_TEXT_HEADINGS: ReadonlySet<string> = new Set(
  ['備考', '内容', '本文', '備考内容', 'Remark', 'Remarks', 'Note', 'Notes', 'Text'].map(labelKey),
);
export const CHECKLIST_SHEET_NAMES: ReadonlySet<string> = new Set(['チェックリスト', 'Checklist'].map(labelKey));
export const REMARKS_SHEET_NAMES: ReadonlySet<string> = new Set(
  ['備考', '備考記載欄', 'Remarks', 'Remark', 'Notes', 'Note'].map(labelKey),
);

/** A label as compared on import: NFKC, lower case, without spaces or a trailing colon. */
export function labelKey(text: string): string {
  return normalizeSpelling(text).replace(/[\s:：]+/g, '');
}

export type HeaderTarget = { kind: 'meta'; field: MetaField } | { kind: 'field'; id: string };

/**
 * Every label that names a header cell of the template, as `labelKey` gives it: the template's header field labels
 * (both languages) and ids, the core fields' usual spellings, and the meta labels. Earlier entries win.
 */
export function headerLabels(template: CompiledTemplate | undefined): Map<string, HeaderTarget> {
  const out = new Map<string, HeaderTarget>();
  const add = (label: string | undefined, target: HeaderTarget): void => {
    if (label === undefined) return;
    const key = labelKey(label);
    if (key !== '' && !out.has(key)) out.set(key, target);
  };
  for (const f of template?.template.headerFields ?? []) {
    add(f.label.ja, { kind: 'field', id: f.id });
    add(f.label.en, { kind: 'field', id: f.id });
    add(f.id, { kind: 'field', id: f.id });
  }
  for (const [field, labels] of Object.entries(META_LABELS) as [MetaField, Record<Language, string>][]) {
    for (const l of [labels.ja, labels.en, field, ...META_ALIASES[field]]) add(l, { kind: 'meta', field });
  }
  for (const id of CORE_HEADER_FIELDS) {
    const l = CORE_LABELS[id];
    for (const s of [l.ja, l.en, id, ...l.aliases]) add(s, { kind: 'field', id });
  }
  return out;
}

/** An answer option as a column of the table. */
export interface OptionColumn {
  value: string;
  label: string;
}

/**
 * The answer columns: every option of the answer sets the template's questions use, in order of first use. The MDS
 * gives はい / いいえ / 対象外; MDS2 adds 備考参照 (See Note).
 */
export function optionColumns(template: CompiledTemplate, lang: Language): OptionColumn[] {
  const out: OptionColumn[] = [];
  const seen = new Set<string>();
  for (const r of template.rows) {
    if (!r.answerable) continue;
    for (const o of r.options.values()) {
      if (seen.has(o.value)) continue;
      seen.add(o.value);
      out.push({
        value: o.value,
        label: (lang === 'en' ? (o.label.en ?? o.label.ja) : (o.label.ja ?? o.label.en)) ?? o.value,
      });
    }
  }
  return out;
}

/** Every spelling of every option of the template (`normalizeSpelling`), for reading the answer column headings. */
export function optionSpellings(template: CompiledTemplate): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of template.rows) for (const [s, v] of r.spellings) if (!out.has(s)) out.set(s, v);
  return out;
}

/** Whether the table has a reference column: when any row of the template cites a guideline clause. */
export function hasRefColumn(template: CompiledTemplate): boolean {
  return template.rows.some((r) => r.row.refs.length > 0);
}
