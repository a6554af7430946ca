import { describe, expect, it } from 'vitest';
import type { Risk } from '../../domain/risk/assessment.js';
import type { RegisterHeader, RegisterRow } from './register-xlsx.js';
import { ACCEPTED_CHAPTER, RULES_TITLE, escapeMarkdown, rulesDocument, rulesMarkdown } from './rules.js';

const header: RegisterHeader = {
  organization: 'みなと病院',
  title: '2026年度 リスクアセスメント',
  status: '作成中',
  acceptedBy: null,
  acceptedAt: null,
  contentHash: null,
};

/** A register row: the system's risk on `rowId`, untreated unless `record` says otherwise. */
function row(
  systemName: string,
  rowId: string,
  guidelineSection: string,
  record: Partial<Risk> = {},
  suggested: string | null = `カタログの対策 ${rowId}`,
): RegisterRow {
  return {
    systemName,
    draft: {
      rowId,
      text: { ja: `質問 ${rowId}` },
      guidelineSection,
      refs: [`${guidelineSection.split(' ')[0]}.C${rowId}`],
      threat: { ja: `脅威 ${rowId}` },
      measure: suggested === null ? null : { ja: suggested },
    },
    record: {
      key: `${systemName}:mds:${rowId}`,
      systemId: systemName,
      rowId,
      section: 's',
      guidelineSection,
      basis: {
        templateKey: 'jahis-jira-mds@2',
        statementRevision: 1,
        rowText: { ja: `質問 ${rowId}` },
        answer: { kind: 'no', value: 'no', label: { ja: 'いいえ', en: 'No' } },
        remarks: [],
      },
      rating: { asset: 3, threat: 2, vulnerability: 3 },
      treatment: null,
      measure: '',
      owner: null,
      dueDate: null,
      status: 'open',
      residualRating: null,
      acceptanceReason: null,
      ...record,
    },
    score: { value: 18, level: 'high' },
    residualScore: null,
  };
}

const reduce = (measure: string, owner: string, dueDate: string): Partial<Risk> => ({
  treatment: 'reduce',
  measure,
  owner,
  dueDate,
  status: 'in-progress',
});

describe('rulesDocument', () => {
  it('groups measures by guideline section in numeric order, 6.5 before 6.10', () => {
    const doc = rulesDocument(
      header,
      [
        row('PACS', '21', '6.10 C-1', reduce('バックアップを取得する', '情報システム課', '2027-03-31')),
        row('PACS', '2', '6.5 C-1', reduce('アクセス権限を年1回見直す', '情報システム課', '2027-03-31')),
      ],
      '2026-11-25',
    );
    expect(doc.title).toBe(RULES_TITLE);
    expect(doc.chapters.map((c) => c.guidelineSection)).toEqual(['6.5 C-1', '6.10 C-1']);
  });

  it('lists a measure shared by several systems and rows once, with every row, every owner and the earliest due date', () => {
    const same = '退職者のアカウントを当日中に無効化する';
    const doc = rulesDocument(
      header,
      [
        row('PACS（放射線科）', '4.1.1', '6.5 C-1', reduce(same, '放射線科', '2027-03-31')),
        row('電子カルテ', '4.1.1', '6.5 C-1', reduce(same, '情報システム課', '2027-01-31')),
        // The same words between a full-width space and a line break are the same measure.
        row('電子カルテ', '4.2', '6.5 C-1', reduce(`\u3000${same}\n`, '放射線科', '2027-06-30')),
        row('電子カルテ', '5', '6.5 C-1', reduce('パスワードを90日ごとに変更する', '情報システム課', '2027-03-31')),
      ],
      '2026-11-25',
    );
    expect(doc.chapters).toHaveLength(1);
    const [shared, other] = doc.chapters[0]!.measures;
    expect(doc.chapters[0]!.measures).toHaveLength(2);
    expect(shared!.text).toBe(same);
    expect(shared!.requiredBy.map((r) => `${r.systemName} ${r.rowId}`)).toEqual([
      'PACS（放射線科） 4.1.1',
      '電子カルテ 4.1.1',
      '電子カルテ 4.2',
    ]);
    expect(shared!.requiredBy[0]!.refs).toEqual(['6.5.C4.1.1']);
    expect(shared!.owners).toEqual(['放射線科', '情報システム課']);
    expect(shared!.dueDate).toBe('2027-01-31');
    expect(other!.requiredBy.map((r) => r.rowId)).toEqual(['5']);
  });

  it('takes the catalogue’s measure when none is recorded, and commits done or in-progress risks whatever their treatment', () => {
    const doc = rulesDocument(
      header,
      [
        row('PACS', '2', '6.5 C-1', { treatment: 'avoid' }),
        row('PACS', '3', '6.5 C-1', { treatment: 'transfer', measure: '保守契約で製造業者に委ねる' }),
        row('PACS', '9', '6.5 C-1', { treatment: 'reduce' }, null),
      ],
      '2026-11-25',
    );
    const measures = doc.chapters[0]!.measures;
    expect(measures.map((m) => [m.text, m.source])).toEqual([
      ['カタログの対策 2', 'catalogue'],
      ['保守契約で製造業者に委ねる', 'recorded'],
      ['（対策が記入されていません）', 'none'],
    ]);
  });

  it('puts accepted risks in their own chapter and leaves undecided ones out, counting them in the preface', () => {
    const doc = rulesDocument(
      header,
      [
        row('PACS', '7', '6.5 C-8', {
          treatment: 'accept',
          status: 'accepted',
          acceptanceReason: '無線LANは使用していない',
          owner: '情報システム課',
        }),
        row('PACS', '8', '6.5 C-9'),
        row('PACS', '2', '6.5 C-1', reduce('アクセス権限を年1回見直す', '情報システム課', '2027-03-31')),
      ],
      '2026-11-25',
    );
    expect(doc.chapters.map((c) => c.guidelineSection)).toEqual(['6.5 C-1']);
    expect(doc.accepted.map((a) => [a.rowId, a.reason])).toEqual([['7', '無線LANは使用していない']]);
    expect(doc.undecided).toBe(1);
    expect(doc.preface.join('')).toContain('対応が決まっていないリスク 1 件');
    expect(doc.preface.join('')).toContain('確認');
  });
});

