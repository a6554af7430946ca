import { Alert, Anchor, Breadcrumbs, Button, Container, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import {
  memo,
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useReducer,
  useRef,
  useState,
  type Dispatch,
  type ReactNode,
} from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useParams } from 'react-router';
import { api, isApiError, pick, type TemplateDetail } from '../api';
import type { CarryForwardInfo, Role, StatementDetail } from '../api-types';
import { rowNotes, type RowNotes } from '../form/form-model';
import { useLang, type Lang } from '../i18n';
import { LoadError, Loading } from '../pages/query-state';
import { can, useMembership } from '../session';
import { ResponsibleSelect } from '../workspace/statements-page';
import { useAutosave } from './autosave';
import { CiteMenu } from './cite-menu';
import { ConflictDialog } from './conflict-dialog';
import { EditorToolbar } from './editor-toolbar';
import { HeaderFields } from './header-fields';
import {
  Applies,
  appliesAt,
  compile,
  derive,
  initialState,
  nextRemarkNumber,
  optionsOf,
  passesFilter,
  reducerFor,
  rowLabel,
  type AnswerEntry,
  type AnswerOption,
  type CompiledRow,
  type CompiledTemplate,
  type Derived,
  type EditorAction,
  type Filter,
  type ValidationIssue,
} from './model';
import { RemarksPanel } from './remarks-panel';
import { StatementRow, type RowActions } from './statement-row';
import { WorkflowBar } from './workflow-bar';

/** /orgs/:orgId/statements/:statementId — loads the statement and its template, then the editor. */
export function EditorPage() {
  const { t } = useTranslation();
  const { orgId = '', statementId = '' } = useParams();
  const membership = useMembership(orgId);
  const detail = useQuery({
    queryKey: ['statement', orgId, statementId],
    queryFn: () => api.statement(orgId, statementId),
  });
  const ref = detail.data?.latest.content.template ?? detail.data?.template;
  const template = useQuery({
    queryKey: ['template', ref?.id, ref?.edition],
    queryFn: () => api.template(ref?.id ?? '', ref?.edition ?? ''),
    enabled: ref !== undefined,
    staleTime: Infinity,
  });
  const compiled = useMemo(() => (template.data === undefined ? undefined : compile(template.data)), [template.data]);

  if (detail.isError) {
    return (
      <Container size="sm" py="xl">
        {isApiError(detail.error, 404) ? (
          <Text data-testid="statement-not-found">{t('editor.notFound')}</Text>
        ) : (
          <LoadError error={detail.error} />
        )}
      </Container>
    );
  }
  if (template.isError) return <LoadError error={template.error} />;
  if (detail.data === undefined || template.data === undefined || compiled === undefined) return <Loading />;

  const latest = detail.data.latest;
  const editable = latest.status === 'draft' && can(membership?.role, 'write');
  // A new revision, or leaving the draft state, starts the editor afresh from the server's content; while editing,
  // refetches (window focus) never replace what is on screen: a stale save gets a 409 and the conflict dialog.
  const key = `${latest.revision}:${editable ? 'edit' : `view:${latest.status}:${latest.version}`}`;
  return (
    <Editor
      key={key}
      orgId={orgId}
      detail={detail.data}
      template={template.data}
      compiled={compiled}
      editable={editable}
      role={membership?.role}
    />
  );
}

interface EditorProps {
  orgId: string;
  detail: StatementDetail;
  template: TemplateDetail;
  compiled: CompiledTemplate;
  editable: boolean;
  role: Role | undefined;
}

interface Run {
  section: string;
  rows: CompiledRow[];
}

function sectionRuns(rows: readonly CompiledRow[]): Run[] {
  const runs: Run[] = [];
  for (const row of rows) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last.section === row.row.section) last.rows.push(row);
    else runs.push({ section: row.row.section, rows: [row] });
  }
  return runs;
}

const TYPING = 'input, textarea, select, [contenteditable="true"], [role="dialog"], [role="menu"], [role="listbox"]';

