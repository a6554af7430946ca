import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  Paper,
  Progress,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState, type DragEvent, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router';
import { api } from '../api';
import { formatDateTime } from '../format';
import { useLang } from '../i18n';
import { UploadIcon } from '../icons';
import { LoadError, Loading } from '../pages/query-state';
import { can, useMembership } from '../session';
import { Page } from '../workspace/page';
import {
  errorOn,
  fold,
  inventoryApi,
  type ImportedSource,
  type SignatureStatus,
  type SourceView,
} from './inventory-api';
import { SignatureBadge, SignatureDetail, TemplateTag, sourceTitle } from './inventory-labels';
import { uploadFiles, type UploadProgress, type UploadResult } from './upload';

const SIGNATURES: SignatureStatus[] = ['valid', 'untrusted', 'invalid', 'unsigned'];

/**
 * /orgs/:orgId/sources — the statements the hospital holds (files imported, publications of this instance), with
 * the signature check kept from when each was added; uploading files, folders and zip archives; adding a publication.
 */
export function SourcesPage() {
  const { t } = useTranslation();
  const { orgId = '' } = useParams();
  const membership = useMembership(orgId);
  const canWrite = can(membership?.role, 'write');
  const list = useQuery({ queryKey: ['inventory', orgId, 'sources'], queryFn: () => inventoryApi.sources(orgId) });

  return (
    <Page title={t('inventory.sources.title')} subtitle={t('inventory.sources.intro')} testId="sources-page">
      {canWrite && (
        <Group align="stretch" gap="md" wrap="wrap">
          <Uploader orgId={orgId} />
          <FromPublication orgId={orgId} held={list.data} />
        </Group>
      )}
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <LoadError error={list.error} />
      ) : list.data.length === 0 ? (
        <Text c="dimmed" data-testid="sources-empty">
          {t('inventory.sources.empty')}
        </Text>
      ) : (
        <SourcesTable orgId={orgId} sources={list.data} />
      )}
    </Page>
  );
}

// ---- Upload -----------------------------------------------------------------------------------------------------