describe('rulesMarkdown', () => {
  it('writes headings, numbered measures and a table of the rows that require each, Japanese unchanged', () => {
    const same = '退職者のアカウントを当日中に無効化する';
    const md = rulesMarkdown(
      rulesDocument(
        header,
        [
          row('PACS（放射線科）', '4.1.1', '6.5 C-1', reduce(same, '放射線科', '2027-03-31')),
          row('電子カルテ', '4.1.1', '6.5 C-1', reduce(same, '情報システム課', '2027-01-31')),
          row('PACS（放射線科）', '7', '6.5 C-8', {
            treatment: 'accept',
            status: 'accepted',
            acceptanceReason: '無線LANは使用していない',
          }),
        ],
        '2026-11-25',
      ),
    );
    expect(md.startsWith(`# ${RULES_TITLE}\n`)).toBe(true);
    expect(md).toContain('- 組織: みなと病院\n');
    expect(md).toContain('- 作成日: 2026-11-25\n');
    expect(md).toContain('## 第1章 6.5 C-1\n');
    expect(md).toContain(`\n1. ${same}\n`);
    expect(md.split(same)).toHaveLength(2);
    expect(md).toContain('   担当: 放射線科、情報システム課\u3000期限: 2027-01-31');
    expect(md).toContain('   | PACS（放射線科） | 4.1.1 | 6.5.C4.1.1 | 放射線科 | 2027-03-31 |');
    expect(md).toContain('   | 電子カルテ | 4.1.1 | 6.5.C4.1.1 | 情報システム課 | 2027-01-31 |');
    expect(md).toContain(`## 第2章 ${ACCEPTED_CHAPTER}\n`);
    expect(md).toContain('受容の理由: 無線LANは使用していない');
    expect(md.endsWith('\n')).toBe(true);
    expect(md).not.toMatch(/\n\n\n/);
  });

  it('escapes what Markdown would read as syntax, and breaks a multi-line measure inside its item', () => {
    expect(escapeMarkdown('*重要* [URL](x) a|b <br> #1 50%_up')).toBe(
      '\\*重要\\* \\[URL\\](x) a\\|b \\<br\\> \\#1 50%\\_up',
    );
    expect(escapeMarkdown('- 箇条書きではない')).toBe('\\- 箇条書きではない');
    expect(escapeMarkdown('1. 番号ではない')).toBe('1\\. 番号ではない');
    const md = rulesMarkdown(
      rulesDocument(header, [row('PACS', '2', '6.5 C-1', reduce('一行目\n二行目', '課', '2027-03-31'))], '2026-11-25'),
    );
    expect(md).toContain('\n1. 一行目\\\n   二行目\n');
  });
});
