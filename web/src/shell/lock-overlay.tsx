import { Alert, Button, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { api, isApiError } from '../api';
import { LockIcon } from '../icons';
import { useSession } from '../session';

/**
 * The screen lock (checklist row 3, 不正入力防止): the whole page is covered by an opaque layer showing only a
 * password field. What lies beneath stays mounted, and inert, so unsaved edits survive the lock.
 */
export function LockOverlay() {
  const { t } = useTranslation();
  const { session, setSession } = useSession();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setSession(await api.unlock(password));
      setPassword('');
      // Requests refused while locked are asked again.
      await queryClient.invalidateQueries({ predicate: (q) => q.state.status === 'error' });
    } catch (err) {
      if (isApiError(err, 401)) {
        // The session ended meanwhile (idle or absolute limit): sign in again.
        setSession(null);
        void navigate('/sign-in');
      } else if (isApiError(err, 429)) setError(t('lock.rateLimited'));
      else if (isApiError(err, 423)) setError(t('lock.wrongPassword'));
      else if (isApiError(err)) setError(err.message);
      else setError(t('app.networkError'));
    } finally {
      setBusy(false);
    }
  };

  const signOut = async () => {
    try {
      await api.signOut();
    } finally {
      setSession(null);
      void navigate('/sign-in');
    }
  };

  return (
    <div
      className="lock-overlay"
      role="dialog"
      aria-modal="true"
      aria-labelledby="lock-title"
      data-testid="lock-overlay"
    >
      <Paper withBorder shadow="md" p="xl" radius="md" w={380} component="form" onSubmit={(e) => void submit(e)}>
        <Stack gap="md">
          <Stack gap={4} align="center">
            <LockIcon size={32} />
            <Title order={1} size="h4" id="lock-title">
              {t('lock.title')}
            </Title>
            <Text size="sm" c="dimmed" ta="center">
              {t('lock.body', { name: session?.user.displayName ?? '' })}
            </Text>
          </Stack>
          <PasswordInput
            label={t('auth.password')}
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            data-autofocus
            autoFocus
            required
            name="password"
            data-testid="unlock-password"
          />
          {error !== null && (
            <Alert color="red" role="alert" p="xs">
              {error}
            </Alert>
          )}
          <Button type="submit" loading={busy} data-testid="unlock-submit">
            {t('lock.unlock')}
          </Button>
          <Button variant="subtle" size="xs" onClick={() => void signOut()}>
            {t('auth.signOut')}
          </Button>
        </Stack>
      </Paper>
    </div>
  );
}
