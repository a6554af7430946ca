import { Container, Stack, Text, Title, Anchor } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, Outlet, useLocation, useParams } from 'react-router';
import { Loading } from '../pages/query-state';
import { TemplatesPage } from '../pages/templates-page';
import type { OrgKind } from '../api-types';
import { useMembership, useSession } from '../session';

/** Pages for signed-in people: the others go to the sign-in page and come back. */
export function RequireSession() {
  const { session } = useSession();
  const location = useLocation();
  if (session === undefined) return <Loading />;
  if (session === null) {
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={`/sign-in?next=${encodeURIComponent(next)}`} replace />;
  }
  return <Outlet />;
}

/** Pages of one organization, for its members only; to anybody else it does not exist. */
export function RequireMembership() {
  const { t } = useTranslation();
  const { orgId } = useParams();
  const membership = useMembership(orgId);
  if (membership === null) {
    return (
      <Container size="sm" py="xl">
        <Stack gap="md" data-testid="org-not-found">
          <Title order={1} size="h3">
            {t('org.notFoundTitle')}
          </Title>
          <Text>{t('org.notFound')}</Text>
          <Anchor component={Link} to="/">
            {t('notFound.home')}
          </Anchor>
        </Stack>
      </Container>
    );
  }
  return <Outlet />;
}

/** `/`: the workspace of the current organization when signed in; the public template list otherwise. */
export function HomePage() {
  const { session } = useSession();
  if (session === undefined) return <Loading />;
  if (session === null) return <TemplatesPage />;
  const orgId = session.currentOrgId ?? session.memberships[0]?.orgId ?? null;
  if (orgId === null) return <Navigate to="/orgs/new" replace />;
  return <Navigate to={`/orgs/${encodeURIComponent(orgId)}`} replace />;
}

/** The first page of an organization: a manufacturer's statements, a hospital's dashboard. */
export function orgHomePath(orgId: string, kind: OrgKind | undefined): string {
  return `/orgs/${encodeURIComponent(orgId)}/${kind === 'hospital' ? 'dashboard' : 'statements'}`;
}

/** `/orgs/:orgId`: the organization's first page, by its kind. */
export function OrgIndex() {
  const { orgId = '' } = useParams();
  const membership = useMembership(orgId);
  return <Navigate to={orgHomePath(orgId, membership?.kind)} replace />;
}
