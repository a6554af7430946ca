import { Anchor, AppShell, Group, SegmentedControl, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useLang } from './i18n';

export function Layout({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const [lang, setLang] = useLang();
  return (
    <AppShell header={{ height: 56 }} padding="md" className="app-shell">
      <AppShell.Header className="app-chrome">
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="lg" wrap="nowrap">
            <Anchor component={Link} to="/" underline="never" c="inherit">
              <Text fw={700} size="lg" span>
                {t('app.name')}
              </Text>{' '}
              <Text size="sm" c="dimmed" span visibleFrom="sm">
                {t('app.tagline')}
              </Text>
            </Anchor>
            <Anchor component={Link} to="/templates" size="sm">
              {t('nav.templates')}
            </Anchor>
          </Group>
          <SegmentedControl
            size="xs"
            aria-label={t('app.language')}
            data-testid="language-toggle"
            value={lang}
            onChange={setLang}
            data={[
              { value: 'ja', label: '日本語' },
              { value: 'en', label: 'English' },
            ]}
          />
        </Group>
      </AppShell.Header>
      <AppShell.Main className="app-main">{children}</AppShell.Main>
    </AppShell>
  );
}
