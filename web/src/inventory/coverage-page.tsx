import { Anchor, Group, SegmentedControl, Stack, Table, Text, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router';
import { formatDate } from '../format';
import { useLang } from '../i18n';
import { LoadError, Loading } from '../pages/query-state';
import { Page } from '../workspace/page';
import { fold, inventoryApi, type CoverageStatus } from './inventory-api';
import { CoverageBadge, ReasonList, SignatureBadge, sourceTitle } from './inventory-labels';

const FILTERS = ['all', 'attention', 'none', 'outdated', 'withdrawn', 'current'] as const;
type Filter = (typeof FILTERS)[number];
const isFilter = (v: string | null): v is Filter => FILTERS.includes(v as Filter);

/** What needs attention first: no statement, then withdrawn, then outdated, then current. */
const ORDER: Record<CoverageStatus, number> = { none: 0, withdrawn: 1, outdated: 2, current: 3 };

/**
 * /orgs/:orgId/coverage — whether every system has a current statement from its vendor (MHLW checklist 2-③):
 * none, withdrawn, outdated (with each reason and its dates) or current. `?status=` keeps the filter in the address.
 */
export function CoveragePage() {
  const { t } = useTranslation();
  const [lang] = useLang();
  const { orgId = '' } = useParams();
  const [sp, setSp] = useSearchParams();
  const status = sp.get('status');
  const filter: Filter = isFilter(status) ? status : 'all';
  const [search, setSearch] = useState('');
  const coverage = useQuery({
    queryKey: ['inventory', orgId, 'coverage'],
    queryFn: () => inventoryApi.coverage(orgId),
  });

  const shown = useMemo(() => {
    const q = fold(search.trim());
    return (coverage.data?.systems ?? [])
      .filter(
        (x) =>
          (filter === 'all' || (filter === 'attention' ? x.status !== 'current' : x.status === filter)) &&
          (q === '' ||
            fold(
              [
                x.system.name,
                x.system.manufacturer,
                x.system.product,
                x.system.productVersion,
                x.system.department,
              ].join(' '),
            ).includes(q)),
      )
      .sort((a, b) => ORDER[a.status] - ORDER[b.status] || a.system.name.localeCompare(b.system.name, 'ja'));
  }, [coverage.data, filter, search]);

  const setFilter = (v: string) =>
    setSp(
      (prev) => {
        const next = new URLSearchParams(prev);
        if (v === 'all') next.delete('status');
        else next.set('status', v);
        return next;
      },
      { replace: true },
    );
  const base = `/orgs/${encodeURIComponent(orgId)}/inventory`;

  return (
    <Page title={t('inventory.coverage.title')} subtitle={t('inventory.coverage.intro')} testId="coverage-page">
      {coverage.isPending ? (
        <Loading />
      ) : coverage.isError ? (
        <LoadError error={coverage.error} />
      ) : (
        <>
          <Group gap="sm" align="flex-end" wrap="wrap">
            <Stack gap={4}>
              <Text size="sm" fw={500} id="coverage-filter-label">
                {t('inventory.coverage.filter')}
              </Text>
              <SegmentedControl
                value={filter}
                onChange={setFilter}
                aria-labelledby="coverage-filter-label"
                data-testid="coverage-filter"
                data={FILTERS.map((f) => ({
                  value: f,
                  label: `${t(`inventory.coverage.filters.${f}`)} ${
                    f === 'all'
                      ? coverage.data.counts.systems
                      : f === 'attention'
                        ? coverage.data.counts.systems - coverage.data.counts.current
                        : coverage.data.counts[f]
                  }`,
                }))}
              />
            </Stack>
            <TextInput
              label={t('inventory.filter.search')}
              value={search}
              onChange={(e) => setSearch(e.currentTarget.value)}
              w={240}
              data-testid="coverage-search"
            />
          </Group>
          <Text size="sm" c="dimmed" data-testid="coverage-as-of">
            {t('inventory.coverage.asOf', { date: formatDate(coverage.data.asOf, lang) })}
          </Text>
          {coverage.data.systems.length === 0 ? (
            <Text c="dimmed">{t('inventory.systems.empty')}</Text>
          ) : shown.length === 0 ? (
            <Text c="dimmed" data-testid="coverage-none-shown">
              {t('inventory.filter.nothing')}
            </Text>
          ) : (
            <Table.ScrollContainer minWidth={980}>
              <Table withTableBorder verticalSpacing="xs" data-testid="coverage-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('inventory.systems.name')}</Table.Th>
                    <Table.Th>{t('inventory.systems.productColumn')}</Table.Th>
                    <Table.Th w={110}>{t('inventory.coverage.state')}</Table.Th>
                    <Table.Th>{t('inventory.coverage.statements')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {shown.map((x) => (
                    <Table.Tr key={x.system.id} data-id={x.system.id} data-status={x.status} data-testid="coverage-row">
                      <Table.Td>
                        <Anchor
                          component={Link}
                          to={`${base}/${encodeURIComponent(x.system.id)}`}
                          fw={700}
                          size="sm"
                          data-testid="system-link"
                        >
                          {x.system.name}
                        </Anchor>
                        <Text size="xs" c="dimmed">
                          {x.system.department}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">
                          {[x.system.product, x.system.productVersion].filter((v) => v !== '').join(' ') || '—'}
                        </Text>
                        <Text size="xs" c="dimmed">
                          {x.system.manufacturer}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <CoverageBadge status={x.status} />
                      </Table.Td>
                      <Table.Td>
                        {x.statements.length === 0 ? (
                          <Text size="sm" c="red.8">
                            {t('inventory.coverage.noneLong')}
                          </Text>
                        ) : (
                          <Stack gap={6}>
                            {x.statements.map((st) => (
                              <Stack key={st.source.id} gap={2} data-source={st.source.id} data-status={st.status}>
                                <Group gap={6} wrap="wrap">
                                  <CoverageBadge status={st.status} />
                                  <Text size="sm">{sourceTitle(st.source)}</Text>
                                  <SignatureBadge status={st.source.signatureStatus} />
                                  <Text size="xs" c="dimmed">
                                    {t('inventory.coverage.dates', {
                                      date: st.source.statementDate || '—',
                                      added: formatDate(st.source.addedAt, lang),
                                    })}
                                  </Text>
                                </Group>
                                <ReasonList statement={st} />
                              </Stack>
                            ))}
                          </Stack>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
        </>
      )}
    </Page>
  );
}
