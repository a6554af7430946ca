import {
  Alert,
  Badge,
  Button,
  Code,
  CopyButton,
  Group,
  Paper,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Fragment, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { api } from '../api';
import type { CreatedWebhook, Webhook, WebhookDelivery } from '../api-types';
import { FormError, errorFor } from '../auth/auth-form';
import { formatDateTime } from '../format';
import { useLang } from '../i18n';
import { CheckIcon, PlusIcon } from '../icons';
import { LoadError, Loading } from '../pages/query-state';
import { can, useMembership } from '../session';
import { Page } from '../workspace/page';

const STATE_COLOR = { pending: 'yellow', delivered: 'green', failed: 'red' } as const;

/** /orgs/:orgId/webhooks — signed HTTP callbacks for the organization's notifications. */
export function WebhooksPage() {
  const { t } = useTranslation();
  const [lang] = useLang();
  const { orgId = '' } = useParams();
  const membership = useMembership(orgId);
  const isOwner = can(membership?.role, 'manage');
  const queryClient = useQueryClient();
  const list = useQuery({ queryKey: ['webhooks', orgId], queryFn: () => api.webhooks(orgId), enabled: isOwner });
  const [url, setUrl] = useState('');
  const [created, setCreated] = useState<CreatedWebhook | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['webhooks', orgId] });
  const create = useMutation({
    mutationFn: () => api.createWebhook(orgId, url.trim()),
    onSuccess: (w) => {
      setCreated(w);
      setUrl('');
    },
    onSettled: refresh,
  });
  const remove = useMutation({ mutationFn: (id: string) => api.deleteWebhook(orgId, id), onSettled: refresh });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setCreated(null);
    create.mutate();
  };

  if (!isOwner) {
    return (
      <Page title={t('webhooks.title')} testId="webhooks-page">
        <Text c="dimmed">{t('webhooks.ownersOnly')}</Text>
      </Page>
    );
  }
  return (
    <Page title={t('webhooks.title')} subtitle={t('webhooks.intro')} testId="webhooks-page">
      <Paper withBorder p="md" component="form" onSubmit={submit}>
        <Group align="flex-end" wrap="wrap">
          <TextInput
            label={t('webhooks.url')}
            placeholder="https://example.jp/openmds/webhook"
            type="url"
            required
            value={url}
            onChange={(e) => setUrl(e.currentTarget.value)}
            error={errorFor(create.error, 'url')}
            style={{ flex: '1 1 360px' }}
            data-testid="webhook-url"
          />
          <Button
            type="submit"
            leftSection={<PlusIcon size={14} />}
            loading={create.isPending}
            data-testid="webhook-add"
          >
            {t('webhooks.add')}
          </Button>
        </Group>
      </Paper>
      <FormError error={create.error ?? remove.error} fields={['url']} />
      {created !== null && (
        <Alert color="green" title={t('webhooks.createdTitle')} data-testid="webhook-created">
          <Stack gap="xs">
            <Text size="sm">{t('webhooks.createdBody')}</Text>
            <Group gap="xs" wrap="nowrap">
              <TextInput
                readOnly
                value={created.secret}
                style={{ flex: 1 }}
                aria-label={t('webhooks.secret')}
                onFocus={(e) => e.currentTarget.select()}
                classNames={{ input: 'mono' }}
                data-testid="webhook-secret"
              />
              <CopyButton value={created.secret}>
                {({ copied, copy }) => (
                  <Button
                    color={copied ? 'teal' : 'blue'}
                    onClick={copy}
                    leftSection={copied ? <CheckIcon size={14} /> : undefined}
                  >
                    {copied ? t('invite.copied') : t('invite.copy')}
                  </Button>
                )}
              </CopyButton>
            </Group>
          </Stack>
        </Alert>
      )}
      <Title order={2} size="h4">
        {t('webhooks.list')}
      </Title>
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <LoadError error={list.error} />
      ) : list.data.length === 0 ? (
        <Text c="dimmed">{t('webhooks.empty')}</Text>
      ) : (
        <Table.ScrollContainer minWidth={760}>
          <Table withTableBorder data-testid="webhooks-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('webhooks.url')}</Table.Th>
                <Table.Th w={190}>{t('webhooks.created')}</Table.Th>
                <Table.Th w={110}>{t('webhooks.state')}</Table.Th>
                <Table.Th w={280} />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.map((w) => (
                <Fragment key={w.id}>
                  <Table.Tr data-webhook={w.url}>
                    <Table.Td className="break-all">{w.url}</Table.Td>
                    <Table.Td>{formatDateTime(w.createdAt, lang)}</Table.Td>
                    <Table.Td>
                      <Badge color={w.disabledAt === null ? 'green' : 'gray'} variant="light" size="sm">
                        {w.disabledAt === null ? t('webhooks.enabled') : t('webhooks.disabled')}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4} wrap="nowrap">
                        <Button
                          size="xs"
                          variant="light"
                          onClick={() => setOpen(open === w.id ? null : w.id)}
                          aria-expanded={open === w.id}
                          data-testid="webhook-deliveries"
                        >
                          {t('webhooks.deliveries')}
                        </Button>
                        <TestButton orgId={orgId} webhook={w} onDone={() => setOpen(w.id)} />
                        <Button
                          size="xs"
                          variant="subtle"
                          color="red"
                          onClick={() => {
                            if (window.confirm(t('webhooks.confirmDelete', { url: w.url }))) remove.mutate(w.id);
                          }}
                          data-testid="webhook-delete"
                        >
                          {t('webhooks.delete')}
                        </Button>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                  {open === w.id && (
                    <Table.Tr>
                      <Table.Td colSpan={4}>
                        <Deliveries orgId={orgId} webhookId={w.id} />
                      </Table.Td>
                    </Table.Tr>
                  )}
                </Fragment>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Page>
  );
}

