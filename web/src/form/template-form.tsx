import { Fragment, useMemo, type CSSProperties, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { pick, type TemplateDetail, type TemplateRowData } from '../api';
import { useLang, type Lang } from '../i18n';
import { answerColumns, rowDepths, rowNotes, type AnswerColumns, type RowNotes } from './form-model';

/** Indentation of sub-rows, per level of the parent tree. */
const INDENT_EM = 1.5;

/** A statement's answers by row id, as the canonical statement holds them. */
export type FormAnswers = Readonly<Record<string, { answer?: string; remarks?: readonly number[] }>>;

/**
 * The header block: the statement's header fields (製造メーカー, 製品名称 …) two to a line, empty cells on the blank
 * form, the statement's values when given.
 */
export function HeaderBlock({
  template,
  values,
}: {
  template: TemplateDetail;
  values?: Readonly<Record<string, string | undefined>>;
}) {
  const [lang] = useLang();
  const { t } = useTranslation();
  const pairs: TemplateDetail['headerFields'][] = [];
  for (let i = 0; i < template.headerFields.length; i += 2) pairs.push(template.headerFields.slice(i, i + 2));
  return (
    <table className="mds-header" data-testid="header-fields" aria-label={t('form.headerBlock')}>
      <tbody>
        {pairs.map((pair) => (
          <tr key={pair.map((f) => f.id).join('+')}>
            {pair.map((f) => (
              <Fragment key={f.id}>
                <th scope="row">{pick(f.label, lang)}</th>
                <td data-header-field={f.id} colSpan={pair.length === 1 ? 3 : 1}>
                  {values?.[f.id]}
                </td>
              </Fragment>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

interface Run {
  section: string;
  rows: TemplateRowData[];
}

/** Consecutive rows of one section, in template order. */
function sectionRuns(rows: readonly TemplateRowData[]): Run[] {
  const runs: Run[] = [];
  for (const row of rows) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last.section === row.section) last.rows.push(row);
    else runs.push({ section: row.section, rows: [row] });
  }
  return runs;
}

/**
 * The template as the paper form: No. | question | guideline | one column per answer | remarks, with a heading
 * row per section. Groups span the answer columns; sub-rows are indented by depth; the form's unnumbered rows show
 * as bullets (・). With `answers` it is a filled-in statement: ○ in the chosen answer's column, the cited remark
 * numbers in the remarks column (linking to the remarks list, `#remark-N`).
 */
export function TemplateForm({ template, answers }: { template: TemplateDetail; answers?: FormAnswers }) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const columns = useMemo(() => answerColumns(template), [template]);
  const depths = useMemo(() => rowDepths(template), [template]);
  const notes = useMemo(() => rowNotes(template, lang, t), [template, lang, t]);
  const sections = useMemo(() => new Map(template.sections.map((s) => [s.id, s])), [template]);
  const width = 3 + columns.count + 1;
  // Wide enough for the longest printed number ("DOC-11.1", "12.3.1") on one line.
  const noWidth = useMemo(
    () => `calc(${Math.max(3, ...template.rows.map((r) => r.number.length))}ch + 1.5em)`,
    [template],
  );

  return (
    <table
      className={answers === undefined ? 'mds-form' : 'mds-form mds-filled'}
      data-testid={answers === undefined ? 'template-form' : 'statement-form'}
    >
      <colgroup>
        <col className="col-no" style={{ width: noWidth }} />
        <col className="col-question" />
        <col className="col-refs" />
        {Array.from({ length: columns.count }, (_, i) => (
          <col key={i} className="col-answer" />
        ))}
        <col className="col-remarks" />
      </colgroup>
      <thead>
        <tr>
          <th scope="col">{t('form.colNo')}</th>
          <th scope="col">{t('form.colQuestion')}</th>
          <th scope="col">{t('form.colGuideline')}</th>
          {columns.shared === null ? (
            <th scope="colgroup" colSpan={columns.count}>
              {t('form.colAnswer')}
            </th>
          ) : (
            columns.shared.map((o) => (
              <th scope="col" key={o.value} className="answer-head">
                {pick(o.label, lang)}
              </th>
            ))
          )}
          <th scope="col">{t('form.colRemarks')}</th>
        </tr>
      </thead>
      {sectionRuns(template.rows).map((run, i) => {
        const section = sections.get(run.section);
        const ref = section?.ref ?? run.section;
        return (
          <tbody key={`${run.section}-${i}`} data-section={run.section}>
            <tr className="section-row" data-section-id={run.section}>
              <th scope="colgroup" colSpan={width}>
                {section === undefined ? run.section : sectionHeading(pick(section.title, lang), ref)}
                {section?.description !== undefined && (
                  <div className="section-description">{pick(section.description, lang)}</div>
                )}
              </th>
            </tr>
            {run.rows.map((row) => (
              <FormRow
                key={row.id}
                row={row}
                template={template}
                depth={depths.get(row.id) ?? 0}
                notes={notes.get(row.id) ?? {}}
                columns={columns}
                lang={lang}
                filled={answers !== undefined}
                entry={answers?.[row.id]}
              />
            ))}
          </tbody>
        );
      })}
    </table>
  );
}

/** "技術的安全対策 (6.5)"; a title that already names its ref ("Document information (DOC)") is left as it is. */
function sectionHeading(title: string, ref: string): string {
  return title.includes(`(${ref})`) ? title : `${title} (${ref})`;
}

interface FormRowProps {
  row: TemplateRowData;
  template: TemplateDetail;
  depth: number;
  notes: RowNotes;
  columns: AnswerColumns;
  lang: Lang;
  /** A statement is shown: marks and remark numbers instead of empty circles. */
  filled: boolean;
  entry: FormAnswers[string] | undefined;
}

function FormRow({ row, template, depth, notes, columns, lang, filled, entry }: FormRowProps) {
  const { t } = useTranslation();
  const indent: CSSProperties = { paddingInlineStart: `calc(0.5em + ${depth * INDENT_EM}em)` };
  const bullet = row.number === '';
  let answers: ReactNode;
  if (row.kind === 'group') {
    answers = (
      <td colSpan={columns.count} className="group-span" title={t('form.notAnswerable')}>
        <span className="visually-hidden">{t('form.notAnswerable')}</span>
      </td>
    );
  } else {
    const options = row.answerSet === undefined ? [] : (template.answerSets[row.answerSet] ?? []);
    const cells = options.map((o) => {
      const label = pick(o.label, lang);
      if (filled) {
        const chosen = entry?.answer === o.value;
        return (
          <td key={o.value} className="answer-cell" data-answer={o.value} data-chosen={chosen || undefined}>
            {chosen && (
              <>
                <span className="answer-chosen" aria-hidden="true">
                  ○
                </span>
                <span className={columns.shared === null ? 'answer-label' : 'visually-hidden'}>{label}</span>
              </>
            )}
          </td>
        );
      }
      return (
        <td key={o.value} className="answer-cell" title={label} data-answer={o.value}>
          <span className="answer-mark" aria-hidden="true" />
          {columns.shared === null && <span className="answer-label">{label}</span>}
        </td>
      );
    });
    for (let i = options.length; i < columns.count; i++) cells.push(<td key={`pad-${i}`} className="answer-cell" />);
    answers = cells;
  }
  return (
    <tr
      data-row-id={row.id}
      data-depth={depth}
      data-kind={row.kind}
      data-answer={filled ? (entry?.answer ?? '') : undefined}
      className={`row-${row.kind}`}
    >
      <td className="row-no">{row.number}</td>
      <td className="row-question" style={indent}>
        <span className="row-text">
          {bullet && <span className="row-bullet">・</span>}
          {pick(row.text, lang)}
        </span>
        {row.help !== undefined && <div className="row-help">{pick(row.help, lang)}</div>}
        {notes.appliesWhen !== undefined && (
          <div className="row-note" data-note="applies-when">
            {notes.appliesWhen}
          </div>
        )}
        {notes.remarkRequired !== undefined && (
          <div className="row-note row-note-remark" data-note="remark-required">
            {notes.remarkRequired}
          </div>
        )}
      </td>
      <td className="row-refs">
        {row.refs.map((r) => (
          <div key={r}>{r}</div>
        ))}
      </td>
      {answers}
      <td className="row-remarks">
        {entry?.remarks?.map((n, i) => (
          <Fragment key={n}>
            {i > 0 && ', '}
            <a href={`#remark-${n}`} data-remark={n}>
              {n}
            </a>
          </Fragment>
        ))}
      </td>
    </tr>
  );
}

/** The 備考記載欄 of a statement: each remark with its number, as the form lists them after the table. */
export function RemarksList({
  remarks,
  title,
}: {
  remarks: ReadonlyArray<{ number: number; text: string }>;
  title: string;
}) {
  const { t } = useTranslation();
  const sorted = [...remarks].sort((a, b) => a.number - b.number);
  return (
    <section className="mds-remarks" aria-labelledby="remarks-heading" data-testid="remarks-list">
      <h2 id="remarks-heading">{title}</h2>
      {sorted.length === 0 ? (
        <div className="remarks-box remarks-empty">{t('statementView.noRemarks')}</div>
      ) : (
        <table className="mds-remarks-table">
          <tbody>
            {sorted.map((r) => (
              <tr key={r.number} id={`remark-${r.number}`} data-remark={r.number}>
                <th scope="row">{r.number}</th>
                <td>{r.text}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
