import { Alert, Anchor, Group, List, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { formatDateTime } from '../format';
import { useLang } from '../i18n';
import { LoadError, Loading } from '../pages/query-state';
import { Page } from '../workspace/page';
import { assessmentKeys, assessmentsApi, type AssessmentSummary, type Dashboard } from './assessments-api';

type InProgress = Pick<AssessmentSummary, 'id' | 'title' | 'scope' | 'system' | 'status' | 'risks' | 'updatedAt'>;

interface SystemRef {
  id: string;
  name: string;
  department: string;
  /** Why an outdated system's statements are outdated or withdrawn. */
  reasons?: { ja: string; en: string }[];
}
import { isNotFound } from './field-errors';
import { AssessmentStatusBadge, orgPath } from './labels';
import { BySectionTable, HeatMapGrid, LevelCounts, OverdueTable, type OverdueItem } from './summary-panels';

/**
 * /orgs/:orgId/dashboard — the facility at a glance: the heat map of current risks, risks by guideline section,
 * overdue treatments, systems without statements or with outdated ones, assessments in progress.
 */
export function DashboardPage() {
  const { t } = useTranslation();
  const { orgId = '' } = useParams();
  const dashboard = useQuery({
    queryKey: assessmentKeys.dashboard(orgId),
    queryFn: () => assessmentsApi.dashboard(orgId),
  });
  const list = useQuery({ queryKey: assessmentKeys.list(orgId), queryFn: () => assessmentsApi.list(orgId) });
  return (
    <Page title={t('assessments.dashboard.title')} subtitle={t('assessments.dashboard.intro')} testId="dashboard-page">
      {dashboard.isPending ? (
        <Loading />
      ) : dashboard.isError ? (
        isNotFound(dashboard.error) ? (
          <Alert color="gray" data-testid="dashboard-unavailable">
            {t('assessments.notAvailable')}
          </Alert>
        ) : (
          <LoadError error={dashboard.error} />
        )
      ) : (
        <DashboardView
          orgId={orgId}
          d={dashboard.data}
          inProgress={(list.data ?? dashboard.data.assessments.newest).filter((a) => a.status === 'draft')}
        />
      )}
    </Page>
  );
}

function DashboardView({ orgId, d, inProgress }: { orgId: string; d: Dashboard; inProgress: InProgress[] }) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const s = d.risks;
  const overdue: OverdueItem[] = s.overdue.map((o) => ({
    id: o.riskId,
    rowId: o.rowId,
    systemName: o.systemName,
    owner: o.owner,
    dueDate: o.dueDate,
    daysOverdue: o.daysOverdue,
    open: (label) => (
      <Anchor
        component={Link}
        to={`${orgPath(orgId, 'assessments', o.assessmentId)}?risk=${encodeURIComponent(o.riskId)}`}
        size="sm"
      >
        {label}
      </Anchor>
    ),
  }));
  return (
    <Stack gap="lg">
      <SimpleGrid cols={{ base: 2, md: 4 }} spacing="md">
        <Tile label={t('assessments.dashboard.systems')} value={d.systems.total} testId="tile-systems">
          <Anchor component={Link} to={orgPath(orgId, 'inventory')} size="xs">
            {t('assessments.dashboard.toInventory')}
          </Anchor>
        </Tile>
        <Tile
          label={t('assessments.dashboard.withoutStatement')}
          value={d.systems.withoutStatement.length}
          testId="tile-without-statement"
          warn={d.systems.withoutStatement.length > 0}
        >
          <Anchor component={Link} to={orgPath(orgId, 'coverage')} size="xs">
            {t('assessments.dashboard.toCoverage')}
          </Anchor>
        </Tile>
        <Tile
          label={t('assessments.dashboard.outdated')}
          value={d.systems.outdated.length}
          testId="tile-outdated"
          warn={d.systems.outdated.length > 0}
        >
          <Anchor component={Link} to={orgPath(orgId, 'coverage')} size="xs">
            {t('assessments.dashboard.toCoverage')}
          </Anchor>
        </Tile>
        <Tile label={t('assessments.dashboard.assessments')} value={d.assessments.total} testId="tile-assessments">
          <Text size="xs" c="dimmed">
            {t('assessments.dashboard.assessmentCounts', {
              draft: d.assessments.byStatus.draft,
              accepted: d.assessments.byStatus.accepted,
            })}
          </Text>
        </Tile>
      </SimpleGrid>

      {s.total === 0 ? (
        <Text c="dimmed" data-testid="dashboard-no-risks">
          {t('assessments.dashboard.noRisks')}
        </Text>
      ) : (
        <Paper withBorder p="md" data-testid="dashboard-summary">
          <Stack gap="md">
            <Group gap="lg" wrap="wrap">
              <Stack gap={0}>
                <Text size="xs" c="dimmed">
                  {t('assessments.dashboard.currentRisks')}
                </Text>
                <Text size="xl" fw={700} data-testid="stat-total">
                  {s.total}
                </Text>
              </Stack>
              <Stack gap={0}>
                <Text size="xs" c="dimmed">
                  {t('assessments.unresolved')}
                </Text>
                <Text size="xl" fw={700} data-testid="stat-unresolved">
                  {s.byStatus.open + s.byStatus['in-progress']}
                </Text>
              </Stack>
              <Stack gap={0}>
                <Text size="xs" c="dimmed">
                  {t('assessments.acceptable')}
                </Text>
                <Text size="xl" fw={700} data-testid="stat-acceptable">
                  {s.acceptable}
                </Text>
              </Stack>
              <LevelCounts byLevel={s.byLevel} />
            </Group>
            <Text size="xs" c="dimmed" component="div" data-testid="risk-sources">
              {t('assessments.dashboard.sources')}{' '}
              {s.sources.map((src, i) => (
                <span key={src.assessmentId}>
                  {i > 0 && '、'}
                  <Anchor component={Link} to={orgPath(orgId, 'assessments', src.assessmentId)} size="xs">
                    {src.title}
                  </Anchor>{' '}
                  {t('assessments.dashboard.sourceSystems', { count: src.systems })}
                </span>
              ))}
            </Text>
            {s.unscored > 0 && (
              <Alert color="orange" p="xs">
                {t('assessments.unscoredNote', { count: s.unscored })}
              </Alert>
            )}
            <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
              <Stack gap="xs">
                <Title order={2} size="h5">
                  {t('assessments.heatMap.title')}
                </Title>
                {s.heatMaps.map((h) => (
                  <Stack key={h.method} gap={4} data-method={h.method}>
                    {s.heatMaps.length > 1 && (
                      <Text size="xs" fw={700}>
                        {h.method === 'likelihood-impact' ? t('assessments.method.li') : t('assessments.method.atv')}
                      </Text>
                    )}
                    <HeatMapGrid heatMap={h.heatMap} />
                  </Stack>
                ))}
              </Stack>
              <Stack gap="xs">
                <Title order={2} size="h5">
                  {t('assessments.bySection')}
                </Title>
                <BySectionTable bySection={s.bySection} />
              </Stack>
            </SimpleGrid>
            <Stack gap="xs">
              <Title order={2} size="h5">
                {t('assessments.overdueTitle')}
              </Title>
              <OverdueTable items={overdue} />
            </Stack>
          </Stack>
        </Paper>
      )}

      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <SystemList
          title={t('assessments.dashboard.withoutStatement')}
          orgId={orgId}
          systems={d.systems.withoutStatement}
          testId="dashboard-without-statement"
        />
        <SystemList
          title={t('assessments.dashboard.outdated')}
          orgId={orgId}
          systems={d.systems.outdated}
          testId="dashboard-outdated"
        />
        <SystemList
          title={t('assessments.dashboard.unassessed')}
          orgId={orgId}
          systems={d.systems.unassessed}
          testId="dashboard-unassessed"
        />
      </SimpleGrid>

      <Stack gap="xs">
        <Group justify="space-between">
          <Title order={2} size="h4">
            {t('assessments.dashboard.inProgress')}
          </Title>
          <Anchor component={Link} to={orgPath(orgId, 'assessments')} size="sm">
            {t('assessments.dashboard.allAssessments')}
          </Anchor>
        </Group>
        {inProgress.length === 0 ? (
          <Text c="dimmed" size="sm">
            {t('assessments.dashboard.noneInProgress')}
          </Text>
        ) : (
          <Table withTableBorder verticalSpacing={4} data-testid="in-progress-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('assessments.name')}</Table.Th>
                <Table.Th>{t('assessments.scope')}</Table.Th>
                <Table.Th>{t('assessments.statusLabel')}</Table.Th>
                <Table.Th ta="right">{t('assessments.risks')}</Table.Th>
                <Table.Th>{t('assessments.updated')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {inProgress.map((a) => (
                <Table.Tr key={a.id} data-testid="assessment-row" data-id={a.id}>
                  <Table.Td>
                    <Anchor component={Link} to={orgPath(orgId, 'assessments', a.id)} size="sm" fw={700}>
                      {a.title}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    {a.scope === 'facility' ? t('assessments.scopes.facility') : (a.system?.name ?? '—')}
                  </Table.Td>
                  <Table.Td>
                    <AssessmentStatusBadge status={a.status} />
                  </Table.Td>
                  <Table.Td ta="right">{a.risks}</Table.Td>
                  <Table.Td>
                    <Text size="xs">{formatDateTime(a.updatedAt, lang)}</Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </Stack>
  );
}

function Tile({
  label,
  value,
  testId,
  warn,
  children,
}: {
  label: string;
  value: number;
  testId: string;
  warn?: boolean;
  children?: ReactNode;
}) {
  return (
    <Paper withBorder p="sm" data-testid={testId} data-value={value}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="xl" fw={700} c={warn === true ? 'orange.8' : undefined}>
        {value}
      </Text>
      {children}
    </Paper>
  );
}

function SystemList({
  title,
  orgId,
  systems,
  testId,
}: {
  title: string;
  orgId: string;
  systems: SystemRef[];
  testId: string;
}) {
  const { t } = useTranslation();
  const [lang] = useLang();
  return (
    <Paper withBorder p="md" data-testid={testId}>
      <Title order={2} size="h5" mb="xs">
        {title}
      </Title>
      {systems.length === 0 ? (
        <Text c="dimmed" size="sm">
          {t('assessments.dashboard.noneListed')}
        </Text>
      ) : (
        <List size="sm">
          {systems.map((s) => (
            <List.Item key={s.id} data-id={s.id}>
              <Anchor component={Link} to={orgPath(orgId, 'inventory', s.id)} size="sm">
                {s.name}
              </Anchor>
              {s.department !== '' && (
                <Text span size="xs" c="dimmed">
                  {' '}
                  {s.department}
                </Text>
              )}
              {s.reasons?.map((r, i) => (
                <Text key={i} size="xs" c="orange.9">
                  {r[lang]}
                </Text>
              ))}
            </List.Item>
          ))}
        </List>
      )}
    </Paper>
  );
}
