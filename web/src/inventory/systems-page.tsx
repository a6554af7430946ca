import { useTranslation } from 'react-i18next';
import { Page } from '../workspace/page';

/** Placeholder: being built. */
export function SystemsPage() {
  const { t } = useTranslation();
  return (
    <Page title={t('inventory.title')} testId="systems-page">
      {null}
    </Page>
  );
}
