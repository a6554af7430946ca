import { Anchor, Badge, Button, CloseButton, Group, Select, Stack, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { formatDate, todayInTokyo } from '../format';
import { useLang } from '../i18n';
import type { RiskLevel, RiskStatus, RiskView, ScoringMethod } from './assessments-api';
import { LEVELS, LevelBadge, RISK_STATUSES, RiskStatusBadge, heatCellOf, pickText, ratingShort } from './labels';
import { VendorAnswer } from './risk-editor';
import type { Cell } from './summary-panels';

export interface RiskFilter {
  system: string | null;
  section: string | null;
  level: RiskLevel | 'unscored' | null;
  status: RiskStatus | null;
  cell: Cell | null;
  reopened: boolean;
}

export const NO_FILTER: RiskFilter = {
  system: null,
  section: null,
  level: null,
  status: null,
  cell: null,
  reopened: false,
};

export function applyFilter(risks: readonly RiskView[], f: RiskFilter, method: ScoringMethod): RiskView[] {
  return risks.filter((r) => {
    if (f.system !== null && r.systemId !== f.system) return false;
    if (f.section !== null && r.draft.guidelineSection !== f.section) return false;
    if (f.level !== null && (r.score?.level ?? 'unscored') !== f.level) return false;
    if (f.status !== null && r.record.status !== f.status) return false;
    if (f.reopened && r.reopenedReason === null) return false;
    if (f.cell !== null) {
      const c = heatCellOf(method, r.record.rating);
      if (c === null || c[0] !== f.cell[0] || c[1] !== f.cell[1]) return false;
    }
    return true;
  });
}

/** The filters over the risks: system, guideline section, level, status, and the heat-map cell when one is chosen. */
export function RiskFilters({
  risks,
  filter,
  onChange,
  cellLabel,
}: {
  risks: readonly RiskView[];
  filter: RiskFilter;
  onChange: (f: RiskFilter) => void;
  cellLabel: string | null;
}) {
  const { t } = useTranslation();
  const systems = [...new Map(risks.map((r) => [r.systemId, r.systemName])).entries()];
  const sections = [...new Set(risks.map((r) => r.draft.guidelineSection))].sort(
    new Intl.Collator('en', { numeric: true }).compare,
  );
  const reopened = risks.filter((r) => r.reopenedReason !== null).length;
  const active =
    filter.system !== null ||
    filter.section !== null ||
    filter.level !== null ||
    filter.status !== null ||
    filter.cell !== null ||
    filter.reopened;
  return (
    <Group gap="xs" align="flex-end" wrap="wrap" data-testid="risk-filters">
      {systems.length > 1 && (
        <Select
          label={t('assessments.system')}
          size="xs"
          w={200}
          clearable
          placeholder={t('assessments.filters.all')}
          data={systems.map(([id, name]) => ({ value: id, label: name }))}
          value={filter.system}
          onChange={(v) => onChange({ ...filter, system: v })}
          data-testid="filter-system"
        />
      )}
      <Select
        label={t('assessments.section')}
        size="xs"
        w={180}
        clearable
        searchable
        placeholder={t('assessments.filters.all')}
        data={sections}
        value={filter.section}
        onChange={(v) => onChange({ ...filter, section: v })}
        data-testid="filter-section"
      />
      <Select
        label={t('assessments.level.label')}
        size="xs"
        w={130}
        clearable
        placeholder={t('assessments.filters.all')}
        data={[...LEVELS, 'unscored' as const].map((l) => ({ value: l, label: t(`assessments.level.${l}`) }))}
        value={filter.level}
        onChange={(v) => onChange({ ...filter, level: [...LEVELS, 'unscored' as const].find((l) => l === v) ?? null })}
        data-testid="filter-level"
      />
      <Select
        label={t('assessments.statusLabel')}
        size="xs"
        w={130}
        clearable
        placeholder={t('assessments.filters.all')}
        data={RISK_STATUSES.map((s) => ({ value: s, label: t(`assessments.riskStatus.${s}`) }))}
        value={filter.status}
        onChange={(v) => onChange({ ...filter, status: RISK_STATUSES.find((s) => s === v) ?? null })}
        data-testid="filter-status"
      />
      {reopened > 0 && (
        <Button
          size="xs"
          variant={filter.reopened ? 'filled' : 'light'}
          color="orange"
          aria-pressed={filter.reopened}
          onClick={() => onChange({ ...filter, reopened: !filter.reopened })}
          data-testid="filter-reopened"
        >
          {t('assessments.filters.reopened', { count: reopened })}
        </Button>
      )}
      {filter.cell !== null && cellLabel !== null && (
        <span className="filter-chip" data-testid="filter-cell">
          {cellLabel}
          <CloseButton
            size="sm"
            aria-label={t('assessments.filters.clearCell')}
            onClick={() => onChange({ ...filter, cell: null })}
          />
        </span>
      )}
      {active && (
        <Button size="xs" variant="subtle" onClick={() => onChange(NO_FILTER)} data-testid="filter-clear">
          {t('assessments.filters.clear')}
        </Button>
      )}
    </Group>
  );
}

/** The risks: system, row and guideline, text, the vendor's answer, threat, scores, treatment, status, owner, due. */
export function RisksTable({
  risks,
  total,
  onOpen,
  showSystem,
}: {
  risks: readonly RiskView[];
  total: number;
  onOpen: (risk: RiskView) => void;
  showSystem: boolean;
}) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const today = todayInTokyo();
  return (
    <Stack gap={4}>
      <Text size="xs" c="dimmed" aria-live="polite" data-testid="risk-count">
        {t('assessments.shown', { shown: risks.length, total })}
      </Text>
      {risks.length === 0 ? (
        <Text c="dimmed">{total === 0 ? t('assessments.noRisks') : t('assessments.filters.none')}</Text>
      ) : (
        <Table.ScrollContainer minWidth={1200}>
          <Table withTableBorder verticalSpacing="xs" highlightOnHover data-testid="risks-table">
            <Table.Thead>
              <Table.Tr>
                {showSystem && <Table.Th w={130}>{t('assessments.system')}</Table.Th>}
                <Table.Th w={110}>{t('assessments.row')}</Table.Th>
                <Table.Th miw={220}>{t('assessments.question')}</Table.Th>
                <Table.Th w={200}>{t('assessments.vendorAnswer')}</Table.Th>
                <Table.Th miw={160}>{t('assessments.threat')}</Table.Th>
                <Table.Th w={120}>{t('assessments.scoreLabel')}</Table.Th>
                <Table.Th w={80}>{t('assessments.treatment')}</Table.Th>
                <Table.Th w={90}>{t('assessments.statusLabel')}</Table.Th>
                <Table.Th w={110}>{t('assessments.owner')}</Table.Th>
                <Table.Th w={100}>{t('assessments.dueDate')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {risks.map((r) => {
                const { draft, record } = r;
                const overdue =
                  record.dueDate !== null &&
                  record.dueDate < today &&
                  (record.status === 'open' || record.status === 'in-progress');
                return (
                  <Table.Tr
                    key={r.id}
                    data-testid="risk-row"
                    data-id={r.id}
                    data-row-id={draft.rowId}
                    data-level={r.score?.level ?? 'unscored'}
                    data-status={record.status}
                    data-reopened={r.reopenedReason !== null ? 'yes' : 'no'}
                    className={r.reopenedReason !== null ? 'highlight-row' : undefined}
                  >
                    {showSystem && (
                      <Table.Td>
                        <Text size="sm">{r.systemName}</Text>
                      </Table.Td>
                    )}
                    <Table.Td>
                      <Anchor
                        component="button"
                        type="button"
                        fw={700}
                        size="sm"
                        onClick={() => onOpen(r)}
                        data-testid="open-risk"
                      >
                        {draft.number || draft.rowId}
                      </Anchor>
                      <Text size="xs" c="dimmed">
                        {draft.guidelineSection}
                      </Text>
                      {draft.refs.length > 0 && (
                        <Text size="xs" c="dimmed">
                          {draft.refs.join(', ')}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" lineClamp={3}>
                        {pickText(draft.text, lang)}
                      </Text>
                      {r.reopenedReason !== null && (
                        <Badge
                          color="orange"
                          variant="light"
                          size="sm"
                          mt={4}
                          style={{ whiteSpace: 'normal', height: 'auto' }}
                        >
                          {t('assessments.reopened')}: {r.reopenedReason}
                        </Badge>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <VendorAnswer risk={r} compact />
                    </Table.Td>
                    <Table.Td>
                      <Text size="xs" lineClamp={3}>
                        {draft.threat === null ? '—' : pickText(draft.threat, lang)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Stack gap={2}>
                        <LevelBadge score={r.score} />
                        <Text size="xs" c="dimmed">
                          {ratingShort(record.rating)}
                        </Text>
                        {r.residualScore !== null && (
                          <Group gap={2} wrap="nowrap">
                            <Text size="xs">→</Text>
                            <LevelBadge score={r.residualScore} residual />
                          </Group>
                        )}
                      </Stack>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">
                        {record.treatment === null ? '—' : t(`assessments.treatments.${record.treatment}`)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <RiskStatusBadge status={record.status} />
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{record.owner ?? '—'}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" c={overdue ? 'red.8' : undefined} fw={overdue ? 700 : undefined}>
                        {record.dueDate === null ? '—' : formatDate(record.dueDate, lang)}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
