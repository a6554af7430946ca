import { Alert, Anchor, Button, Group, Paper, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { isApiError } from '../api';
import { formatDate, formatDateTime } from '../format';
import { useLang } from '../i18n';
import { LoadError, Loading } from '../pages/query-state';
import { can, useMembership } from '../session';
import { Page } from '../workspace/page';
import { inventoryApi, type SystemDetail } from './inventory-api';
import {
  ConnectionBadges,
  CoverageBadge,
  ReasonList,
  SignatureBadge,
  TemplateTag,
  sourceTitle,
} from './inventory-labels';
import { SystemFormDialog } from './system-form';

/** /orgs/:orgId/inventory/:systemId — one system: its profile, the statements it relies on, its coverage. */
export function SystemPage() {
  const { t } = useTranslation();
  const { orgId = '', systemId = '' } = useParams();
  const membership = useMembership(orgId);
  const canWrite = can(membership?.role, 'write');
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const system = useQuery({
    queryKey: ['inventory', orgId, 'system', systemId],
    queryFn: () => inventoryApi.system(orgId, systemId),
  });
  const [editing, setEditing] = useState(false);
  const remove = useMutation({
    mutationFn: () => inventoryApi.deleteSystem(orgId, systemId),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['inventory', orgId] });
      await navigate(`/orgs/${encodeURIComponent(orgId)}/inventory`);
    },
  });

  const back = (
    <Anchor component={Link} to={`/orgs/${encodeURIComponent(orgId)}/inventory`} size="sm">
      {t('inventory.systems.back')}
    </Anchor>
  );
  if (system.isPending) return <Loading />;
  if (system.isError) {
    return (
      <Page title={t('inventory.systems.title')} subtitle={back} testId="system-page">
        {isApiError(system.error, 404) ? (
          <Text data-testid="system-not-found">{t('inventory.systems.notFound')}</Text>
        ) : (
          <LoadError error={system.error} />
        )}
      </Page>
    );
  }
  const s = system.data;
  return (
    <Page
      title={s.name}
      subtitle={back}
      testId="system-page"
      actions={
        canWrite && (
          <Group gap="xs">
            <Button variant="light" onClick={() => setEditing(true)} data-testid="edit-system">
              {t('inventory.edit')}
            </Button>
            <Button
              variant="subtle"
              color="red"
              loading={remove.isPending}
              onClick={() => {
                if (window.confirm(t('inventory.systems.confirmDelete', { name: s.name }))) remove.mutate();
              }}
              data-testid="delete-system"
            >
              {t('inventory.delete')}
            </Button>
          </Group>
        )
      }
    >
      {remove.error !== null && (
        <Alert color="red" role="alert" p="sm" data-testid="delete-error">
          {remove.error.message}
        </Alert>
      )}
      <Profile s={s} />
      <SystemCoverage orgId={orgId} systemId={s.id} />
      <Statements orgId={orgId} s={s} canWrite={canWrite} />
      {editing && <SystemFormDialog orgId={orgId} system={s} onClose={() => setEditing(false)} />}
    </Page>
  );
}

