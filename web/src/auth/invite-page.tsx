import { Alert, Anchor, Button, Group, Stack, Table, Text } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { api, isApiError } from '../api';
import { formatDateTime } from '../format';
import { useLang } from '../i18n';
import { Loading } from '../pages/query-state';
import { useSession } from '../session';
import { AuthCard, FormError } from './auth-form';

/** An invitation link: shows the organization and the role, then lets the invited person sign in or up and accept. */
export function InvitePage() {
  const { t } = useTranslation();
  const [lang] = useLang();
  const { token = '' } = useParams();
  const navigate = useNavigate();
  const { session, setSession } = useSession();
  const info = useQuery({ queryKey: ['invitation', token], queryFn: () => api.invitation(token), retry: false });
  const accept = useMutation({
    mutationFn: () => api.acceptInvitation(token),
    onSuccess: (next) => {
      setSession(next);
      const joined = next.memberships.find((m) => m.orgName === info.data?.orgName) ?? null;
      const orgId = joined?.orgId ?? next.currentOrgId;
      void navigate(orgId === null ? '/' : `/orgs/${encodeURIComponent(orgId)}`, { replace: true });
    },
  });

  useEffect(() => {
    document.title = `${t('invite.title')} — OpenMDS`;
  }, [t]);

  if (info.isPending) return <Loading />;
  if (info.isError) {
    return (
      <AuthCard title={t('invite.title')}>
        <Alert color="red" data-testid="invite-not-found">
          {isApiError(info.error, 404) ? t('invite.notFound') : info.error.message}
        </Alert>
        <Anchor component={Link} to="/">
          {t('notFound.home')}
        </Anchor>
      </AuthCard>
    );
  }
  const inv = info.data;
  const here = `/invite/${encodeURIComponent(token)}`;
  const emailMatches =
    session !== null && session !== undefined && session.user.email.toLowerCase() === inv.email.toLowerCase();
  const alreadyMember = session?.memberships.some((m) => m.orgName === inv.orgName) === true;

  return (
    <AuthCard title={t('invite.title')} intro={t('invite.intro')}>
      <Table withTableBorder variant="vertical" data-testid="invitation-info">
        <Table.Tbody>
          <Table.Tr>
            <Table.Th w={140}>{t('invite.org')}</Table.Th>
            <Table.Td fw={700}>
              {inv.orgName}{' '}
              <Text span size="xs" c="dimmed">
                ({t(`orgKinds.${inv.kind}`)})
              </Text>
            </Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>{t('invite.role')}</Table.Th>
            <Table.Td data-testid="invitation-role">{t(`roles.${inv.role}`)}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>{t('auth.email')}</Table.Th>
            <Table.Td>{inv.email}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>{t('invite.expires')}</Table.Th>
            <Table.Td>{formatDateTime(inv.expiresAt, lang)}</Table.Td>
          </Table.Tr>
        </Table.Tbody>
      </Table>
      {!session ? (
        <Stack gap="xs">
          <Text size="sm">{t('invite.signInFirst')}</Text>
          <Group grow>
            <Button
              component={Link}
              to={`/sign-up?invitation=${encodeURIComponent(token)}&email=${encodeURIComponent(inv.email)}`}
              data-testid="invite-sign-up"
            >
              {t('auth.signUp')}
            </Button>
            <Button
              variant="default"
              component={Link}
              to={`/sign-in?next=${encodeURIComponent(here)}&email=${encodeURIComponent(inv.email)}`}
            >
              {t('auth.signIn')}
            </Button>
          </Group>
        </Stack>
      ) : !emailMatches ? (
        <Alert color="yellow" data-testid="invite-other-email">
          {t('invite.otherEmail', { invited: inv.email, current: session.user.email })}
        </Alert>
      ) : alreadyMember ? (
        <Stack gap="xs">
          <Text size="sm">{t('invite.alreadyMember')}</Text>
          <Button
            component={Link}
            to={`/orgs/${encodeURIComponent(session.memberships.find((m) => m.orgName === inv.orgName)?.orgId ?? '')}`}
          >
            {t('invite.open', { org: inv.orgName })}
          </Button>
        </Stack>
      ) : (
        <Stack gap="xs">
          <FormError error={accept.error} fields={[]} />
          <Button loading={accept.isPending} onClick={() => accept.mutate()} data-testid="invite-accept">
            {t('invite.accept', { org: inv.orgName })}
          </Button>
        </Stack>
      )}
    </AuthCard>
  );
}
