import { RISK_STATUS_LABELS, type Risk } from '../../domain/risk/assessment.js';
import type { Cell, TextStyle } from '../../formats/pdf/pdf-flow.js';
import { openReport, paragraph } from '../../formats/pdf/pdf-report.js';
import type { RegisterHeader, RegisterRow } from './register-xlsx.js';

/**
 * The draft of a hospital's 運用管理規程 (operational management rules) from one risk assessment: the operational
 * measures it committed to, by guideline section, each with the systems and rows that require it; then the risks it
 * accepted. The document is built once (`rulesDocument`) and rendered to Markdown and to PDF.
 */

export const RULES_TITLE = '運用管理規程（案）';
export const ACCEPTED_CHAPTER = '受容したリスク';
const NO_MEASURE = '（対策が記入されていません）';

/** A system's row that requires a measure. */
export interface RuleRequirement {
  systemName: string;
  rowId: string;
  /** The guideline clauses the row checks ("6.5.C1"). */
  refs: string[];
  owner: string | null;
  dueDate: string | null;
  status: Risk['status'];
}

export interface RuleMeasure {
  text: string;
  /** The risk record's measure, the catalogue's suggestion (nothing recorded yet), or neither. */
  source: 'recorded' | 'catalogue' | 'none';
  requiredBy: RuleRequirement[];
  /** Everyone named responsible, in order of first mention. */
  owners: string[];
  /** The earliest due date of the rows that require it: when the measure must be in place. */
  dueDate: string | null;
}

export interface RuleChapter {
  guidelineSection: string;
  measures: RuleMeasure[];
}

export interface AcceptedRisk {
  systemName: string;
  rowId: string;
  refs: string[];
  guidelineSection: string;
  question: string;
  threat: string | null;
  reason: string | null;
  owner: string | null;
  status: Risk['status'];
}

export interface RulesDocument {
  title: string;
  organization: string;
  assessment: { title: string; status: string; acceptedBy: string | null; acceptedAt: string | null };
  /** YYYY-MM-DD, the day the draft was made. */
  date: string;
  preface: string[];
  chapters: RuleChapter[];
  accepted: AcceptedRisk[];
  /** Risks left out: no treatment decided yet. */
  undecided: number;
}

const sectionOrder = new Intl.Collator('en', { numeric: true });

/** Measures that differ only in white space or full-width forms are the same measure. */
function measureKey(text: string): string {
  return text.normalize('NFKC').replace(/\s+/gu, ' ').trim();
}

function committed(risk: Risk): boolean {
  if (risk.treatment === 'accept') return false;
  return risk.treatment !== null || risk.status === 'done' || risk.status === 'in-progress';
}

function measureOf(r: RegisterRow): { text: string; source: RuleMeasure['source'] } {
  const recorded = r.record.measure.trim();
  if (recorded !== '') return { text: recorded, source: 'recorded' };
  const suggested = (r.draft.measure?.ja ?? r.draft.measure?.en ?? '').trim();
  if (suggested !== '') return { text: suggested, source: 'catalogue' };
  return { text: NO_MEASURE, source: 'none' };
}

