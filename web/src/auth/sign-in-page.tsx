import { Alert, Anchor, Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api } from '../api';
import { useSession } from '../session';
import { AuthCard, FormError } from './auth-form';

/** Where to go after signing in: a path of this site only (never another origin). */
export function safeNext(next: string | null): string {
  return next !== null && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function SignInPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const navigate = useNavigate();
  const { setSession, endedBecause } = useSession();
  const [email, setEmail] = useState(params.get('email') ?? '');
  const [password, setPassword] = useState('');
  const signIn = useMutation({
    mutationFn: () => api.signIn({ email: email.trim(), password }),
    onSuccess: (session) => {
      setSession(session);
      void navigate(next, { replace: true });
    },
  });

  useEffect(() => {
    document.title = `${t('auth.signIn')} — OpenMDS`;
  }, [t]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    signIn.mutate();
  };

  return (
    <AuthCard title={t('auth.signInTitle')}>
      {endedBecause === 'expired' && (
        <Alert color="yellow" p="sm" data-testid="session-expired">
          {t('session.expired')}
        </Alert>
      )}
      <form onSubmit={submit}>
        <Stack gap="sm">
          <TextInput
            label={t('auth.email')}
            type="email"
            autoComplete="username"
            required
            name="email"
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
          />
          <PasswordInput
            label={t('auth.password')}
            autoComplete="current-password"
            required
            name="password"
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
          />
          <FormError error={signIn.error} fields={[]} />
          <Button type="submit" loading={signIn.isPending} data-testid="sign-in-submit">
            {t('auth.signIn')}
          </Button>
        </Stack>
      </form>
      <Text size="sm">
        {t('auth.noAccount')}{' '}
        <Anchor component={Link} to={`/sign-up${next === '/' ? '' : `?next=${encodeURIComponent(next)}`}`}>
          {t('auth.signUp')}
        </Anchor>
      </Text>
    </AuthCard>
  );
}
