import { Alert, Button, Paper, PasswordInput, Stack } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { FormError, errorFor } from '../auth/auth-form';
import { PasswordFields, passwordOk } from '../auth/password-fields';
import { Page } from '../workspace/page';
import { passwordApi } from './password-api';

/** /account/password — change your password; your other sessions are signed out. */
export function PasswordPage() {
  const { t } = useTranslation();
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [touched, setTouched] = useState(false);
  const change = useMutation({
    mutationFn: () => passwordApi.changePassword({ currentPassword: current, newPassword: password }),
    onSuccess: () => {
      setCurrent('');
      setPassword('');
      setConfirm('');
      setTouched(false);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (!passwordOk(password, confirm) || current === '') return;
    change.mutate();
  };
  return (
    <Page title={t('password.title')} subtitle={t('password.intro')} size="sm" testId="password-page">
      {change.isSuccess && (
        <Alert color="green" data-testid="password-changed">
          {t('password.changed', { count: change.data.sessionsEnded })}
        </Alert>
      )}
      <Paper withBorder p="md" component="form" onSubmit={submit}>
        <Stack gap="sm">
          <PasswordInput
            label={t('password.current')}
            autoComplete="current-password"
            required
            name="currentPassword"
            value={current}
            onChange={(e) => setCurrent(e.currentTarget.value)}
            error={errorFor(change.error, 'currentPassword')}
          />
          <PasswordFields
            password={password}
            confirm={confirm}
            onPassword={setPassword}
            onConfirm={setConfirm}
            touched={touched}
            serverError={errorFor(change.error, 'newPassword')}
          />
          <FormError error={change.error} fields={['currentPassword', 'newPassword']} />
          <Button type="submit" loading={change.isPending} data-testid="password-submit">
            {t('password.submit')}
          </Button>
        </Stack>
      </Paper>
    </Page>
  );
}
