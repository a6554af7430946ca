import { canonicalJson } from '../../domain/canonical-json.js';
import { Applies, type CompiledRow, type CompiledTemplate } from '../../domain/compiled-template.js';
import { pick, type Language, type LocalizedText } from '../../domain/i18n.js';
import { normalizeStatement } from '../../domain/normalize.js';
import type { Statement, StatementStatus } from '../../domain/statement.js';
import type { AnswerOption } from '../../domain/template.js';
import { describeSignature, type SignatureSummary } from '../../signing/describe-signature.js';
import type { SignedStatementDocument } from '../../signing/signed-statement.js';
import { FormatError } from '../errors.js';
import { STANDALONE_STYLES } from './html-styles.js';
import { escapeHtml, jsonForScript } from './html-text.js';
import { VERIFY_SCRIPT, VERIFY_SCRIPT_CSP_HASH } from './verify-script.js';

/** The ids of the script elements that carry the statement; the importer looks for them. */
export const EMBEDDED_SIGNED_ID = 'openmds-signed-statement';
export const EMBEDDED_STATEMENT_ID = 'openmds-statement';

/** The page's Content Security Policy: nothing loads, only the verification script runs. */
export const STANDALONE_CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  `script-src ${VERIFY_SCRIPT_CSP_HASH}`,
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

export interface StandaloneHtmlOptions {
  /** The signed document of this statement: embedded, so the page can verify it. Its statement must be this one. */
  signed?: SignedStatementDocument<unknown>;
  /** The language of the page's own labels; the form's text follows it where the template has both. Default ja. */
  lang?: Language;
  /** Shown as a banner when the statement was withdrawn. */
  withdrawn?: { at: string; reason: string };
  publishedAt?: string;
}

const LABELS = {
  ja: {
    verify: '署名を検証',
    noscript: '署名の検証には JavaScript が必要です。',
    unsigned: 'この開示書には電子署名がありません。',
    signedBy: (s: SignatureSummary) =>
      `電子署名あり（署名者 ${s.signer}、発行者 ${s.issuer}、署名日時 ${s.signedAt}）。「署名を検証」で改ざんの有無を確認できます。`,
    signedFooter: (s: SignatureSummary) =>
      `この開示書には電子署名が付いています（署名者 ${s.signer}、発行者 ${s.issuer}、署名日時 ${s.signedAt}、証明書 SHA-256 ${s.certificateSha256}）。署名は電子ファイルで検証できます。`,
    unreadableSignature: '電子署名の情報を読めません。',
    form: '様式',
    revision: 'リビジョン',
    status: '状態',
    publishedAt: '公開日時',
    withdrawn: 'この開示書は取り下げられています',
    withdrawnAt: '取り下げ日時',
    reason: '理由',
    no: 'No.',
    question: '質問',
    guideline: 'ガイドライン',
    answer: '回答',
    remarkNo: { remarks: '備考 No.', notes: '注記 No.' },
    remarks: { remarks: '備考', notes: '注記' },
    none: 'なし',
    notApplicable: '対象外の行（前の回答により該当しません）',
    unknownRows: 'テンプレートにない行',
    row: '行',
    generated: 'OpenMDS で作成した開示書です。',
    status_: {
      draft: '下書き',
      'in-review': 'レビュー中',
      finalized: '確定',
      published: '公開',
      withdrawn: '取り下げ',
    } satisfies Record<StatementStatus, string>,
  },
  en: {
    verify: 'Verify signature',
    noscript: 'Verifying the signature needs JavaScript.',
    unsigned: 'This statement carries no electronic signature.',
    signedBy: (s: SignatureSummary) =>
      `Electronically signed (by ${s.signer}, issuer ${s.issuer}, at ${s.signedAt}). Press "Verify signature" to check it was not altered.`,
    signedFooter: (s: SignatureSummary) =>
      `This statement carries an electronic signature (by ${s.signer}, issuer ${s.issuer}, at ${s.signedAt}, certificate SHA-256 ${s.certificateSha256}). The signature can be verified on the electronic file.`,
    unreadableSignature: 'The electronic signature cannot be read.',
    form: 'Form',
    revision: 'Revision',
    status: 'Status',
    publishedAt: 'Published',
    withdrawn: 'This statement has been withdrawn',
    withdrawnAt: 'Withdrawn',
    reason: 'Reason',
    no: 'No.',
    question: 'Question',
    guideline: 'Guideline',
    answer: 'Answer',
    remarkNo: { remarks: 'Remark No.', notes: 'Note No.' },
    remarks: { remarks: 'Remarks', notes: 'Notes' },
    none: 'None',
    notApplicable: 'Does not apply (because of an earlier answer)',
    unknownRows: 'Rows the template does not have',
    row: 'Row',
    generated: 'Statement written with OpenMDS.',
    status_: {
      draft: 'Draft',
      'in-review': 'In review',
      finalized: 'Finalized',
      published: 'Published',
      withdrawn: 'Withdrawn',
    } satisfies Record<StatementStatus, string>,
  },
} as const;

