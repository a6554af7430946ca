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
import { useMediaQuery } from '@mantine/hooks';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, NavLink, useNavigate } from 'react-router';
import { api } from './api';
import type { Membership } from './api-types';
import { NotificationBell } from './exchange/notification-bell';
import { useLang } from './i18n';
import { ChevronDownIcon, LockIcon, LogoutIcon, MenuIcon, PlusIcon, UserIcon } from './icons';
import { can, useCurrentOrgId, useMembership, useSession } from './session';
import { IdleBanner } from './shell/idle-banner';
import { LockOverlay } from './shell/lock-overlay';

/** A phone's width (Mantine's xs breakpoint). */
const NARROW = '(max-width: 36em)';

/** Height of the header's first row; the organization's bar adds ORG_BAR_H under it. */
const HEADER_H = 56;
const ORG_BAR_H = 40;

export function Layout({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const orgId = useCurrentOrgId();
  const membership = useMembership(orgId);
  const locked = session?.locked === true;
  const orgBar = session !== null && session !== undefined && membership !== null;
  // A phone's header holds the essentials only; a signed-in user finds the rest in the user menu.
  const compact = useMediaQuery(NARROW) === true && session !== null && session !== undefined;
  return (
    <>
      <AppShell
        header={{ height: orgBar ? HEADER_H + ORG_BAR_H : HEADER_H }}
        padding="md"
        className="app-shell"
        inert={locked}
      >
        <AppShell.Header className="app-chrome">
          <Group h={HEADER_H} px="md" justify="space-between" wrap="nowrap">
            <Group gap="lg" wrap="nowrap">
              <Anchor component={Link} to="/" underline="never" c="inherit">
                <Text fw={700} size="lg" span>
                  {t('app.name')}
                </Text>{' '}
                <Text size="sm" c="dimmed" span visibleFrom="xl">
                  {t('app.tagline')}
                </Text>
              </Anchor>
              {!compact && <PublicNav />}
            </Group>
            <Group gap="sm" wrap="nowrap">
              {session ? <SignedInTools compact={compact} /> : <SignedOutLinks />}
              {!compact && <LanguageToggle />}
            </Group>
          </Group>
          {orgBar && <OrgNav membership={membership} />}
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
  // A phone's header has no room for the full names.
  const narrow = useMediaQuery(NARROW);
  return (
    <SegmentedControl
      size="xs"
      aria-label={t('app.language')}
      data-testid="language-toggle"
      value={lang}
      onChange={(v) => setLang(v === 'en' ? 'en' : 'ja')}
      data={[
        { value: 'ja', label: narrow === true ? <abbr title="日本語">JA</abbr> : '日本語' },
        { value: 'en', label: narrow === true ? <abbr title="English">EN</abbr> : 'English' },
      ]}
    />
  );
}

/** The public pages: the directory, signature verification, the templates; a menu on narrow screens. */
function PublicNav() {
  const { t } = useTranslation();
  const links = [
    { to: '/directory', label: t('nav.directory'), testId: 'nav-directory' },
    { to: '/verify', label: t('nav.verify'), testId: 'nav-verify' },
    { to: '/templates', label: t('nav.templates'), testId: 'nav-templates' },
  ];
  return (
    <>
      <Group gap="md" wrap="nowrap" component="nav" aria-label={t('nav.public')} visibleFrom="md">
        {links.map((l) => (
          <Anchor
            key={l.to}
            component={NavLink}
            to={l.to}
            end={l.to === '/templates'}
            size="sm"
            className="nav-link"
            data-testid={l.testId}
          >
            {l.label}
          </Anchor>
        ))}
      </Group>
      <Menu position="bottom-start" withinPortal>
        <Menu.Target>
          <ActionIcon variant="default" size="lg" aria-label={t('nav.public')} hiddenFrom="md">
            <MenuIcon size={18} />
          </ActionIcon>
        </Menu.Target>
        <Menu.Dropdown>
          {links.map((l) => (
            <Menu.Item key={l.to} component={Link} to={l.to}>
              {l.label}
            </Menu.Item>
          ))}
        </Menu.Dropdown>
      </Menu>
    </>
  );
}

/**
 * The organization's pages, a bar under the header: what a manufacturer and a hospital do differ (statements and
 * publishing against requests and the collection); members, the audit log and notifications are for both.
 */
function OrgNav({ membership }: { membership: Membership }) {
  const { t } = useTranslation();
  const base = `/orgs/${encodeURIComponent(membership.orgId)}`;
  const links: { to: string; label: string; end?: boolean }[] = [];
  if (membership.kind === 'manufacturer') {
    links.push(
      { to: `${base}/statements`, label: t('nav.statements') },
      { to: `${base}/products`, label: t('nav.products') },
      { to: `${base}/publications`, label: t('nav.publications') },
      { to: `${base}/inbox`, label: t('nav.inbox') },
      { to: `${base}/grants`, label: t('nav.grants') },
      { to: `${base}/signing-key`, label: t('nav.signingKey') },
    );
  } else {
    links.push(
      { to: `${base}/dashboard`, label: t('nav.dashboard') },
      { to: `${base}/inventory`, label: t('nav.inventory') },
      { to: `${base}/sources`, label: t('nav.sources') },
      { to: `${base}/coverage`, label: t('nav.coverage') },
      { to: `${base}/comparison`, label: t('nav.comparison') },
      { to: `${base}/assessments`, label: t('nav.assessments') },
      { to: `${base}/requests`, label: t('nav.requests') },
      { to: `${base}/collection`, label: t('nav.collection') },
    );
  }
  if (can(membership.role, 'manage')) links.push({ to: `${base}/webhooks`, label: t('nav.webhooks') });
  links.push({ to: `${base}/members`, label: t('nav.members') });
  if (can(membership.role, 'audit')) links.push({ to: `${base}/audit`, label: t('nav.audit') });
  if (can(membership.role, 'manage')) links.push({ to: `${base}/break-glass`, label: t('nav.breakGlass') });
  links.push({ to: `${base}/notifications`, label: t('nav.notifications') });
  return (
    <nav className="org-bar" aria-label={t('nav.orgMenu')} data-testid="org-nav" data-kind={membership.kind}>
      {links.map((l) => (
        <NavLink key={l.to} to={l.to} className="org-bar-link">
          {l.label}
        </NavLink>
      ))}
    </nav>
  );
}

function SignedOutLinks() {
  const { t } = useTranslation();
  return (
    <Group gap="xs" wrap="nowrap">
      <Button component={Link} to="/sign-in" variant="subtle" size="xs">
        {t('auth.signIn')}
      </Button>
      <Button component={Link} to="/sign-up" variant="light" size="xs" visibleFrom="sm">
        {t('auth.signUp')}
      </Button>
    </Group>
  );
}

function SignedInTools({ compact }: { compact: boolean }) {
  const { t } = useTranslation();
  const [lang, setLang] = useLang();
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
      void navigate(`/orgs/${encodeURIComponent(id)}`);
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
              <Text size="sm" fw={600} truncate maw={{ base: 90, sm: 220 }}>
                {membership?.orgName ?? t('org.none')}
              </Text>
              {membership && (
                <Badge size="xs" variant="light" color="gray" visibleFrom="sm">
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
      <NotificationBell />
      {!compact && (
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
      )}
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
          <Menu.Item
            leftSection={<UserIcon size={14} />}
            component={Link}
            to="/account/password"
            data-testid="change-password"
          >
            {t('password.title')}
          </Menu.Item>
          <Menu.Item
            leftSection={<LockIcon size={14} />}
            component={Link}
            to="/account/security"
            data-testid="account-security"
          >
            {t('twoFactor.pageTitle')}
          </Menu.Item>
          <Menu.Item
            leftSection={<UserIcon size={14} />}
            component={Link}
            to="/account/activity"
            data-testid="account-activity"
          >
            {t('activity.menu')}
          </Menu.Item>
          <Menu.Item leftSection={<LockIcon size={14} />} onClick={() => void lock()}>
            {t('lock.button')}
          </Menu.Item>
          <Menu.Item leftSection={<LogoutIcon size={14} />} onClick={() => void signOut()} data-testid="sign-out">
            {t('auth.signOut')}
          </Menu.Item>
          {compact && (
            <>
              <Menu.Divider />
              <Menu.Label>{t('nav.public')}</Menu.Label>
              <Menu.Item component={Link} to="/directory">
                {t('nav.directory')}
              </Menu.Item>
              <Menu.Item component={Link} to="/verify">
                {t('nav.verify')}
              </Menu.Item>
              <Menu.Item component={Link} to="/templates">
                {t('nav.templates')}
              </Menu.Item>
              <Menu.Divider />
              <Menu.Label>{t('app.language')}</Menu.Label>
              <Menu.Item onClick={() => setLang('ja')} fw={lang === 'ja' ? 700 : 400} lang="ja">
                日本語
              </Menu.Item>
              <Menu.Item onClick={() => setLang('en')} fw={lang === 'en' ? 700 : 400} lang="en">
                English
              </Menu.Item>
            </>
          )}
        </Menu.Dropdown>
      </Menu>
    </>
  );
}