function TestButton({ orgId, webhook, onDone }: { orgId: string; webhook: Webhook; onDone: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const test = useMutation({
    mutationFn: () => api.testWebhook(orgId, webhook.id),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['webhook-deliveries', orgId, webhook.id] });
      onDone();
    },
  });
  return (
    <Button
      size="xs"
      variant="default"
      onClick={() => test.mutate()}
      loading={test.isPending}
      disabled={webhook.disabledAt !== null}
      color={test.isError ? 'red' : undefined}
      title={test.isError ? test.error.message : undefined}
      data-testid="webhook-test"
    >
      {t('webhooks.test')}
    </Button>
  );
}

function Deliveries({ orgId, webhookId }: { orgId: string; webhookId: string }) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const list = useQuery({
    queryKey: ['webhook-deliveries', orgId, webhookId],
    queryFn: () => api.webhookDeliveries(orgId, webhookId),
    // Pending deliveries are retried in the background: look again while any waits.
    refetchInterval: (q) => (q.state.data?.some((d: WebhookDelivery) => d.state === 'pending') ? 5_000 : false),
  });
  if (list.isPending) return <Loading />;
  if (list.isError) return <LoadError error={list.error} />;
  if (list.data.length === 0)
    return (
      <Text size="sm" c="dimmed">
        {t('webhooks.noDeliveries')}
      </Text>
    );
  return (
    <Table fz="xs" withTableBorder data-testid="deliveries-table">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t('webhooks.event')}</Table.Th>
          <Table.Th>{t('webhooks.state')}</Table.Th>
          <Table.Th>{t('webhooks.attempts')}</Table.Th>
          <Table.Th>{t('webhooks.response')}</Table.Th>
          <Table.Th>{t('webhooks.created')}</Table.Th>
          <Table.Th>{t('webhooks.payload')}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {list.data.map((d) => (
          <Table.Tr key={d.id} data-delivery={d.event} data-state={d.state}>
            <Table.Td>
              <Code>{d.event}</Code>
            </Table.Td>
            <Table.Td>
              <Badge color={STATE_COLOR[d.state]} variant="light" size="xs">
                {t(`webhooks.states.${d.state}`)}
              </Badge>
              {d.state === 'pending' && d.nextAttemptAt !== null && (
                <Text size="xs" c="dimmed">
                  {t('webhooks.nextAttempt', { at: formatDateTime(d.nextAttemptAt, lang) })}
                </Text>
              )}
            </Table.Td>
            <Table.Td>{d.attempts}</Table.Td>
            <Table.Td className="break-all">
              {d.lastStatus ?? '—'}
              {d.lastError !== null && (
                <Text size="xs" c="red.8">
                  {d.lastError}
                </Text>
              )}
            </Table.Td>
            <Table.Td>{formatDateTime(d.createdAt, lang)}</Table.Td>
            <Table.Td>
              <details>
                <summary>{t('webhooks.show')}</summary>
                <Code block className="payload">
                  {d.payload}
                </Code>
              </details>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
