import {
  Alert,
  Anchor,
  Button,
  Container,
  Group,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useParams } from 'react-router';
import { api, isApiError, pick } from '../api';
import type { FileFormat, PublicationDetail, PublicationSummary } from '../api-types';
import { FormError } from '../auth/auth-form';
import { formatDate, formatDateTime } from '../format';
import { useLang } from '../i18n';
import { LoadError, Loading } from '../pages/query-state';
import { can, useSession } from '../session';
import { CountBadges, VisibilityBadge, WithdrawnBadge, categoryKey } from './publication-labels';
import { SignatureDetails, SignatureVerdict } from './signature-panel';
import { StatementView } from './statement-view';

/** /directory/:publicationId — a published statement at its stable link. */
export function PublicationPage() {
  const { t } = useTranslation();
  const { publicationId = '' } = useParams();
  const detail = useQuery({
    queryKey: ['publication', publicationId],
    queryFn: () => api.publication(publicationId),
  });
  if (detail.isPending) return <Loading />;
  if (detail.isError) {
    return (
      <Container size="sm" py="xl">
        <Stack gap="md">
          {isApiError(detail.error, 404) ? (
            <Text data-testid="publication-not-found">{t('publication.notFound')}</Text>
          ) : (
            <LoadError error={detail.error} />
          )}
          <Anchor component={Link} to="/directory">
            {t('publication.backToDirectory')}
          </Anchor>
        </Stack>
      </Container>
    );
  }
  return <PublicationView detail={detail.data} />;
}

/** The order the download links are offered in: the paper-like formats first, then the data. */
const FILE_ORDER: readonly FileFormat[] = ['pdf', 'xlsx', 'json', 'html', 'csv'];

/**
 * A publication as a reader sees it: the withdrawn banner, heading, signature, downloads and revisions, then the
 * statement in its paper form. `above` is shown under the heading (the collection's own information).
 */
export function PublicationView({ detail, above }: { detail: PublicationDetail; above?: ReactNode }) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const p = detail.publication;
  const title = `${p.product.name} ${p.productVersion}`;
  useEffect(() => {
    document.title = `${title} — ${p.manufacturer.name} — OpenMDS`;
  }, [title, p.manufacturer.name]);
  const template = useQuery({
    queryKey: ['template', p.template.id, p.template.edition],
    queryFn: () => api.template(p.template.id, p.template.edition),
    enabled: detail.access === 'full',
    staleTime: Infinity,
  });

  return (
    <Container size="xl" py="md" className="form-page publication-page" data-testid="publication-page">
      <Stack gap="md">
        {p.withdrawn !== null && (
          <Alert color="red" variant="filled" title={t('publication.withdrawnTitle')} data-testid="withdrawn-banner">
            <Text size="sm">{t('publication.withdrawnBody', { at: formatDateTime(p.withdrawn.at, lang) })}</Text>
            <Text size="sm" fw={700} mt={4} data-testid="withdrawn-reason">
              {t('publication.reason')}: {p.withdrawn.reason}
            </Text>
          </Alert>
        )}
        <Group justify="space-between" align="flex-start" wrap="wrap" gap="sm">
          <Stack gap={4}>
            <Group gap="xs" wrap="wrap">
              <Title order={1} size="h3" data-testid="publication-title">
                {title}
              </Title>
              <VisibilityBadge visibility={p.visibility} />
              {p.withdrawn !== null && <WithdrawnBadge />}
            </Group>
            <Text size="sm" c="dimmed">
              {p.manufacturer.name} ・ {pick(p.template.title, lang)} ({t('form.edition')} {p.template.edition}) ・{' '}
              {t('statements.revisionN', { n: p.revision })} ・ {t('publication.publishedOn')}{' '}
              {formatDate(p.publishedAt, lang)}
            </Text>
          </Stack>
          {detail.access === 'full' && (
            <Group gap="xs" className="app-chrome">
              <AddToCollection publicationId={p.id} />
              <Button variant="default" size="xs" onClick={() => window.print()} data-testid="print">
                {t('form.print')}
              </Button>
            </Group>
          )}
        </Group>
        {above}
        {detail.access === 'metadata' ? (
          <MetadataOnly detail={detail} />
        ) : (
          <>
            <SimpleGrid
              cols={{ base: 1, md: 3 }}
              spacing="md"
              className="app-chrome publication-panels"
              style={{ alignItems: 'start' }}
            >
              <Paper withBorder p="sm" component="section" aria-labelledby="signature-heading">
                <Stack gap="xs">
                  <Title order={2} size="h5" id="signature-heading">
                    {t('signature.title')}
                  </Title>
                  {detail.signature === null ? (
                    <Text size="sm" c="dimmed">
                      —
                    </Text>
                  ) : (
                    <>
                      <SignatureVerdict check={detail.signature} />
                      <SignatureDetails check={detail.signature} />
                    </>
                  )}
                </Stack>
              </Paper>
              <Stack gap="md">
                <Paper withBorder p="sm" component="section" aria-labelledby="downloads-heading">
                  <Stack gap="xs">
                    <Title order={2} size="h5" id="downloads-heading">
                      {t('publication.downloads')}
                    </Title>
                    <Group gap="xs" wrap="wrap" data-testid="downloads">
                      {FILE_ORDER.filter((f) => detail.files.some((x) => x.format === f)).map((f) => (
                        <Button
                          key={f}
                          component="a"
                          href={detail.files.find((x) => x.format === f)?.url}
                          download
                          variant={f === 'pdf' ? 'filled' : 'default'}
                          size="xs"
                          data-testid={`download-${f}`}
                        >
                          {t(`publication.files.${f}`)}
                        </Button>
                      ))}
                    </Group>
                    <Text size="xs" c="dimmed">
                      {t('publication.downloadsHint')}{' '}
                      <Anchor component={Link} to="/verify" size="xs">
                        {t('verify.title')}
                      </Anchor>
                    </Text>
                  </Stack>
                </Paper>
                <Paper withBorder p="sm" component="section" aria-labelledby="counts-heading">
                  <Stack gap="xs">
                    <Title order={2} size="h5" id="counts-heading">
                      {t('publication.counts')}
                    </Title>
                    {detail.counts !== null && <CountBadges counts={detail.counts} />}
                    <Text size="xs" c="dimmed" className="break-all">
                      {t('workflow.contentHash')}: <code data-testid="publication-hash">{p.contentHash}</code>
                    </Text>
                  </Stack>
                </Paper>
              </Stack>
              <RevisionHistory detail={detail} />
            </SimpleGrid>
            {template.isPending ? (
              <Loading />
            ) : template.isError ? (
              <LoadError error={template.error} />
            ) : detail.statement === null ? null : (
              <StatementView statement={detail.statement} template={template.data} />
            )}
            <PrintFooter publication={p} detail={detail} />
          </>
        )}
      </Stack>
    </Container>
  );
}

