import { Badge, Button, Code, Group, SegmentedControl, Table, Text } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import type { ActivityEvent } from '../api-types';
import { formatDateTime } from '../format';
import { useLang } from '../i18n';
import { LoadError, Loading } from '../pages/query-state';
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
                <Table.Td>
                  {e.objectType}
                  {e.objectId !== null && (
                    <Text span size="xs" c="dimmed" ml={4} title={e.objectId}>
                      {e.objectId.slice(0, 8)}
                    </Text>
                  )}
                  {e.revision !== null && ` rev ${e.revision}`}
                </Table.Td>
                <Table.Td>
                  <Badge
                    size="xs"
                    variant="light"
                    color={e.outcome === 'success' ? 'green' : e.outcome === 'denied' ? 'orange' : 'red'}
                  >
                    {e.outcome}
                  </Badge>
                </Table.Td>
                <Table.Td title={e.userAgent ?? ''}>{e.ip ?? ''}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {activity.hasNextPage && (
        <Group justify="center">
          <Button variant="default" onClick={() => void activity.fetchNextPage()} loading={activity.isFetchingNextPage}>
            {t('activity.more')}
          </Button>
        </Group>
      )}
    </Page>
  );
}
