import { useTranslation } from 'react-i18next';
import { Page } from '../workspace/page';

/** Placeholder: being built. */
export function SystemPage() {
  const { t } = useTranslation();
  return (
    <Page title={t('inventory.title')} testId="system-page">
      {null}
    </Page>
  );
}
