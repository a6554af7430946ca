import {
  Alert,
  Badge,
  Button,
  CopyButton,
  Group,
  Paper,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { api } from '../api';
import { ROLES, type CreatedInvitation, type Role } from '../api-types';
import { FormError } from '../auth/auth-form';
import { formatDate, formatDateTime } from '../format';
import { useLang } from '../i18n';
import { CheckIcon } from '../icons';
import { LoadError, Loading } from '../pages/query-state';
import { can, useMembership, useSession } from '../session';
import { Page } from './page';
import { useReauth } from '../account/reauth';
import { SecurityPolicyPanel } from '../account/security-policy-panel';

export function MembersPage() {
  const { t } = useTranslation();
  const [lang] = useLang();
  const { orgId = '' } = useParams();
  const membership = useMembership(orgId);
  const { session } = useSession();
  const isOwner = can(membership?.role, 'manage');
  const queryClient = useQueryClient();
  const members = useQuery({ queryKey: ['members', orgId], queryFn: () => api.members(orgId) });
  const invalidate = () => queryClient.invalidateQueries({ queryKey: ['members', orgId] });
  // Sensitive: the server may ask for the password (and code) again first (account/reauth.tsx).
  const guard = useReauth();
  const setRole = useMutation({
    mutationFn: ({ userId, role }: { userId: string; role: Role }) =>
      guard(() => api.setMemberRole(orgId, userId, role)),
    onSettled: invalidate,
  });
  const remove = useMutation({
    mutationFn: (userId: string) => guard(() => api.removeMember(orgId, userId)),
    onSettled: invalidate,
  });

  const roleOptions = ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }));

  return (
    <Page title={t('members.title')} subtitle={membership?.orgName} testId="members-page">
      <Text size="sm" c="dimmed">
        {t('members.rolesHelp')}
      </Text>
      {members.isPending ? (
        <Loading />
      ) : members.isError ? (
        <LoadError error={members.error} />
      ) : (
        <Table withTableBorder striped data-testid="members-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('members.name')}</Table.Th>
              <Table.Th>{t('auth.email')}</Table.Th>
              <Table.Th w={180}>{t('members.role')}</Table.Th>
              <Table.Th>{t('members.joined')}</Table.Th>
              {isOwner && <Table.Th w={100} />}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {members.data.map((m) => (
              <Table.Tr key={m.userId} data-member={m.email}>
                <Table.Td>
                  {m.displayName}
                  {m.userId === session?.user.id && (
                    <Badge ml={6} size="xs" variant="light">
                      {t('members.you')}
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td>{m.email}</Table.Td>
                <Table.Td>
                  {isOwner ? (
                    <Select
                      size="xs"
                      data={roleOptions}
                      value={m.role}
                      allowDeselect={false}
                      aria-label={t('members.roleOf', { name: m.displayName })}
                      onChange={(v) => {
                        const role = ROLES.find((r) => r === v);
                        if (role !== undefined) setRole.mutate({ userId: m.userId, role });
                      }}
                    />
                  ) : (
                    t(`roles.${m.role}`)
                  )}
                </Table.Td>
                <Table.Td>{formatDate(m.joinedAt, lang)}</Table.Td>
                {isOwner && (
                  <Table.Td>
                    <Button
                      size="xs"
                      variant="subtle"
                      color="red"
                      onClick={() => {
                        if (window.confirm(t('members.confirmRemove', { name: m.displayName })))
                          remove.mutate(m.userId);
                      }}
                    >
                      {t('members.remove')}
                    </Button>
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <FormError error={setRole.error ?? remove.error} fields={[]} />
      {isOwner && (
        <SecurityPolicyPanel
          orgId={orgId}
          memberNames={new Map((members.data ?? []).map((m) => [m.userId, m.displayName]))}
        />
      )}
      {isOwner && <Invitations orgId={orgId} />}
    </Page>
  );
}

function Invitations({ orgId }: { orgId: string }) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('editor');
  const [created, setCreated] = useState<CreatedInvitation | null>(null);
  const list = useQuery({ queryKey: ['invitations', orgId], queryFn: () => api.invitations(orgId) });
  const invalidate = () => queryClient.invalidateQueries({ queryKey: ['invitations', orgId] });
  const invite = useMutation({
    mutationFn: () => api.invite(orgId, { email: email.trim(), role }),
    onSuccess: (inv) => {
      setCreated(inv);
      setEmail('');
    },
    onSettled: invalidate,
  });
  const revoke = useMutation({ mutationFn: (id: string) => api.revokeInvitation(orgId, id), onSettled: invalidate });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setCreated(null);
    invite.mutate();
  };
  const link = created === null ? '' : new URL(created.url, window.location.origin).toString();
  const now = Date.now();
  const pending = (list.data ?? []).filter(
    (i) => i.acceptedAt === null && i.revokedAt === null && Date.parse(i.expiresAt) > now,
  );

  return (
    <Stack gap="md">
      <Title order={2} size="h4">
        {t('invite.sectionTitle')}
      </Title>
      <Paper withBorder p="md" component="form" onSubmit={submit}>
        <Group align="flex-end" wrap="wrap">
          <TextInput
            label={t('auth.email')}
            type="email"
            required
            name="inviteEmail"
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
            w={320}
          />
          <Select
            label={t('members.role')}
            data={ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }))}
            value={role}
            allowDeselect={false}
            onChange={(v) => setRole(ROLES.find((r) => r === v) ?? role)}
            w={180}
            data-testid="invite-role"
          />
          <Button type="submit" loading={invite.isPending} data-testid="invite-submit">
            {t('invite.create')}
          </Button>
        </Group>
      </Paper>
      <FormError error={invite.error ?? revoke.error} fields={[]} />
      {created !== null && (
        <Alert color="green" title={t('invite.createdTitle', { email: created.email })} data-testid="invite-created">
          <Stack gap="xs">
            <Text size="sm">
              {t('invite.createdBody', {
                role: t(`roles.${created.role}`),
                expires: formatDateTime(created.expiresAt, lang),
              })}
            </Text>
            <Group gap="xs" wrap="nowrap">
              <TextInput
                readOnly
                value={link}
                style={{ flex: 1 }}
                data-testid="invite-link"
                aria-label={t('invite.link')}
                onFocus={(e) => e.currentTarget.select()}
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
          </Stack>
        </Alert>
      )}
      <Title order={3} size="h5">
        {t('invite.pending')}
      </Title>
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <LoadError error={list.error} />
      ) : pending.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('invite.nonePending')}
        </Text>
      ) : (
        <Table withTableBorder data-testid="invitations-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('auth.email')}</Table.Th>
              <Table.Th>{t('members.role')}</Table.Th>
              <Table.Th>{t('invite.expires')}</Table.Th>
              <Table.Th w={100} />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {pending.map((i) => (
              <Table.Tr key={i.id}>
                <Table.Td>{i.email}</Table.Td>
                <Table.Td>{t(`roles.${i.role}`)}</Table.Td>
                <Table.Td>{formatDateTime(i.expiresAt, lang)}</Table.Td>
                <Table.Td>
                  <Button
                    size="xs"
                    variant="subtle"
                    color="red"
                    title={t('invite.revokeHint')}
                    onClick={() => revoke.mutate(i.id)}
                  >
                    {t('invite.revoke')}
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
