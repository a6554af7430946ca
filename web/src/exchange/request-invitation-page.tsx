import { Alert, Anchor, Button, Container, Group, Paper, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { api, isApiError } from '../api';
import { FormError } from '../auth/auth-form';
import { formatDate, formatDateTime } from '../format';
import { useLang } from '../i18n';
import { LoadError, Loading } from '../pages/query-state';
import { useSession } from '../session';

/**
 * /requests/invite/:token — a hospital invited a manufacturer that is not on this instance yet. Whoever holds the
 * link sees the request; an owner or approver of a manufacturer organization claims it for that organization.
 */
export function RequestInvitationPage() {
  const { t } = useTranslation();
  const [lang] = useLang();
  const { token = '' } = useParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { session } = useSession();
  const info = useQuery({ queryKey: ['request-invitation', token], queryFn: () => api.requestInvitation(token) });
  const eligible = (session?.memberships ?? []).filter(
    (m) => m.kind === 'manufacturer' && (m.role === 'owner' || m.role === 'approver'),
  );
  const [orgId, setOrgId] = useState<string | null>(null);
  useEffect(() => {
    if (orgId === null && eligible[0] !== undefined) setOrgId(eligible[0].orgId);
  }, [orgId, eligible]);
  const claim = useMutation({
    mutationFn: (id: string) => api.claimRequestInvitation(token, id),
    onSuccess: async (r, id) => {
      await queryClient.invalidateQueries({ queryKey: ['inbox', id] });
      void navigate(`/orgs/${encodeURIComponent(id)}/inbox?request=${encodeURIComponent(r.id)}`);
    },
  });
  useEffect(() => {
    document.title = `${t('requestInvite.title')} — OpenMDS`;
  }, [t]);

  if (info.isPending) return <Loading />;
  if (info.isError) {
    return (
      <Container size="sm" py="xl">
        {isApiError(info.error, 404) ? (
          <Text data-testid="request-invitation-not-found">{t('requestInvite.notFound')}</Text>
        ) : (
          <LoadError error={info.error} />
        )}
      </Container>
    );
  }
  const r = info.data;
  const next = encodeURIComponent(`/requests/invite/${token}`);
  return (
    <Container size="sm" py="xl">
      <Paper withBorder shadow="sm" p="xl" radius="md">
        <Stack gap="md" data-testid="request-invitation">
          <Title order={1} size="h3">
            {t('requestInvite.title')}
          </Title>
          <Text size="sm">
            {t('requestInvite.intro', { hospital: r.hospital.name, manufacturer: r.manufacturerName })}
          </Text>
          <Table variant="vertical" withTableBorder fz="sm">
            <Table.Tbody>
              <Table.Tr>
                <Table.Th w={150}>{t('inbox.hospital')}</Table.Th>
                <Table.Td>{r.hospital.name}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>{t('directory.product')}</Table.Th>
                <Table.Td>
                  {r.product.name} {r.product.version ?? ''}
                </Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>{t('requests.invitedEmail')}</Table.Th>
                <Table.Td>{r.email}</Table.Td>
              </Table.Tr>
              {r.message !== '' && (
                <Table.Tr>
                  <Table.Th>{t('requests.message')}</Table.Th>
                  <Table.Td style={{ whiteSpace: 'pre-wrap' }}>{r.message}</Table.Td>
                </Table.Tr>
              )}
              <Table.Tr>
                <Table.Th>{t('requests.dueDate')}</Table.Th>
                <Table.Td>{r.dueDate === null ? '—' : formatDate(r.dueDate, lang)}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>{t('requestInvite.expires')}</Table.Th>
                <Table.Td>{formatDateTime(r.expiresAt, lang)}</Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
          {!r.claimable ? (
            <Alert color="gray" data-testid="request-invitation-used">
              {r.claimedAt !== null
                ? t('requestInvite.claimed', { at: formatDateTime(r.claimedAt, lang) })
                : t('requestInvite.notClaimable')}
            </Alert>
          ) : session === null || session === undefined ? (
            <Stack gap="xs">
              <Text size="sm">{t('requestInvite.signInFirst')}</Text>
              <Group>
                <Button component={Link} to={`/sign-in?next=${next}`}>
                  {t('auth.signIn')}
                </Button>
                <Button component={Link} to={`/sign-up?next=${next}`} variant="light">
                  {t('auth.signUp')}
                </Button>
              </Group>
            </Stack>
          ) : eligible.length === 0 ? (
            <Stack gap="xs">
              <Text size="sm">{t('requestInvite.noOrg')}</Text>
              <Anchor component={Link} to={`/orgs/new?next=${next}`} size="sm">
                {t('org.create')}
              </Anchor>
            </Stack>
          ) : (
            <Group align="flex-end" wrap="wrap">
              <Select
                label={t('requestInvite.org')}
                data={eligible.map((m) => ({ value: m.orgId, label: m.orgName }))}
                value={orgId}
                allowDeselect={false}
                onChange={setOrgId}
                w={300}
                data-testid="claim-org"
              />
              <Button
                onClick={() => orgId !== null && claim.mutate(orgId)}
                loading={claim.isPending}
                disabled={orgId === null}
                data-testid="claim-request"
              >
                {t('requestInvite.claim')}
              </Button>
            </Group>
          )}
          <FormError error={claim.error} fields={[]} />
        </Stack>
      </Paper>
    </Container>
  );
}
