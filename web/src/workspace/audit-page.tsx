import { Alert, Button, Code, Group, Menu, Paper, Select, Table, Text, TextInput } from '@mantine/core';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { api } from '../api';
import type { AuditEvent, AuditExportFormat, AuditQuery } from '../api-types';
import { formatDateTime } from '../format';
import { useLang } from '../i18n';
import { LoadError, Loading } from '../pages/query-state';
import { can, useMembership } from '../session';
import { AuditClientCell, AuditObjectCell, AuditOutcomeCell, LoadMore } from './audit-cells';
import { Page } from './page';

const PAGE = 100;
const DAY_MS = 24 * 60 * 60 * 1000;
const EXPORTS: { format: AuditExportFormat; label: 'audit.exportCsv' | 'audit.exportFhir' | 'audit.exportSyslog' }[] = [
  { format: 'csv', label: 'audit.exportCsv' },
  { format: 'fhir', label: 'audit.exportFhir' },
  { format: 'syslog', label: 'audit.exportSyslog' },
];

/** The dates of the form (days in Japan time, as the table shows) as the API's range: from the first day's start to the last day's end. */
function rangeOf(from: string, to: string): Pick<AuditQuery, 'from' | 'to'> {
  const start = (day: string) => new Date(`${day}T00:00:00+09:00`);
  return {
    ...(from === '' ? {} : { from: start(from).toISOString() }),
    ...(to === '' ? {} : { to: new Date(start(to).getTime() + DAY_MS).toISOString() }),
  };
}

/** The organization's audit trail, newest first, with the hash chain's verification (改ざん検知). */
export function AuditPage() {
  const { t } = useTranslation();
  const [lang] = useLang();
  const { orgId = '' } = useParams();
  const membership = useMembership(orgId);
  const [draft, setDraft] = useState<AuditQuery>({});
  const [filters, setFilters] = useState<AuditQuery>({});
  const [days, setDays] = useState({ from: '', to: '' });
  const allowed = can(membership?.role, 'audit');
  const members = useQuery({ queryKey: ['members', orgId], queryFn: () => api.members(orgId), enabled: allowed });
  const audit = useInfiniteQuery({
    queryKey: ['audit', orgId, filters],
    queryFn: ({ pageParam }) => api.audit(orgId, { ...filters, limit: PAGE, before: pageParam }),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => (last.events.length < PAGE ? undefined : last.events[last.events.length - 1]?.seq),
    enabled: allowed,
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setFilters({ ...draft, ...rangeOf(days.from, days.to) });
  };
  const exportFilters = {
    actor: filters.actor,
    action: filters.action,
    object: filters.object,
    from: filters.from,
    to: filters.to,
  };

  if (!allowed) {
    return (
      <Page title={t('audit.title')}>
        <Alert color="gray">{t('audit.notAllowed')}</Alert>
      </Page>
    );
  }

  const chain = audit.data?.pages[0]?.chain;
  const events: AuditEvent[] = audit.data?.pages.flatMap((p) => p.events) ?? [];

  return (
    <Page title={t('audit.title')} subtitle={membership?.orgName} testId="audit-page">
      {chain !== undefined && (
        <Alert
          color={chain.ok ? 'green' : 'red'}
          title={t('audit.chainTitle')}
          data-testid="audit-chain"
          data-ok={chain.ok ? 'true' : 'false'}
        >
          {chain.ok
            ? t('audit.chainOk', { count: chain.checked })
            : t('audit.chainBroken', { seq: chain.firstBroken?.seq ?? '?', count: chain.checked })}
        </Alert>
      )}
      <Paper withBorder p="sm" component="form" onSubmit={submit}>
        <Group align="flex-end" wrap="wrap">
          <Select
            label={t('audit.actor')}
            size="xs"
            clearable
            searchable
            data={(members.data ?? []).map((m) => ({ value: m.userId, label: `${m.displayName} <${m.email}>` }))}
            value={draft.actor ?? null}
            onChange={(v) => setDraft({ ...draft, actor: v ?? undefined })}
            w={260}
          />
          <TextInput
            label={t('audit.action')}
            size="xs"
            placeholder="statement.*"
            value={draft.action ?? ''}
            onChange={(e) => setDraft({ ...draft, action: e.currentTarget.value })}
          />
          <TextInput
            label={t('audit.object')}
            size="xs"
            value={draft.object ?? ''}
            onChange={(e) => setDraft({ ...draft, object: e.currentTarget.value })}
          />
          <TextInput
            type="date"
            label={t('audit.from')}
            size="xs"
            value={days.from}
            onChange={(e) => setDays({ ...days, from: e.currentTarget.value })}
            data-testid="audit-from"
          />
          <TextInput
            type="date"
            label={t('audit.to')}
            size="xs"
            value={days.to}
            onChange={(e) => setDays({ ...days, to: e.currentTarget.value })}
            data-testid="audit-to"
          />
          <Button type="submit" size="xs">
            {t('audit.filter')}
          </Button>
          <Button
            size="xs"
            variant="subtle"
            onClick={() => {
              setDraft({});
              setDays({ from: '', to: '' });
              setFilters({});
            }}
          >
            {t('audit.clear')}
          </Button>
          <Menu position="bottom-end" withinPortal>
            <Menu.Target>
              <Button size="xs" variant="default" data-testid="audit-export">
                {t('audit.export')}
              </Button>
            </Menu.Target>
            <Menu.Dropdown>
              {EXPORTS.map((x) => (
                <Menu.Item
                  key={x.format}
                  component="a"
                  href={api.auditExportUrl(orgId, exportFilters, x.format)}
                  download
                  data-format={x.format}
                >
                  {t(x.label)}
                </Menu.Item>
              ))}
              <Menu.Label maw={280} style={{ whiteSpace: 'normal' }}>
                {t('audit.exportNote')}
              </Menu.Label>
            </Menu.Dropdown>
          </Menu>
        </Group>
      </Paper>
      {audit.isPending ? (
        <Loading />
      ) : audit.isError ? (
        <LoadError error={audit.error} />
      ) : events.length === 0 ? (
        <Text c="dimmed">{t('audit.empty')}</Text>
      ) : (
        <Table withTableBorder striped fz="xs" data-testid="audit-table" verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={60}>#</Table.Th>
              <Table.Th w={170}>{t('audit.time')}</Table.Th>
              <Table.Th>{t('audit.actor')}</Table.Th>
              <Table.Th>{t('audit.action')}</Table.Th>
              <Table.Th>{t('audit.object')}</Table.Th>
              <Table.Th w={50}>{t('audit.revision')}</Table.Th>
              <Table.Th w={80}>{t('audit.outcome')}</Table.Th>
              <Table.Th w={110}>IP</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {events.map((e) => (
              <Table.Tr key={e.seq} data-seq={e.seq} data-action={e.action}>
                <Table.Td>{e.seq}</Table.Td>
                <Table.Td>{formatDateTime(e.at, lang)}</Table.Td>
                <Table.Td>{e.actorName ?? e.actorId ?? '—'}</Table.Td>
                <Table.Td>
                  <Code>{e.action}</Code>
                </Table.Td>
                <AuditObjectCell type={e.objectType} id={e.objectId} />
                <Table.Td>{e.revision ?? ''}</Table.Td>
                <AuditOutcomeCell outcome={e.outcome} />
                <AuditClientCell ip={e.ip} userAgent={e.userAgent} />
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <LoadMore query={audit} label={t('audit.more')} />
    </Page>
  );
}
