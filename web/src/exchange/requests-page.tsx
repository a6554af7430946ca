import {
  Alert,
  Anchor,
  Badge,
  Button,
  CopyButton,
  Group,
  Modal,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Textarea,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router';
import { api } from '../api';
import type { CreatedRequest, ManufacturerRef, NewRequestBody, StatementRequest } from '../api-types';
import { FormError, errorFor } from '../auth/auth-form';
import { formatDate, formatDateTime, todayInTokyo } from '../format';
import { useLang } from '../i18n';
import { CheckIcon, PlusIcon } from '../icons';
import { LoadError, Loading } from '../pages/query-state';
import { can, useMembership } from '../session';
import { Page } from '../workspace/page';
import { RequestStatusBadge, isOpen, requestProduct } from './request-labels';

/** /orgs/:orgId/requests — a hospital's requests to manufacturers, and asking for a new statement. */
export function RequestsPage() {
  const { t } = useTranslation();
  const [lang] = useLang();
  const { orgId = '' } = useParams();
  const [sp] = useSearchParams();
  const highlight = sp.get('request');
  const membership = useMembership(orgId);
  const canRequest = can(membership?.role, 'request');
  const queryClient = useQueryClient();
  const list = useQuery({ queryKey: ['requests', orgId], queryFn: () => api.requests(orgId) });
  const [adding, setAdding] = useState(false);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['requests', orgId] });
  const remind = useMutation({ mutationFn: (id: string) => api.remindRequest(orgId, id), onSettled: refresh });
  const cancel = useMutation({ mutationFn: (id: string) => api.cancelRequest(orgId, id), onSettled: refresh });

  return (
    <Page
      title={t('requests.title')}
      subtitle={t('requests.intro')}
      testId="requests-page"
      actions={
        canRequest && (
          <Button leftSection={<PlusIcon size={16} />} onClick={() => setAdding(true)} data-testid="new-request">
            {t('requests.new')}
          </Button>
        )
      }
    >
      <FormError error={remind.error ?? cancel.error} fields={[]} />
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <LoadError error={list.error} />
      ) : list.data.length === 0 ? (
        <Text c="dimmed">{t('requests.empty')}</Text>
      ) : (
        <Table.ScrollContainer minWidth={960}>
          <Table withTableBorder verticalSpacing="xs" data-testid="requests-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('directory.product')}</Table.Th>
                <Table.Th>{t('directory.manufacturer')}</Table.Th>
                <Table.Th w={110}>{t('requests.statusLabel')}</Table.Th>
                <Table.Th w={110}>{t('requests.dueDate')}</Table.Th>
                <Table.Th w={170}>{t('requests.sent')}</Table.Th>
                <Table.Th w={230} />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.map((r) => (
                <Table.Tr
                  key={r.id}
                  data-request={r.id}
                  data-status={r.status}
                  className={r.id === highlight ? 'highlight-row' : undefined}
                >
                  <Table.Td>
                    <Text size="sm" fw={700}>
                      {requestProduct(r)}
                    </Text>
                    <Group gap={4}>
                      <Badge size="xs" variant="outline" color="gray">
                        {t(`requests.kinds.${r.kind}`)}
                      </Badge>
                      {r.message !== '' && (
                        <Text size="xs" c="dimmed" lineClamp={1} maw={360}>
                          {r.message}
                        </Text>
                      )}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{r.manufacturer.name}</Text>
                    {r.invitation !== null && (
                      <Text size="xs" c="dimmed">
                        {r.invitation.claimedAt === null
                          ? t('requests.invitedNotClaimed', { email: r.invitation.email })
                          : t('requests.invitedClaimed', { email: r.invitation.email })}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <RequestStatusBadge status={r.status} />
                  </Table.Td>
                  <Table.Td>{r.dueDate === null ? '—' : formatDate(r.dueDate, lang)}</Table.Td>
                  <Table.Td>
                    <Text size="xs">{formatDateTime(r.createdAt, lang)}</Text>
                    {r.reminderCount > 0 && (
                      <Text size="xs" c="dimmed">
                        {t('requests.reminded', { count: r.reminderCount })}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <RequestOutcome r={r} orgId={orgId} />
                    {isOpen(r) && canRequest && (
                      <Group gap={4} wrap="nowrap">
                        <Button
                          size="xs"
                          variant="light"
                          onClick={() => remind.mutate(r.id)}
                          loading={remind.isPending && remind.variables === r.id}
                          data-testid="remind"
                        >
                          {t('requests.remind')}
                        </Button>
                        <Button
                          size="xs"
                          variant="subtle"
                          color="red"
                          onClick={() => {
                            if (window.confirm(t('requests.confirmCancel', { product: requestProduct(r) })))
                              cancel.mutate(r.id);
                          }}
                          data-testid="cancel-request"
                        >
                          {t('requests.cancel')}
                        </Button>
                      </Group>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {adding && <NewRequestDialog orgId={orgId} onClose={() => setAdding(false)} />}
    </Page>
  );
}

/** What came of a request: the statement (into the collection), or the manufacturer's reason for declining. */
function RequestOutcome({ r, orgId }: { r: StatementRequest; orgId: string }) {
  const { t } = useTranslation();
  if (r.status === 'answered' && r.answer !== null) {
    return (
      <Anchor
        component={Link}
        to={`/orgs/${encodeURIComponent(orgId)}/collection?publication=${encodeURIComponent(r.answer.publicationId)}`}
        size="sm"
        data-testid="answer-link"
      >
        {t('requests.openAnswer', { n: r.answer.revision })}
      </Anchor>
    );
  }
  if (r.status === 'declined') {
    return (
      <Text size="xs" c="orange.9">
        {t('requests.declinedBecause', { reason: r.declineReason ?? '—' })}
      </Text>
    );
  }
  return null;
}

type Mode = 'instance' | 'invite';
const OTHER_PRODUCT = '__other__';

function NewRequestDialog({ orgId, onClose }: { orgId: string; onClose: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [mode, setMode] = useState<Mode>('instance');
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 250);
  const manufacturers = useQuery({
    queryKey: ['manufacturers', q],
    queryFn: ({ signal }) => api.manufacturers(q, signal),
    enabled: mode === 'instance',
    staleTime: 60_000,
  });
  const [manufacturer, setManufacturer] = useState<ManufacturerRef | null>(null);
  const [productId, setProductId] = useState<string | null>(null);
  const [productName, setProductName] = useState('');
  const [version, setVersion] = useState('');
  const [inviteName, setInviteName] = useState('');
  const [inviteEmail, setInviteEmail] = useState('');
  const [message, setMessage] = useState('');
  const [dueDate, setDueDate] = useState('');
  const [created, setCreated] = useState<CreatedRequest | null>(null);

  const manufacturerOptions = useMemo(() => {
    const list = [...(manufacturers.data ?? [])];
    if (manufacturer !== null && !list.some((m) => m.id === manufacturer.id)) list.unshift(manufacturer);
    return list.map((m) => ({ value: m.id, label: m.name }));
  }, [manufacturers.data, manufacturer]);

  const create = useMutation({
    mutationFn: () => {
      const extra = {
        ...(version.trim() === '' ? {} : { productVersion: version.trim() }),
        ...(message.trim() === '' ? {} : { message: message.trim() }),
        ...(dueDate === '' ? {} : { dueDate }),
      };
      let body: NewRequestBody;
      if (mode === 'invite') {
        body = {
          invite: { manufacturerName: inviteName.trim(), email: inviteEmail.trim() },
          productName: productName.trim(),
          ...extra,
        };
      } else {
        body = {
          manufacturerOrgId: manufacturer?.id ?? '',
          ...(productId !== null && productId !== OTHER_PRODUCT ? { productId } : { productName: productName.trim() }),
          ...extra,
        };
      }
      return api.createRequest(orgId, body);
    },
    onSuccess: async (r) => {
      await queryClient.invalidateQueries({ queryKey: ['requests', orgId] });
      if (r.invitationUrl !== undefined) setCreated(r);
      else onClose();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  const needsName = mode === 'invite' || productId === OTHER_PRODUCT;
  const ready =
    mode === 'invite'
      ? inviteName.trim() !== '' && inviteEmail.trim() !== '' && productName.trim() !== ''
      : manufacturer !== null && (productId !== null && productId !== OTHER_PRODUCT ? true : productName.trim() !== '');
  const link =
    created?.invitationUrl === undefined ? '' : new URL(created.invitationUrl, window.location.origin).toString();

  return (
    <Modal opened onClose={onClose} title={t('requests.newTitle')} size="lg">
      {created !== null ? (
        <Stack gap="sm" data-testid="invitation-created">
          <Alert color="green" title={t('requests.inviteCreatedTitle')}>
            {t('requests.inviteCreatedBody', { email: created.invitation?.email ?? '' })}
          </Alert>
          <Group gap="xs" wrap="nowrap">
            <TextInput
              readOnly
              value={link}
              style={{ flex: 1 }}
              aria-label={t('requests.inviteLink')}
              onFocus={(e) => e.currentTarget.select()}
              data-testid="request-invitation-link"
            />
            <CopyButton value={link}>
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
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('app.close')}
            </Button>
          </Group>
        </Stack>
      ) : (
        <Stack gap="sm" component="form" onSubmit={submit} data-testid="new-request-dialog">
          <SegmentedControl
            value={mode}
            onChange={(v) => setMode(v === 'invite' ? 'invite' : 'instance')}
            data={[
              { value: 'instance', label: t('requests.modeInstance') },
              { value: 'invite', label: t('requests.modeInvite') },
            ]}
            aria-label={t('requests.mode')}
            data-testid="request-mode"
          />
          {mode === 'instance' ? (
            <>
              <Select
                label={t('directory.manufacturer')}
                placeholder={t('requests.searchManufacturer')}
                data={manufacturerOptions}
                value={manufacturer?.id ?? null}
                onChange={(id) => {
                  setManufacturer(
                    manufacturers.data?.find((m) => m.id === id) ?? (id === manufacturer?.id ? manufacturer : null),
                  );
                  setProductId(null);
                }}
                searchable
                onSearchChange={setSearch}
                filter={({ options }) => options}
                nothingFoundMessage={manufacturers.isFetching ? t('app.loading') : t('requests.noManufacturer')}
                required
                data-testid="request-manufacturer"
              />
              <Select
                label={t('directory.product')}
                data={[
                  ...(manufacturer?.products ?? []).map((p) => ({ value: p.id, label: p.name })),
                  { value: OTHER_PRODUCT, label: t('requests.otherProduct') },
                ]}
                value={productId}
                onChange={setProductId}
                disabled={manufacturer === null}
                required
                data-testid="request-product"
              />
            </>
          ) : (
            <>
              <Text size="sm" c="dimmed">
                {t('requests.inviteIntro')}
              </Text>
              <Group grow wrap="wrap">
                <TextInput
                  label={t('requests.manufacturerName')}
                  required
                  value={inviteName}
                  onChange={(e) => setInviteName(e.currentTarget.value)}
                  data-testid="invite-manufacturer-name"
                />
                <TextInput
                  label={t('requests.manufacturerEmail')}
                  type="email"
                  required
                  value={inviteEmail}
                  onChange={(e) => setInviteEmail(e.currentTarget.value)}
                  error={errorFor(create.error, 'email')}
                  data-testid="invite-manufacturer-email"
                />
              </Group>
            </>
          )}
          <Group grow wrap="wrap" align="flex-start">
            {needsName && (
              <TextInput
                label={t('requests.productName')}
                required
                value={productName}
                onChange={(e) => setProductName(e.currentTarget.value)}
                data-testid="request-product-name"
              />
            )}
            <TextInput
              label={t('requests.productVersion')}
              value={version}
              onChange={(e) => setVersion(e.currentTarget.value)}
              data-testid="request-version"
            />
          </Group>
          <Textarea
            label={t('requests.message')}
            autosize
            minRows={2}
            maxRows={6}
            value={message}
            onChange={(e) => setMessage(e.currentTarget.value)}
            data-testid="request-message"
          />
          <TextInput
            type="date"
            label={t('requests.dueDateOptional')}
            value={dueDate}
            min={todayInTokyo()}
            onChange={(e) => setDueDate(e.currentTarget.value)}
            w={200}
            data-testid="request-due"
          />
          <FormError error={create.error} fields={['email']} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('app.cancel')}
            </Button>
            <Button type="submit" loading={create.isPending} disabled={!ready} data-testid="request-submit">
              {mode === 'invite' ? t('requests.submitInvite') : t('requests.submit')}
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
