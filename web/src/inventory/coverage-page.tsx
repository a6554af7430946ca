import { useTranslation } from 'react-i18next';
import { Page } from '../workspace/page';

/** Placeholder: being built. */
export function CoveragePage() {
  const { t } = useTranslation();
  return (
    <Page title={t('inventory.title')} testId="coverage-page">
      {null}
    </Page>
  );
}
