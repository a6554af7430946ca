import { Alert, Center, Loader } from '@mantine/core';
import { useTranslation } from 'react-i18next';

export function Loading() {
  const { t } = useTranslation();
  return (
    <Center py="xl" aria-live="polite">
      <Loader size="sm" aria-label={t('app.loading')} />
    </Center>
  );
}

export function LoadError({ error }: { error: Error }) {
  const { t } = useTranslation();
  return (
    <Alert color="red" role="alert">
      {t('app.loadError', { message: error.message })}
    </Alert>
  );
}
