import { Anchor, Badge, Group, Table, Text, UnstyledButton } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDate } from '../format';
import { useLang } from '../i18n';
import type { RiskSummary } from './assessments-api';
import { LEVELS, LEVEL_COLOR, levelBackground } from './labels';

export type Cell = readonly [number, number];

/**
 * The heat map of `summarize`: counts per cell, coloured by the cell's level, the highest step at the top. With
 * `onSelect` each cell is a toggle button that filters the risks to it.
 */
export function HeatMapGrid({
  heatMap,
  selected,
  onSelect,
  testId = 'heat-map',
}: {
  heatMap: RiskSummary['heatMap'];
  selected?: Cell | null;
  onSelect?: (cell: Cell | null) => void;
  testId?: string;
}) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const rows = heatMap.counts.map((_, i) => i).reverse();
  const rowName = heatMap.rows.name[lang];
  const colName = heatMap.columns.name[lang];
  return (
    <div style={{ overflowX: 'auto' }}>
      <table
        data-testid={testId}
        style={{ borderCollapse: 'separate', borderSpacing: 3, fontSize: 'var(--mantine-font-size-xs)' }}
      >
        <caption style={{ captionSide: 'bottom', textAlign: 'left', paddingTop: 4 }}>
          <Text size="xs" c="dimmed" span>
            {t('assessments.heatMap.caption', { rows: rowName, cols: colName })}
          </Text>
        </caption>
        <thead>
          <tr>
            <th scope="col" style={{ textAlign: 'left', fontWeight: 400 }}>
              <Text size="xs" c="dimmed" span>
                {rowName} \ {colName}
              </Text>
            </th>
            {heatMap.columns.labels.map((l, j) => (
              <th key={j} scope="col" style={{ fontWeight: 500, maxWidth: 84, verticalAlign: 'bottom' }}>
                {l[lang]}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((i) => (
            <tr key={i}>
              <th scope="row" style={{ textAlign: 'right', fontWeight: 500, paddingRight: 6, whiteSpace: 'nowrap' }}>
                {heatMap.rows.labels[i]?.[lang] ?? i + 1}
              </th>
              {(heatMap.counts[i] ?? []).map((count, j) => {
                const level = heatMap.levels[i]?.[j] ?? 'low';
                const isSelected = selected?.[0] === i && selected[1] === j;
                const label = t('assessments.heatMap.cell', {
                  row: `${rowName} ${heatMap.rows.labels[i]?.[lang] ?? ''}`,
                  col: heatMap.columns.labels[j]?.[lang] ?? '',
                  count,
                  level: t(`assessments.level.${level}`),
                });
                const style = {
                  display: 'block',
                  minWidth: 44,
                  height: 36,
                  textAlign: 'center' as const,
                  background: levelBackground(level, count === 0),
                  color: 'var(--mantine-color-dark-9)',
                  fontWeight: count === 0 ? 400 : 700,
                  fontSize: 'var(--mantine-font-size-sm)',
                  borderRadius: 4,
                  outline: isSelected ? '3px solid var(--mantine-color-blue-7)' : undefined,
                  outlineOffset: -1,
                };
                return (
                  <td key={j} data-testid="heat-cell" data-level={level} data-row={i} data-col={j} data-count={count}>
                    {onSelect === undefined ? (
                      <span style={{ ...style, lineHeight: '36px' }} title={label} aria-label={label} role="img">
                        {count === 0 ? '·' : count}
                      </span>
                    ) : (
                      <UnstyledButton
                        style={style}
                        aria-label={label}
                        aria-pressed={isSelected}
                        title={label}
                        disabled={count === 0 && !isSelected}
                        onClick={() => onSelect(isSelected ? null : [i, j])}
                      >
                        {count === 0 ? '·' : count}
                      </UnstyledButton>
                    )}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The levels a summary counts, as small badges ("高 3 中 5"). */
export function LevelCounts({ byLevel }: { byLevel: Record<string, number> }) {
  const { t } = useTranslation();
  return (
    <Group gap={4} wrap="wrap">
      {LEVELS.filter((l) => (byLevel[l] ?? 0) > 0).map((l) => (
        <Badge key={l} color={LEVEL_COLOR[l]} variant="light" size="sm" data-level={l}>
          {t(`assessments.level.${l}`)} {byLevel[l]}
        </Badge>
      ))}
    </Group>
  );
}

/** Risks by guideline section: total, unresolved, levels. With `onSelect` the section names filter the list. */
export function BySectionTable({
  bySection,
  selected,
  onSelect,
}: {
  bySection: RiskSummary['bySection'];
  selected?: string | null;
  onSelect?: (section: string | null) => void;
}) {
  const { t } = useTranslation();
  if (bySection.length === 0) return <Text c="dimmed">{t('assessments.noRisks')}</Text>;
  return (
    <Table withTableBorder striped verticalSpacing={4} data-testid="by-section-table">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t('assessments.section')}</Table.Th>
          <Table.Th ta="right">{t('assessments.total')}</Table.Th>
          <Table.Th ta="right">{t('assessments.unresolved')}</Table.Th>
          <Table.Th>{t('assessments.levels')}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {bySection.map((s) => (
          <Table.Tr
            key={s.guidelineSection}
            data-id={s.guidelineSection}
            className={selected === s.guidelineSection ? 'highlight-row' : undefined}
          >
            <Table.Td>
              {onSelect === undefined ? (
                s.guidelineSection
              ) : (
                <Anchor
                  component="button"
                  type="button"
                  size="sm"
                  aria-pressed={selected === s.guidelineSection}
                  onClick={() => onSelect(selected === s.guidelineSection ? null : s.guidelineSection)}
                >
                  {s.guidelineSection}
                </Anchor>
              )}
            </Table.Td>
            <Table.Td ta="right">{s.total}</Table.Td>
            <Table.Td ta="right" c={s.unresolved > 0 ? 'red.8' : undefined}>
              {s.unresolved}
            </Table.Td>
            <Table.Td>
              <LevelCounts byLevel={s.byLevel} />
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

export interface OverdueItem {
  id: string;
  rowId: string;
  systemName: string;
  owner: string | null;
  dueDate: string;
  daysOverdue: number | null;
  /** The link or button that opens the risk. */
  open: (label: ReactNode) => ReactNode;
}

/** Treatments past their due date, the longest overdue first (as the server sorts them). */
export function OverdueTable({ items }: { items: OverdueItem[] }) {
  const { t } = useTranslation();
  const [lang] = useLang();
  if (items.length === 0) {
    return (
      <Text c="dimmed" size="sm" data-testid="overdue-empty">
        {t('assessments.noOverdue')}
      </Text>
    );
  }
  return (
    <Table withTableBorder verticalSpacing={4} data-testid="overdue-table">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t('assessments.row')}</Table.Th>
          <Table.Th>{t('assessments.system')}</Table.Th>
          <Table.Th>{t('assessments.owner')}</Table.Th>
          <Table.Th>{t('assessments.dueDate')}</Table.Th>
          <Table.Th ta="right">{t('assessments.daysOverdue')}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {items.map((o) => (
          <Table.Tr key={o.id} data-id={o.id} data-testid="overdue-row">
            <Table.Td>{o.open(o.rowId)}</Table.Td>
            <Table.Td>{o.systemName}</Table.Td>
            <Table.Td>{o.owner ?? '—'}</Table.Td>
            <Table.Td>{formatDate(o.dueDate, lang)}</Table.Td>
            <Table.Td ta="right" c="red.8" fw={700}>
              {o.daysOverdue ?? '—'}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
