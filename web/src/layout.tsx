import {
  ActionIcon,
  Anchor,
  AppShell,
  Badge,
  Button,
  Group,
  Menu,
  SegmentedControl,
  Text,
  Tooltip,
  UnstyledButton,
} from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, NavLink, useNavigate } from 'react-router';
import { api } from './api';
import { useLang } from './i18n';
import { ChevronDownIcon, LockIcon, LogoutIcon, PlusIcon, UserIcon } from './icons';
import { can, useCurrentOrgId, useMembership, useSession } from './session';
import { IdleBanner } from './shell/idle-banner';
import { LockOverlay } from './shell/lock-overlay';

export function Layout({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const locked = session?.locked === true;
  return (
    <>
      <AppShell header={{ height: 56 }} padding="md" className="app-shell" inert={locked}>
        <AppShell.Header className="app-chrome">
          <Group h="100%" px="md" justify="space-between" wrap="nowrap">
            <Group gap="lg" wrap="nowrap">
              <Anchor component={Link} to="/" underline="never" c="inherit">
                <Text fw={700} size="lg" span>
                  {t('app.name')}
                </Text>{' '}
                <Text size="sm" c="dimmed" span visibleFrom="lg">
                  {t('app.tagline')}
                </Text>
              </Anchor>
              <WorkspaceNav />
            </Group>
            <Group gap="sm" wrap="nowrap">
              {session ? <SignedInTools /> : <SignedOutLinks />}
              <LanguageToggle />
            </Group>
          </Group>
        </AppShell.Header>
        <AppShell.Main className="app-main">
          {session && <IdleBanner />}
          {children}
        </AppShell.Main>
      </AppShell>
      {locked && <LockOverlay />}
    </>
  );
}

function LanguageToggle() {
  const { t } = useTranslation();
  const [lang, setLang] = useLang();
  return (
    <SegmentedControl
      size="xs"
      aria-label={t('app.language')}
      data-testid="language-toggle"
      value={lang}
      onChange={(v) => setLang(v === 'en' ? 'en' : 'ja')}
      data={[
        { value: 'ja', label: '日本語' },
        { value: 'en', label: 'English' },
      ]}
    />
  );
}

/** The organization's pages, for a signed-in member; the template list for everyone. */
function WorkspaceNav() {
  const { t } = useTranslation();
  const { session } = useSession();
  const orgId = useCurrentOrgId();
  const membership = useMembership(orgId);
  const links: { to: string; label: string }[] = [];
  if (session && membership) {
    const base = `/orgs/${encodeURIComponent(membership.orgId)}`;
    links.push({ to: `${base}/statements`, label: t('nav.statements') });
    links.push({ to: `${base}/products`, label: t('nav.products') });
    links.push({ to: `${base}/members`, label: t('nav.members') });
    if (can(membership.role, 'audit')) links.push({ to: `${base}/audit`, label: t('nav.audit') });
  }
  links.push({ to: '/templates', label: t('nav.templates') });
  return (
    <Group gap="md" wrap="nowrap" component="nav" aria-label={t('nav.label')} visibleFrom="sm">
      {links.map((l) => (
        <Anchor key={l.to} component={NavLink} to={l.to} size="sm" className="nav-link">
          {l.label}
        </Anchor>
      ))}
    </Group>
  );
}

function SignedOutLinks() {
  const { t } = useTranslation();
  return (
    <Group gap="xs" wrap="nowrap">
      <Button component={Link} to="/sign-in" variant="subtle" size="xs">
        {t('auth.signIn')}
      </Button>
      <Button component={Link} to="/sign-up" variant="light" size="xs">
        {t('auth.signUp')}
      </Button>
    </Group>
  );
}

function SignedInTools() {
  const { t } = useTranslation();
  const { session, setSession } = useSession();
  const navigate = useNavigate();
  const orgId = useCurrentOrgId();
  const membership = useMembership(orgId);
  const [locking, setLocking] = useState(false);
  if (!session) return null;

  const lock = async () => {
    setLocking(true);
    try {
      setSession(await api.lock());
    } catch {
      // The overlay cannot show without the server's word; the button stays for another try.
    } finally {
      setLocking(false);
    }
  };

  const switchTo = async (id: string) => {
    try {
      setSession(await api.switchOrg(id));
    } finally {
      void navigate(`/orgs/${encodeURIComponent(id)}/statements`);
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
    <>
      <Menu position="bottom-end" withinPortal>
        <Menu.Target>
          <UnstyledButton className="header-menu-button" data-testid="org-switcher">
            <Group gap={6} wrap="nowrap">
              <Text size="sm" fw={600} truncate maw={220}>
                {membership?.orgName ?? t('org.none')}
              </Text>
              {membership && (
                <Badge size="xs" variant="light" color="gray">
                  {t(`roles.${membership.role}`)}
                </Badge>
              )}
              <ChevronDownIcon size={14} />
            </Group>
          </UnstyledButton>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Label>{t('org.switch')}</Menu.Label>
          {session.memberships.map((m) => (
            <Menu.Item
              key={m.orgId}
              onClick={() => void switchTo(m.orgId)}
              rightSection={
                <Text size="xs" c="dimmed">
                  {t(`orgKinds.${m.kind}`)} ・ {t(`roles.${m.role}`)}
                </Text>
              }
              fw={m.orgId === membership?.orgId ? 700 : 400}
            >
              {m.orgName}
            </Menu.Item>
          ))}
          <Menu.Divider />
          <Menu.Item leftSection={<PlusIcon size={14} />} component={Link} to="/orgs/new">
            {t('org.create')}
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
      <Tooltip label={t('lock.button')}>
        <ActionIcon
          variant="default"
          size="lg"
          aria-label={t('lock.button')}
          data-testid="screen-lock"
          loading={locking}
          onClick={() => void lock()}
        >
          <LockIcon size={18} />
        </ActionIcon>
      </Tooltip>
      <Menu position="bottom-end" withinPortal>
        <Menu.Target>
          <UnstyledButton className="header-menu-button" data-testid="user-menu" aria-label={t('user.menu')}>
            <Group gap={6} wrap="nowrap">
              <UserIcon size={16} />
              <Text size="sm" truncate maw={160} visibleFrom="md">
                {session.user.displayName}
              </Text>
              <ChevronDownIcon size={14} />
            </Group>
          </UnstyledButton>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Label>{session.user.email}</Menu.Label>
          <Menu.Item leftSection={<LockIcon size={14} />} onClick={() => void lock()}>
            {t('lock.button')}
          </Menu.Item>
          <Menu.Item leftSection={<LogoutIcon size={14} />} onClick={() => void signOut()} data-testid="sign-out">
            {t('auth.signOut')}
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
    </>
  );
}