function Editor({ orgId, detail, template, compiled, editable, role }: EditorProps) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const location = useLocation();
  const latest = detail.latest;
  const reducer = useMemo(() => reducerFor(compiled), [compiled]);
  const [state, dispatch] = useReducer(reducer, undefined, () => initialState(latest.content, latest.version));
  const readOnly = !editable;

  const prevDerived = useRef<Derived | undefined>(undefined);
  const derived = useMemo(() => derive(compiled, state.content, prevDerived.current), [compiled, state.content]);
  useEffect(() => {
    prevDerived.current = derived;
  }, [derived]);

  const [focused, setFocused] = useState<string | null>(() => {
    const applies = compiled.evaluate((id) => latest.content.answers[id]?.answer);
    const first =
      compiled.rows.find(
        (r) =>
          r.answerable && applies[r.index] !== Applies.No && latest.content.answers[r.row.id]?.answer === undefined,
      ) ?? compiled.rows.find((r) => r.answerable);
    return first?.row.id ?? null;
  });
  const [filter, setFilterState] = useState<Filter>('all');
  const [hideNA, setHideNA] = useState(false);
  // Rows changed since the filter was chosen stay in view, so answering does not make the row jump away.
  const [pinned, setPinned] = useState<ReadonlySet<string>>(() => new Set());
  const [helpOpen, setHelpOpen] = useState(false);
  const [cite, setCite] = useState<{ row: string; anchor: HTMLElement } | null>(null);
  const [focusRemark, setFocusRemark] = useState<number | null>(null);
  const [carry, setCarry] = useState<CarryForwardInfo | null>(
    () => (location.state as { carryForward?: CarryForwardInfo } | null)?.carryForward ?? detail.carryForward ?? null,
  );

  const autosave = useAutosave({
    orgId,
    statementId: detail.id,
    revision: latest.revision,
    enabled: editable,
    compiled,
    state,
    dispatch,
  });

  const setFilter = useCallback((f: Filter) => {
    setFilterState(f);
    setPinned(new Set());
  }, []);

  const stateRef = useRef(state);
  stateRef.current = state;

  const actions = useMemo<RowActions>(
    () => ({
      answer: (row, value) => {
        dispatch({ type: 'answer', row, value });
        setPinned((p) => (p.has(row) ? p : new Set(p).add(row)));
      },
      focus: (row) => setFocused(row),
      cite: (row, number) => dispatch({ type: 'cite', row, number }),
      uncite: (row, number) => dispatch({ type: 'uncite', row, number }),
      openCite: (row, anchor) => setCite({ row, anchor }),
    }),
    [],
  );

  const newRemark = useCallback((row?: string) => {
    const number = nextRemarkNumber(stateRef.current.content.remarks);
    dispatch({ type: 'addRemark', text: '', ...(row === undefined ? {} : { citeFrom: row }) });
    setFocusRemark(number);
    setCite(null);
  }, []);

  const notes = useMemo(() => rowNotes(template, lang, t), [template, lang, t]);
  const sections = useMemo(() => new Map(template.sections.map((s) => [s.id, s])), [template]);
  const runs = useMemo(() => sectionRuns(compiled.rows), [compiled]);
  const optionsByRow = useMemo(() => new Map(compiled.rows.map((r) => [r.row.id, optionsOf(compiled, r)])), [compiled]);
  const remarkText = useMemo(
    () => new Map(state.content.remarks.map((r) => [r.number, r.text])),
    [state.content.remarks],
  );
  const remarkWord = template.remarkStyle === 'notes' ? t('editor.noteWord') : t('editor.remarkWord');
  const labelOf = useCallback((id: string) => rowLabel(compiled.byId.get(id), id), [compiled]);

  const answerSetLabels = useMemo(() => {
    const first = compiled.rows.find((r) => r.answerable);
    const opts = first === undefined ? [] : optionsOf(compiled, first);
    const by = (cat: string) => opts.find((o) => o.countsAs === cat);
    const label = (cat: string, fallback: string) => {
      const o = by(cat);
      return o === undefined ? fallback : pick(o.label, lang);
    };
    const other = by('other');
    return {
      yes: label('yes', t('answers.yes')),
      no: label('no', t('answers.no')),
      na: label('na', t('answers.na')),
      other: other === undefined ? null : pick(other.label, lang),
      maxOptions: Math.max(1, ...compiled.rows.map((r) => r.options.size)),
    };
  }, [compiled, lang, t]);

  // ---- Which rows show -------------------------------------------------------------------------------------------
  const answers = state.content.answers;
  const visible = useMemo(() => {
    const show = new Set<string>();
    for (const r of compiled.rows) {
      if (!r.answerable) continue;
      const st = appliesAt(derived.applies, r);
      if (hideNA && st === Applies.No) continue;
      const id = r.row.id;
      if (pinned.has(id) || passesFilter(filter, r, answers[id], st, derived.rowIssues.get(id), compiled)) show.add(id);
    }
    // Group headings show when one of their items does (or, unfiltered, always unless hidden as not applicable).
    for (const r of compiled.rows) {
      if (r.answerable) continue;
      const st = appliesAt(derived.applies, r);
      if (hideNA && st === Applies.No) continue;
      if (filter === 'all' || r.children.some((c) => show.has(c))) show.add(r.row.id);
    }
    return show;
  }, [compiled, derived, answers, filter, hideNA, pinned]);

  /** Rows the keyboard moves through: visible questions that apply (or may). */
  const navigable = useMemo(
    () =>
      compiled.rows
        .filter((r) => r.answerable && visible.has(r.row.id) && appliesAt(derived.applies, r) !== Applies.No)
        .map((r) => r.row.id),
    [compiled, visible, derived],
  );

  // ---- Keyboard ------------------------------------------------------------------------------------------------
  const kb = useRef({ navigable, focused, derived, answers, readOnly, helpOpen });
  kb.current = { navigable, focused, derived, answers, readOnly, helpOpen };
  const listRef = useRef<HTMLDivElement>(null);
  const scrollOnFocus = useRef(false);

  const moveFocus = useCallback((id: string | null) => {
    if (id === null) return;
    scrollOnFocus.current = true;
    setFocused(id);
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || e.isComposing) return;
      const target = e.target as HTMLElement | null;
      if (target !== null && target.closest(TYPING) !== null) return;
      if (document.querySelector('[aria-modal="true"]') !== null) return;
      const onControl = target !== null && target.closest('button, a') !== null;
      const k = kb.current;
      const list = k.navigable;
      const at = k.focused === null ? -1 : list.indexOf(k.focused);
      const row = k.focused === null ? undefined : compiled.byId.get(k.focused);
      let handled = true;
      switch (e.key) {
        case 'ArrowDown':
        case 'j':
          moveFocus(list[Math.min(list.length - 1, at + 1)] ?? list[0] ?? null);
          break;
        case 'ArrowUp':
        case 'k':
          moveFocus(list[Math.max(0, at - 1)] ?? list[0] ?? null);
          break;
        case 'Enter':
        case 'ArrowRight': {
          if (onControl && e.key === 'Enter') {
            handled = false;
            break;
          }
          const open = (id: string) => k.answers[id]?.answer === undefined;
          const after = list.slice(at + 1).find(open) ?? list.slice(0, Math.max(0, at)).find(open);
          if (after !== undefined) moveFocus(after);
          break;
        }
        case '0':
        case 'Backspace':
        case 'Delete':
          if (k.readOnly || row === undefined || !row.answerable) break;
          dispatch({ type: 'answer', row: row.row.id, value: undefined });
          break;
        case '?':
          setHelpOpen((o) => !o);
          break;
        case 'Escape':
          if (!k.helpOpen) handled = false;
          setHelpOpen(false);
          break;
        default: {
          const n = /^[1-9]$/.test(e.key) ? Number(e.key) : 0;
          if (n === 0) {
            handled = false;
            break;
          }
          if (k.readOnly || row === undefined || !row.answerable) break;
          if (appliesAt(k.derived.applies, row) === Applies.No) break;
          const option = optionsOf(compiled, row)[n - 1];
          if (option === undefined) break;
          dispatch({ type: 'answer', row: row.row.id, value: option.value });
          setPinned((p) => (p.has(row.row.id) ? p : new Set(p).add(row.row.id)));
        }
      }
      if (handled) e.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [compiled, moveFocus]);

  // The focused row takes the DOM focus (unless the person is typing elsewhere) and scrolls into view.
  useEffect(() => {
    if (focused === null || listRef.current === null) return;
    const el = listRef.current.querySelector<HTMLElement>(`[data-row-id="${CSS.escape(focused)}"]`);
    if (el === null) return;
    const active = document.activeElement;
    if (active === null || active === document.body || listRef.current.contains(active)) {
      if (active !== el && !(active instanceof HTMLTextAreaElement)) el.focus({ preventScroll: true });
    }
    if (scrollOnFocus.current) el.scrollIntoView({ block: 'nearest' });
    scrollOnFocus.current = false;
  }, [focused]);

  const visibleRef = useRef(visible);
  visibleRef.current = visible;
  // Stable, so the panels that take it (remarks, workflow) do not render again on every answer.
  const focusRow = useCallback(
    (id: string) => {
      if (!visibleRef.current.has(id)) {
        setFilter('all');
        setHideNA(false);
      }
      scrollOnFocus.current = true;
      setFocused(id);
      // After a filter change the row renders first; then scroll.
      requestAnimationFrame(() => {
        const el = listRef.current?.querySelector<HTMLElement>(`[data-row-id="${CSS.escape(id)}"]`);
        el?.scrollIntoView({ block: 'center' });
        el?.focus({ preventScroll: true });
      });
    },
    [setFilter],
  );
  const remarkFocused = useCallback(() => setFocusRemark(null), []);
  const closeCarry = useCallback(() => setCarry(null), []);

  // ---- Sticky offsets ---------------------------------------------------------------------------------------------
  const toolbarRef = useRef<HTMLDivElement>(null);
  const rootRef = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    const bar = toolbarRef.current;
    const root = rootRef.current;
    if (bar === null || root === null) return;
    const set = () => root.style.setProperty('--toolbar-h', `${bar.offsetHeight}px`);
    set();
    const ro = new ResizeObserver(set);
    ro.observe(bar);
    return () => ro.disconnect();
  }, []);

  // ---- Render ---------------------------------------------------------------------------------------------------
  const title = pick(template.title, lang);
  useEffect(() => {
    document.title = `${detail.product.name} ${detail.productVersion.version} — ${title} — OpenMDS`;
  }, [detail.product.name, detail.productVersion.version, title]);

  const finalIssues = useCallback(
    () => derive(compiled, stateRef.current.content, undefined, { final: true }).validation.issues,
    [compiled],
  );

  const sectionBlocks: ReactNode[] = [];
  runs.forEach((run, i) => {
    const items: RowItem[] = [];
    let done = 0;
    let total = 0;
    for (const r of run.rows) {
      const id = r.row.id;
      const state = appliesAt(derived.applies, r);
      const entry = answers[id];
      if (r.answerable && state !== Applies.No) {
        total++;
        if (entry?.answer !== undefined) done++;
      }
      if (!visible.has(id)) continue;
      let titles = '';
      if (entry?.remarks !== undefined) {
        titles = entry.remarks
          .filter((n) => remarkText.has(n))
          .map((n) => `${n}\u0000${remarkText.get(n) ?? ''}`)
          .join('\u0001');
      }
      items.push({ row: r, entry, state, issues: derived.rowIssues.get(id), focused: focused === id, titles });
    }
    if (items.length === 0) return;
    const section = sections.get(run.section);
    sectionBlocks.push(
      <SectionBlock
        key={`${run.section}-${i}`}
        sectionId={run.section}
        heading={section === undefined ? run.section : pick(section.title, lang)}
        sectionRef={section?.ref}
        done={done}
        total={total}
        items={items}
        optionsByRow={optionsByRow}
        notes={notes}
        readOnly={readOnly}
        lang={lang}
        remarkWord={remarkWord}
        actions={actions}
      />,
    );
  });

  const c = derived.validation.counts;
  const citeRow = cite === null ? undefined : answers[cite.row];

  return (
    <div ref={rootRef} className="editor" data-testid="editor" data-editable={editable ? 'true' : 'false'}>
      <EditorTop
        orgId={orgId}
        detail={detail}
        template={template}
        compiled={compiled}
        role={role}
        title={title}
        flush={autosave.flush}
        finalIssues={finalIssues}
        labelOf={labelOf}
        focusRow={focusRow}
        carry={carry}
        onCloseCarry={closeCarry}
        otherIssues={derived.otherIssues}
        header={state.content.header}
        headerIssues={derived.headerIssues}
        readOnly={readOnly}
        lang={lang}
        dispatch={dispatch}
      />
      <div className="editor-toolbar" ref={toolbarRef}>
        <div className="editor-container">
          <EditorToolbar
            answered={derived.answered}
            applicable={derived.applicable}
            counts={c}
            otherLabel={answerSetLabels.other}
            labels={answerSetLabels}
            errors={derived.errors}
            warnings={derived.warnings}
            filter={filter}
            onFilter={setFilter}
            hideNotApplicable={hideNA}
            onHideNotApplicable={setHideNA}
            save={editable ? autosave.status : null}
            dirty={autosave.dirty}
            onRetry={autosave.retry}
            helpOpen={helpOpen}
            onHelp={setHelpOpen}
            optionCount={answerSetLabels.maxOptions}
          />
        </div>
      </div>
      <div className="editor-container editor-body">
        <div className="editor-columns">
          <div
            className="editor-rows"
            ref={listRef}
            data-testid="editor-rows"
            data-filter={filter}
            tabIndex={0}
            aria-label={t('editor.rowsLabel')}
            onFocus={(e) => {
              // Tabbing into the list lands on the focused row.
              if (e.target !== e.currentTarget || focused === null) return;
              e.currentTarget.querySelector<HTMLElement>(`[data-row-id="${CSS.escape(focused)}"]`)?.focus();
            }}
          >
            {sectionBlocks.length === 0 ? (
              <p className="no-rows" data-testid="no-rows">
                {t('editor.noRowsForFilter')}
              </p>
            ) : (
              sectionBlocks
            )}
          </div>
          <aside className="editor-side">
            <RemarksPanel
              remarks={state.content.remarks}
              citedBy={derived.citedBy}
              issues={derived.remarkIssues}
              readOnly={readOnly}
              lang={lang}
              title={template.remarkStyle === 'notes' ? t('editor.notesTitle') : t('form.remarksBlock')}
              remarkWord={remarkWord}
              focusNumber={focusRemark}
              onFocused={remarkFocused}
              dispatch={dispatch}
              labelOf={labelOf}
              focusRow={focusRow}
            />
          </aside>
        </div>
      </div>
      {cite !== null && (
        <CiteMenu
          anchor={cite.anchor}
          remarks={state.content.remarks}
          cited={citeRow?.remarks ?? []}
          remarkWord={remarkWord}
          onCite={(n) => {
            dispatch({ type: 'cite', row: cite.row, number: n });
            setCite(null);
          }}
          onNew={() => newRemark(cite.row)}
          onClose={() => setCite(null)}
        />
      )}
      {autosave.status.kind === 'conflict' && (
        <ConflictDialog
          conflict={autosave.status.conflict}
          compiled={compiled}
          remarkWord={remarkWord}
          onKeepMine={autosave.keepMine}
          onTakeTheirs={autosave.takeTheirs}
        />
      )}
    </div>
  );
}

