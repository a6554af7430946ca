import { useTranslation } from 'react-i18next';
import { Page } from '../workspace/page';

/** Placeholder: being built. */
export function DashboardPage() {
  const { t } = useTranslation();
  return (
    <Page title={t('assessments.title')} testId="dashboard-page">
      {null}
    </Page>
  );
}
