import { ActionIcon, Indicator, Tooltip } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../api';
import { BellIcon } from '../icons';
import { useCurrentOrgId, useMembership, useSession } from '../session';

/** How often the bell asks for the unread count. */
const POLL_MS = 60_000;

/** The bell in the header: unread notifications of the current organization, asked for every minute. */
export function NotificationBell() {
  const { t } = useTranslation();
  const { session } = useSession();
  const orgId = useCurrentOrgId();
  const membership = useMembership(orgId);
  const enabled = membership !== null && session?.locked !== true;
  const unread = useQuery({
    queryKey: ['unread', membership?.orgId],
    queryFn: () => api.unreadCount(membership?.orgId ?? ''),
    enabled,
    refetchInterval: POLL_MS,
    staleTime: POLL_MS / 2,
    retry: false,
  });
  if (membership === null) return null;
  const count = unread.data?.count ?? 0;
  const label = count > 0 ? t('notifications.bellUnread', { count }) : t('notifications.title');
  return (
    <Tooltip label={label}>
      <Indicator
        label={count > 99 ? '99+' : count}
        size={16}
        disabled={count === 0}
        offset={4}
        color="red"
        data-testid="notification-count"
        data-count={count}
      >
        <ActionIcon
          component={Link}
          to={`/orgs/${encodeURIComponent(membership.orgId)}/notifications`}
          variant="default"
          size="lg"
          aria-label={label}
          data-testid="notification-bell"
        >
          <BellIcon size={18} />
        </ActionIcon>
      </Indicator>
    </Tooltip>
  );
}