function Uploader({ orgId }: { orgId: string }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [results, setResults] = useState<UploadResult[]>([]);
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const [running, setRunning] = useState(false);
  const [dragging, setDragging] = useState(false);
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  const start = async (files: readonly File[]) => {
    if (files.length === 0 || running) return;
    const controller = new AbortController();
    abort.current = controller;
    setRunning(true);
    setResults([]);
    setProgress({ done: 0, total: files.length, current: null });
    try {
      await uploadFiles(
        orgId,
        files,
        (more, p) => {
          setProgress(p);
          if (more.length > 0) setResults((r) => [...r, ...more]);
        },
        controller.signal,
      );
    } finally {
      setRunning(false);
      abort.current = null;
      await queryClient.invalidateQueries({ queryKey: ['inventory', orgId] });
    }
  };
  const pick = (input: HTMLInputElement) => {
    const files = [...(input.files ?? [])];
    input.value = '';
    void start(files);
  };
  const drop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    void start([...e.dataTransfer.files]);
  };

  const counts = useMemo(() => {
    const c = { imported: 0, duplicate: 0, error: 0, skipped: 0 };
    for (const r of results) c[r.state]++;
    return c;
  }, [results]);
  const pct = progress === null || progress.total === 0 ? 0 : (progress.done / progress.total) * 100;

  return (
    <Paper withBorder p="md" style={{ flex: '2 1 480px' }} component="section" aria-labelledby="upload-title">
      <Stack gap="sm">
        <Title order={2} size="h4" id="upload-title">
          {t('inventory.upload.title')}
        </Title>
        <div
          className="dropzone"
          data-active={dragging || undefined}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={drop}
          data-testid="upload-dropzone"
        >
          <Stack gap="xs" align="center">
            <Text size="sm" ta="center">
              {t('inventory.upload.hint')}
            </Text>
            <Group gap="xs" justify="center">
              <Button
                component="label"
                leftSection={<UploadIcon size={16} />}
                disabled={running}
                data-testid="upload-files-button"
              >
                {t('inventory.upload.files')}
                <input
                  type="file"
                  multiple
                  hidden
                  accept=".json,.xlsx,.html,.htm,.pdf,.csv,.zip,application/json,application/zip"
                  disabled={running}
                  onChange={(e) => pick(e.currentTarget)}
                  data-testid="upload-input"
                />
              </Button>
              <Button component="label" variant="light" disabled={running} data-testid="upload-folder-button">
                {t('inventory.upload.folder')}
                <input
                  type="file"
                  multiple
                  hidden
                  disabled={running}
                  // React has no prop for it: the folder picker is an attribute only browsers know.
                  ref={(el) => el?.setAttribute('webkitdirectory', '')}
                  onChange={(e) => pick(e.currentTarget)}
                  data-testid="upload-folder-input"
                />
              </Button>
            </Group>
            <Text size="xs" c="dimmed" ta="center">
              {t('inventory.upload.formats')}
            </Text>
          </Stack>
        </div>
        {progress !== null && (
          <Stack gap={4} data-testid="upload-progress" data-done={progress.done} data-total={progress.total}>
            <Group justify="space-between">
              <Text size="sm" aria-live="polite">
                {running
                  ? t('inventory.upload.progress', { done: progress.done, total: progress.total })
                  : t('inventory.upload.finished', { total: progress.total })}
                {progress.current !== null && ` — ${progress.current}`}
              </Text>
              {running && (
                <Button size="xs" variant="subtle" color="red" onClick={() => abort.current?.abort()}>
                  {t('inventory.upload.stop')}
                </Button>
              )}
            </Group>
            <Progress
              value={pct}
              animated={running}
              aria-label={t('inventory.upload.progressLabel')}
              aria-valuenow={Math.round(pct)}
            />
          </Stack>
        )}
        {results.length > 0 && (
          <Stack gap={4}>
            <Group gap="xs" data-testid="upload-summary">
              <Badge color="green" variant="light">
                {t('inventory.upload.imported', { count: counts.imported })}
              </Badge>
              <Badge color="blue" variant="light">
                {t('inventory.upload.duplicates', { count: counts.duplicate })}
              </Badge>
              <Badge color="red" variant="light">
                {t('inventory.upload.failed', { count: counts.error })}
              </Badge>
              {counts.skipped > 0 && (
                <Badge color="gray" variant="light">
                  {t('inventory.upload.skipped', { count: counts.skipped })}
                </Badge>
              )}
            </Group>
            <div className="upload-results">
              <Table
                verticalSpacing={4}
                fz="sm"
                data-testid="upload-results"
                aria-label={t('inventory.upload.results')}
              >
                <Table.Tbody>
                  {results.map((r, i) => (
                    <Table.Tr
                      key={`${i}:${r.name}`}
                      data-testid="upload-result"
                      data-state={r.state}
                      data-name={r.name}
                    >
                      <Table.Td className="break-all">{r.name}</Table.Td>
                      <Table.Td w={120}>
                        <Badge
                          size="sm"
                          variant="light"
                          color={
                            r.state === 'imported'
                              ? 'green'
                              : r.state === 'duplicate'
                                ? 'blue'
                                : r.state === 'error'
                                  ? 'red'
                                  : 'gray'
                          }
                        >
                          {t(`inventory.upload.state.${r.state}`)}
                        </Badge>
                      </Table.Td>
                      <Table.Td>
                        {r.message !== null ? (
                          <Text size="xs" c="red.8" data-testid="upload-error">
                            {r.message}
                          </Text>
                        ) : r.signatureStatus !== null ? (
                          <SignatureBadge status={r.signatureStatus} />
                        ) : r.state === 'skipped' ? (
                          <Text size="xs" c="dimmed">
                            {t('inventory.upload.skippedWhy')}
                          </Text>
                        ) : null}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </div>
          </Stack>
        )}
      </Stack>
    </Paper>
  );
}

// ---- From a publication of this instance --------------------------------------------------------------------------

function FromPublication({ orgId, held }: { orgId: string; held: SourceView[] | undefined }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const collection = useQuery({ queryKey: ['collection', orgId], queryFn: () => api.collection(orgId) });
  const [choice, setChoice] = useState<string | null>(null);
  const [typed, setTyped] = useState('');
  const [added, setAdded] = useState<ImportedSource | null>(null);
  const add = useMutation({
    mutationFn: (publicationId: string) => inventoryApi.fromPublication(orgId, publicationId),
    onSuccess: async (s) => {
      setAdded(s);
      setChoice(null);
      setTyped('');
      await queryClient.invalidateQueries({ queryKey: ['inventory', orgId] });
    },
  });
  const options = useMemo(() => {
    const heldIds = new Set((held ?? []).map((s) => s.publicationId).filter((x) => x !== null));
    return (collection.data ?? [])
      .filter((i) => i.withdrawn === null)
      .map((i) => ({
        value: i.publicationId,
        label: `${i.manufacturer.name} ${i.product.name} ${i.product.version} (${t('inventory.sources.revision', { n: i.revision })})${
          heldIds.has(i.publicationId) ? ` ✓ ${t('inventory.sources.held')}` : ''
        }`,
      }));
  }, [collection.data, held, t]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const id = typed.trim() !== '' ? typed.trim() : choice;
    if (id !== null && id !== '') add.mutate(id);
  };

  return (
    <Paper withBorder p="md" style={{ flex: '1 1 320px' }} component="section" aria-labelledby="from-pub-title">
      <Stack gap="sm" component="form" onSubmit={submit} data-testid="from-publication">
        <Title order={2} size="h4" id="from-pub-title">
          {t('inventory.sources.fromPublication')}
        </Title>
        <Text size="xs" c="dimmed">
          {t('inventory.sources.fromPublicationHint')}
        </Text>
        <Select
          label={t('inventory.sources.fromCollection')}
          data={options}
          value={choice}
          onChange={setChoice}
          searchable
          clearable
          nothingFoundMessage={t('inventory.sources.collectionEmpty')}
          placeholder={collection.isPending ? t('app.loading') : undefined}
          data-testid="from-collection-select"
        />
        <TextInput
          label={t('inventory.sources.publicationId')}
          value={typed}
          onChange={(e) => setTyped(e.currentTarget.value)}
          error={errorOn(add.error, 'publicationId')}
          className="mono"
          data-testid="publication-id-input"
        />
        {add.error !== null && errorOn(add.error, 'publicationId') === undefined && (
          <Alert color="red" p="xs" role="alert">
            {add.error.message}
          </Alert>
        )}
        {added !== null && (
          <Alert color={added.duplicate ? 'blue' : 'green'} p="xs" data-testid="from-publication-result">
            {added.duplicate
              ? t('inventory.sources.addedDuplicate', { name: sourceTitle(added) })
              : t('inventory.sources.added', { name: sourceTitle(added) })}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button
            type="submit"
            loading={add.isPending}
            disabled={typed.trim() === '' && choice === null}
            data-testid="from-publication-submit"
          >
            {t('inventory.sources.add')}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

// ---- The statements held ------------------------------------------------------------------------------------------

function SourcesTable({ orgId, sources }: { orgId: string; sources: SourceView[] }) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const [sp] = useSearchParams();
  const highlight = sp.get('source');
  const [search, setSearch] = useState('');
  const [signature, setSignature] = useState<string | null>(null);

  // The same product and version held more than once (several formats or dates): worth a look before comparing.
  const sameProduct = useMemo(() => {
    const counts = new Map<string, number>();
    for (const s of sources) {
      const k = fold(`${s.manufacturer}\u0000${s.product}\u0000${s.productVersion}`);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    return (s: SourceView) => counts.get(fold(`${s.manufacturer}\u0000${s.product}\u0000${s.productVersion}`)) ?? 1;
  }, [sources]);
  const shown = useMemo(() => {
    const q = fold(search.trim());
    return sources.filter(
      (s) =>
        (signature === null || s.signatureStatus === signature) &&
        (q === '' || fold([s.manufacturer, s.product, s.productVersion, s.fileName ?? ''].join(' ')).includes(q)),
    );
  }, [sources, search, signature]);
  const inventory = `/orgs/${encodeURIComponent(orgId)}/inventory`;

  return (
    <Stack gap="sm">
      <Group gap="sm" align="flex-end" role="search" aria-label={t('inventory.sources.filters')}>
        <TextInput
          label={t('inventory.filter.search')}
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          w={260}
          data-testid="sources-search"
        />
        <Select
          label={t('inventory.sources.signature')}
          placeholder={t('inventory.filter.all')}
          data={SIGNATURES.map((s) => ({ value: s, label: t(`inventory.signature.${s}`) }))}
          value={signature}
          onChange={setSignature}
          clearable
          w={200}
          data-testid="sources-signature-filter"
        />
        <Anchor component={Link} to={`/orgs/${encodeURIComponent(orgId)}/comparison`} size="sm" mb={8}>
          {t('inventory.sources.compare')}
        </Anchor>
      </Group>
      <Text size="sm" c="dimmed" aria-live="polite">
        {t('inventory.sources.count', { shown: shown.length, total: sources.length })}
      </Text>
      <Table.ScrollContainer minWidth={1100}>
        <Table withTableBorder striped verticalSpacing="xs" data-testid="sources-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('inventory.sources.product')}</Table.Th>
              <Table.Th>{t('inventory.sources.manufacturer')}</Table.Th>
              <Table.Th w={110}>{t('inventory.sources.format')}</Table.Th>
              <Table.Th w={120}>{t('inventory.sources.signature')}</Table.Th>
              <Table.Th w={110}>{t('inventory.sources.statementDate')}</Table.Th>
              <Table.Th w={170}>{t('inventory.sources.addedAt')}</Table.Th>
              <Table.Th>{t('inventory.sources.systems')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {shown.map((s) => {
              const same = sameProduct(s);
              return (
                <Table.Tr
                  key={s.id}
                  data-id={s.id}
                  data-signature={s.signatureStatus}
                  data-testid="source-row"
                  className={s.id === highlight ? 'highlight-row' : undefined}
                >
                  <Table.Td>
                    <Group gap={6}>
                      <Text size="sm" fw={700}>
                        {sourceTitle(s)}
                      </Text>
                      <TemplateTag template={s.template} />
                      {same > 1 && (
                        <Badge size="xs" color="yellow" variant="light" data-testid="same-product-badge">
                          {t('inventory.sources.sameProduct', { count: same })}
                        </Badge>
                      )}
                    </Group>
                    {s.fileName !== null && (
                      <Text size="xs" c="dimmed" className="break-all">
                        {s.fileName}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{s.manufacturer || '—'}</Table.Td>
                  <Table.Td>
                    <Text size="sm">{t(`inventory.format.${formatKey(s.format)}`)}</Text>
                    {s.publicationId !== null && (
                      <Anchor
                        component={Link}
                        to={`/directory/${encodeURIComponent(s.publicationId)}`}
                        size="xs"
                        data-testid="source-publication-link"
                      >
                        {t('inventory.sources.openPublication')}
                      </Anchor>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <SignatureDetail status={s.signatureStatus} check={s.signature} />
                  </Table.Td>
                  <Table.Td>{s.statementDate || '—'}</Table.Td>
                  <Table.Td>
                    <Text size="xs">{formatDateTime(s.addedAt, lang)}</Text>
                    {s.addedBy !== null && (
                      <Text size="xs" c="dimmed">
                        {s.addedBy.name}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    {s.systems.length === 0 ? (
                      <Text size="xs" c="dimmed">
                        {t('inventory.sources.noSystems')}
                      </Text>
                    ) : (
                      <Group gap={6}>
                        {s.systems.map((x) => (
                          <Anchor key={x.id} component={Link} to={`${inventory}/${encodeURIComponent(x.id)}`} size="xs">
                            {x.name}
                          </Anchor>
                        ))}
                      </Group>
                    )}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Text size="xs" c="dimmed">
        {t('inventory.sources.signatureKept')}
      </Text>
    </Stack>
  );
}

const FORMATS = ['json', 'csv', 'xlsx', 'mds2-xlsx', 'html', 'pdf', 'publication'] as const;
function formatKey(format: string): (typeof FORMATS)[number] | 'other' {
  return (FORMATS as readonly string[]).includes(format) ? (format as (typeof FORMATS)[number]) : 'other';
}
