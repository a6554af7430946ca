import { PasswordInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { MIN_PASSWORD } from './auth-form';

interface Props {
  password: string;
  confirm: string;
  onPassword: (value: string) => void;
  onConfirm: (value: string) => void;
  /** The server's word on the password ("not a common password"). */
  serverError?: string;
  /** Show the client-side checks (after a first submit). */
  touched: boolean;
}

/** The new password twice, with the policy's length shown before the server is asked. */
export function PasswordFields({ password, confirm, onPassword, onConfirm, serverError, touched }: Props) {
  const { t } = useTranslation();
  const tooShort = touched && password.length > 0 && password.length < MIN_PASSWORD;
  const mismatch = touched && confirm.length > 0 && confirm !== password;
  return (
    <>
      <PasswordInput
        label={t('auth.newPassword')}
        description={t('auth.passwordPolicy', { min: MIN_PASSWORD })}
        autoComplete="new-password"
        required
        name="password"
        value={password}
        onChange={(e) => onPassword(e.currentTarget.value)}
        error={tooShort ? t('auth.passwordTooShort', { min: MIN_PASSWORD }) : serverError}
      />
      <PasswordInput
        label={t('auth.confirmPassword')}
        autoComplete="new-password"
        required
        name="confirm"
        value={confirm}
        onChange={(e) => onConfirm(e.currentTarget.value)}
        error={mismatch ? t('auth.passwordMismatch') : undefined}
      />
    </>
  );
}

export function passwordOk(password: string, confirm: string): boolean {
  return password.length >= MIN_PASSWORD && password === confirm;
}