type Labels = (typeof LABELS)[Language];

/**
 * Writes the statement as one standalone HTML file laid out like the paper form, which makes no request when opened
 * (inline styles, system fonts, a strict CSP). It embeds the signed document (or the plain statement) for programs
 * and for its own 「署名を検証」 button. Every text from the statement is escaped.
 */
export function exportStandaloneHtml(
  statement: Statement,
  template: CompiledTemplate,
  options: StandaloneHtmlOptions = {},
): string {
  const lang = options.lang ?? 'ja';
  const L = LABELS[lang];
  const t = (text: LocalizedText) => escapeHtml(pick(text, lang));
  const s = normalizeStatement(statement, template);
  if (options.signed !== undefined && canonicalJson(s) !== canonicalJson(options.signed.statement)) {
    throw new FormatError('html', undefined, 'the signed document holds another statement than the one to write');
  }
  const tpl = template.template;
  const remarkStyle = tpl.remarkStyle;
  const signature = options.signed === undefined ? undefined : describeSignature(options.signed);

  const title = pick(tpl.title, lang);
  const docTitle = [s.header.product, s.header.productVersion, '—', title].filter((x) => x !== undefined).join(' ');
  const out: string[] = [];
  out.push(
    '<!DOCTYPE html>',
    `<html lang="${lang}">`,
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(STANDALONE_CSP)}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="generator" content="OpenMDS">',
    `<title>${escapeHtml(docTitle)}</title>`,
    `<style>${STANDALONE_STYLES}</style>`,
    '</head>',
    '<body>',
  );

  // The verification bar: hidden in print.
  out.push(`<div class="toolbar" role="region" aria-label="${escapeHtml(L.verify)}">`);
  if (options.signed === undefined) out.push(`<span class="signed-by">${escapeHtml(L.unsigned)}</span>`);
  else {
    out.push(`<button type="button" id="openmds-verify">${escapeHtml(L.verify)}</button>`);
    out.push(
      `<span class="signed-by">${escapeHtml(signature === undefined ? L.unreadableSignature : L.signedBy(signature))}</span>`,
    );
    out.push(`<noscript>${escapeHtml(L.noscript)}</noscript>`);
  }
  out.push('<div id="openmds-verify-result" class="verify-result" role="status" aria-live="polite"></div>', '</div>');

  out.push('<main>', `<h1>${escapeHtml(title)}</h1>`);
  if (options.withdrawn !== undefined) {
    out.push(
      '<div class="withdrawn" role="alert">',
      escapeHtml(L.withdrawn),
      `<p>${escapeHtml(L.withdrawnAt)}: ${escapeHtml(options.withdrawn.at)}</p>`,
      `<p>${escapeHtml(L.reason)}: ${escapeHtml(options.withdrawn.reason)}</p>`,
      '</div>',
    );
  }
  out.push(headerBlock(s, template, L, lang, options));
  out.push(formTable(s, template, L, lang, t));
  out.push(unknownRows(s, template, L));

  out.push(`<h2>${escapeHtml(L.remarks[remarkStyle])}</h2>`);
  if (s.remarks.length === 0) out.push(`<p>${escapeHtml(L.none)}</p>`);
  else {
    out.push('<table class="remarks"><tbody>');
    for (const r of s.remarks) {
      out.push(
        `<tr id="remark-${r.number}" data-remark-number="${r.number}"><th scope="row">${r.number}</th><td class="remark-text">${escapeHtml(r.text)}</td></tr>`,
      );
    }
    out.push('</tbody></table>');
  }

  out.push('<footer>');
  if (signature !== undefined) out.push(`<p>${escapeHtml(L.signedFooter(signature))}</p>`);
  out.push(`<p>${escapeHtml(L.generated)} ${escapeHtml(`${tpl.id}@${tpl.edition}`)}</p>`, '</footer>', '</main>');

  const [id, embedded] =
    options.signed === undefined ? [EMBEDDED_STATEMENT_ID, s] : [EMBEDDED_SIGNED_ID, options.signed];
  out.push(`<script type="application/json" id="${id}">${jsonForScript(embedded)}</script>`);
  out.push(`<script>${VERIFY_SCRIPT}</script>`, '</body>', '</html>', '');
  return out.join('\n');
}

