import { ActionIcon, Button, Group, Kbd, Popover, SegmentedControl, Switch, Table, Text } from '@mantine/core';
import { memo, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { formatClock } from '../format';
import { KeyboardIcon } from '../icons';
import type { SaveStatus } from './autosave';
import type { Filter } from './model';

const FILTERS: readonly Filter[] = ['all', 'unanswered', 'no', 'issues'];

interface Props {
  answered: number;
  applicable: number;
  counts: { yes: number; no: number; na: number; other: number };
  otherLabel: string | null;
  labels: { yes: string; no: string; na: string };
  errors: number;
  warnings: number;
  filter: Filter;
  onFilter: (filter: Filter) => void;
  hideNotApplicable: boolean;
  onHideNotApplicable: (hide: boolean) => void;
  save: SaveStatus | null;
  dirty: boolean;
  onRetry: () => void;
  helpOpen: boolean;
  onHelp: (open: boolean) => void;
  optionCount: number;
}

/**
 * Progress, counts, filters, the save state and the keyboard help: the bar that stays on top while scrolling. Each
 * part is memoized on its own, so answering a row re-renders the counts and nothing else of the bar.
 */
export function EditorToolbar(p: Props) {
  return (
    <div className="toolbar-row">
      <ProgressCounts
        answered={p.answered}
        applicable={p.applicable}
        yes={p.counts.yes}
        no={p.counts.no}
        na={p.counts.na}
        other={p.counts.other}
        otherLabel={p.otherLabel}
        yesLabel={p.labels.yes}
        noLabel={p.labels.no}
        naLabel={p.labels.na}
        errors={p.errors}
        warnings={p.warnings}
      />
      <div className="toolbar-controls">
        <Filters
          filter={p.filter}
          onFilter={p.onFilter}
          hideNotApplicable={p.hideNotApplicable}
          onHideNotApplicable={p.onHideNotApplicable}
        />
        <SaveIndicator status={p.save} dirty={p.dirty} onRetry={p.onRetry} />
        <HelpButton open={p.helpOpen} onHelp={p.onHelp} optionCount={p.optionCount} />
      </div>
    </div>
  );
}

const ProgressCounts = memo(function ProgressCounts(p: {
  answered: number;
  applicable: number;
  yes: number;
  no: number;
  na: number;
  other: number;
  otherLabel: string | null;
  yesLabel: string;
  noLabel: string;
  naLabel: string;
  errors: number;
  warnings: number;
}) {
  const { t } = useTranslation();
  const pct = p.applicable === 0 ? 0 : Math.round((p.answered / p.applicable) * 100);
  return (
    <div className="toolbar-progress">
      <div className="progress-block" data-testid="progress">
        <div className="progress-text">
          {t('editor.progress', { answered: p.answered, applicable: p.applicable, pct })}
        </div>
        <div className="progress-bar" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100}>
          <div className={`progress-fill${pct === 100 ? ' done' : ''}`} style={{ width: `${pct}%` }} />
        </div>
      </div>
      <div className="count-badges" data-testid="counts">
        <span className="count count-yes" data-count="yes">
          {p.yesLabel} {p.yes}
        </span>
        <span className="count count-no" data-count="no">
          {p.noLabel} {p.no}
        </span>
        <span className="count count-na" data-count="na">
          {p.naLabel} {p.na}
        </span>
        {p.otherLabel !== null && (
          <span className="count count-other" data-count="other">
            {p.otherLabel} {p.other}
          </span>
        )}
        {p.errors > 0 && (
          <span className="count count-error" data-count="errors">
            {t('editor.errors', { count: p.errors })}
          </span>
        )}
        {p.warnings > 0 && (
          <span className="count count-warning" data-count="warnings">
            {t('editor.warnings', { count: p.warnings })}
          </span>
        )}
      </div>
    </div>
  );
});

const Filters = memo(function Filters(p: {
  filter: Filter;
  onFilter: (filter: Filter) => void;
  hideNotApplicable: boolean;
  onHideNotApplicable: (hide: boolean) => void;
}) {
  const { t } = useTranslation();
  return (
    <>
      <SegmentedControl
        size="xs"
        value={p.filter}
        onChange={(v) => p.onFilter(FILTERS.find((f) => f === v) ?? 'all')}
        data={[
          { value: 'all', label: t('editor.filter.all') },
          { value: 'unanswered', label: t('editor.filter.unanswered') },
          { value: 'no', label: t('editor.filter.no') },
          { value: 'issues', label: t('editor.filter.issues') },
        ]}
        aria-label={t('editor.filter.label')}
        data-testid="row-filter"
      />
      <Switch
        size="xs"
        label={t('editor.hideNotApplicable')}
        checked={p.hideNotApplicable}
        onChange={(e) => p.onHideNotApplicable(e.currentTarget.checked)}
        data-testid="hide-not-applicable"
      />
    </>
  );
});

