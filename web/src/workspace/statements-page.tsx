import { Anchor, Button, Group, Progress, Select, Stack, Table, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api, pick } from '../api';
import type { Member, StatementSummary, UserRef } from '../api-types';
import { FormError } from '../auth/auth-form';
import { formatDateTime } from '../format';
import { useLang } from '../i18n';
import { StatusBadge } from '../labels';
import { LoadError, Loading } from '../pages/query-state';
import { can, useMembership } from '../session';
import { Page } from './page';

export function StatementsPage() {
  const { t } = useTranslation();
  const [lang] = useLang();
  const { orgId = '' } = useParams();
  const membership = useMembership(orgId);
  const canWrite = can(membership?.role, 'write');
  const statements = useQuery({ queryKey: ['statements', orgId], queryFn: () => api.statements(orgId) });
  const members = useQuery({ queryKey: ['members', orgId], queryFn: () => api.members(orgId), enabled: canWrite });
  const base = `/orgs/${encodeURIComponent(orgId)}`;

  return (
    <Page
      title={t('statements.title')}
      subtitle={membership?.orgName}
      testId="statements-page"
      actions={
        canWrite && (
          <Button component={Link} to={`${base}/products`} variant="light">
            {t('statements.createFromProducts')}
          </Button>
        )
      }
    >
      {statements.isPending ? (
        <Loading />
      ) : statements.isError ? (
        <LoadError error={statements.error} />
      ) : statements.data.length === 0 ? (
        <Stack gap="xs">
          <Text c="dimmed">{t('statements.empty')}</Text>
          {canWrite && (
            <Anchor component={Link} to={`${base}/products`}>
              {t('statements.emptyHint')}
            </Anchor>
          )}
        </Stack>
      ) : (
        <Table withTableBorder striped highlightOnHover data-testid="statements-table" verticalSpacing="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('statements.product')}</Table.Th>
              <Table.Th>{t('statements.template')}</Table.Th>
              <Table.Th w={130}>{t('statements.status')}</Table.Th>
              <Table.Th w={170}>{t('statements.progress')}</Table.Th>
              <Table.Th w={220}>{t('statements.responsible')}</Table.Th>
              <Table.Th w={190}>{t('statements.updated')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {statements.data.map((s) => (
              <Table.Tr key={s.id} data-statement={s.id}>
                <Table.Td>
                  <Anchor component={Link} to={`${base}/statements/${encodeURIComponent(s.id)}`} fw={700}>
                    {s.product.name} {s.productVersion.version}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{pick(s.template.title, lang)}</Text>
                  <Text size="xs" c="dimmed">
                    {t('form.edition')} {s.template.edition} ・ {t('statements.revisionN', { n: s.currentRevision })}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <StatusBadge status={s.status} />
                </Table.Td>
                <Table.Td>
                  <ProgressCell progress={s.progress} />
                </Table.Td>
                <Table.Td>
                  <ResponsibleSelect orgId={orgId} statement={s} members={members.data} canWrite={canWrite} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{formatDateTime(s.updatedAt, lang)}</Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Page>
  );
}

function ProgressCell({ progress }: { progress: { answered: number; applicable: number } }) {
  const pct = progress.applicable === 0 ? 0 : Math.round((progress.answered / progress.applicable) * 100);
  return (
    <Stack gap={2}>
      <Progress value={pct} size="sm" color={pct === 100 ? 'green' : 'blue'} aria-label={`${pct}%`} />
      <Text size="xs" c="dimmed">
        {progress.answered} / {progress.applicable} ({pct}%)
      </Text>
    </Stack>
  );
}

/** The 作成責任者: a choice of the organization's members for owners and editors, a name for the others. */
export function ResponsibleSelect({
  orgId,
  statement,
  members,
  canWrite,
  size = 'xs',
}: {
  orgId: string;
  statement: { id: string; responsible: UserRef | null };
  members: Member[] | undefined;
  canWrite: boolean;
  size?: 'xs' | 'sm';
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const change = useMutation({
    mutationFn: (userId: string) => api.setResponsible(orgId, statement.id, userId),
    onSuccess: (detail) => {
      queryClient.setQueryData(['statement', orgId, statement.id], detail);
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['statements', orgId] }),
  });
  if (!canWrite || members === undefined) {
    return <Text size="sm">{statement.responsible?.displayName ?? t('statements.noResponsible')}</Text>;
  }
  const eligible = members.filter((m) => m.role === 'owner' || m.role === 'editor');
  const data = eligible.map((m) => ({ value: m.userId, label: m.displayName }));
  if (statement.responsible !== null && !data.some((d) => d.value === statement.responsible?.id)) {
    data.push({ value: statement.responsible.id, label: statement.responsible.displayName });
  }
  return (
    <Group gap={4} wrap="nowrap">
      <Select
        size={size}
        data={data}
        value={statement.responsible?.id ?? null}
        placeholder={t('statements.noResponsible')}
        allowDeselect={false}
        aria-label={t('statements.responsible')}
        onChange={(v) => v !== null && change.mutate(v)}
        disabled={change.isPending}
        data-testid="responsible-select"
        w="100%"
      />
      {change.isError && <FormError error={change.error} fields={[]} />}
    </Group>
  );
}

export type { StatementSummary };
