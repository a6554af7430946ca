import { Alert, Anchor, Button, Stack } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useNavigate } from 'react-router';
import { passwordApi } from '../account/password-api';
import { useSession } from '../session';
import { AuthCard, FormError, errorFor } from './auth-form';
import { PasswordFields, passwordOk } from './password-fields';

/**
 * /password-reset/confirm#token=… — a new password with the single-use link from the mail. The token sits in the
 * fragment, so it never reaches a server log or a Referer header; it is dropped from the address once used.
 */
export function PasswordResetConfirmPage() {
  const { t } = useTranslation();
  const location = useLocation();
  const navigate = useNavigate();
  const { setSession } = useSession();
  const [token] = useState(() => new URLSearchParams(location.hash.replace(/^#/, '')).get('token') ?? '');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [touched, setTouched] = useState(false);

  useEffect(() => {
    document.title = `${t('passwordReset.confirmTitle')} — OpenMDS`;
  }, [t]);

  const reset = useMutation({
    mutationFn: () => passwordApi.confirmReset({ token, password }),
    onSuccess: () => {
      // Every session of the account ended, this browser's too.
      setSession(null);
      void navigate('/password-reset/confirm', { replace: true });
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (!passwordOk(password, confirm) || token === '') return;
    reset.mutate();
  };

  if (reset.isSuccess) {
    return (
      <AuthCard title={t('passwordReset.confirmTitle')}>
        <Alert color="green" data-testid="reset-done">
          {t('passwordReset.done')}
        </Alert>
        <Anchor component={Link} to="/sign-in">
          {t('auth.signIn')}
        </Anchor>
      </AuthCard>
    );
  }

  return (
    <AuthCard title={t('passwordReset.confirmTitle')} intro={t('passwordReset.confirmIntro')}>
      {token === '' && (
        <Alert color="red" p="sm" data-testid="reset-no-token">
          {t('passwordReset.noToken')}
        </Alert>
      )}
      <form onSubmit={submit}>
        <Stack gap="sm">
          <PasswordFields
            password={password}
            confirm={confirm}
            onPassword={setPassword}
            onConfirm={setConfirm}
            touched={touched}
            serverError={errorFor(reset.error, 'password')}
          />
          <FormError error={reset.error} fields={['password', 'token']} />
          {errorFor(reset.error, 'token') !== undefined && (
            <Alert color="red" p="sm" role="alert">
              {t('passwordReset.invalidLink')}{' '}
              <Anchor component={Link} to="/password-reset">
                {t('passwordReset.askAgain')}
              </Anchor>
            </Alert>
          )}
          <Button type="submit" loading={reset.isPending} disabled={token === ''} data-testid="reset-confirm-submit">
            {t('passwordReset.confirmSubmit')}
          </Button>
        </Stack>
      </form>
    </AuthCard>
  );
}