function Profile({ s }: { s: SystemDetail }) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const rows: [string, ReactNode][] = [
    [t('inventory.systems.manufacturer'), s.manufacturer || '—'],
    [t('inventory.systems.product'), s.product || '—'],
    [t('inventory.systems.productVersion'), s.productVersion || '—'],
    [t('inventory.systems.department'), s.department || '—'],
    [t('inventory.systems.location'), s.location || '—'],
    [t('inventory.systems.owner'), s.owner || '—'],
    [
      t('inventory.systems.patientDataShort'),
      s.patientData ? t('inventory.systems.patientDataYes') : t('inventory.systems.patientDataNo'),
    ],
    [t('inventory.systems.connections'), <ConnectionBadges key="c" connections={s.connections} />],
    [t('inventory.systems.notes'), <span style={{ whiteSpace: 'pre-wrap' }}>{s.notes || '—'}</span>],
    [t('inventory.systems.updatedAt'), formatDateTime(s.updatedAt, lang)],
  ];
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="system-profile-title" data-testid="system-profile">
      <Title order={2} size="h4" id="system-profile-title" mb="xs">
        {t('inventory.systems.profile')}
      </Title>
      <Table variant="vertical" layout="fixed" withTableBorder={false}>
        <Table.Tbody>
          {rows.map(([k, v]) => (
            <Table.Tr key={k}>
              <Table.Th w={200}>{k}</Table.Th>
              <Table.Td>{v}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}

/** The system's coverage, from the organization's coverage report. */
function SystemCoverage({ orgId, systemId }: { orgId: string; systemId: string }) {
  const { t } = useTranslation();
  const coverage = useQuery({
    queryKey: ['inventory', orgId, 'coverage'],
    queryFn: () => inventoryApi.coverage(orgId),
  });
  const entry = coverage.data?.systems.find((x) => x.system.id === systemId);
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="system-coverage-title" data-testid="system-coverage">
      <Group gap="sm" mb="xs">
        <Title order={2} size="h4" id="system-coverage-title">
          {t('inventory.coverage.title')}
        </Title>
        {entry !== undefined && <CoverageBadge status={entry.status} />}
      </Group>
      {coverage.isPending ? (
        <Loading />
      ) : coverage.isError ? (
        <LoadError error={coverage.error} />
      ) : entry === undefined ? null : entry.status === 'none' ? (
        <Text size="sm">{t('inventory.coverage.noneLong')}</Text>
      ) : (
        <Stack gap={6}>
          {entry.statements.map((st) => (
            <Group key={st.source.id} gap="xs" align="flex-start" wrap="nowrap">
              <CoverageBadge status={st.status} />
              <Stack gap={2}>
                <Text size="sm">{sourceTitle(st.source)}</Text>
                <ReasonList statement={st} />
              </Stack>
            </Group>
          ))}
        </Stack>
      )}
    </Paper>
  );
}

/** The statements the system relies on: unlink one, or link one of the statements held. */
function Statements({ orgId, s, canWrite }: { orgId: string; s: SystemDetail; canWrite: boolean }) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const queryClient = useQueryClient();
  const sources = useQuery({
    queryKey: ['inventory', orgId, 'sources'],
    queryFn: () => inventoryApi.sources(orgId),
    enabled: canWrite,
  });
  const [choice, setChoice] = useState<string | null>(null);
  const refresh = async (detail?: SystemDetail) => {
    if (detail !== undefined) queryClient.setQueryData(['inventory', orgId, 'system', s.id], detail);
    await queryClient.invalidateQueries({ queryKey: ['inventory', orgId] });
  };
  const link = useMutation({
    mutationFn: (sourceId: string) => inventoryApi.link(orgId, s.id, sourceId),
    onSuccess: async (detail) => {
      setChoice(null);
      await refresh(detail);
    },
  });
  const unlink = useMutation({
    mutationFn: (sourceId: string) => inventoryApi.unlink(orgId, s.id, sourceId),
    onSettled: () => refresh(),
  });
  const options = useMemo(() => {
    const linked = new Set(s.statements.map((x) => x.id));
    return (sources.data ?? [])
      .filter((x) => !linked.has(x.id))
      .map((x) => ({
        value: x.id,
        label: `${x.manufacturer} ${sourceTitle(x)}${x.statementDate === '' ? '' : ` (${x.statementDate})`}`,
      }));
  }, [sources.data, s.statements]);

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="system-statements-title">
      <Title order={2} size="h4" id="system-statements-title" mb="xs">
        {t('inventory.systems.reliesOn')}
      </Title>
      {s.statements.length === 0 ? (
        <Text size="sm" c="dimmed" data-testid="system-statements-empty">
          {t('inventory.systems.noStatementLong')}
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={760}>
          <Table withTableBorder verticalSpacing="xs" data-testid="system-statements">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('inventory.sources.product')}</Table.Th>
                <Table.Th>{t('inventory.sources.manufacturer')}</Table.Th>
                <Table.Th w={120}>{t('inventory.sources.statementDate')}</Table.Th>
                <Table.Th w={120}>{t('inventory.sources.signature')}</Table.Th>
                <Table.Th w={130}>{t('inventory.sources.addedAt')}</Table.Th>
                {canWrite && <Table.Th w={110} />}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {s.statements.map((x) => (
                <Table.Tr key={x.id} data-id={x.id} data-testid="system-statement-row">
                  <Table.Td>
                    <Anchor
                      component={Link}
                      to={`/orgs/${encodeURIComponent(orgId)}/sources?source=${encodeURIComponent(x.id)}`}
                      size="sm"
                      fw={700}
                    >
                      {sourceTitle(x)}
                    </Anchor>{' '}
                    <TemplateTag template={x.template} />
                  </Table.Td>
                  <Table.Td>{x.manufacturer || '—'}</Table.Td>
                  <Table.Td>{x.statementDate || '—'}</Table.Td>
                  <Table.Td>
                    <SignatureBadge status={x.signatureStatus} />
                  </Table.Td>
                  <Table.Td>{formatDate(x.addedAt, lang)}</Table.Td>
                  {canWrite && (
                    <Table.Td>
                      <Button
                        size="xs"
                        variant="subtle"
                        color="red"
                        loading={unlink.isPending && unlink.variables === x.id}
                        onClick={() => unlink.mutate(x.id)}
                        aria-label={t('inventory.systems.unlinkNamed', { name: sourceTitle(x) })}
                        data-testid="unlink-statement"
                      >
                        {t('inventory.systems.unlink')}
                      </Button>
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {canWrite && (
        <Group gap="xs" align="flex-end" mt="sm">
          <Select
            label={t('inventory.systems.linkLabel')}
            placeholder={
              sources.isPending ? t('app.loading') : options.length === 0 ? t('inventory.systems.nothingToLink') : ''
            }
            data={options}
            value={choice}
            onChange={setChoice}
            searchable
            nothingFoundMessage={t('inventory.systems.nothingToLink')}
            w={460}
            error={link.error?.message ?? unlink.error?.message}
            data-testid="link-source-select"
          />
          <Button
            disabled={choice === null}
            loading={link.isPending}
            onClick={() => choice !== null && link.mutate(choice)}
            data-testid="link-source"
          >
            {t('inventory.systems.link')}
          </Button>
          <Anchor component={Link} to={`/orgs/${encodeURIComponent(orgId)}/sources`} size="sm" mb={8}>
            {t('inventory.systems.toSources')}
          </Anchor>
        </Group>
      )}
    </Paper>
  );
}
