import { Anchor, Badge, Button, Group, Stack, Switch, Table, Text } from '@mantine/core';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api } from '../api';
import type { AppNotification } from '../api-types';
import { FormError } from '../auth/auth-form';
import { formatDateTime } from '../format';
import { useLang } from '../i18n';
import { LoadError, Loading } from '../pages/query-state';
import { useMembership } from '../session';
import { Page } from '../workspace/page';
import { notificationLink, notificationText } from './notification-text';

const PAGE = 50;

/** /orgs/:orgId/notifications — what happened for the organization, newest first; read flags are the user's own. */
export function NotificationsPage() {
  const { t } = useTranslation();
  const [lang] = useLang();
  const { orgId = '' } = useParams();
  const membership = useMembership(orgId);
  const queryClient = useQueryClient();
  const [unreadOnly, setUnreadOnly] = useState(false);
  const list = useInfiniteQuery({
    queryKey: ['notifications', orgId, unreadOnly],
    queryFn: ({ pageParam }) =>
      api.notifications(orgId, { unreadOnly, limit: PAGE, ...(pageParam === '' ? {} : { before: pageParam }) }),
    initialPageParam: '',
    getNextPageParam: (last) => (last.length < PAGE ? undefined : last[last.length - 1]?.id),
  });
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: ['notifications', orgId] }),
      queryClient.invalidateQueries({ queryKey: ['unread', orgId] }),
    ]);
  const mark = useMutation({
    mutationFn: (body: { ids: string[] } | { all: true }) => api.markRead(orgId, body),
    onSettled: refresh,
  });
  const items: AppNotification[] = list.data?.pages.flat() ?? [];
  const anyUnread = items.some((n) => !n.read);

  return (
    <Page
      title={t('notifications.title')}
      subtitle={membership?.orgName}
      testId="notifications-page"
      actions={
        <Group gap="sm">
          <Switch
            label={t('notifications.unreadOnly')}
            checked={unreadOnly}
            onChange={(e) => setUnreadOnly(e.currentTarget.checked)}
          />
          <Button
            variant="light"
            onClick={() => mark.mutate({ all: true })}
            loading={mark.isPending}
            disabled={!anyUnread}
            data-testid="mark-all-read"
          >
            {t('notifications.markAll')}
          </Button>
        </Group>
      }
    >
      <FormError error={mark.error} fields={[]} />
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <LoadError error={list.error} />
      ) : items.length === 0 ? (
        <Text c="dimmed">{unreadOnly ? t('notifications.noneUnread') : t('notifications.none')}</Text>
      ) : (
        <Stack gap="sm">
          <Table withTableBorder verticalSpacing="xs" data-testid="notifications-table">
            <Table.Tbody>
              {items.map((n) => (
                <Table.Tr
                  key={n.id}
                  data-notification={n.kind}
                  data-read={n.read}
                  className={n.read ? undefined : 'unread-row'}
                >
                  <Table.Td w={190}>
                    <Text size="xs" c="dimmed">
                      {formatDateTime(n.createdAt, lang)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Group gap="xs" wrap="nowrap" align="flex-start">
                      {!n.read && (
                        <Badge size="xs" color="blue" variant="filled">
                          {t('notifications.new')}
                        </Badge>
                      )}
                      <Anchor
                        component={Link}
                        to={notificationLink(n, orgId, membership?.kind)}
                        size="sm"
                        fw={n.read ? 400 : 700}
                        c="inherit"
                        onClick={() => {
                          if (!n.read) mark.mutate({ ids: [n.id] });
                        }}
                      >
                        {notificationText(n, t)}
                      </Anchor>
                    </Group>
                  </Table.Td>
                  <Table.Td w={120}>
                    {!n.read && (
                      <Button size="xs" variant="subtle" onClick={() => mark.mutate({ ids: [n.id] })}>
                        {t('notifications.markRead')}
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {list.hasNextPage && (
            <Button variant="default" onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
              {t('notifications.more')}
            </Button>
          )}
        </Stack>
      )}
    </Page>
  );
}
