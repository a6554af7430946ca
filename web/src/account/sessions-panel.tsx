import { Alert, Badge, Button, Group, Modal, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { FormError } from '../auth/auth-form';
import { formatDateTime } from '../format';
import { useLang } from '../i18n';
import { LoadError, Loading } from '../pages/query-state';
import { useSession } from '../session';
import { SESSIONS_KEY, sessionsApi, type AccountSession } from './sessions-api';

/** "Chrome on Windows" / "Windows の Chrome", from what the server read in the User-Agent header. */
function useDeviceLabel(): (s: AccountSession) => string {
  const { t } = useTranslation();
  return (s) => {
    if (s.browser === null && s.os === null) return t('sessions.unknownDevice');
    if (s.os === null) return s.browser ?? t('sessions.unknownBrowser');
    return t('sessions.label', { browser: s.browser ?? t('sessions.unknownBrowser'), os: s.os });
  };
}

/** What the confirm dialog is about: one session, or every other one. */
type Target = { kind: 'one'; session: AccountSession } | { kind: 'others'; count: number };

/**
 * "Where you are signed in" on /account/security: the caller's live sessions, the current one marked, each other one
 * with a button to end it, and one to end them all. Ending a session needs no re-authentication (protective).
 */
export function SessionsPanel() {
  const { t } = useTranslation();
  const [lang] = useLang();
  const label = useDeviceLabel();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const { setSession } = useSession();
  const list = useQuery({ queryKey: SESSIONS_KEY, queryFn: () => sessionsApi.list() });
  const [target, setTarget] = useState<Target | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const revoke = useMutation({
    mutationFn: async (which: Target) => {
      if (which.kind === 'others') return { ended: (await sessionsApi.revokeOthers()).revoked, current: false };
      await sessionsApi.revoke(which.session.id);
      return { ended: 1, current: which.session.current };
    },
    onSuccess: ({ ended, current }, which) => {
      setTarget(null);
      if (current) {
        setSession(null);
        void navigate('/sign-in');
        return;
      }
      setDone(which.kind === 'others' ? t('sessions.revokedOthers', { count: ended }) : null);
      void queryClient.invalidateQueries({ queryKey: SESSIONS_KEY });
    },
  });

  const ask = (which: Target) => {
    revoke.reset();
    setDone(null);
    setTarget(which);
  };

  const sessions = list.data?.sessions ?? [];
  const others = sessions.filter((s) => !s.current);

  return (
    <Stack gap="sm" data-testid="sessions-panel">
      <Title order={2} size="h4">
        {t('sessions.title')}
      </Title>
      <Text size="sm">{t('sessions.intro')}</Text>
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <LoadError error={list.error} />
      ) : (
        <>
          <Table verticalSpacing={4} data-testid="sessions-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('sessions.device')}</Table.Th>
                <Table.Th style={{ whiteSpace: 'nowrap' }}>{t('sessions.address')}</Table.Th>
                <Table.Th style={{ whiteSpace: 'nowrap' }}>{t('sessions.signedIn')}</Table.Th>
                <Table.Th style={{ whiteSpace: 'nowrap' }}>{t('sessions.lastActive')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {sessions.map((s) => (
                <Table.Tr key={s.id} data-testid="session-row" data-current={s.current ? 'true' : undefined}>
                  <Table.Td>
                    <Tooltip label={s.userAgent === '' ? '—' : s.userAgent} multiline maw={360}>
                      <Text size="sm" fw={500} data-testid="session-device">
                        {label(s)}
                      </Text>
                    </Tooltip>
                    <Group gap={4}>
                      {s.current && (
                        <Badge size="xs" color="green" data-testid="session-current">
                          {t('sessions.thisDevice')}
                        </Badge>
                      )}
                      {s.locked && (
                        <Badge size="xs" color="gray">
                          {t('sessions.locked')}
                        </Badge>
                      )}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs" ff="monospace">
                      {s.ip}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs">{formatDateTime(s.createdAt, lang)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs">{formatDateTime(s.lastActiveAt, lang)}</Text>
                    <Text size="xs" c="dimmed">
                      {t('sessions.expires', { at: formatDateTime(s.idleExpiresAt, lang) })}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    {!s.current && (
                      <Button
                        size="xs"
                        variant="light"
                        color="red"
                        onClick={() => ask({ kind: 'one', session: s })}
                        data-testid="session-revoke"
                      >
                        {t('sessions.signOut')}
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {others.length === 0 ? (
            <Text size="sm" c="dimmed" data-testid="sessions-no-others">
              {t('sessions.noOthers')}
            </Text>
          ) : (
            <Group>
              <Button
                variant="light"
                color="red"
                onClick={() => ask({ kind: 'others', count: others.length })}
                data-testid="sessions-revoke-others"
              >
                {t('sessions.signOutOthers')}
              </Button>
            </Group>
          )}
        </>
      )}
      {done !== null && (
        <Alert color="green" p="xs" withCloseButton onClose={() => setDone(null)} data-testid="sessions-done">
          {done}
        </Alert>
      )}
      <Modal opened={target !== null} onClose={() => setTarget(null)} title={t('sessions.confirmTitle')}>
        {target !== null && (
          <Stack gap="sm" data-testid="sessions-confirm-dialog">
            <Text size="sm">
              {target.kind === 'one'
                ? t('sessions.confirmOne', { device: label(target.session), address: target.session.ip })
                : t('sessions.confirmOthers', { count: target.count })}
            </Text>
            <FormError error={revoke.error} fields={[]} />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setTarget(null)}>
                {t('app.cancel')}
              </Button>
              <Button
                color="red"
                loading={revoke.isPending}
                onClick={() => revoke.mutate(target)}
                data-testid="sessions-confirm"
              >
                {t('sessions.confirm')}
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Stack>
  );
}
