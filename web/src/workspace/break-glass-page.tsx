import { Alert, Badge, Button, Code, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { passwordApi, type BreakGlass, type SealedBreakGlass } from '../account/password-api';
import { FormError } from '../auth/auth-form';
import { formatDateTime } from '../format';
import { useLang } from '../i18n';
import { LoadError, Loading } from '../pages/query-state';
import { can, useMembership } from '../session';
import { Page } from './page';

const STATE_COLOR: Record<BreakGlass['state'], string> = {
  none: 'gray',
  sealed: 'green',
  rotated: 'green',
  used: 'red',
};

/**
 * /orgs/:orgId/break-glass — the organization's break-glass account (非常時アカウント), for owners: its state and
 * last use, creating it sealed and rotating it after a use. A new credential is shown once, to print and seal.
 */
export function BreakGlassPage() {
  const { t } = useTranslation();
  const [lang] = useLang();
  const { orgId = '' } = useParams();
  const membership = useMembership(orgId);
  const isOwner = can(membership?.role, 'manage');
  const queryClient = useQueryClient();
  const state = useQuery({
    queryKey: ['break-glass', orgId],
    queryFn: () => passwordApi.breakGlass(orgId),
    enabled: isOwner,
  });
  const [sealed, setSealed] = useState<SealedBreakGlass | null>(null);
  const onSealed = (s: SealedBreakGlass) => {
    setSealed(s);
    queryClient.setQueryData(['break-glass', orgId], s);
  };
  const create = useMutation({ mutationFn: () => passwordApi.createBreakGlass(orgId), onSuccess: onSealed });
  const rotate = useMutation({ mutationFn: () => passwordApi.rotateBreakGlass(orgId), onSuccess: onSealed });

  if (!isOwner) {
    return (
      <Page title={t('breakGlass.title')} testId="break-glass-page">
        <Text c="dimmed">{t('breakGlass.ownersOnly')}</Text>
      </Page>
    );
  }
  if (state.isPending) return <Loading />;
  if (state.isError) return <LoadError error={state.error} />;
  const bg = state.data;

  const confirmRotate = () => {
    if (window.confirm(t('breakGlass.confirmRotate'))) {
      setSealed(null);
      rotate.mutate();
    }
  };

  return (
    <Page
      title={t('breakGlass.title')}
      subtitle={t('breakGlass.intro', { minutes: bg.sessionMinutes, role: t(`roles.${bg.role}`) })}
      testId="break-glass-page"
    >
      {sealed !== null && (
        <Paper withBorder p="lg" className="break-glass-sheet" data-testid="break-glass-sheet">
          <Stack gap="xs">
            <Title order={2} size="h4">
              {t('breakGlass.sheetTitle', { org: membership?.orgName ?? '' })}
            </Title>
            <Alert color="yellow" p="sm">
              {t('breakGlass.shownOnce')}
            </Alert>
            <Text size="sm">{t('breakGlass.sheetUrl', { url: `${window.location.origin}/break-glass` })}</Text>
            <Text size="sm">
              {t('breakGlass.org')}: <Code>{orgId}</Code>
            </Text>
            <Text size="sm">{t('breakGlass.credential')}:</Text>
            <Code block fz="xl" data-testid="break-glass-credential">
              {sealed.credential}
            </Code>
            <Text size="xs" c="dimmed">
              {t('breakGlass.sheetNote', { minutes: bg.sessionMinutes })}
            </Text>
            <Group>
              <Button variant="light" onClick={() => window.print()}>
                {t('breakGlass.print')}
              </Button>
              <Button variant="subtle" onClick={() => setSealed(null)}>
                {t('breakGlass.sealedDone')}
              </Button>
            </Group>
          </Stack>
        </Paper>
      )}

      <Paper withBorder p="md">
        <Stack gap="sm">
          <Group gap="sm">
            <Text fw={600}>{t('breakGlass.state')}</Text>
            <Badge color={STATE_COLOR[bg.state]} data-testid="break-glass-state">
              {t(`breakGlass.states.${bg.state}`)}
            </Badge>
            {bg.sessionActive && <Badge color="red">{t('breakGlass.sessionActive')}</Badge>}
          </Group>
          {bg.state === 'used' && (
            <Alert color="red" p="sm">
              {t('breakGlass.mustRotate')}
            </Alert>
          )}
          {bg.state !== 'none' && (
            <Table withRowBorders={false} variant="vertical" layout="fixed">
              <Table.Tbody>
                <Table.Tr>
                  <Table.Th w={200}>{t('breakGlass.sealedAt')}</Table.Th>
                  <Table.Td>
                    {formatDateTime(bg.sealedAt, lang)} {bg.sealedBy === null ? '' : `(${bg.sealedBy})`}
                  </Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Th>{t('breakGlass.useCount')}</Table.Th>
                  <Table.Td>{bg.useCount}</Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Th>{t('breakGlass.lastUse')}</Table.Th>
                  <Table.Td data-testid="break-glass-last-use">
                    {bg.lastUse === null ? (
                      t('breakGlass.neverUsed')
                    ) : (
                      <Stack gap={2}>
                        <Text size="sm">
                          {formatDateTime(bg.lastUse.at, lang)}
                          {bg.lastUse.ip === null ? '' : ` ・ ${bg.lastUse.ip}`}
                        </Text>
                        <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                          {t('breakGlass.reason')}: {bg.lastUse.reason}
                        </Text>
                      </Stack>
                    )}
                  </Table.Td>
                </Table.Tr>
              </Table.Tbody>
            </Table>
          )}
          <FormError error={create.error ?? rotate.error} fields={[]} />
          <Group>
            {bg.state === 'none' ? (
              <Button onClick={() => create.mutate()} loading={create.isPending} data-testid="break-glass-create">
                {t('breakGlass.create')}
              </Button>
            ) : (
              <Button
                color={bg.state === 'used' ? 'red' : 'gray'}
                variant={bg.state === 'used' ? 'filled' : 'light'}
                onClick={confirmRotate}
                loading={rotate.isPending}
                data-testid="break-glass-rotate"
              >
                {t('breakGlass.rotate')}
              </Button>
            )}
          </Group>
        </Stack>
      </Paper>
    </Page>
  );
}
