import { ActionIcon, Alert, Badge, Button, Group, Stack, Table, Text, TextInput, Title, Tooltip } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { errorFor, FormError } from '../auth/auth-form';
import { formatDateTime } from '../format';
import { useLang } from '../i18n';
import { LoadError, Loading } from '../pages/query-state';
import { PasskeyError } from './passkey-error';
import { PASSKEYS_KEY, passkeysApi, passkeysSupported, type Passkey } from './passkeys-api';
import { useReauth } from './reauth';
import { TWO_FACTOR_KEY } from './two-factor-api';

/** A name for a new passkey from what the browser says about the device, e.g. "Windows の Chrome". */
function suggestedName(): string {
  const ua = navigator.userAgent;
  const os = /Windows/.test(ua)
    ? 'Windows'
    : /iPhone|iPad/.test(ua)
      ? 'iOS'
      : /Mac OS X/.test(ua)
        ? 'macOS'
        : /Android/.test(ua)
          ? 'Android'
          : /Linux/.test(ua)
            ? 'Linux'
            : '';
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /Firefox\//.test(ua)
      ? 'Firefox'
      : /Chrome\//.test(ua)
        ? 'Chrome'
        : 'Safari';
  return os === '' ? browser : `${os} / ${browser}`;
}

function Row({ passkey }: { passkey: Passkey }) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const queryClient = useQueryClient();
  const guard = useReauth();
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(passkey.name);
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: PASSKEYS_KEY }),
      queryClient.invalidateQueries({ queryKey: TWO_FACTOR_KEY }),
    ]);
  const rename = useMutation({
    mutationFn: () => passkeysApi.rename(passkey.id, name.trim()),
    onSuccess: () => {
      setEditing(false);
      void refresh();
    },
  });
  const remove = useMutation({ mutationFn: () => guard(() => passkeysApi.remove(passkey.id)), onSuccess: refresh });
  return (
    <Table.Tr data-testid="passkey-row">
      <Table.Td>
        {editing ? (
          <form
            onSubmit={(e: FormEvent) => {
              e.preventDefault();
              rename.mutate();
            }}
          >
            <Group gap="xs" wrap="nowrap">
              <TextInput
                size="xs"
                aria-label={t('passkeys.name')}
                value={name}
                maxLength={100}
                error={errorFor(rename.error, 'name')}
                onChange={(e) => setName(e.currentTarget.value)}
                data-testid="passkey-name-edit"
              />
              <Button size="xs" type="submit" loading={rename.isPending}>
                {t('passkeys.save')}
              </Button>
            </Group>
          </form>
        ) : (
          <Group gap="xs">
            <Text size="sm" fw={500} data-testid="passkey-name">
              {passkey.name}
            </Text>
            {passkey.synced && (
              <Tooltip label={t('passkeys.syncedHelp')}>
                <Badge size="xs" variant="light">
                  {t('passkeys.synced')}
                </Badge>
              </Tooltip>
            )}
          </Group>
        )}
      </Table.Td>
      <Table.Td>
        <Text size="xs">{formatDateTime(passkey.createdAt, lang)}</Text>
      </Table.Td>
      <Table.Td>
        <Text size="xs">
          {passkey.lastUsedAt === null ? t('passkeys.neverUsed') : formatDateTime(passkey.lastUsedAt, lang)}
        </Text>
      </Table.Td>
      <Table.Td>
        <Group gap={4} justify="flex-end" wrap="nowrap">
          {!editing && (
            <Button size="xs" variant="subtle" onClick={() => setEditing(true)}>
              {t('passkeys.rename')}
            </Button>
          )}
          <ActionIcon
            variant="subtle"
            color="red"
            aria-label={t('passkeys.remove', { name: passkey.name })}
            loading={remove.isPending}
            onClick={() => {
              if (window.confirm(t('passkeys.confirmRemove', { name: passkey.name }))) remove.mutate();
            }}
            data-testid="passkey-remove"
          >
            ×
          </ActionIcon>
        </Group>
        <FormError error={remove.error ?? rename.error} fields={['name']} />
      </Table.Td>
    </Table.Tr>
  );
}

/** The passkeys section of /account/security: list, add (with recovery codes for the first), rename, remove. */
export function PasskeysPanel({ onCodes }: { onCodes: (codes: string[]) => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const guard = useReauth();
  const list = useQuery({ queryKey: PASSKEYS_KEY, queryFn: () => passkeysApi.list() });
  const [name, setName] = useState(suggestedName);
  const add = useMutation({
    mutationFn: () => guard(() => passkeysApi.register(name.trim())),
    onSuccess: (r) => {
      setName(suggestedName());
      void queryClient.invalidateQueries({ queryKey: PASSKEYS_KEY });
      void queryClient.invalidateQueries({ queryKey: TWO_FACTOR_KEY });
      if (r.recoveryCodes.length > 0) onCodes(r.recoveryCodes);
    },
  });
  const supported = passkeysSupported();

  return (
    <Stack gap="sm" data-testid="passkeys-panel">
      <Title order={3} size="h5">
        {t('passkeys.title')}
      </Title>
      <Text size="sm">{t('passkeys.intro')}</Text>
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <LoadError error={list.error} />
      ) : list.data.passkeys.length > 0 ? (
        <Table verticalSpacing={4} data-testid="passkeys-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('passkeys.name')}</Table.Th>
              <Table.Th style={{ whiteSpace: 'nowrap' }}>{t('passkeys.created')}</Table.Th>
              <Table.Th style={{ whiteSpace: 'nowrap' }}>{t('passkeys.lastUsed')}</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.data.passkeys.map((p) => (
              <Row key={p.id} passkey={p} />
            ))}
          </Table.Tbody>
        </Table>
      ) : (
        <Text size="sm" c="dimmed" data-testid="passkeys-none">
          {t('passkeys.none')}
        </Text>
      )}
      {supported ? (
        <form
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            add.mutate();
          }}
        >
          <Group align="flex-end" gap="sm">
            <TextInput
              label={t('passkeys.newName')}
              description={t('passkeys.newNameHelp')}
              required
              maxLength={100}
              value={name}
              error={errorFor(add.error, 'name')}
              onChange={(e) => setName(e.currentTarget.value)}
              data-testid="passkey-name-input"
              style={{ flex: 1 }}
            />
            <Button type="submit" loading={add.isPending} data-testid="passkey-add">
              {t('passkeys.add')}
            </Button>
          </Group>
        </form>
      ) : (
        <Alert color="gray" p="sm">
          {t('passkeys.unsupported')}
        </Alert>
      )}
      <PasskeyError error={add.error} fields={['name']} />
    </Stack>
  );
}
