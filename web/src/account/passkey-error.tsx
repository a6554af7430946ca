import { Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../api';
import { FormError } from '../auth/auth-form';
import { isPasskeyCancelled, passkeyProblem } from './passkeys-api';

/**
 * The outcome of a failed passkey ceremony, said plainly: cancelled or timed out (no alarm), a problem of the browser
 * or device, a passkey the server refused, or the server's own error.
 */
export function PasskeyError({
  error,
  fields = [],
  expired,
}: {
  error: unknown;
  fields?: readonly string[];
  /** What a 401 that is no refused passkey means here (the ceremony, or the pending sign-in, ran out). */
  expired?: string;
}) {
  const { t } = useTranslation();
  if (error === null || error === undefined) return null;
  if (isPasskeyCancelled(error)) {
    return (
      <Text size="sm" c="dimmed" role="status">
        {t('passkeys.cancelled')}
      </Text>
    );
  }
  const problem = passkeyProblem(error);
  if (problem !== null) {
    return (
      <Text size="sm" c="red" role="alert" data-testid="passkey-error">
        {problem === 'registered'
          ? t('passkeys.alreadyRegistered')
          : problem === 'insecure'
            ? t('passkeys.unsupported')
            : t('passkeys.deviceError', { message: error instanceof Error ? error.message : '' })}
      </Text>
    );
  }
  if (isApiError(error, 401) && error.message.startsWith('response:')) {
    return (
      <Text size="sm" c="red" role="alert" data-testid="passkey-error">
        {t('passkeys.signInFailed')}
      </Text>
    );
  }
  if (isApiError(error, 401)) {
    return (
      <Text size="sm" c="red" role="alert">
        {expired ?? t('passkeys.expired')}
      </Text>
    );
  }
  return <FormError error={error} fields={fields} />;
}
