import { readFileSync } from 'node:fs';
import { Applies } from '../../src/domain/compiled-template.js';
import type { Statement } from '../../src/domain/statement.js';
import { builtinTemplates } from '../../src/domain/templates/registry.js';

const root = new URL('../../', import.meta.url);

/** Reads a file of the repository, relative to its root. */
export function repoFile(path: string): string {
  return readFileSync(new URL(path, root), 'utf8');
}

/** The seed's worked example, General-PACS V1.20R00, as shipped in examples/. */
export function generalPacs(): Statement {
  return JSON.parse(repoFile('examples/general-pacs-v1.20R00.json')) as Statement;
}

/**
 * A complete MDS 2nd-edition statement: every applicable row answered, "yes" where it opens sub-rows, with the
 * remarks the その他 rows need. `answer` picks another answer for a row.
 */
export function completeMdsStatement(answer: (row: string) => string | undefined = () => undefined): Statement {
  const t = builtinTemplates().get('jahis-jira-mds', '2');
  if (t === undefined) throw new Error('the MDS 2nd edition is not built in');
  const s: Statement = {
    format: 'openmds-statement',
    formatVersion: 1,
    template: { id: 'jahis-jira-mds', edition: '2' },
    header: { manufacturer: '髙橋医療機器株式会社', product: '𠮷野 PACS', productVersion: '3.0', date: '2026-11-25' },
    answers: {},
    remarks: [{ number: 1, text: '具体的な方法: ICカードと暗証番号' }],
    status: 'draft',
    revision: 1,
  };
  // Answer in row order so that applicability follows the answers given so far.
  for (const r of t.rows) {
    if (!r.answerable) continue;
    const applies = t.evaluate((id) => s.answers[id]?.answer)[r.index];
    if (applies === Applies.No) continue;
    const a = answer(r.row.id) ?? 'yes';
    s.answers[r.row.id] = r.remarkRequiredWhen.has(a) ? { answer: a, remarks: [1] } : { answer: a };
  }
  return s;
}

/**
 * General-PACS made complete enough to finalize: the example answers rows 1–13 and leaves later rows to remarks
 * only; here every applicable row is answered (the example's answer where it has one, else はい), with the
 * example's remark numbers and its 23 remarks.
 */
export function finalizableGeneralPacs(): Statement {
  const gp = generalPacs();
  const complete = completeMdsStatement((row) => gp.answers[row]?.answer);
  const answers: Statement['answers'] = {};
  for (const [row, entry] of Object.entries(complete.answers)) {
    const remarks = gp.answers[row]?.remarks ?? entry.remarks;
    answers[row] = { ...entry, ...(remarks === undefined ? {} : { remarks }) };
  }
  return { ...gp, answers };
}