/** Every published revision of the same statement the reader may see; withdrawn ones with their reason. */
function RevisionHistory({ detail }: { detail: PublicationDetail }) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const current = detail.publication.id;
  const newest = detail.revisions.find((r) => r.withdrawn === null) ?? detail.revisions[0];
  return (
    <Paper withBorder p="sm" component="section" aria-labelledby="revisions-heading">
      <Stack gap="xs">
        <Title order={2} size="h5" id="revisions-heading">
          {t('publication.revisions')}
        </Title>
        {newest !== undefined && newest.id !== current && newest.revision > detail.publication.revision && (
          <Alert color="blue" p="xs" data-testid="newer-revision">
            <Anchor component={Link} to={`/directory/${encodeURIComponent(newest.id)}`} size="sm">
              {t('publication.newerRevision', { n: newest.revision })}
            </Anchor>
          </Alert>
        )}
        <Table fz="xs" withTableBorder data-testid="publication-revisions">
          <Table.Tbody>
            {detail.revisions.map((r) => (
              <Table.Tr key={r.id} data-revision={r.revision} data-current={r.id === current || undefined}>
                <Table.Td>
                  {r.id === current ? (
                    <Text span size="xs" fw={700}>
                      {t('statements.revisionN', { n: r.revision })} ({t('publication.thisOne')})
                    </Text>
                  ) : (
                    <Anchor component={Link} to={`/directory/${encodeURIComponent(r.id)}`} size="xs">
                      {t('statements.revisionN', { n: r.revision })}
                    </Anchor>
                  )}
                </Table.Td>
                <Table.Td>{formatDate(r.publishedAt, lang)}</Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    <VisibilityBadge visibility={r.visibility} />
                    {r.withdrawn !== null && <WithdrawnBadge />}
                  </Group>
                  {r.withdrawn !== null && (
                    <Text size="xs" c="red.8">
                      {r.withdrawn.reason}
                    </Text>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Stack>
    </Paper>
  );
}

/** What the printed form carries at its foot: where it came from and what vouches for it. */
function PrintFooter({ publication, detail }: { publication: PublicationSummary; detail: PublicationDetail }) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const signer = detail.signature?.signer;
  return (
    <div className="print-only print-footer">
      {t('publication.printSource', {
        url: `${window.location.origin}/directory/${publication.id}`,
        at: formatDateTime(publication.publishedAt, lang),
      })}
      {signer !== undefined && signer !== null && (
        <>
          <br />
          {t('publication.printSigner', {
            organization: signer.organization,
            verdict: t(
              `signature.verdict.${detail.signature?.altered ? 'altered' : (detail.signature?.status ?? 'invalid')}`,
            ),
          })}
        </>
      )}
      <br />
      {t('workflow.contentHash')}: {publication.contentHash}
    </div>
  );
}

/** A restricted publication the reader may not read: what is known, and a way to ask for it. */
function MetadataOnly({ detail }: { detail: PublicationDetail }) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const p = detail.publication;
  return (
    <Stack gap="md" data-testid="publication-metadata">
      <Alert color="orange" title={t('publication.restrictedTitle')}>
        {t('publication.restrictedBody', { manufacturer: p.manufacturer.name })}
      </Alert>
      <Table variant="vertical" withTableBorder maw={720} fz="sm">
        <Table.Tbody>
          <Table.Tr>
            <Table.Th w={180}>{t('directory.manufacturer')}</Table.Th>
            <Table.Td>{p.manufacturer.name}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>{t('directory.product')}</Table.Th>
            <Table.Td>
              {p.product.name} ({t(`categories.${categoryKey(p.product.category)}`)})
            </Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>{t('directory.version')}</Table.Th>
            <Table.Td>{p.productVersion}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>{t('directory.template')}</Table.Th>
            <Table.Td>
              {pick(p.template.title, lang)} ({t('form.edition')} {p.template.edition})
            </Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>{t('directory.revision')}</Table.Th>
            <Table.Td>{t('statements.revisionN', { n: p.revision })}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>{t('directory.published')}</Table.Th>
            <Table.Td>{formatDateTime(p.publishedAt, lang)}</Table.Td>
          </Table.Tr>
        </Table.Tbody>
      </Table>
      <RequestAccess detail={detail} />
    </Stack>
  );
}

/** For a member of a hospital organization: keep this publication in the organization's collection. */
function AddToCollection({ publicationId }: { publicationId: string }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const queryClient = useQueryClient();
  const hospitals = (session?.memberships ?? []).filter((m) => m.kind === 'hospital' && can(m.role, 'request'));
  const org = hospitals.find((m) => m.orgId === session?.currentOrgId) ?? hospitals[0];
  const collection = useQuery({
    queryKey: ['collection', org?.orgId],
    queryFn: () => api.collection(org?.orgId ?? ''),
    enabled: org !== undefined,
  });
  const add = useMutation({
    mutationFn: () => api.addToCollection(org?.orgId ?? '', publicationId),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['collection', org?.orgId] }),
  });
  if (org === undefined || collection.data === undefined) return null;
  const held = collection.data.find((i) => i.publicationId === publicationId);
  if (held !== undefined) {
    return (
      <Button
        component={Link}
        to={`/orgs/${encodeURIComponent(org.orgId)}/collection/${encodeURIComponent(held.id)}`}
        variant="light"
        color="green"
        size="xs"
        data-testid="in-collection"
      >
        {t('collection.inCollection')}
      </Button>
    );
  }
  return (
    <Button
      variant="light"
      size="xs"
      onClick={() => add.mutate()}
      loading={add.isPending}
      color={add.isError ? 'red' : undefined}
      title={add.isError ? add.error.message : org.orgName}
      data-testid="add-to-collection"
    >
      {t('collection.add')}
    </Button>
  );
}

