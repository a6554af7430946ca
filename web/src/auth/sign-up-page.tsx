import { Alert, Anchor, Button, Stack, Text } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api } from '../api';
import { useSession } from '../session';
import { AuthCard, FormError, errorFor } from './auth-form';
import { AccountFields } from './account-fields';
import { PasswordFields, passwordOk } from './password-fields';
import { safeNext } from './sign-in-page';

export function SignUpPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const invitationToken = params.get('invitation') ?? undefined;
  const navigate = useNavigate();
  const { setSession } = useSession();
  const invitation = useQuery({
    queryKey: ['invitation', invitationToken],
    queryFn: () => api.invitation(invitationToken ?? ''),
    enabled: invitationToken !== undefined,
  });
  const [email, setEmail] = useState(params.get('email') ?? '');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [touched, setTouched] = useState(false);

  useEffect(() => {
    const invited = invitation.data?.email;
    if (invited !== undefined) setEmail((current) => (current === '' ? invited : current));
  }, [invitation.data]);

  useEffect(() => {
    document.title = `${t('auth.signUp')} — OpenMDS`;
  }, [t]);

  const signUp = useMutation({
    mutationFn: () =>
      api.signUp({
        email: email.trim(),
        displayName: displayName.trim(),
        password,
        ...(invitationToken === undefined ? {} : { invitationToken }),
      }),
    onSuccess: (session) => {
      setSession(session);
      // With an invitation the new account has joined the organization already; otherwise the next step is
      // creating (or choosing) one.
      if (invitationToken !== undefined) {
        const joined = session.memberships.find((m) => m.orgName === invitation.data?.orgName);
        const orgId = joined?.orgId ?? session.currentOrgId;
        void navigate(
          orgId === null ? `/invite/${encodeURIComponent(invitationToken)}` : `/orgs/${encodeURIComponent(orgId)}`,
          {
            replace: true,
          },
        );
      } else {
        const next = safeNext(params.get('next'));
        void navigate(next === '/' && session.memberships.length === 0 ? '/orgs/new' : next, { replace: true });
      }
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (!passwordOk(password, confirm)) return;
    signUp.mutate();
  };

  return (
    <AuthCard
      title={t('auth.signUpTitle')}
      intro={
        invitation.data !== undefined
          ? t('auth.signUpInvited', {
              org: invitation.data.orgName,
              role: t(`roles.${invitation.data.role}`),
            })
          : t('auth.signUpIntro')
      }
    >
      {invitation.isError && (
        <Alert color="red" p="sm">
          {t('invite.notFound')}
        </Alert>
      )}
      <form onSubmit={submit}>
        <Stack gap="sm">
          <AccountFields
            email={email}
            displayName={displayName}
            onEmail={setEmail}
            onDisplayName={setDisplayName}
            error={signUp.error}
            displayNameHint
          />
          <PasswordFields
            password={password}
            confirm={confirm}
            onPassword={setPassword}
            onConfirm={setConfirm}
            touched={touched}
            serverError={errorFor(signUp.error, 'password')}
          />
          <FormError error={signUp.error} fields={['email', 'displayName', 'password']} />
          <Button type="submit" loading={signUp.isPending} data-testid="sign-up-submit">
            {t('auth.signUp')}
          </Button>
        </Stack>
      </form>
      <Text size="sm">
        {t('auth.haveAccount')}{' '}
        <Anchor
          component={Link}
          to={
            invitationToken === undefined
              ? '/sign-in'
              : `/sign-in?next=${encodeURIComponent(`/invite/${invitationToken}`)}`
          }
        >
          {t('auth.signIn')}
        </Anchor>
      </Text>
    </AuthCard>
  );
}
