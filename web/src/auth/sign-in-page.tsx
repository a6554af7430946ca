import { Alert, Anchor, Button, Divider, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { PasskeyError } from '../account/passkey-error';
import { passkeysApi, passkeysSupported } from '../account/passkeys-api';
import { isPending, signInWithPassword, type SecondFactorMethod } from '../account/two-factor-api';
import type { Session } from '../api-types';
import { useSession } from '../session';
import { AuthCard, FormError } from './auth-form';
import { TwoFactorStep } from './two-factor-step';

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
  // Set when the password was right and two-factor authentication asks for more (two-factor-step.tsx): its methods.
  const [pending, setPending] = useState<SecondFactorMethod[] | null>(null);
  const signedIn = (session: Session) => {
    setSession(session);
    void navigate(next, { replace: true });
  };
  const signIn = useMutation({
    mutationFn: () => signInWithPassword({ email: email.trim(), password }),
    onSuccess: (result) => {
      if (isPending(result)) setPending(result.methods);
      else signedIn(result);
    },
  });
  const withPasskey = useMutation({ mutationFn: () => passkeysApi.signIn(), onSuccess: signedIn });

  useEffect(() => {
    document.title = `${t('auth.signIn')} — OpenMDS`;
  }, [t]);

  if (pending !== null) {
    return (
      <TwoFactorStep
        methods={pending}
        onSession={signedIn}
        onBack={() => {
          setPending(null);
          setPassword('');
        }}
      />
    );
  }

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
      {passkeysSupported() && (
        <Stack gap="xs">
          <Divider label={t('passkeys.or')} />
          <Button
            variant="default"
            loading={withPasskey.isPending}
            onClick={() => withPasskey.mutate()}
            data-testid="passkey-sign-in"
          >
            {t('passkeys.signIn')}
          </Button>
          <PasskeyError error={withPasskey.error} />
        </Stack>
      )}
      <Text size="sm">
        <Anchor component={Link} to="/password-reset" data-testid="forgot-password">
          {t('passwordReset.forgot')}
        </Anchor>
      </Text>
      <Text size="sm">
        {t('auth.noAccount')}{' '}
        <Anchor component={Link} to={`/sign-up${next === '/' ? '' : `?next=${encodeURIComponent(next)}`}`}>
          {t('auth.signUp')}
        </Anchor>
      </Text>
      <Text size="xs" c="dimmed">
        <Anchor component={Link} to="/break-glass" c="dimmed" data-testid="break-glass-link">
          {t('breakGlass.signInLink')}
        </Anchor>
      </Text>
    </AuthCard>
  );
}
