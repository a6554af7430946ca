import { Anchor, Button, Divider, Stack, Text, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../api';
import type { Session } from '../api-types';
import { PasskeyError } from '../account/passkey-error';
import { passkeysApi, passkeysSupported } from '../account/passkeys-api';
import { twoFactorApi, type SecondFactorMethod } from '../account/two-factor-api';
import { AuthCard, FormError } from './auth-form';

/** Sign-in's second step: a passkey, a code of the authenticator app, or a recovery code. */
export function TwoFactorStep({
  methods,
  onSession,
  onBack,
}: {
  methods: readonly SecondFactorMethod[];
  onSession: (s: Session) => void;
  onBack: () => void;
}) {
  const { t } = useTranslation();
  const [code, setCode] = useState('');
  const verify = useMutation({ mutationFn: () => twoFactorApi.verify(code.trim()), onSuccess: onSession });
  const passkey = useMutation({ mutationFn: () => passkeysApi.secondFactor(), onSuccess: onSession });
  const offerPasskey = methods.includes('passkey') && passkeysSupported();
  // The pending sign-in is gone (5 minutes, or 5 wrong codes): the password must be given again.
  const expired = isApiError(verify.error, 401) && !verify.error.message.startsWith('code:');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    verify.mutate();
  };
  return (
    <AuthCard title={t('twoFactor.signInTitle')} intro={t('twoFactor.signInIntro')}>
      {offerPasskey && (
        <Stack gap="xs">
          <Button loading={passkey.isPending} onClick={() => passkey.mutate()} data-testid="two-factor-passkey">
            {t('passkeys.useSecondFactor')}
          </Button>
          <PasskeyError error={passkey.error} expired={t('twoFactor.signInExpired')} />
          <Divider label={t('passkeys.or')} />
        </Stack>
      )}
      <form onSubmit={submit}>
        <Stack gap="sm">
          <TextInput
            label={t('twoFactor.code')}
            description={methods.includes('totp') ? t('twoFactor.codeOrRecovery') : t('twoFactor.recoveryOnly')}
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
