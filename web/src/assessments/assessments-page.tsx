import { Anchor, Badge, Button, Group, Stack, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { formatDateTime } from '../format';
import { useLang } from '../i18n';
import { PlusIcon } from '../icons';
import { LoadError, Loading } from '../pages/query-state';
import { can, useMembership } from '../session';
import { Page } from '../workspace/page';
import { assessmentKeys, assessmentsApi } from './assessments-api';
import { AssessmentStatusBadge, MethodText, orgPath } from './labels';
import { NewAssessmentDialog } from './new-assessment-dialog';

/** /orgs/:orgId/assessments — the hospital's risk assessments, newest first, and starting a new one. */
export function AssessmentsPage() {
  const { t } = useTranslation();
  const [lang] = useLang();
  const { orgId = '' } = useParams();
  const membership = useMembership(orgId);
  const canWrite = can(membership?.role, 'write');
  const list = useQuery({ queryKey: assessmentKeys.list(orgId), queryFn: () => assessmentsApi.list(orgId) });
  const [adding, setAdding] = useState(false);

  return (
    <Page
      title={t('assessments.title')}
      subtitle={t('assessments.intro')}
      testId="assessments-page"
      actions={
        canWrite && (
          <Button leftSection={<PlusIcon size={16} />} onClick={() => setAdding(true)} data-testid="new-assessment">
            {t('assessments.new.button')}
          </Button>
        )
      }
    >
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <LoadError error={list.error} />
      ) : list.data.length === 0 ? (
        <Text c="dimmed" data-testid="assessments-empty">
          {t('assessments.empty')}
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={900}>
          <Table withTableBorder verticalSpacing="xs" highlightOnHover data-testid="assessments-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('assessments.name')}</Table.Th>
                <Table.Th>{t('assessments.scope')}</Table.Th>
                <Table.Th w={110}>{t('assessments.statusLabel')}</Table.Th>
                <Table.Th w={80} ta="right">
                  {t('assessments.risks')}
                </Table.Th>
                <Table.Th w={240}>{t('assessments.acceptedBy')}</Table.Th>
                <Table.Th w={170}>{t('assessments.updated')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.map((a) => (
                <Table.Tr key={a.id} data-testid="assessment-row" data-id={a.id} data-status={a.status}>
                  <Table.Td>
                    <Stack gap={2}>
                      <Group gap={6} wrap="nowrap">
                        <Anchor component={Link} to={orgPath(orgId, 'assessments', a.id)} fw={700} size="sm">
                          {a.title}
                        </Anchor>
                        {(a.openAlerts ?? 0) > 0 && (
                          <Badge color="orange" size="sm" variant="filled" data-testid="open-alerts">
                            {t('assessments.alerts.badge', { count: a.openAlerts ?? 0 })}
                          </Badge>
                        )}
                      </Group>
                      <Text size="xs" c="dimmed">
                        <MethodText method={a.method} />
                      </Text>
                    </Stack>
                  </Table.Td>
                  <Table.Td>
                    {a.scope === 'facility' ? (
                      <Text size="sm">{t('assessments.scopes.facility')}</Text>
                    ) : (
                      <Anchor component={Link} to={orgPath(orgId, 'inventory', a.system?.id ?? '')} size="sm">
                        {a.system?.name ?? '—'}
                      </Anchor>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <AssessmentStatusBadge status={a.status} />
                  </Table.Td>
                  <Table.Td ta="right">{a.risks}</Table.Td>
                  <Table.Td>
                    {a.accepted === null ? (
                      <Text size="sm" c="dimmed">
                        —
                      </Text>
                    ) : (
                      <Stack gap={0}>
                        <Text size="sm">{a.accepted.by}</Text>
                        <Text size="xs" c="dimmed">
                          {formatDateTime(a.accepted.at, lang)}
                        </Text>
                      </Stack>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs">{formatDateTime(a.updatedAt, lang)}</Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {adding && <NewAssessmentDialog orgId={orgId} onClose={() => setAdding(false)} />}
    </Page>
  );
}