/** What a row shows that changes with the statement; the section re-renders only when one of its rows' does. */
interface RowItem {
  row: CompiledRow;
  entry: AnswerEntry | undefined;
  state: Applies;
  issues: readonly ValidationIssue[] | undefined;
  focused: boolean;
  titles: string;
}

interface SectionBlockProps {
  sectionId: string;
  heading: string;
  sectionRef: string | undefined;
  done: number;
  total: number;
  items: readonly RowItem[];
  optionsByRow: ReadonlyMap<string, readonly AnswerOption[]>;
  notes: ReadonlyMap<string, RowNotes>;
  readOnly: boolean;
  lang: Lang;
  remarkWord: string;
  actions: RowActions;
}

function sameItems(a: readonly RowItem[], b: readonly RowItem[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (
      x.row !== y.row ||
      x.entry !== y.entry ||
      x.state !== y.state ||
      x.issues !== y.issues ||
      x.focused !== y.focused ||
      x.titles !== y.titles
    ) {
      return false;
    }
  }
  return true;
}

/**
 * One section: its sticky heading with its progress, and its rows. Memoized on the rows' items, so an answer renders
 * one section (and in it one row), not the 233 rows of NEMA MDS2.
 */
const SectionBlock = memo(
  function SectionBlock(p: SectionBlockProps) {
    return (
      <section className="esection" data-section-id={p.sectionId}>
        <h2 className="esection-head">
          <span>
            {p.heading}
            {p.sectionRef !== undefined && !p.heading.includes(`(${p.sectionRef})`) && (
              <span className="esection-ref"> ({p.sectionRef})</span>
            )}
          </span>
          <span className={`esection-count${p.done === p.total ? ' done' : ''}`}>
            {p.done} / {p.total}
          </span>
        </h2>
        {p.items.map((it) => (
          <StatementRow
            key={it.row.row.id}
            row={it.row}
            options={p.optionsByRow.get(it.row.row.id) ?? []}
            entry={it.entry}
            state={it.state}
            issues={it.issues}
            focused={it.focused}
            readOnly={p.readOnly}
            lang={p.lang}
            notes={p.notes.get(it.row.row.id)}
            remarkTitles={it.titles}
            remarkWord={p.remarkWord}
            actions={p.actions}
          />
        ))}
      </section>
    );
  },
  (a, b) =>
    a.sectionId === b.sectionId &&
    a.heading === b.heading &&
    a.sectionRef === b.sectionRef &&
    a.done === b.done &&
    a.total === b.total &&
    a.optionsByRow === b.optionsByRow &&
    a.notes === b.notes &&
    a.readOnly === b.readOnly &&
    a.lang === b.lang &&
    a.remarkWord === b.remarkWord &&
    a.actions === b.actions &&
    sameItems(a.items, b.items),
);