/** Builds the draft: chapters in guideline-section order, one measure per distinct text, accepted risks apart. */
export function rulesDocument(header: RegisterHeader, rows: readonly RegisterRow[], date: string): RulesDocument {
  const chapters = new Map<string, Map<string, RuleMeasure>>();
  const accepted: AcceptedRisk[] = [];
  let undecided = 0;
  for (const r of rows) {
    const risk = r.record;
    const section = r.draft.guidelineSection;
    if (risk.treatment === 'accept') {
      accepted.push({
        systemName: r.systemName,
        rowId: r.draft.rowId,
        refs: r.draft.refs,
        guidelineSection: section,
        question: r.draft.text.ja ?? r.draft.text.en ?? '',
        threat: r.draft.threat?.ja ?? null,
        reason: risk.acceptanceReason,
        owner: risk.owner,
        status: risk.status,
      });
      continue;
    }
    if (!committed(risk)) {
      undecided++;
      continue;
    }
    const { text, source } = measureOf(r);
    let chapter = chapters.get(section);
    if (chapter === undefined) {
      chapter = new Map<string, RuleMeasure>();
      chapters.set(section, chapter);
    }
    const key = measureKey(text);
    let measure = chapter.get(key);
    if (measure === undefined) {
      measure = { text, source, requiredBy: [], owners: [], dueDate: null };
      chapter.set(key, measure);
    } else if (measure.source !== 'recorded' && source === 'recorded') {
      // A measure someone wrote down outranks the same words suggested by the catalogue.
      measure.source = 'recorded';
    }
    measure.requiredBy.push({
      systemName: r.systemName,
      rowId: r.draft.rowId,
      refs: r.draft.refs,
      owner: risk.owner,
      dueDate: risk.dueDate,
      status: risk.status,
    });
    if (risk.owner !== null && risk.owner.trim() !== '' && !measure.owners.includes(risk.owner)) {
      measure.owners.push(risk.owner);
    }
    if (risk.dueDate !== null && (measure.dueDate === null || risk.dueDate < measure.dueDate)) {
      measure.dueDate = risk.dueDate;
    }
  }
  const acceptedBy = header.acceptedAt === null ? '' : `、${header.acceptedBy ?? ''} が ${header.acceptedAt} に受容`;
  const preface = [
    `この文書は、リスクアセスメント「${header.title}」（${header.status}${acceptedBy}）から OpenMDS が自動で作成した運用管理規程の案です。`,
    'リスクアセスメントで低減・回避・移転と決めたリスクの運用による対策を、医療情報システムの安全管理に関するガイドラインの項目ごとにまとめ、対策ごとにそれを必要とするシステムと開示書の行を示しています。受容したリスクは最後の章にまとめています。',
    '案のまま規程とせず、必ず情報システム運用責任者が内容を確認し、施設の実情に合わせて修正したうえで、所定の手続きで承認してください。',
  ];
  if (undecided > 0) {
    preface.push(`対応が決まっていないリスク ${undecided} 件は、この案に含まれていません。`);
  }
  return {
    title: RULES_TITLE,
    organization: header.organization,
    assessment: {
      title: header.title,
      status: header.status,
      acceptedBy: header.acceptedBy,
      acceptedAt: header.acceptedAt,
    },
    date,
    preface,
    chapters: [...chapters.entries()]
      .sort(([a], [b]) => sectionOrder.compare(a, b))
      .map(([guidelineSection, measures]) => ({ guidelineSection, measures: [...measures.values()] })),
    accepted: accepted.sort(
      (a, b) =>
        sectionOrder.compare(a.guidelineSection, b.guidelineSection) ||
        a.systemName.localeCompare(b.systemName, 'ja') ||
        sectionOrder.compare(a.rowId, b.rowId),
    ),
    undecided,
  };
}

// ---- Wording shared by both renderings ---------------------------------------------------------------------------

/** "第1章 6.5 C-1". */
export function chapterHeading(index: number, chapter: RuleChapter): string {
  return `第${index + 1}章 ${chapter.guidelineSection}`;
}

function acceptedHeading(doc: RulesDocument): string {
  return `第${doc.chapters.length + 1}章 ${ACCEPTED_CHAPTER}`;
}

/** "PACS 行 2（6.5.C1, 6.5.C2）". */
function requirementText(r: { systemName: string; rowId: string; refs: string[] }): string {
  return `${r.systemName} 行 ${r.rowId}${r.refs.length === 0 ? '' : `（${r.refs.join(', ')}）`}`;
}

const owners = (m: RuleMeasure): string => (m.owners.length === 0 ? '未定' : m.owners.join('、'));
const dueText = (d: string | null): string => d ?? '未定';
const sourceNote = (m: RuleMeasure): string =>
  m.source === 'catalogue' ? '（カタログの対策例。リスクの記録に対策が記入されていません）' : '';

// ---- Markdown ----------------------------------------------------------------------------------------------------

/**
 * Text as Markdown shows it: characters Markdown would read as syntax are escaped, so that pandoc gives back the
 * text written. Japanese passes unchanged.
 */
