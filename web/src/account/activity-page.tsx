import { Code, SegmentedControl, Table, Text } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import type { ActivityEvent } from '../api-types';
import { formatDateTime } from '../format';
import { useLang } from '../i18n';
import { LoadError, Loading } from '../pages/query-state';
import { AuditClientCell, AuditObjectCell, AuditOutcomeCell, LoadMore } from '../workspace/audit-cells';
import { Page } from '../workspace/page';

const PAGE = 100;

/** /account/activity — the signed-in user's own sign-in and access history, in every organization. */
export function ActivityPage() {
  const { t } = useTranslation();
  const [lang] = useLang();
  const [kind, setKind] = useState<'all' | 'sign-ins'>('all');
  const activity = useInfiniteQuery({
    queryKey: ['activity', kind],
    queryFn: ({ pageParam }) =>
      api.activity({ limit: PAGE, before: pageParam, ...(kind === 'sign-ins' ? { action: 'user.*' } : {}) }),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => (last.events.length < PAGE ? undefined : last.events[last.events.length - 1]?.seq),
  });
  const events: ActivityEvent[] = activity.data?.pages.flatMap((p) => p.events) ?? [];

  return (
    <Page title={t('activity.title')} subtitle={t('activity.intro')} testId="activity-page">
      <SegmentedControl
        size="xs"
        w="fit-content"
        value={kind}
        onChange={(v) => setKind(v === 'sign-ins' ? 'sign-ins' : 'all')}
        data={[
          { value: 'all', label: t('activity.all') },
          { value: 'sign-ins', label: t('activity.signIns') },
        ]}
      />
      {activity.isPending ? (
        <Loading />
      ) : activity.isError ? (
        <LoadError error={activity.error} />
      ) : events.length === 0 ? (
        <Text c="dimmed">{t('activity.empty')}</Text>
      ) : (
        <Table withTableBorder striped fz="xs" data-testid="activity-table" verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={170}>{t('audit.time')}</Table.Th>
              <Table.Th>{t('audit.action')}</Table.Th>
              <Table.Th>{t('activity.org')}</Table.Th>
              <Table.Th>{t('audit.object')}</Table.Th>
              <Table.Th w={80}>{t('audit.outcome')}</Table.Th>
              <Table.Th w={120}>{t('activity.where')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {events.map((e) => (
              <Table.Tr key={e.seq} data-seq={e.seq} data-action={e.action}>
                <Table.Td>{formatDateTime(e.at, lang)}</Table.Td>
                <Table.Td>
                  <Code>{e.action}</Code>
                </Table.Td>
                <Table.Td>{e.orgName ?? ''}</Table.Td>
                <AuditObjectCell
                  type={e.objectType}
                  id={e.objectId}
                  {...(e.revision === null ? {} : { suffix: ` rev ${e.revision}` })}
                />
                <AuditOutcomeCell outcome={e.outcome} />
                <AuditClientCell ip={e.ip} userAgent={e.userAgent} />
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <LoadMore query={activity} label={t('activity.more')} />
    </Page>
  );
}