/** Everything above the sticky toolbar: heading, workflow, carry-forward report, header fields. */
const EditorTop = memo(function EditorTop(p: {
  orgId: string;
  detail: StatementDetail;
  template: TemplateDetail;
  compiled: CompiledTemplate;
  role: Role | undefined;
  title: string;
  flush: () => Promise<number>;
  finalIssues: () => ValidationIssue[];
  labelOf: (row: string) => string;
  focusRow: (row: string) => void;
  carry: CarryForwardInfo | null;
  onCloseCarry: () => void;
  otherIssues: readonly ValidationIssue[];
  header: Readonly<Record<string, string | undefined>>;
  headerIssues: ReadonlyMap<string, readonly ValidationIssue[]>;
  readOnly: boolean;
  lang: Lang;
  dispatch: Dispatch<EditorAction>;
}) {
  const { t } = useTranslation();
  const { carry, labelOf, focusRow } = p;
  return (
    <Container size={1500} py="md">
      <Stack gap="sm">
        <EditorHeading
          orgId={p.orgId}
          detail={p.detail}
          title={p.title}
          edition={p.template.edition}
          canWrite={can(p.role, 'write')}
        />
        <WorkflowBar
          orgId={p.orgId}
          detail={p.detail}
          compiled={p.compiled}
          role={p.role}
          flush={p.flush}
          finalIssues={p.finalIssues}
          labelOf={labelOf}
          focusRow={focusRow}
        />
        {carry !== null && carry.needsAnswer.length > 0 && (
          <Alert
            color="blue"
            title={t('carry.title', { count: carry.needsAnswer.length })}
            withCloseButton
            onClose={p.onCloseCarry}
            data-testid="carry-forward-report"
          >
            <Text size="sm" mb={4}>
              {t('carry.intro')}
            </Text>
            <Group gap={4}>
              {carry.needsAnswer.map((n) => (
                <Button key={n.row} size="compact-xs" variant="white" onClick={() => focusRow(n.row)}>
                  {labelOf(n.row)} ({t(`carry.reason.${n.reason}`, { defaultValue: n.reason })})
                </Button>
              ))}
            </Group>
            {carry.dropped.length > 0 && (
              <Text size="xs" mt={4}>
                {t('carry.dropped', { rows: carry.dropped.map((d) => d.row).join(', ') })}
              </Text>
            )}
            {carry.uncitedRemarks.length > 0 && (
              <Text size="xs" mt={4}>
                {t('carry.uncited', { remarks: carry.uncitedRemarks.join(', ') })}
              </Text>
            )}
          </Alert>
        )}
        {p.otherIssues.length > 0 && (
          <Alert color="red" p="xs">
            {p.otherIssues.map((i) => i.message[p.lang]).join(' / ')}
          </Alert>
        )}
        <Paper withBorder p="sm">
          <HeaderFields
            fields={p.template.headerFields}
            header={p.header}
            issues={p.headerIssues}
            readOnly={p.readOnly}
            lang={p.lang}
            dispatch={p.dispatch}
          />
        </Paper>
      </Stack>
    </Container>
  );
});

