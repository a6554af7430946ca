import { Alert, Anchor, Button, Stack } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useNavigate } from 'react-router';
import { api } from '../api';
import { Loading } from '../pages/query-state';
import { useSession } from '../session';
import { AuthCard, FormError, errorFor } from './auth-form';
import { AccountFields } from './account-fields';
import { PasswordFields, passwordOk } from './password-fields';

/**
 * First start: the operator account, from the one-time link the server printed (/setup#token=…). The token sits in
 * the fragment so it never reaches a server log or a Referer header.
 */
export function SetupPage() {
  const { t } = useTranslation();
  const location = useLocation();
  const navigate = useNavigate();
  const { setSession } = useSession();
  const token = new URLSearchParams(location.hash.replace(/^#/, '')).get('token') ?? '';
  const needed = useQuery({ queryKey: ['setup'], queryFn: api.setupNeeded });
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [touched, setTouched] = useState(false);

  useEffect(() => {
    document.title = `${t('setup.title')} — OpenMDS`;
  }, [t]);

  const setup = useMutation({
    mutationFn: () => api.setup({ token, email: email.trim(), displayName: displayName.trim(), password }),
    onSuccess: (session) => {
      setSession(session);
      // The fragment held the token: leave no trace of it in the history.
      void navigate('/orgs/new', { replace: true });
    },
  });

  if (needed.isPending) return <Loading />;
  if (needed.data?.needed === false) {
    return (
      <AuthCard title={t('setup.title')}>
        <Alert color="blue" data-testid="setup-done">
          {t('setup.done')}
        </Alert>
        <Anchor component={Link} to="/sign-in">
          {t('auth.signIn')}
        </Anchor>
      </AuthCard>
    );
  }

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (!passwordOk(password, confirm) || token === '') return;
    setup.mutate();
  };

  return (
    <AuthCard title={t('setup.title')} intro={t('setup.intro')}>
      {token === '' && (
        <Alert color="red" p="sm" data-testid="setup-no-token">
          {t('setup.noToken')}
        </Alert>
      )}
      <form onSubmit={submit}>
        <Stack gap="sm">
          <AccountFields
            email={email}
            displayName={displayName}
            onEmail={setEmail}
            onDisplayName={setDisplayName}
            error={setup.error}
          />
          <PasswordFields
            password={password}
            confirm={confirm}
            onPassword={setPassword}
            onConfirm={setConfirm}
            touched={touched}
            serverError={errorFor(setup.error, 'password')}
          />
          <FormError error={setup.error} fields={['email', 'displayName', 'password']} />
          <Button type="submit" loading={setup.isPending} disabled={token === ''} data-testid="setup-submit">
            {t('setup.submit')}
          </Button>
        </Stack>
      </form>
    </AuthCard>
  );
}
