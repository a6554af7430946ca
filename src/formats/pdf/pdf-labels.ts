import type { Language } from '../../domain/i18n.js';
import type { StatementStatus } from '../../domain/statement.js';

/** The fixed wording of the PDF, in the two languages it is printed in (the web UI's words where it has them). */
export interface PdfLabels {
  colNo: string;
  colQuestion: string;
  colGuideline: string;
  colAnswer: string;
  /** Column and list heading for the remarks: 備考 / Remarks (Notes on MDS2). */
  remarks: (style: 'remarks' | 'notes') => string;
  remarkNo: (style: 'remarks' | 'notes') => string;
  template: string;
  status: string;
  statuses: Record<StatementStatus, string>;
  revision: (n: number) => string;
  publishedAt: string;
  withdrawn: string;
  withdrawnAt: string;
  withdrawnReason: string;
  page: (n: number, of: number) => string;
  contentHash: string;
  signer: string;
  issuer: string;
  signedAt: string;
  certificate: string;
  unsigned: string;
  unknownRows: string;
  answer: string;
  /** Separates the parts of a footer line. */
  separator: string;
}

const ja: PdfLabels = {
  colNo: 'No.',
  colQuestion: '質問',
  colGuideline: 'ガイドライン',
  colAnswer: '回答',
  remarks: () => '備考',
  remarkNo: () => '備考 No.',
  template: 'テンプレート',
  status: '状態',
  statuses: { draft: '下書き', 'in-review': 'レビュー中', finalized: '確定', published: '公開', withdrawn: '取り下げ' },
  revision: (n) => `第${n}版`,
  publishedAt: '公開日時',
  withdrawn: '取り下げ済み',
  withdrawnAt: '取り下げ日時',
  withdrawnReason: '理由',
  page: (n, of) => `${n} / ${of} ページ`,
  contentHash: '内容ハッシュ (SHA-256)',
  signer: '署名',
  issuer: '発行者',
  signedAt: '署名日時',
  certificate: '証明書 SHA-256',
  unsigned: '未署名',
  unknownRows: 'テンプレートにない行への回答',
  answer: '回答',
  separator: ' / ',
};

const en: PdfLabels = {
  colNo: 'No.',
  colQuestion: 'Question',
  colGuideline: 'Guideline',
  colAnswer: 'Answer',
  remarks: (style) => (style === 'notes' ? 'Notes' : 'Remarks'),
  remarkNo: (style) => (style === 'notes' ? 'Note No.' : 'Remark No.'),
  template: 'Template',
  status: 'Status',
  statuses: {
    draft: 'Draft',
    'in-review': 'In review',
    finalized: 'Finalized',
    published: 'Published',
    withdrawn: 'Withdrawn',
  },
  revision: (n) => `revision ${n}`,
  publishedAt: 'Published',
  withdrawn: 'WITHDRAWN',
  withdrawnAt: 'Withdrawn',
  withdrawnReason: 'Reason',
  page: (n, of) => `Page ${n} of ${of}`,
  contentHash: 'Content hash (SHA-256)',
  signer: 'Signed by',
  issuer: 'issuer',
  signedAt: 'Signed at',
  certificate: 'Certificate SHA-256',
  unsigned: 'Not signed',
  unknownRows: 'Answers to rows the template does not have',
  answer: 'Answer',
  separator: ' / ',
};

export function pdfLabels(lang: Language): PdfLabels {
  return lang === 'en' ? en : ja;
}
