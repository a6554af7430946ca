import {
  Anchor,
  Button,
  Checkbox,
  CloseButton,
  Group,
  Pagination,
  Paper,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, pick } from '../api';
import { PRODUCT_CATEGORIES, type DirectoryItem, type DirectoryQuery } from '../api-types';
import { formatDate } from '../format';
import { useLang } from '../i18n';
import { LoadError, Loading } from '../pages/query-state';
import { Page } from '../workspace/page';
import { AnswerFilterBuilder, describeAnswerFilter, useTemplateDetail } from './answer-filter';
import { PAGE_SIZE, directorySearch, parseDirectoryQuery } from './directory-query';
import { CountBadges, VisibilityBadge, WithdrawnBadge, categoryKey } from './publication-labels';

/**
 * /directory — the public directory of published statements. The whole search (words, manufacturer, category,
 * template edition, answer filters, page) lives in the address, so every results page has a stable link.
 */
export function DirectoryPage() {
  const { t } = useTranslation();
  const [lang] = useLang();
  const [sp] = useSearchParams();
  const navigate = useNavigate();
  const query = useMemo(() => parseDirectoryQuery(sp), [sp]);
  const search = directorySearch(query);
  const results = useQuery({
    queryKey: ['directory', search],
    queryFn: ({ signal }) => api.directory({ ...query, pageSize: PAGE_SIZE }, signal),
    placeholderData: keepPreviousData,
  });
  const templates = useQuery({ queryKey: ['templates'], queryFn: () => api.templates(), staleTime: Infinity });
  const templateOptions = useMemo(
    () =>
      (templates.data ?? []).map((tpl) => ({
        value: `${tpl.id}@${tpl.edition}`,
        label: `${pick(tpl.title, lang)} (${t('form.edition')} ${tpl.edition})`,
      })),
    [templates.data, lang, t],
  );

  const go = (next: DirectoryQuery) => void navigate({ pathname: '/directory', search: directorySearch(next) });
  const change = (patch: Partial<DirectoryQuery>) => go({ ...query, ...patch, page: 1 });

  // The words field is edited locally and applied on 検索 (or Enter); the choices apply at once.
  const [words, setWords] = useState(query.q ?? '');
  useEffect(() => setWords(query.q ?? ''), [query.q]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    change({ q: words.trim() === '' ? undefined : words.trim() });
  };

  // The answer filters are rows of one template: the builder's, which follows the template filter when one is set.
  const [builderTemplate, setBuilderTemplate] = useState<string | null>(null);
  const filterTemplate = query.template ?? builderTemplate ?? templateOptions[0]?.value ?? null;
  const filterTemplateDetail = useTemplateDetail(filterTemplate);
  const answers = query.answer ?? [];

  const manufacturerName =
    query.manufacturer === undefined
      ? undefined
      : (results.data?.items.find((i) => i.manufacturer.orgId === query.manufacturer)?.manufacturer.name ??
        query.manufacturer);
  const filtered =
    query.q !== undefined ||
    query.manufacturer !== undefined ||
    query.category !== undefined ||
    query.template !== undefined ||
    answers.length > 0 ||
    query.withdrawn === true;

  return (
    <Page title={t('directory.title')} subtitle={t('directory.intro')} testId="directory-page">
      <Paper withBorder p="md" component="form" onSubmit={submit} role="search" aria-label={t('directory.search')}>
        <Stack gap="sm">
          <Group align="flex-end" gap="sm" wrap="wrap">
            <TextInput
              label={t('directory.words')}
              placeholder={t('directory.wordsPlaceholder')}
              name="q"
              value={words}
              onChange={(e) => setWords(e.currentTarget.value)}
              style={{ flex: '1 1 280px' }}
              data-testid="directory-words"
            />
            <Select
              label={t('directory.category')}
              placeholder={t('directory.any')}
              data={PRODUCT_CATEGORIES.map((c) => ({ value: c, label: t(`categories.${c}`) }))}
              value={query.category ?? null}
              onChange={(v) => change({ category: v ?? undefined })}
              clearable
              w={200}
              data-testid="directory-category"
            />
            <Select
              label={t('directory.template')}
              placeholder={t('directory.any')}
              data={templateOptions}
              value={query.template ?? null}
              onChange={(v) => change({ template: v ?? undefined })}
              clearable
              w={300}
              data-testid="directory-template"
            />
            <Button type="submit" data-testid="directory-search">
              {t('directory.search')}
            </Button>
          </Group>
          <Group gap="md" wrap="wrap">
            {query.manufacturer !== undefined && (
              <FilterChip
                label={`${t('directory.manufacturer')}: ${manufacturerName ?? ''}`}
                onRemove={() => change({ manufacturer: undefined })}
              />
            )}
            <Checkbox
              label={t('directory.includeWithdrawn')}
              checked={query.withdrawn === true}
              onChange={(e) => change({ withdrawn: e.currentTarget.checked || undefined })}
              data-testid="directory-withdrawn"
            />
          </Group>
          <AnswerFilterBuilder
            templateKey={filterTemplate}
            onTemplateChange={(v) =>
              query.template === undefined ? setBuilderTemplate(v) : change({ template: v ?? undefined })
            }
            templateOptions={templateOptions}
            existing={answers}
            onAdd={(f) => change({ answer: [...answers, f] })}
          />
          {answers.length > 0 && (
            <Group gap="xs" wrap="wrap" data-testid="answer-filters" aria-label={t('directory.activeFilters')}>
              {answers.map((a) => (
                <FilterChip
                  key={a}
                  filter={a}
                  label={describeAnswerFilter(a, filterTemplateDetail.data, lang)}
                  onRemove={() => change({ answer: answers.filter((x) => x !== a) })}
                />
              ))}
            </Group>
          )}
          {filtered && (
            <Group>
              <Anchor component={Link} to="/directory" size="sm" data-testid="clear-filters">
                {t('directory.clear')}
              </Anchor>
            </Group>
          )}
        </Stack>
      </Paper>

      {results.isPending ? (
        <Loading />
      ) : results.isError ? (
        <LoadError error={results.error} />
      ) : (
        <Stack
          gap="sm"
          className={results.isPlaceholderData ? 'results-stale' : undefined}
          aria-busy={results.isFetching}
        >
          <Text size="sm" c="dimmed" aria-live="polite" data-testid="directory-total">
            {results.data.total === 0
              ? t('directory.none')
              : t('directory.range', {
                  total: results.data.total,
                  from: (results.data.page - 1) * results.data.pageSize + 1,
                  to: (results.data.page - 1) * results.data.pageSize + results.data.items.length,
                })}
          </Text>
          {results.data.items.length > 0 && <ResultsTable items={results.data.items} />}
          {results.data.pages > 1 && (
            <Pagination
              total={results.data.pages}
              value={results.data.page}
              // Each page is a link (getItemProps); following it is the navigation.
              onChange={() => undefined}
              getItemProps={(page) => ({
                component: Link,
                to: `/directory${directorySearch({ ...query, page })}`,
                'aria-label': t('directory.pageN', { n: page }),
              })}
              getControlProps={(control) => {
                const page =
                  control === 'first'
                    ? 1
                    : control === 'last'
                      ? results.data.pages
                      : control === 'previous'
                        ? Math.max(1, results.data.page - 1)
                        : Math.min(results.data.pages, results.data.page + 1);
                return { component: Link, to: `/directory${directorySearch({ ...query, page })}` };
              }}
              data-testid="directory-pages"
            />
          )}
        </Stack>
      )}
    </Page>
  );
}

