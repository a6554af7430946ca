import { memo, type CSSProperties, type MouseEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { pick } from '../api';
import type { RowNotes } from '../form/form-model';
import type { Lang } from '../i18n';
import { PlusIcon } from '../icons';
import { Applies, type AnswerEntry, type AnswerOption, type CompiledRow, type ValidationIssue } from './model';

/** Callbacks shared by every row; the object never changes, so it does not defeat memo. */
export interface RowActions {
  answer: (row: string, value: string | undefined) => void;
  focus: (row: string) => void;
  cite: (row: string, number: number) => void;
  uncite: (row: string, number: number) => void;
  /** Opens the one "cite a remark" menu of the editor next to this row's button. */
  openCite: (row: string, anchor: HTMLElement) => void;
}

export interface StatementRowProps {
  row: CompiledRow;
  options: readonly AnswerOption[];
  entry: AnswerEntry | undefined;
  state: Applies;
  issues: readonly ValidationIssue[] | undefined;
  focused: boolean;
  readOnly: boolean;
  lang: Lang;
  notes: RowNotes | undefined;
  /** "3\u0000remark text\u0001…": the cited remarks' texts, as one string so unchanged rows compare equal. */
  remarkTitles: string;
  remarkWord: string;
  actions: RowActions;
}

/** Indentation of sub-rows, per level of the parent tree. */
const INDENT_EM = 1.25;

/** Buttons inside a row never keep the focus: the row does, so the keyboard keeps working after a click. */
const keepRowFocus = (e: MouseEvent) => e.preventDefault();
const focusRowOf = (el: HTMLElement) => el.closest<HTMLElement>('.erow')?.focus({ preventScroll: true });

function titlesOf(remarkTitles: string): Map<number, string> {
  const out = new Map<number, string>();
  if (remarkTitles === '') return out;
  for (const part of remarkTitles.split('\u0001')) {
    const [n, text] = part.split('\u0000');
    out.set(Number(n), text ?? '');
  }
  return out;
}

/**
 * One question (or group heading) of the statement: number, question with its guideline refs and rule notes, the
 * answer buttons, the cited remarks, and the row's validation issues. Memoized: a change elsewhere leaves it alone.
 */
export const StatementRow = memo(function StatementRow(props: StatementRowProps) {
  const { row, options, entry, state, issues, focused, readOnly, lang, notes, remarkTitles, remarkWord, actions } =
    props;
  const { t } = useTranslation();
  const id = row.row.id;
  const group = !row.answerable;
  const notApplicable = state === Applies.No;
  const answer = entry?.answer;
  const cited = entry?.remarks ?? [];
  const titles = titlesOf(remarkTitles);
  const errors = issues?.some((i) => i.severity === 'error') === true;
  const warnings = !errors && issues !== undefined && issues.length > 0;
  const indent: CSSProperties = { paddingInlineStart: `${row.depth * INDENT_EM}em` };
  const text = pick(row.row.text, lang);
  const alert =
    row.row.alert !== undefined && answer !== undefined && row.row.alert.when.includes(answer)
      ? pick(row.row.alert.message, lang)
      : undefined;

  const onRowClick = (e: MouseEvent) => {
    // Clicking a button or a menu inside the row does its own thing; anywhere else focuses the row.
    if ((e.target as HTMLElement).closest('button, a, input, textarea') === null) actions.focus(id);
  };

  return (
    <div
      className="erow"
      data-row-id={id}
      data-kind={row.row.kind}
      data-applies={notApplicable ? 'no' : state === Applies.Unknown ? 'unknown' : 'yes'}
      data-answer={answer ?? ''}
      data-focused={focused ? 'true' : undefined}
      data-issues={errors ? 'error' : warnings ? 'warning' : undefined}
      // Rows take the focus from the keyboard handler and clicks; Tab enters the list through its container.
      tabIndex={-1}
      onClick={onRowClick}
      onFocus={(e) => {
        if (e.target === e.currentTarget && !focused) actions.focus(id);
      }}
      aria-label={`${row.row.number === '' ? '' : `${row.row.number} `}${text}`}
      aria-disabled={notApplicable || undefined}
    >
      <div className="erow-no">{row.row.number === '' ? '' : row.row.number}</div>
      <div className="erow-body" style={indent}>
        <div className="erow-text">
          {row.row.number === '' && <span className="erow-bullet">・</span>}
          {text}
        </div>
        <div className="erow-meta">
          {row.row.refs.length > 0 && (
            <span className="erow-refs" title={t('editor.guidelineRef')}>
              {row.row.refs.join(', ')}
            </span>
          )}
          {notes?.appliesWhen !== undefined && (
            <span className="erow-note" data-note="applies-when">
              {notes.appliesWhen}
            </span>
          )}
          {notes?.remarkRequired !== undefined && (
            <span className="erow-note erow-note-remark" data-note="remark-required">
              {notes.remarkRequired}
            </span>
          )}
          {notApplicable && !group && <span className="erow-skipped">{t('editor.notApplicable')}</span>}
        </div>
        {row.row.help !== undefined && <div className="erow-help">{pick(row.row.help, lang)}</div>}
        {alert !== undefined && (
          <div className="erow-alert" role="alert">
            {alert}
          </div>
        )}
        {issues !== undefined && issues.length > 0 && (
          <ul className="erow-issues" data-testid="row-issues">
            {issues.map((i, n) => (
              <li key={`${i.code}-${n}`} className={`issue issue-${i.severity}`} data-code={i.code}>
                {i.message[lang]}
              </li>
            ))}
          </ul>
        )}
      </div>
      {group ? (
        <div className="erow-answers erow-group-span" aria-hidden="true" />
      ) : (
        <div className="erow-answers" role="radiogroup" aria-label={text} data-count={options.length}>
          {options.map((o, n) => {
            const selected = answer === o.value;
            return (
              <button
                key={o.value}
                type="button"
                role="radio"
                aria-checked={selected}
                className="answer-btn"
                data-value={o.value}
                data-category={o.countsAs}
                disabled={readOnly || notApplicable}
                tabIndex={-1}
                title={`${pick(o.label, lang)} (${n + 1})`}
                onMouseDown={keepRowFocus}
                onClick={(e) => {
                  focusRowOf(e.currentTarget);
                  actions.focus(id);
                  actions.answer(id, selected ? undefined : o.value);
                }}
              >
                {pick(o.label, lang)}
              </button>
            );
          })}
        </div>
      )}
      <div className="erow-remarks">
        {cited.map((n) => (
          <span
            key={n}
            className={`remark-chip${titles.has(n) ? '' : ' remark-chip-missing'}`}
            title={titles.get(n) ?? t('editor.remarkMissing', { n })}
            data-remark={n}
          >
            <a href={`#remark-${n}`} className="remark-chip-link" tabIndex={-1}>
              {remarkWord} {n}
            </a>
            {!readOnly && (
              <button
                type="button"
                className="remark-chip-remove"
                aria-label={t('editor.uncite', { n })}
                tabIndex={-1}
                onMouseDown={keepRowFocus}
                onClick={(e) => {
                  focusRowOf(e.currentTarget);
                  actions.uncite(id, n);
                }}
              >
                ×
              </button>
            )}
          </span>
        ))}
        {!readOnly && !group && (
          <button
            type="button"
            className="remark-add"
            aria-label={t('editor.cite', { word: remarkWord })}
            title={t('editor.cite', { word: remarkWord })}
            aria-haspopup="menu"
            tabIndex={-1}
            data-testid="cite-remark"
            onClick={(e) => {
              actions.focus(id);
              actions.openCite(id, e.currentTarget);
            }}
          >
            <PlusIcon size={12} />
            {remarkWord}
          </button>
        )}
      </div>
    </div>
  );
});