const HelpButton = memo(function HelpButton(p: {
  open: boolean;
  onHelp: (open: boolean) => void;
  optionCount: number;
}) {
  const { t } = useTranslation();
  return (
    <Popover
      opened={p.open}
      onChange={p.onHelp}
      onClose={() => p.onHelp(false)}
      onDismiss={() => p.onHelp(false)}
      position="bottom-end"
      withArrow
      shadow="md"
      width={340}
    >
      <Popover.Target>
        <ActionIcon
          variant="default"
          aria-label={t('editor.shortcuts.title')}
          title={`${t('editor.shortcuts.title')} (?)`}
          onClick={() => p.onHelp(!p.open)}
          data-testid="shortcuts-help"
        >
          <KeyboardIcon size={16} />
        </ActionIcon>
      </Popover.Target>
      <Popover.Dropdown>
        <ShortcutHelp optionCount={p.optionCount} />
      </Popover.Dropdown>
    </Popover>
  );
});

const SaveIndicator = memo(function SaveIndicator({
  status,
  dirty,
  onRetry,
}: {
  status: SaveStatus | null;
  dirty: boolean;
  onRetry: () => void;
}) {
  const { t } = useTranslation();
  if (status === null) {
    return (
      <Text size="xs" c="dimmed" data-testid="save-status" data-state="read-only">
        {t('editor.readOnly')}
      </Text>
    );
  }
  switch (status.kind) {
    case 'saving':
      return (
        <Text size="xs" c="blue" data-testid="save-status" data-state="saving" aria-live="polite">
          {t('editor.saving')}
        </Text>
      );
    case 'saved':
      return (
        <Text
          size="xs"
          c={dirty ? 'dimmed' : 'green'}
          data-testid="save-status"
          data-state={dirty ? 'dirty' : 'saved'}
          aria-live="polite"
        >
          {dirty ? t('editor.unsaved') : t('editor.savedAt', { time: formatClock(status.at) })}
        </Text>
      );
    case 'error':
      return (
        <Group gap={4} wrap="nowrap" data-testid="save-status" data-state="error">
          <Text size="xs" c="red" title={status.message}>
            {t('editor.saveError')}
          </Text>
          <Button size="compact-xs" variant="light" color="red" onClick={onRetry}>
            {t('editor.retry')}
          </Button>
        </Group>
      );
    case 'conflict':
      return (
        <Text size="xs" c="orange" data-testid="save-status" data-state="conflict">
          {t('editor.conflict')}
        </Text>
      );
    case 'locked':
      return (
        <Text size="xs" c="orange" data-testid="save-status" data-state="locked">
          {t('editor.lockedWaiting')}
        </Text>
      );
    case 'idle':
      return (
        <Text size="xs" c="dimmed" data-testid="save-status" data-state={dirty ? 'dirty' : 'idle'}>
          {dirty ? t('editor.unsaved') : t('editor.upToDate')}
        </Text>
      );
  }
});

function ShortcutHelp({ optionCount }: { optionCount: number }) {
  const { t } = useTranslation();
  const keys = Array.from({ length: optionCount }, (_, i) => String(i + 1));
  const rows: [ReactNode, string][] = [
    [
      <>
        <Kbd>↑</Kbd> <Kbd>↓</Kbd> / <Kbd>k</Kbd> <Kbd>j</Kbd>
      </>,
      t('editor.shortcuts.move'),
    ],
    [
      <>
        {keys.map((k) => (
          <Kbd key={k} mr={2}>
            {k}
          </Kbd>
        ))}
      </>,
      t('editor.shortcuts.answer'),
    ],
    [
      <>
        <Kbd>0</Kbd> / <Kbd>Backspace</Kbd>
      </>,
      t('editor.shortcuts.clear'),
    ],
    [
      <>
        <Kbd>Enter</Kbd> / <Kbd>→</Kbd>
      </>,
      t('editor.shortcuts.next'),
    ],
    [<Kbd key="q">?</Kbd>, t('editor.shortcuts.help')],
  ];
  return (
    <div data-testid="shortcuts-table">
      <Text fw={700} size="sm" mb={4}>
        {t('editor.shortcuts.title')}
      </Text>
      <Table withRowBorders={false} verticalSpacing={4}>
        <Table.Tbody>
          {rows.map(([k, label], i) => (
            <Table.Tr key={i}>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>{k}</Table.Td>
              <Table.Td>
                <Text size="sm">{label}</Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Text size="xs" c="dimmed" mt={4}>
        {t('editor.shortcuts.note')}
      </Text>
    </div>
  );
}
