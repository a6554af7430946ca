import { Anchor, Button, Stack, Text, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../api';
import type { Session } from '../api-types';
import { twoFactorApi } from '../account/two-factor-api';
import { AuthCard, FormError } from './auth-form';

/** Sign-in's second step: a code of the authenticator app, or a recovery code. */
export function TwoFactorStep({ onSession, onBack }: { onSession: (s: Session) => void; onBack: () => void }) {
  const { t } = useTranslation();
  const [code, setCode] = useState('');
  const verify = useMutation({ mutationFn: () => twoFactorApi.verify(code.trim()), onSuccess: onSession });
  // The pending sign-in is gone (5 minutes, or 5 wrong codes): the password must be given again.
  const expired = isApiError(verify.error, 401) && !verify.error.message.startsWith('code:');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    verify.mutate();
  };
  return (
    <AuthCard title={t('twoFactor.signInTitle')} intro={t('twoFactor.signInIntro')}>
      <form onSubmit={submit}>
        <Stack gap="sm">
          <TextInput
            label={t('twoFactor.code')}
            description={t('twoFactor.codeOrRecovery')}
            autoComplete="one-time-code"
            inputMode="numeric"
            required
            data-autofocus
            name="code"
            value={code}
            onChange={(e) => setCode(e.currentTarget.value)}
            data-testid="two-factor-code"
          />
          {expired ? (
            <Text c="red" size="sm" role="alert">
              {t('twoFactor.signInExpired')}
            </Text>
          ) : isApiError(verify.error, 401) ? (
            <Text c="red" size="sm" role="alert" data-testid="form-error">
              {t('twoFactor.wrongCode')}
            </Text>
          ) : (
            <FormError error={verify.error} fields={[]} />
          )}
          <Button type="submit" loading={verify.isPending} data-testid="two-factor-submit">
            {t('twoFactor.verify')}
          </Button>
        </Stack>
      </form>
      <Text size="sm">
        <Anchor component="button" type="button" onClick={onBack}>
          {t('twoFactor.back')}
        </Anchor>
      </Text>
    </AuthCard>
  );
}