/** A removable condition: its words, and a × that says what it removes. */
function FilterChip({ label, onRemove, filter }: { label: string; onRemove: () => void; filter?: string }) {
  const { t } = useTranslation();
  return (
    <span className="filter-chip" data-filter={filter}>
      <span>{label}</span>
      <CloseButton size="sm" onClick={onRemove} aria-label={t('directory.removeFilter', { filter: label })} />
    </span>
  );
}

function ResultsTable({ items }: { items: DirectoryItem[] }) {
  const { t } = useTranslation();
  const [lang] = useLang();
  return (
    <Table.ScrollContainer minWidth={860}>
      <Table withTableBorder striped highlightOnHover verticalSpacing="xs" data-testid="directory-results">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('directory.manufacturer')}</Table.Th>
            <Table.Th>{t('directory.product')}</Table.Th>
            <Table.Th>{t('directory.template')}</Table.Th>
            <Table.Th w={80}>{t('directory.revision')}</Table.Th>
            <Table.Th w={120}>{t('directory.published')}</Table.Th>
            <Table.Th w={250}>{t('directory.answers')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((i) => (
            <Table.Tr key={i.id} data-publication={i.id}>
              <Table.Td>
                <Anchor
                  component={Link}
                  to={`/directory${directorySearch({ manufacturer: i.manufacturer.orgId })}`}
                  size="sm"
                  c="inherit"
                  title={t('directory.byManufacturer', { name: i.manufacturer.name })}
                >
                  {i.manufacturer.name}
                </Anchor>
              </Table.Td>
              <Table.Td>
                <Group gap={6} wrap="wrap">
                  <Anchor
                    component={Link}
                    to={`/directory/${encodeURIComponent(i.id)}`}
                    fw={700}
                    size="sm"
                    data-testid="publication-link"
                  >
                    {i.product.name} {i.productVersion}
                  </Anchor>
                  <VisibilityBadge visibility={i.visibility} />
                  {i.withdrawn !== null && <WithdrawnBadge />}
                </Group>
                <Text size="xs" c="dimmed">
                  {t(`categories.${categoryKey(i.product.category)}`)}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{pick(i.template.title, lang)}</Text>
                <Text size="xs" c="dimmed">
                  {t('form.edition')} {i.template.edition}
                </Text>
              </Table.Td>
              <Table.Td>{t('statements.revisionN', { n: i.revision })}</Table.Td>
              <Table.Td>{formatDate(i.publishedAt, lang)}</Table.Td>
              <Table.Td>
                <CountBadges counts={i.counts} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
