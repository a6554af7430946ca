import {
  Alert,
  Anchor,
  Badge,
  Button,
  Code,
  Group,
  List,
  Paper,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router';
import { formatDateTime, shortHash } from '../format';
import { useLang } from '../i18n';
import { LoadError, Loading } from '../pages/query-state';
import { can, useMembership } from '../session';
import { Page } from '../workspace/page';
import { AlertsPanel, ReassessButton } from './alerts-panel';
import { AcceptDialog, Downloads, RedraftResultDialog } from './assessment-actions';
import {
  assessmentKeys,
  assessmentsApi,
  type AssessmentDetail,
  type RedraftResult,
  type RiskView,
} from './assessments-api';
import { isNotFound } from './field-errors';
import { AssessmentStatusBadge, MethodText, orgPath, pickText } from './labels';
import { RiskEditor } from './risk-editor';
import { NO_FILTER, RiskFilters, RisksTable, applyFilter, type RiskFilter } from './risks-table';
import { BySectionTable, HeatMapGrid, LevelCounts, OverdueTable, type OverdueItem } from './summary-panels';

/** /orgs/:orgId/assessments/:assessmentId — one assessment: summary, risks, their editor, acceptance, downloads. */
export function AssessmentPage() {
  const { t } = useTranslation();
  const { orgId = '', assessmentId = '' } = useParams();
  const detail = useQuery({
    queryKey: assessmentKeys.one(orgId, assessmentId),
    queryFn: () => assessmentsApi.get(orgId, assessmentId),
  });
  if (detail.isPending || detail.isError) {
    return (
      <Page title={t('assessments.title')} testId="assessment-page">
        {detail.isPending ? (
          <Loading />
        ) : isNotFound(detail.error) ? (
          <Alert color="red" role="alert">
            {t('assessments.notFound')}{' '}
            <Anchor component={Link} to={orgPath(orgId, 'assessments')}>
              {t('assessments.backToList')}
            </Anchor>
          </Alert>
        ) : (
          <LoadError error={detail.error} />
        )}
      </Page>
    );
  }
  return <AssessmentView orgId={orgId} a={detail.data} />;
}

function AssessmentView({ orgId, a }: { orgId: string; a: AssessmentDetail }) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const queryClient = useQueryClient();
  const membership = useMembership(orgId);
  const accepted = a.status === 'accepted';
  const canWrite = can(membership?.role, 'write');
  // assessment.accept: owners and approvers, the same roles as reviewing a statement.
  const canAccept = can(membership?.role, 'review');
  const readOnly = accepted || !canWrite;
  const [sp, setSp] = useSearchParams();
  const [filter, setFilter] = useState<RiskFilter>(NO_FILTER);
  const [accepting, setAccepting] = useState(false);
  const [redraftResult, setRedraftResult] = useState<RedraftResult | null>(null);

  const riskId = sp.get('risk');
  const current = riskId === null ? null : (a.riskList.find((r) => r.id === riskId) ?? null);
  const openRisk = (r: RiskView) =>
    setSp(
      (prev) => {
        const next = new URLSearchParams(prev);
        next.set('risk', r.id);
        return next;
      },
      { replace: false },
    );
  const closeRisk = () =>
    setSp(
      (prev) => {
        const next = new URLSearchParams(prev);
        next.delete('risk');
        return next;
      },
      { replace: true },
    );

  const redraft = useMutation({
    mutationFn: () => assessmentsApi.redraft(orgId, a.id),
    onSuccess: async (r) => {
      await queryClient.invalidateQueries({ queryKey: assessmentKeys.one(orgId, a.id) });
      setRedraftResult(r);
    },
  });

  const shown = useMemo(() => applyFilter(a.riskList, filter, a.method), [a.riskList, filter, a.method]);
  const byKey = useMemo(() => new Map(a.riskList.map((r) => [r.record.key, r])), [a.riskList]);
  const hm = a.summary.heatMap;
  const cellLabel =
    filter.cell === null
      ? null
      : `${hm.rows.name[lang]} ${hm.rows.labels[filter.cell[0]]?.[lang] ?? ''} × ${hm.columns.labels[filter.cell[1]]?.[lang] ?? ''}`;
  const overdue: OverdueItem[] = a.summary.overdue.map((o) => {
    const r = byKey.get(o.key);
    return {
      id: r?.id ?? o.key,
      rowId: r?.draft.number || o.rowId,
      systemName: r?.systemName ?? o.systemId,
      owner: o.owner,
      dueDate: o.dueDate,
      daysOverdue: o.daysOverdue,
      open: (label) =>
        r === undefined ? (
          label
        ) : (
          <Anchor component="button" type="button" size="sm" onClick={() => openRisk(r)}>
            {label}
          </Anchor>
        ),
    };
  });
  const openAlerts = (a.alerts ?? []).filter((x) => x.resolvedAt === null).length;

  return (
    <Page
      title={a.title}
      testId="assessment-page"
      subtitle={
        <Group gap="xs" wrap="wrap">
          <AssessmentStatusBadge status={a.status} />
          <Text size="sm" span>
            {a.scope === 'facility' ? (
              t('assessments.scopes.facility')
            ) : (
              <Anchor component={Link} to={orgPath(orgId, 'inventory', a.system?.id ?? '')} size="sm">
                {a.system?.name ?? '—'}
              </Anchor>
            )}
          </Text>
          <MethodText method={a.method} />
          <Text size="xs" c="dimmed" span>
            {t('assessments.createdAt', { at: formatDateTime(a.createdAt, lang) })}
          </Text>
          {a.supersedes !== null && a.supersedes !== undefined && (
            <Anchor component={Link} to={orgPath(orgId, 'assessments', a.supersedes)} size="xs">
              {t('assessments.supersedes')}
            </Anchor>
          )}
        </Group>
      }
      actions={
        <Group gap="xs">
          {!accepted && canWrite && (
            <Tooltip label={t('assessments.redraft.help')} multiline w={280}>
              <Button
                variant="default"
                onClick={() => redraft.mutate()}
                loading={redraft.isPending}
                data-testid="redraft"
              >
                {t('assessments.redraft.button')}
              </Button>
            </Tooltip>
          )}
          {!accepted && canAccept && (
            <Button color="teal" onClick={() => setAccepting(true)} data-testid="accept-button">
              {t('assessments.accept.button')}
            </Button>
          )}
          {accepted && canWrite && openAlerts === 0 && <ReassessButton orgId={orgId} assessmentId={a.id} />}
        </Group>
      }
    >
      {redraft.error !== null && (
        <Alert color="red" role="alert" data-testid="form-error">
          {redraft.error.message}
        </Alert>
      )}
      <AcceptanceBlock a={a} />
      <Downloads orgId={orgId} assessmentId={a.id} />
      <AlertsPanel
        orgId={orgId}
        assessmentId={a.id}
        alerts={a.alerts ?? []}
        risks={a.riskList}
        accepted={accepted}
        canWrite={canWrite}
        onOpen={openRisk}
      />

      <Paper withBorder p="md" data-testid="assessment-summary">
        <Stack gap="md">
          <Group gap="lg" wrap="wrap">
            <Stat label={t('assessments.risks')} value={a.summary.total} testId="stat-total" />
            <Stat
              label={t('assessments.unresolved')}
              value={a.summary.byStatus.open + a.summary.byStatus['in-progress']}
              testId="stat-unresolved"
            />
            <Stat label={t('assessments.acceptable')} value={a.summary.acceptable} testId="stat-acceptable" />
            <Stat label={t('assessments.overdue')} value={a.summary.overdue.length} testId="stat-overdue" />
            <Stack gap={2}>
              <Text size="xs" c="dimmed">
                {t('assessments.levels')}
              </Text>
              <LevelCounts byLevel={a.summary.byLevel} />
            </Stack>
          </Group>
          {a.summary.unscored.length > 0 && (
            <Alert color="orange" p="xs" data-testid="unscored">
              {t('assessments.unscoredNote', { count: a.summary.unscored.length })}
            </Alert>
          )}
          <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
            <Stack gap="xs">
              <Title order={2} size="h5">
                {t('assessments.heatMap.title')}
              </Title>
              <HeatMapGrid heatMap={hm} selected={filter.cell} onSelect={(cell) => setFilter({ ...filter, cell })} />
            </Stack>
            <Stack gap="xs">
              <Title order={2} size="h5">
                {t('assessments.bySection')}
              </Title>
              <BySectionTable
                bySection={a.summary.bySection}
                selected={filter.section}
                onSelect={(section) => setFilter({ ...filter, section })}
              />
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

      <Stack gap="xs" component="section" aria-labelledby="risks-heading">
        <Title order={2} size="h4" id="risks-heading">
          {t('assessments.risksTitle')}
        </Title>
        {accepted && (
          <Text size="sm" c="dimmed" data-testid="read-only-note">
            {t('assessments.frozen')}
          </Text>
        )}
        <RiskFilters risks={a.riskList} filter={filter} onChange={setFilter} cellLabel={cellLabel} />
        <RisksTable risks={shown} total={a.riskList.length} onOpen={openRisk} showSystem={a.scope === 'facility'} />
      </Stack>

      <WithoutStatement orgId={orgId} systems={a.withoutStatement} />
      <FilteredRows orgId={orgId} a={a} />

      <RiskEditor
        orgId={orgId}
        assessmentId={a.id}
        method={a.method}
        risk={current}
        readOnly={readOnly}
        onClose={closeRisk}
      />
      {accepting && <AcceptDialog orgId={orgId} assessment={a} onClose={() => setAccepting(false)} />}
      {redraftResult !== null && (
        <RedraftResultDialog
          result={redraftResult}
          risks={a.riskList}
          onOpen={(r) => {
            setRedraftResult(null);
            openRisk(r);
          }}
          onClose={() => setRedraftResult(null)}
        />
      )}
    </Page>
  );
}