/** Breadcrumbs, the product and version, the template, and the 作成責任者. */
const EditorHeading = memo(function EditorHeading({
  orgId,
  detail,
  title,
  edition,
  canWrite,
}: {
  orgId: string;
  detail: StatementDetail;
  title: string;
  edition: string;
  canWrite: boolean;
}) {
  const { t } = useTranslation();
  return (
    <>
      <Breadcrumbs separator="›" fz="sm">
        <Anchor component={Link} to={`/orgs/${encodeURIComponent(orgId)}/statements`}>
          {t('statements.title')}
        </Anchor>
        <Text size="sm">
          {detail.product.name} {detail.productVersion.version}
        </Text>
      </Breadcrumbs>
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <Stack gap={2}>
          <Title order={1} size="h3" data-testid="editor-title">
            {detail.product.name} {detail.productVersion.version}
          </Title>
          <Text size="sm" c="dimmed">
            {title} ・ {t('form.edition')} {edition}
          </Text>
        </Stack>
        <Group gap="xs" align="center" wrap="nowrap">
          <Text size="sm" c="dimmed">
            {t('statements.responsible')}
          </Text>
          <ResponsibleBox orgId={orgId} detail={detail} canWrite={canWrite} />
        </Group>
      </Group>
    </>
  );
});

function ResponsibleBox({ orgId, detail, canWrite }: { orgId: string; detail: StatementDetail; canWrite: boolean }) {
  const members = useQuery({ queryKey: ['members', orgId], queryFn: () => api.members(orgId), enabled: canWrite });
  return (
    <div style={{ minWidth: 200 }}>
      <ResponsibleSelect orgId={orgId} statement={detail} members={members.data} canWrite={canWrite} size="sm" />
    </div>
  );
}
