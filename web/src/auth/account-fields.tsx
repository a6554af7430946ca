import { TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { errorFor } from './auth-form';

interface Props {
  email: string;
  displayName: string;
  onEmail: (value: string) => void;
  onDisplayName: (value: string) => void;
  /** The request's error, whose field messages show under the inputs. */
  error: unknown;
  /** Shows the hint under the name (sign-up: how colleagues will see it). */
  displayNameHint?: boolean;
}

/** The email and display name of a new account (setup and sign-up). */
export function AccountFields({ email, displayName, onEmail, onDisplayName, error, displayNameHint }: Props) {
  const { t } = useTranslation();
  return (
    <>
      <TextInput
        label={t('auth.email')}
        type="email"
        autoComplete="username"
        required
        name="email"
        value={email}
        onChange={(e) => onEmail(e.currentTarget.value)}
        error={errorFor(error, 'email')}
      />
      <TextInput
        label={t('auth.displayName')}
        {...(displayNameHint === true ? { description: t('auth.displayNameHint') } : {})}
        autoComplete="name"
        required
        name="displayName"
        value={displayName}
        onChange={(e) => onDisplayName(e.currentTarget.value)}
        error={errorFor(error, 'displayName')}
      />
    </>
  );
}
