import {
  Alert,
  Anchor,
  Badge,
  Button,
  Checkbox,
  Drawer,
  Group,
  List,
  Modal,
  ScrollArea,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import {
  memo,
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
  type CSSProperties,
  type KeyboardEvent,
  type MouseEvent,
} from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router';
import { api, pick } from '../api';
import { useLang } from '../i18n';
import { LoadError, Loading } from '../pages/query-state';
import { Page } from '../workspace/page';
import {
  filterLines,
  matrixView,
  type CellView,
  type ColumnView,
  type LineView,
  type RowLineView,
} from './comparison-model';
import {
  CELL_CATEGORIES,
  fold,
  inventoryApi,
  type CellCategory,
  type RowAnswer,
  type SourceView,
} from './inventory-api';
import { TemplateTag, sourceTitle } from './inventory-labels';
import './inventory.css';

const DEFAULT_BASE = 'jahis-jira-mds@2';
const MAX_SOURCES = 60;
/** Column widths of the matrix (fixed table layout: the header row sets them). */
const HEAD_WIDTH = 280;
const COL_WIDTH = 104;
const isCategory = (v: string | null): v is CellCategory => CELL_CATEGORIES.includes(v as CellCategory);

/**
 * /orgs/:orgId/comparison — the statements held side by side: products as columns, the base template's rows as
 * lines. The address keeps the choice (`?sources=a,b&base=id@edition&section=&answer=`), so a comparison is a link.
 * The matrix is fetched whole and filtered here: switching a filter costs no request and no cell is rebuilt.
 */
export function ComparisonPage() {
  const { t } = useTranslation();
  const [lang] = useLang();
  const { orgId = '' } = useParams();
  const [sp, setSp] = useSearchParams();
  const sources = sp.get('sources') ?? undefined;
  const base = sp.get('base') ?? DEFAULT_BASE;
  const section = sp.get('section');
  const answerParam = sp.get('answer');
  const answer = isCategory(answerParam) ? answerParam : null;
  const [choosing, setChoosing] = useState(false);

  const update = useCallback(
    (changes: Record<string, string | null>) =>
      setSp(
        (prev) => {
          const next = new URLSearchParams(prev);
          for (const [k, v] of Object.entries(changes)) {
            if (v === null || v === '') next.delete(k);
            else next.set(k, v);
          }
          return next;
        },
        { replace: true },
      ),
    [setSp],
  );

  const held = useQuery({ queryKey: ['inventory', orgId, 'sources'], queryFn: () => inventoryApi.sources(orgId) });
  const templates = useQuery({ queryKey: ['templates'], queryFn: () => api.templates(), staleTime: Infinity });
  const comparison = useQuery({
    queryKey: ['inventory', orgId, 'comparison', sources ?? '', base],
    queryFn: ({ signal }) => inventoryApi.comparison(orgId, { sources, base }, signal),
    placeholderData: keepPreviousData,
    // The default (all held) is refused past the limit: let the hospital choose instead of asking in vain.
    enabled: sources !== undefined || (held.data !== undefined && held.data.length <= MAX_SOURCES),
  });

  const view = useMemo(
    () => (comparison.data === undefined ? null : matrixView(comparison.data, lang, t)),
    [comparison.data, lang, t],
  );
  const lines = useMemo(() => (view === null ? [] : filterLines(view.lines, section, answer)), [view, section, answer]);
  const baseOptions = useMemo(
    () =>
      (templates.data ?? []).map((x) => ({
        value: `${x.id}@${x.edition}`,
        label: `${pick(x.title, lang)} (${x.edition})`,
      })),
    [templates.data, lang],
  );
  const xlsx = inventoryApi.comparisonXlsxUrl(orgId, {
    sources,
    base,
    ...(section === null ? {} : { section }),
    ...(answer === null ? {} : { answer }),
  });
  const tooMany = sources === undefined && held.data !== undefined && held.data.length > MAX_SOURCES;
  const chosenCount = sources === undefined ? (held.data?.length ?? 0) : sources.split(',').filter(Boolean).length;

  return (
    <Page
      title={t('inventory.comparison.title')}
      subtitle={t('inventory.comparison.intro')}
      size="100%"
      testId="comparison-page"
      actions={
        <Button
          component="a"
          href={xlsx}
          download="comparison.xlsx"
          variant="light"
          disabled={view === null}
          data-testid="comparison-xlsx"
        >
          {t('inventory.comparison.xlsx')}
        </Button>
      }
    >
      <Group gap="sm" align="flex-end" wrap="wrap" role="search" aria-label={t('inventory.comparison.filters')}>
        <Stack gap={4}>
          <Text size="sm" fw={500}>
            {t('inventory.comparison.products')}
          </Text>
          <Button variant="default" onClick={() => setChoosing(true)} data-testid="choose-sources">
            {sources === undefined
              ? t('inventory.comparison.allProducts', { count: chosenCount })
              : t('inventory.comparison.someProducts', { count: chosenCount })}
          </Button>
        </Stack>
        <Select
          label={t('inventory.comparison.base')}
          data={baseOptions.length > 0 ? baseOptions : [{ value: base, label: base }]}
          value={base}
          onChange={(v) => update({ base: v === DEFAULT_BASE ? null : v, section: null })}
          allowDeselect={false}
          w={320}
          data-testid="comparison-base"
        />
        <Select
          label={t('inventory.comparison.section')}
          placeholder={t('inventory.filter.all')}
          data={view?.sections ?? []}
          value={section}
          onChange={(v) => update({ section: v })}
          clearable
          w={300}
          data-testid="comparison-section"
        />
        <Select
          label={t('inventory.comparison.answer')}
          placeholder={t('inventory.filter.all')}
          data={CELL_CATEGORIES.map((c) => ({ value: c, label: t(`inventory.comparison.category.${c}`) }))}
          value={answer}
          onChange={(v) => update({ answer: v })}
          clearable
          w={220}
          data-testid="comparison-answer"
        />
      </Group>
      <Legend />
      {tooMany && (
        <Alert color="yellow" data-testid="comparison-too-many">
          {t('inventory.comparison.tooMany', { count: held.data?.length ?? 0, max: MAX_SOURCES })}
        </Alert>
      )}
      {held.data !== undefined && held.data.length === 0 ? (
        <Text c="dimmed" data-testid="comparison-empty">
          {t('inventory.comparison.empty')}{' '}
          <Anchor component={Link} to={`/orgs/${encodeURIComponent(orgId)}/sources`}>
            {t('inventory.comparison.toSources')}
          </Anchor>
        </Text>
      ) : comparison.isError ? (
        <LoadError error={comparison.error} />
      ) : view === null ? (
        tooMany ? null : (
          <Loading />
        )
      ) : (
        <>
          <Text size="sm" c="dimmed" aria-live="polite" data-testid="comparison-count">
            {t('inventory.comparison.count', {
              rows: lines.filter((l) => l.kind === 'row').length,
              products: view.columns.length,
            })}
          </Text>
          <Matrix columns={view.columns} lines={lines} stale={comparison.isPlaceholderData} />
        </>
      )}
      {choosing && (
        <SourcePicker
          held={held.data ?? []}
          chosen={sources === undefined ? null : sources.split(',').filter(Boolean)}
          onClose={() => setChoosing(false)}
          onApply={(ids) => {
            setChoosing(false);
            update({ sources: ids === null ? null : ids.join(',') });
          }}
        />
      )}
    </Page>
  );
}

function Legend() {
  const { t } = useTranslation();
  const items: [string, string][] = [
    ['cmp-yes', t('inventory.comparison.category.yes')],
    ['cmp-no', t('inventory.comparison.category.no')],
    ['cmp-na', t('inventory.comparison.category.na')],
    ['cmp-unanswered', t('inventory.comparison.category.unanswered')],
    ['cmp-mixed', t('inventory.comparison.legendMixed')],
    ['cmp-none', t('inventory.comparison.legendNone')],
  ];
  return (
    <ul className="cmp-legend" aria-label={t('inventory.comparison.legend')}>
      {items.map(([cls, label]) => (
        <li key={cls}>
          <span className={`cmp-swatch ${cls}`} aria-hidden="true" />
          {label}
        </li>
      ))}
    </ul>
  );
}

// ---- The matrix -------------------------------------------------------------------------------------------------

interface Active {
  row: number;
  col: number;
}

/**
 * The table itself: plain cells with a class each, sticky header and first column. One tab stop; the arrow keys
 * move the active cell (aria-activedescendant), Enter or a click opens the cell's detail. Rows are memoized, so
 * moving re-renders the two rows concerned.
 */
function Matrix({
  columns,
  lines,
  stale,
}: {
  columns: readonly ColumnView[];
  lines: readonly LineView[];
  stale: boolean;
}) {
  const { t } = useTranslation();
  const rowLines = useMemo(() => lines.filter((l): l is RowLineView => l.kind === 'row'), [lines]);
  const rowIndex = useMemo(() => new Map(rowLines.map((l, i) => [l.rowId, i])), [rowLines]);
  const [active, setActive] = useState<Active | null>(null);
  const [open, setOpen] = useState<Active | null>(null);
  const scroller = useRef<HTMLDivElement>(null);

  // The lines or columns changed under the active cell: keep it inside.
  const current =
    active === null || rowLines.length === 0 || columns.length === 0
      ? null
      : { row: Math.min(active.row, rowLines.length - 1), col: Math.min(active.col, columns.length - 1) };
  const activeRowId = current === null ? null : (rowLines[current.row]?.rowId ?? null);

  useEffect(() => {
    if (current === null) return;
    scroller.current?.querySelector('#cmp-active-cell')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [current?.row, current?.col]);

  const onKeyDown = (e: KeyboardEvent) => {
    if (rowLines.length === 0 || columns.length === 0) return;
    const c = current ?? { row: 0, col: 0 };
    let next: Active;
    switch (e.key) {
      case 'ArrowDown':
        next = { row: Math.min(c.row + 1, rowLines.length - 1), col: c.col };
        break;
      case 'ArrowUp':
        next = { row: Math.max(c.row - 1, 0), col: c.col };
        break;
      case 'ArrowRight':
        next = { row: c.row, col: Math.min(c.col + 1, columns.length - 1) };
        break;
      case 'ArrowLeft':
        next = { row: c.row, col: Math.max(c.col - 1, 0) };
        break;
      case 'Home':
        next = { row: c.row, col: 0 };
        break;
      case 'End':
        next = { row: c.row, col: columns.length - 1 };
        break;
      case 'Enter':
      case ' ':
        e.preventDefault();
        setActive(c);
        setOpen(c);
        return;
      default:
        return;
    }
    e.preventDefault();
    setActive(next);
  };
  // One listener for every cell: a click names its cell by data-row / data-col.
  const onClick = (e: MouseEvent) => {
    const td = (e.target as HTMLElement).closest<HTMLElement>('td[data-col]');
    if (td === null) return;
    const row = rowIndex.get(td.dataset.row ?? '');
    const col = columns.findIndex((c) => c.id === td.dataset.col);
    if (row === undefined || col < 0) return;
    setActive({ row, col });
    setOpen({ row, col });
  };

  if (lines.length === 0) {
    return (
      <Text c="dimmed" data-testid="comparison-no-lines">
        {t('inventory.filter.nothing')}
      </Text>
    );
  }
  const openLine = open === null ? undefined : rowLines[open.row];
  const openColumn = open === null ? undefined : columns[open.col];
  const openCell = open === null ? undefined : openLine?.cells[open.col];
  return (
    <>
      <div
        ref={scroller}
        className="cmp-scroll"
        data-stale={stale || undefined}
        tabIndex={0}
        role="region"
        aria-label={t('inventory.comparison.matrixLabel')}
        aria-describedby="cmp-keys"
        aria-activedescendant={current === null ? undefined : 'cmp-active-cell'}
        onKeyDown={onKeyDown}
        data-testid="comparison-scroll"
      >
        <table
          className="cmp-matrix"
          style={
            {
              '--cmp-head': `${HEAD_WIDTH}px`,
              '--cmp-col': `${COL_WIDTH}px`,
              width: HEAD_WIDTH + COL_WIDTH * columns.length,
            } as CSSProperties
          }
          onClick={onClick}
          data-testid="comparison-matrix"
          data-cols={columns.length}
          data-rows={rowLines.length}
        >
          <thead>
            <Header columns={columns} />
          </thead>
          <tbody>
            {lines.map((l) => (
              <Line
                key={l.key}
                line={l}
                columns={columns}
                activeCol={l.kind === 'row' && l.rowId === activeRowId ? (current?.col ?? -1) : -1}
              />
            ))}
          </tbody>
        </table>
      </div>
      <Text size="xs" c="dimmed" id="cmp-keys">
        {t('inventory.comparison.keys')}
      </Text>
      <Drawer
        opened={openCell !== undefined}
        onClose={() => setOpen(null)}
        position="right"
        size="md"
        title={t('inventory.comparison.detail')}
        data-testid="cell-detail"
      >
        {openLine !== undefined && openColumn !== undefined && openCell !== undefined && (
          <CellDetail line={openLine} column={openColumn} cell={openCell} />
        )}
      </Drawer>
    </>
  );
}

const Header = memo(function Header({ columns }: { columns: readonly ColumnView[] }) {
  const { t } = useTranslation();
  return (
    <tr>
      <th className="cmp-corner" scope="col">
        {t('inventory.comparison.rowHead')}
      </th>
      {columns.map((c) => (
        <th key={c.id} scope="col" className="cmp-colhead" data-col={c.id} data-alignment={c.alignment}>
          <span className="cmp-maker">{c.manufacturer}</span>
          <span className="cmp-product">{c.product}</span>
          <span className="cmp-version">{c.version}</span>
          {c.alignment !== 'same-template' && (
            <span className="cmp-align" title={t(`inventory.comparison.alignment.${c.alignment}`)}>
              {c.template.id === 'nema-mds2' ? `MDS2 ${c.template.edition}` : `${c.template.id}@${c.template.edition}`}
            </span>
          )}
        </th>
      ))}
    </tr>
  );
});

/** One line: a section heading, a group heading, or a row of cells. Re-renders only when its props change. */
const Line = memo(function Line({
  line,
  columns,
  activeCol,
}: {
  line: LineView;
  columns: readonly ColumnView[];
  activeCol: number;
}) {
  const span = columns.length + 1;
  if (line.kind === 'section') {
    return (
      <tr className="cmp-section" data-section-id={line.sectionId}>
        <th colSpan={span} scope="colgroup">
          <span className="cmp-sticky">{line.title}</span>
        </th>
      </tr>
    );
  }
  if (line.kind === 'group') {
    return (
      <tr className="cmp-group" data-group-id={line.rowId}>
        <th colSpan={span} scope="rowgroup">
          <span className="cmp-sticky">
            {line.number} {line.text}
          </span>
        </th>
      </tr>
    );
  }
  return (
    <tr data-row-id={line.rowId}>
      <th scope="row" className="cmp-rowhead" title={line.text}>
        <span className="cmp-num">{line.number}</span>
        <span className="cmp-text">{line.text}</span>
        {line.refs !== '' && <span className="cmp-refs">{line.refs}</span>}
      </th>
      {line.cells.map((c: CellView, i) => {
        const col = columns[i];
        const isActive = i === activeCol;
        return (
          <td
            key={col?.id ?? i}
            id={isActive ? 'cmp-active-cell' : undefined}
            className={isActive ? `${c.cls} cmp-active` : c.cls}
            data-row={line.rowId}
            data-col={col?.id}
            data-category={c.categories.join(' ')}
            data-kind={c.cell.kind}
            title={c.title}
          >
            {c.text}
          </td>
        );
      })}
    </tr>
  );
});

function AnswerDetail({ a }: { a: RowAnswer }) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const label =
    a.category === 'unanswered'
      ? t('inventory.comparison.cell.unanswered')
      : a.category === 'not-applicable-by-rule'
        ? t('inventory.comparison.cell.ruledOutLong')
        : a.label !== null
          ? pick(a.label, lang)
          : (a.answer ?? '');
  return (
    <Stack gap={4}>
      <Text size="sm" fw={700} data-testid="cell-answer">
        {label}
      </Text>
      {a.remarks.length > 0 && (
        <List size="sm" spacing={4} data-testid="cell-remarks">
          {a.remarks.map((r) => (
            <List.Item key={r.number}>
              <b>{t('inventory.comparison.remarkN', { n: r.number })}</b>{' '}
              <span style={{ whiteSpace: 'pre-wrap' }}>{r.text ?? t('inventory.comparison.remarkMissing')}</span>
            </List.Item>
          ))}
        </List>
      )}
    </Stack>
  );
}

function CellDetail({ line, column, cell }: { line: RowLineView; column: ColumnView; cell: CellView }) {
  const { t } = useTranslation();
  const c = cell.cell;
  return (
    <Stack gap="sm" data-row={line.rowId} data-col={column.id}>
      <Stack gap={0}>
        <Text size="xs" c="dimmed">
          {column.manufacturer}
        </Text>
        <Text fw={700}>
          {column.product} {column.version}
        </Text>
        <Group gap={4}>
          <TemplateTag template={column.template} />
        </Group>
      </Stack>
      <Text size="sm">
        <b>{line.number}</b> {line.text}
      </Text>
      {c.kind === 'answer' && (
        <>
          {c.via === 'row-id' && (
            <Text size="xs" c="dimmed">
              {t('inventory.comparison.viaRowId')}
            </Text>
          )}
          <AnswerDetail a={c} />
        </>
      )}
      {c.kind === 'counterparts' && (
        <Stack gap="sm">
          <Text size="xs" c="dimmed">
            {t('inventory.comparison.viaXref')}
          </Text>
          {c.rows.map((r) => (
            <Stack key={r.rowId} gap={2} data-counterpart={r.rowId}>
              <Group gap={6}>
                <Text size="sm" fw={700} className="mono">
                  {r.rowId}
                </Text>
                <Badge size="xs" variant="light" color={r.relation === 'equivalent' ? 'green' : 'yellow'}>
                  {t(`inventory.comparison.relation.${r.relation}`)}
                </Badge>
              </Group>
              <AnswerDetail a={r} />
            </Stack>
          ))}
        </Stack>
      )}
      {(c.kind === 'no-counterpart' || c.kind === 'not-comparable') && (
        <Alert color="gray" p="xs" data-testid="cell-no-counterpart">
          {cell.title}
        </Alert>
      )}
    </Stack>
  );
}

// ---- Choosing the products ------------------------------------------------------------------------------------------

function SourcePicker({
  held,
  chosen,
  onClose,
  onApply,
}: {
  held: SourceView[];
  /** The ids chosen; null for all held (the API's default). */
  chosen: string[] | null;
  onClose: () => void;
  onApply: (ids: string[] | null) => void;
}) {
  const { t } = useTranslation();
  const [selected, setSelected] = useState<string[]>(() => chosen ?? held.map((s) => s.id));
  const [search, setSearch] = useState('');
  const shown = useMemo(() => {
    const q = fold(search.trim());
    return held.filter(
      (s) => q === '' || fold(`${s.manufacturer} ${s.product} ${s.productVersion} ${s.fileName ?? ''}`).includes(q),
    );
  }, [held, search]);
  const set = new Set(selected);
  const toggle = (id: string, on: boolean) =>
    setSelected((prev) => (on ? [...prev.filter((x) => x !== id), id] : prev.filter((x) => x !== id)));
  const all = selected.length === held.length;
  return (
    <Modal opened onClose={onClose} title={t('inventory.comparison.chooseTitle')} size="lg">
      <Stack gap="sm" data-testid="source-picker">
        <Group gap="xs" align="flex-end">
          <TextInput
            label={t('inventory.filter.search')}
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
            style={{ flex: 1 }}
            data-autofocus
          />
          <Button variant="default" onClick={() => setSelected(held.map((s) => s.id))}>
            {t('inventory.comparison.selectAll')}
          </Button>
          <Button variant="default" onClick={() => setSelected([])}>
            {t('inventory.comparison.selectNone')}
          </Button>
        </Group>
        <ScrollArea.Autosize mah={420}>
          <Table verticalSpacing={4}>
            <Table.Tbody>
              {shown.map((s) => (
                <Table.Tr key={s.id} data-id={s.id}>
                  <Table.Td w={36}>
                    <Checkbox
                      checked={set.has(s.id)}
                      onChange={(e) => toggle(s.id, e.currentTarget.checked)}
                      aria-label={`${s.manufacturer} ${sourceTitle(s)}`}
                    />
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">
                      {s.manufacturer} <b>{sourceTitle(s)}</b>
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <TemplateTag template={s.template} />
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs" c="dimmed">
                      {s.statementDate}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea.Autosize>
        {selected.length > MAX_SOURCES && (
          <Text size="sm" c="red.8" role="alert">
            {t('inventory.comparison.tooManyChosen', { max: MAX_SOURCES })}
          </Text>
        )}
        <Group justify="space-between">
          <Text size="sm" c="dimmed">
            {t('inventory.comparison.chosen', { count: selected.length })}
          </Text>
          <Group gap="xs">
            <Button variant="default" onClick={onClose}>
              {t('app.cancel')}
            </Button>
            <Button
              disabled={selected.length === 0 || selected.length > MAX_SOURCES}
              onClick={() => {
                // Columns in the API's default order: by manufacturer, product and version.
                const order = held
                  .filter((s) => set.has(s.id))
                  .sort(
                    (a, b) =>
                      a.manufacturer.localeCompare(b.manufacturer, 'ja') ||
                      a.product.localeCompare(b.product, 'ja') ||
                      a.productVersion.localeCompare(b.productVersion, 'ja'),
                  )
                  .map((s) => s.id);
                onApply(all && held.length <= MAX_SOURCES ? null : order);
              }}
              data-testid="apply-sources"
            >
              {t('inventory.comparison.apply')}
            </Button>
          </Group>
        </Group>
      </Stack>
    </Modal>
  );
}
