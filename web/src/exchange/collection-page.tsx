import { Alert, Anchor, Badge, Group, Stack, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router';
import { api, isApiError } from '../api';
import { formatDate, formatDateTime } from '../format';
import { useLang } from '../i18n';
import { LoadError, Loading } from '../pages/query-state';
import { useTemplateTitle } from '../publishing/answer-filter';
import { PublicationView } from '../publishing/publication-page';
import { VisibilityBadge, WithdrawnBadge } from '../publishing/publication-labels';
import { useMembership } from '../session';
import { Page } from '../workspace/page';

/** /orgs/:orgId/collection — the statements a hospital holds: a badge when a newer revision exists, withdrawn marked. */
export function CollectionPage() {
  const { t } = useTranslation();
  const [lang] = useLang();
  const { orgId = '' } = useParams();
  const [sp] = useSearchParams();
  const highlight = sp.get('publication');
  const membership = useMembership(orgId);
  const list = useQuery({ queryKey: ['collection', orgId], queryFn: () => api.collection(orgId) });
  const templateTitle = useTemplateTitle();
  const base = `/orgs/${encodeURIComponent(orgId)}/collection`;

  return (
    <Page title={t('collection.title')} subtitle={membership?.orgName} testId="collection-page">
      <Text size="sm" c="dimmed">
        {t('collection.intro')}
      </Text>
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <LoadError error={list.error} />
      ) : list.data.length === 0 ? (
        <Stack gap="xs">
          <Text c="dimmed">{t('collection.empty')}</Text>
          <Anchor component={Link} to="/directory" size="sm">
            {t('collection.emptyHint')}
          </Anchor>
        </Stack>
      ) : (
        <Table.ScrollContainer minWidth={860}>
          <Table withTableBorder striped highlightOnHover verticalSpacing="xs" data-testid="collection-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('directory.product')}</Table.Th>
                <Table.Th>{t('directory.manufacturer')}</Table.Th>
                <Table.Th w={90}>{t('directory.revision')}</Table.Th>
                <Table.Th w={120}>{t('directory.published')}</Table.Th>
                <Table.Th w={180}>{t('collection.received')}</Table.Th>
                <Table.Th w={220}>{t('collection.state')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.map((i) => (
                <Table.Tr
                  key={i.id}
                  data-item={i.id}
                  data-publication={i.publicationId}
                  className={i.publicationId === highlight ? 'highlight-row' : undefined}
                >
                  <Table.Td>
                    <Anchor
                      component={Link}
                      to={`${base}/${encodeURIComponent(i.id)}`}
                      fw={700}
                      size="sm"
                      data-testid="collection-item-link"
                    >
                      {i.product.name} {i.product.version}
                    </Anchor>
                    <Text size="xs" c="dimmed">
                      {templateTitle(i.template)}
                    </Text>
                  </Table.Td>
                  <Table.Td>{i.manufacturer.name}</Table.Td>
                  <Table.Td>{t('statements.revisionN', { n: i.revision })}</Table.Td>
                  <Table.Td>{formatDate(i.publishedAt, lang)}</Table.Td>
                  <Table.Td>
                    <Text size="xs">{formatDateTime(i.receivedAt, lang)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      <VisibilityBadge visibility={i.visibility} />
                      {i.withdrawn !== null && <WithdrawnBadge />}
                      {i.newerRevision !== null && (
                        <Badge
                          component={Link}
                          to={`/directory/${encodeURIComponent(i.newerRevision.publicationId)}`}
                          color="blue"
                          variant="filled"
                          size="sm"
                          style={{ cursor: 'pointer' }}
                          data-testid="newer-revision-badge"
                        >
                          {t('collection.newer', { n: i.newerRevision.revision })}
                        </Badge>
                      )}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Page>
  );
}

/** /orgs/:orgId/collection/:itemId — a held statement in its paper form, with when and why it came. */
export function CollectionItemPage() {
  const { t } = useTranslation();
  const [lang] = useLang();
  const { orgId = '', itemId = '' } = useParams();
  const item = useQuery({
    queryKey: ['collection-item', orgId, itemId],
    queryFn: () => api.collectionItem(orgId, itemId),
  });
  const publicationId = item.data?.publicationId;
  const detail = useQuery({
    queryKey: ['publication', publicationId],
    queryFn: () => api.publication(publicationId ?? ''),
    enabled: publicationId !== undefined,
  });
  if (item.isError) {
    return (
      <Page title={t('collection.title')}>
        {isApiError(item.error, 404) ? <Text>{t('collection.notFound')}</Text> : <LoadError error={item.error} />}
      </Page>
    );
  }
  if (item.isPending || detail.isPending) return <Loading />;
  if (detail.isError) return <LoadError error={detail.error} />;
  const i = item.data;
  const above = (
    <Stack gap="xs" className="app-chrome" data-testid="collection-item">
      <Text size="sm">
        <Anchor component={Link} to={`/orgs/${encodeURIComponent(orgId)}/collection`} size="sm">
          {t('collection.back')}
        </Anchor>{' '}
        ・ {t('collection.receivedAt', { at: formatDateTime(i.receivedAt, lang) })}
        {i.requestId !== null && ` ・ ${t('collection.viaRequest')}`}
      </Text>
      {i.newerRevision !== null && (
        <Alert color="blue" p="xs">
          <Anchor component={Link} to={`/directory/${encodeURIComponent(i.newerRevision.publicationId)}`} size="sm">
            {t('collection.newerLong', {
              n: i.newerRevision.revision,
              date: formatDate(i.newerRevision.publishedAt, lang),
            })}
          </Anchor>
        </Alert>
      )}
    </Stack>
  );
  return <PublicationView detail={detail.data} above={above} />;
}