function Stat({ label, value, testId }: { label: string; value: number; testId: string }) {
  return (
    <Stack gap={0} data-testid={testId}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="xl" fw={700}>
        {value}
      </Text>
    </Stack>
  );
}

/** Who accepted the residual risk, when (and by which clock), and the hash of what they accepted. */
function AcceptanceBlock({ a }: { a: AssessmentDetail }) {
  const { t } = useTranslation();
  const [lang] = useLang();
  if (a.accepted === null) return null;
  return (
    <Alert color="teal" title={t('assessments.acceptedTitle')} data-testid="acceptance">
      <Table variant="vertical" withRowBorders={false} verticalSpacing={2} fz="sm">
        <Table.Tbody>
          <Table.Tr>
            <Table.Th w={160}>{t('assessments.acceptedByLabel')}</Table.Th>
            <Table.Td data-testid="accepted-by">{a.accepted.by}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>{t('assessments.acceptedAt')}</Table.Th>
            <Table.Td data-testid="accepted-at">{formatDateTime(a.accepted.at, lang)}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>{t('assessments.timeSource')}</Table.Th>
            <Table.Td data-testid="time-source">{a.accepted.timeSource}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>{t('assessments.contentHash')}</Table.Th>
            <Table.Td>
              <Tooltip label={a.accepted.contentHash} multiline w={360}>
                <Code data-testid="content-hash" data-hash={a.accepted.contentHash}>
                  {shortHash(a.accepted.contentHash)}
                </Code>
              </Tooltip>
            </Table.Td>
          </Table.Tr>
        </Table.Tbody>
      </Table>
      <Text size="xs" mt={4}>
        {t('assessments.frozen')}
      </Text>
    </Alert>
  );
}