/** 「アクセスを申請」 for members of a hospital organization; a sign-in hint for everybody else. */
function RequestAccess({ detail }: { detail: PublicationDetail }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const location = useLocation();
  const hospitals = (session?.memberships ?? []).filter((m) => m.kind === 'hospital');
  const preferred = hospitals.find((m) => m.orgId === session?.currentOrgId) ?? hospitals[0];
  const [orgId, setOrgId] = useState<string | null>(preferred?.orgId ?? null);
  const send = useMutation({
    mutationFn: (id: string) => api.createRequest(id, { publicationId: detail.publication.id }),
  });

  if (session === null || session === undefined) {
    const next = encodeURIComponent(`${location.pathname}${location.search}`);
    return (
      <Text size="sm">
        {t('publication.signInToRequest')}{' '}
        <Anchor component={Link} to={`/sign-in?next=${next}`}>
          {t('auth.signIn')}
        </Anchor>
      </Text>
    );
  }
  if (!detail.canRequestAccess || hospitals.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        {t('publication.onlyHospitals')}
      </Text>
    );
  }
  if (send.isSuccess) {
    return (
      <Alert color="green" data-testid="access-requested">
        {t('publication.requested')}{' '}
        <Anchor component={Link} to={`/orgs/${encodeURIComponent(send.variables)}/requests`}>
          {t('nav.requests')}
        </Anchor>
      </Alert>
    );
  }
  return (
    <Paper withBorder p="md" maw={720}>
      <Stack gap="sm">
        <Text size="sm">{t('publication.requestIntro')}</Text>
        <Group align="flex-end" wrap="wrap">
          {hospitals.length > 1 && (
            <Select
              label={t('publication.requestAs')}
              data={hospitals.map((h) => ({ value: h.orgId, label: h.orgName }))}
              value={orgId}
              allowDeselect={false}
              onChange={setOrgId}
              w={280}
            />
          )}
          <Button
            onClick={() => orgId !== null && send.mutate(orgId)}
            loading={send.isPending}
            disabled={orgId === null}
            data-testid="request-access"
          >
            {t('publication.requestAccess')}
          </Button>
        </Group>
        {hospitals.length === 1 && (
          <Text size="xs" c="dimmed">
            {t('publication.requestAs')}: {hospitals[0]?.orgName}
          </Text>
        )}
        <FormError error={send.error} fields={[]} />
      </Stack>
    </Paper>
  );
}
