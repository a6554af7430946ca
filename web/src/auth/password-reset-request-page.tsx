import { Alert, Anchor, Button, Stack, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { passwordApi } from '../account/password-api';
import { AuthCard, FormError, errorFor } from './auth-form';

/** /password-reset — ask for a single-use link; the answer is the same whether or not an account has the email. */
export function PasswordResetRequestPage() {
  const { t } = useTranslation();
  const [email, setEmail] = useState('');
  const ask = useMutation({ mutationFn: () => passwordApi.requestReset(email.trim()) });

  useEffect(() => {
    document.title = `${t('passwordReset.title')} — OpenMDS`;
  }, [t]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    ask.mutate();
  };

  return (
    <AuthCard title={t('passwordReset.title')} intro={t('passwordReset.intro')}>
      {ask.isSuccess ? (
        <Alert color="blue" data-testid="reset-requested">
          {t('passwordReset.requested')}
        </Alert>
      ) : (
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
              error={errorFor(ask.error, 'email')}
            />
            <FormError error={ask.error} fields={['email']} />
            <Button type="submit" loading={ask.isPending} data-testid="reset-request-submit">
              {t('passwordReset.send')}
            </Button>
          </Stack>
        </form>
      )}
      <Anchor component={Link} to="/sign-in" size="sm">
        {t('passwordReset.backToSignIn')}
      </Anchor>
    </AuthCard>
  );
}