function WithoutStatement({ orgId, systems }: { orgId: string; systems: AssessmentDetail['withoutStatement'] }) {
  const { t } = useTranslation();
  if (systems.length === 0) return null;
  return (
    <Alert
      color="yellow"
      title={t('assessments.withoutStatement', { count: systems.length })}
      data-testid="without-statement"
    >
      <Text size="sm" mb={4}>
        {t('assessments.withoutStatementHelp')}
      </Text>
      <List size="sm">
        {systems.map((s) => (
          <List.Item key={s.id} data-id={s.id}>
            <Anchor component={Link} to={orgPath(orgId, 'inventory', s.id)} size="sm">
              {s.name}
            </Anchor>
          </List.Item>
        ))}
      </List>
    </Alert>
  );
}

/** The rows left out for a system's profile, each with the reason: why the hospital did not treat them. */
function FilteredRows({ orgId, a }: { orgId: string; a: AssessmentDetail }) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const systems = useQuery({
    queryKey: assessmentKeys.systems(orgId),
    queryFn: () => assessmentsApi.systems(orgId),
    enabled: a.filtered.length > 0 && a.scope === 'facility',
  });
  if (a.filtered.length === 0) return null;
  const names = new Map<string, string>(a.riskList.map((r) => [r.systemId, r.systemName]));
  for (const s of systems.data ?? []) names.set(s.id, s.name);
  if (a.system !== null) names.set(a.system.id, a.system.name);
  return (
    <Paper withBorder p="md" component="details" data-testid="filtered-rows">
      <summary style={{ cursor: 'pointer' }}>
        <Text span fw={700}>
          {t('assessments.filtered.title', { count: a.filtered.length })}
        </Text>{' '}
        <Text span size="sm" c="dimmed">
          {t('assessments.filtered.help')}
        </Text>
      </summary>
      <Table.ScrollContainer minWidth={800} mt="sm">
        <Table withTableBorder verticalSpacing={4} data-testid="filtered-table">
          <Table.Thead>
            <Table.Tr>
              {a.scope === 'facility' && <Table.Th w={140}>{t('assessments.system')}</Table.Th>}
              <Table.Th w={90}>{t('assessments.row')}</Table.Th>
              <Table.Th>{t('assessments.question')}</Table.Th>
              <Table.Th w={110}>{t('assessments.vendorAnswer')}</Table.Th>
              <Table.Th>{t('assessments.filtered.reason')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {a.filtered.map((f) => {
              const systemId = f.key.split(':')[0] ?? '';
              return (
                <Table.Tr key={f.key} data-testid="filtered-row" data-id={f.key} data-cause={f.cause}>
                  {a.scope === 'facility' && <Table.Td>{names.get(systemId) ?? systemId}</Table.Td>}
                  <Table.Td>{f.number || f.rowId}</Table.Td>
                  <Table.Td>
                    <Text size="sm" lineClamp={2}>
                      {pickText(f.text, lang)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge size="sm" variant="light" color="gray">
                      {pickText(f.answer.label, lang) || t(`assessments.answer.${f.answer.kind}`)}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{f.reason[lang]}</Text>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Paper>
  );
}