function headerBlock(
  s: Statement,
  template: CompiledTemplate,
  L: Labels,
  lang: Language,
  options: StandaloneHtmlOptions,
): string {
  const tpl = template.template;
  const header = s.header as Record<string, string | undefined>;
  const cells: string[] = [];
  const known = new Set(tpl.headerFields.map((f) => f.id));
  const fields = [
    ...tpl.headerFields.map((f) => ({ id: f.id, label: pick(f.label, lang) })),
    ...Object.keys(header)
      .filter((k) => !known.has(k))
      .map((k) => ({ id: k, label: k })),
  ];
  for (const f of fields) {
    const v = header[f.id];
    cells.push(
      `<th scope="row">${escapeHtml(f.label)}</th>` +
        (v === undefined || v === ''
          ? '<td></td>'
          : `<td data-header-field="${escapeHtml(f.id)}">${escapeHtml(v)}</td>`),
    );
  }
  const key = `${tpl.id}@${tpl.edition}`;
  cells.push(
    `<th scope="row">${escapeHtml(L.form)}</th><td data-statement-field="template" data-value="${escapeHtml(key)}">${escapeHtml(`${pick(tpl.title, lang)} (${key})`)}</td>`,
    `<th scope="row">${escapeHtml(L.revision)}</th><td data-statement-field="revision" data-value="${s.revision}">${s.revision}</td>`,
    `<th scope="row">${escapeHtml(L.status)}</th><td data-statement-field="status" data-value="${escapeHtml(s.status)}">${escapeHtml(L.status_[s.status])}</td>`,
  );
  if (options.publishedAt !== undefined) {
    cells.push(`<th scope="row">${escapeHtml(L.publishedAt)}</th><td>${escapeHtml(options.publishedAt)}</td>`);
  }
  const rows: string[] = [];
  for (let i = 0; i < cells.length; i += 2) {
    const pair = cells.slice(i, i + 2);
    rows.push(`<tr>${pair.length === 1 ? pair[0]!.replace(/<td( |>)/, '<td colspan="3"$1') : pair.join('')}</tr>`);
  }
  return `<table class="mds-header"><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

/** The answer columns: one per option when every question shares one answer set, else as many as the largest. */
function answerColumns(template: CompiledTemplate): { shared: AnswerOption[] | null; count: number } {
  const used = new Set<string>();
  for (const r of template.rows) if (r.answerable && r.row.answerSet !== undefined) used.add(r.row.answerSet);
  const sets = [...used].map((id) => template.template.answerSets[id] ?? []);
  const count = Math.max(1, ...sets.map((x) => x.length));
  return { shared: sets.length === 1 ? (sets[0] ?? null) : null, count };
}

function remarkLinks(numbers: readonly number[] | undefined): string {
  return (numbers ?? []).map((n) => `<a href="#remark-${n}">${n}</a>`).join(', ');
}

function formTable(
  s: Statement,
  template: CompiledTemplate,
  L: Labels,
  lang: Language,
  t: (text: LocalizedText) => string,
): string {
  const tpl = template.template;
  const columns = answerColumns(template);
  const width = 3 + columns.count + 1;
  const applies = template.evaluate((id) => s.answers[id]?.answer);
  const sections = new Map(tpl.sections.map((x) => [x.id, x]));
  const out: string[] = [
    '<table class="mds-form">',
    '<colgroup><col class="col-no"><col class="col-question"><col class="col-refs">',
  ];
  for (let i = 0; i < columns.count; i++) out.push('<col class="col-answer">');
  out.push('<col class="col-remarks"></colgroup>');
  out.push(
    '<thead><tr>',
    `<th scope="col">${escapeHtml(L.no)}</th><th scope="col">${escapeHtml(L.question)}</th><th scope="col">${escapeHtml(L.guideline)}</th>`,
  );
  if (columns.shared === null) out.push(`<th scope="colgroup" colspan="${columns.count}">${escapeHtml(L.answer)}</th>`);
  else for (const o of columns.shared) out.push(`<th scope="col">${t(o.label)}</th>`);
  out.push(`<th scope="col">${escapeHtml(L.remarkNo[tpl.remarkStyle])}</th>`, '</tr></thead>');

  let section: string | undefined;
  for (const r of template.rows) {
    if (r.row.section !== section) {
      if (section !== undefined) out.push('</tbody>');
      section = r.row.section;
      const sec = sections.get(section);
      const heading =
        sec === undefined
          ? escapeHtml(section)
          : escapeHtml(sectionHeading(pick(sec.title, lang), sec.ref ?? sec.id)) +
            (sec.description === undefined ? '' : `<div class="section-description">${t(sec.description)}</div>`);
      out.push(
        `<tbody data-section="${escapeHtml(section)}">`,
        `<tr class="section-row"><th scope="colgroup" colspan="${width}">${heading}</th></tr>`,
      );
    }
    out.push(formRow(r, s, template, columns, applies[r.index] === Applies.No, L, lang, t));
  }
  if (section !== undefined) out.push('</tbody>');
  out.push('</table>');
  return out.join('\n');
}

/** "技術的安全対策 (6.5)"; a title that already names its ref is left as it is (as the web form does). */
function sectionHeading(title: string, ref: string): string {
  return title.includes(`(${ref})`) ? title : `${title} (${ref})`;
}

function formRow(
  r: CompiledRow,
  s: Statement,
  template: CompiledTemplate,
  columns: { shared: AnswerOption[] | null; count: number },
  notApplicable: boolean,
  L: Labels,
  lang: Language,
  t: (text: LocalizedText) => string,
): string {
  const row = r.row;
  const entry = s.answers[row.id];
  const answer = entry?.answer;
  const cells: string[] = [];
  if (row.kind === 'group') cells.push(`<td colspan="${columns.count}" class="group-span"></td>`);
  else {
    const options = row.answerSet === undefined ? [] : (template.template.answerSets[row.answerSet] ?? []);
    if (answer !== undefined && !options.some((o) => o.value === answer)) {
      // An answer the template does not offer: shown as it is, so that nothing in the data is hidden.
      cells.push(
        `<td colspan="${columns.count}" class="answer-cell unknown-answer" data-option="${escapeHtml(answer)}"><span class="answer-mark">○</span> ${escapeHtml(answer)}</td>`,
      );
    } else {
      for (const o of options) {
        const mark =
          o.value === answer
            ? '<span class="answer-mark">○</span>'
            : notApplicable
              ? '<span aria-hidden="true">—</span>'
              : '';
        const label = columns.shared === null ? `<span class="answer-label">${t(o.label)}</span>` : '';
        cells.push(
          `<td class="answer-cell" data-option="${escapeHtml(o.value)}" title="${t(o.label)}">${mark}${label}</td>`,
        );
      }
      for (let i = options.length; i < columns.count; i++) cells.push('<td class="answer-cell"></td>');
    }
  }
  const alert =
    row.alert !== undefined && answer !== undefined && row.alert.when.includes(answer)
      ? `<div class="row-alert" role="note">${t(row.alert.message)}</div>`
      : '';
  const number = row.number === '' ? '' : escapeHtml(row.number);
  const bullet = row.number === '' ? '・' : '';
  const classes = [`row-${row.kind}`, notApplicable ? 'row-na' : ''].filter((c) => c !== '').join(' ');
  const naTitle = notApplicable ? ` title="${escapeHtml(L.notApplicable)}"` : '';
  return (
    `<tr data-row-id="${escapeHtml(row.id)}" class="${classes}"${naTitle}>` +
    `<td class="row-no">${number}</td>` +
    `<td class="row-question d${Math.min(r.depth, 6)}">${bullet}${escapeHtml(pick(row.text, lang))}${alert}</td>` +
    `<td class="row-refs">${row.refs.map((x) => escapeHtml(x)).join('<br>')}</td>` +
    cells.join('') +
    `<td class="row-remarks">${remarkLinks(entry?.remarks)}</td></tr>`
  );
}

/** Answers to rows the template does not have: listed, not dropped, so the page shows all the data. */
function unknownRows(s: Statement, template: CompiledTemplate, L: Labels): string {
  const unknown = Object.entries(s.answers).filter(([id]) => !template.byId.has(id));
  if (unknown.length === 0) return '';
  const out = [
    `<h2>${escapeHtml(L.unknownRows)}</h2>`,
    `<table class="unknown-rows"><thead><tr><th scope="col">${escapeHtml(L.row)}</th><th scope="col">${escapeHtml(L.answer)}</th><th scope="col">${escapeHtml(L.remarkNo[template.template.remarkStyle])}</th></tr></thead><tbody>`,
  ];
  for (const [id, entry] of unknown) {
    const answer =
      entry.answer === undefined
        ? '<td></td>'
        : `<td data-option="${escapeHtml(entry.answer)}"><span class="answer-mark">○</span> ${escapeHtml(entry.answer)}</td>`;
    out.push(
      `<tr data-row-id="${escapeHtml(id)}"><td>${escapeHtml(id)}</td>${answer}<td class="row-remarks">${remarkLinks(entry.remarks)}</td></tr>`,
    );
  }
  out.push('</tbody></table>');
  return out.join('\n');
}