export function escapeMarkdown(text: string): string {
  return (
    text
      // Every ASCII punctuation character may be escaped, in CommonMark and pandoc alike.
      .replace(/[\\`*_[\]<>|#~&$^@]/g, (c) => `\\${c}`)
      // A line starting like a list item or a setext underline.
      .replace(/^(\s*)([-+=])(?=\s|$)/gmu, '$1\\$2')
      .replace(/^(\s*\d+)([.)])(?=\s|$)/gmu, '$1\\$2')
  );
}

/** An escaped text on one line (a table cell, a heading). */
const inline = (text: string): string => escapeMarkdown(text.replace(/\s*\r?\n\s*/g, ' ').trim());

/** An escaped text in a list item: its lines continue the item, as hard line breaks. */
const block = (text: string, indent: string): string =>
  text
    .trim()
    .split(/\r?\n/)
    .map((l) => escapeMarkdown(l.trim()))
    .join(`\\\n${indent}`);

/** The draft as Markdown: headings, numbered lists and simple pipe tables, which pandoc turns into DOCX. */
export function rulesMarkdown(doc: RulesDocument): string {
  const out: string[] = [];
  const a = doc.assessment;
  out.push(`# ${doc.title}`, '');
  out.push(`- 組織: ${inline(doc.organization)}`);
  out.push(`- リスクアセスメント: ${inline(a.title)}（${inline(a.status)}）`);
  if (a.acceptedAt !== null) out.push(`- 受容: ${inline(a.acceptedBy ?? '')} ${inline(a.acceptedAt)}`);
  out.push(`- 作成日: ${doc.date}`, '');
  out.push('## 前文', '');
  for (const p of doc.preface) out.push(inline(p), '');
  doc.chapters.forEach((chapter, c) => {
    out.push(`## ${inline(chapterHeading(c, chapter))}`, '');
    chapter.measures.forEach((m, i) => {
      // Continuation lines line up with the item's text (pandoc and CommonMark alike).
      const indent = ' '.repeat(`${i + 1}. `.length);
      out.push(`${i + 1}. ${block(m.text, indent)}${sourceNote(m)}`, '');
      out.push(`${indent}担当: ${inline(owners(m))}\u3000期限: ${dueText(m.dueDate)}`, '');
      out.push(`${indent}| システム | 行 | ガイドライン | 担当 | 期限 |`);
      out.push(`${indent}|---|---|---|---|---|`);
      for (const r of m.requiredBy) {
        out.push(
          `${indent}| ${inline(r.systemName)} | ${inline(r.rowId)} | ${inline(r.refs.join(', '))} | ${inline(r.owner ?? '')} | ${r.dueDate ?? ''} |`,
        );
      }
      out.push('');
    });
  });
  if (doc.accepted.length > 0) {
    out.push(`## ${acceptedHeading(doc)}`, '');
    out.push('次のリスクは、対策をとらずに受容しました。', '');
    doc.accepted.forEach((r, i) => {
      // Continuation lines line up with the item's text (pandoc and CommonMark alike).
      const indent = ' '.repeat(`${i + 1}. `.length);
      out.push(`${i + 1}. ${inline(requirementText(r))}\u3000安全管理GL ${inline(r.guidelineSection)}`, '');
      out.push(`${indent}質問: ${block(r.question, indent)}`, '');
      if (r.threat !== null) out.push(`${indent}脅威: ${block(r.threat, indent)}`, '');
      out.push(`${indent}受容の理由: ${r.reason === null ? '（リスク値が受容基準内）' : block(r.reason, indent)}`, '');
      out.push(`${indent}担当: ${inline(r.owner ?? '未定')}\u3000状況: ${RISK_STATUS_LABELS[r.status].ja}`, '');
    });
  }
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}

// ---- PDF ---------------------------------------------------------------------------------------------------------

const LABEL_FILL = '#e4e4e4';
const HEAD_FILL = '#bdd7ee';

/** The draft as an A4 PDF with the Japanese font: the same chapters, measures and tables as the Markdown. */
export async function rulesPdf(doc: RulesDocument): Promise<Uint8Array> {
  const created = new Date(`${doc.date}T00:00:00Z`);
  const report = openReport({
    layout: 'portrait',
    title: `${doc.title} ${doc.organization}`,
    author: doc.organization,
    subject: doc.assessment.title,
    created: Number.isNaN(created.getTime()) ? new Date(0) : created,
    margin: 42,
    footerHeight: 10,
  });
  const { flow, width } = report;
  const body: TextStyle = { size: 9 };
  const small: TextStyle = { size: 8 };
  const h2: TextStyle = { bold: true, size: 12 };

  paragraph(report, doc.title, { bold: true, size: 16, align: 'center' }, 0, 10);
  const a = doc.assessment;
  const facts: [string, string][] = [
    ['組織', doc.organization],
    ['リスクアセスメント', `${a.title}（${a.status}）`],
    ...(a.acceptedAt === null ? [] : [['受容', `${a.acceptedBy ?? ''} ${a.acceptedAt}`] as [string, string]]),
    ['作成日', doc.date],
  ];
  for (const [k, v] of facts) {
    flow.row([
      { text: k, width: 110, style: { ...body, bold: true }, fill: LABEL_FILL },
      { text: v, width: width - 110, style: body },
    ]);
  }
  flow.gap(10);
  paragraph(report, '前文', h2, 40, 4);
  for (const p of doc.preface) paragraph(report, p, body, 0, 4);

  const table = (m: RuleMeasure): void => {
    const w = [width * 0.3, width * 0.12, width * 0.26, width * 0.18, width * 0.14];
    const head = ['システム', '行', 'ガイドライン', '担当', '期限'].map((text, i): Cell => ({
      text,
      width: w[i]!,
      style: { ...small, bold: true },
      fill: HEAD_FILL,
    }));
    flow.row(head);
    flow.pageHeader = () => flow.row(head);
    for (const r of m.requiredBy) {
      const values = [r.systemName, r.rowId, r.refs.join(', '), r.owner ?? '', r.dueDate ?? ''];
      flow.row(values.map((text, i): Cell => ({ text, width: w[i]!, style: small })));
    }
    flow.pageHeader = undefined;
  };

  doc.chapters.forEach((chapter, c) => {
    flow.gap(8);
    paragraph(report, chapterHeading(c, chapter), h2, 60, 6);
    chapter.measures.forEach((m, i) => {
      const text = `${c + 1}.${i + 1}\u3000${m.text}${sourceNote(m)}`;
      flow.ensure(flow.heightOf(text, width - 6, body) + 40);
      flow.row([{ text, width, style: { ...body, bold: true }, fill: '#f6f6f6' }], { flow: 0, splitAtBottom: true });
      flow.row([{ text: `担当: ${owners(m)}\u3000期限: ${dueText(m.dueDate)}`, width, style: small }]);
      table(m);
      flow.gap(6);
    });
  });
  if (doc.accepted.length > 0) {
    flow.gap(8);
    paragraph(report, acceptedHeading(doc), h2, 60, 6);
    paragraph(report, '次のリスクは、対策をとらずに受容しました。', body, 0, 4);
    doc.accepted.forEach((r, i) => {
      const label = 80;
      const line = (k: string, v: string): void =>
        flow.row(
          [
            { text: k, width: label, style: { ...small, bold: true }, fill: LABEL_FILL },
            { text: v, width: width - label, style: small },
          ],
          { flow: 1, splitAtBottom: true },
        );
      const title = `${doc.chapters.length + 1}.${i + 1}\u3000${requirementText(r)}\u3000安全管理GL ${r.guidelineSection}`;
      flow.ensure(flow.heightOf(title, width - 6, body) + 40);
      flow.row([{ text: title, width, style: { ...body, bold: true }, fill: '#f6f6f6' }]);
      line('質問', r.question);
      if (r.threat !== null) line('脅威', r.threat);
      line('受容の理由', r.reason ?? '（リスク値が受容基準内）');
      line('担当・状況', `${r.owner ?? '未定'}\u3000${RISK_STATUS_LABELS[r.status].ja}`);
      flow.gap(6);
    });
  }
  return report.finish((page, of) => `${page} / ${of} ページ\u3000${doc.title}\u3000${doc.organization}`);
}
