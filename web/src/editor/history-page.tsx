import { Alert, Anchor, Breadcrumbs, Code, Group, Paper, Radio, Stack, Table, Text, Title } from '@mantine/core';
import { useQueries, useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api, pick } from '../api';
import type { RowSide, StatementDiff } from '../api-types';
import { formatDateTime, shortHash } from '../format';
import { useLang, type Lang } from '../i18n';
import { StatusBadge } from '../labels';
import { LoadError, Loading } from '../pages/query-state';
import { Page } from '../workspace/page';
import { answerLabel } from './answer-label';
import { compile, type CompiledTemplate } from './model';

/** /orgs/:orgId/statements/:statementId/history — every revision, and the difference between any two. */
export function HistoryPage() {
  const { t } = useTranslation();
  const [lang] = useLang();
  const { orgId = '', statementId = '' } = useParams();
  const detail = useQuery({
    queryKey: ['statement', orgId, statementId],
    queryFn: () => api.statement(orgId, statementId),
  });
  const ref = detail.data?.latest.content.template ?? detail.data?.template;
  const template = useQuery({
    queryKey: ['template', ref?.id, ref?.edition],
    queryFn: () => api.template(ref?.id ?? '', ref?.edition ?? ''),
    enabled: ref !== undefined,
    staleTime: Infinity,
  });
  const compiled = useMemo(() => (template.data === undefined ? undefined : compile(template.data)), [template.data]);
  const revisions = useMemo(
    () => [...(detail.data?.revisions ?? [])].sort((a, b) => a.revision - b.revision),
    [detail.data],
  );
  const people = useQueries({
    queries: revisions.map((r) => ({
      queryKey: ['revision', orgId, statementId, r.revision, r.version],
      queryFn: () => api.revision(orgId, statementId, r.revision),
      staleTime: 60_000,
    })),
  });
  const last = revisions[revisions.length - 1]?.revision ?? 1;
  const [from, setFrom] = useState<number | null>(null);
  const [to, setTo] = useState<number | null>(null);
  const a = from ?? Math.max(1, last - 1);
  const b = to ?? last;
  const diff = useQuery({
    queryKey: ['diff', orgId, statementId, a, b],
    queryFn: () => api.diff(orgId, statementId, a, b),
    enabled: detail.data !== undefined && a !== b,
  });

  if (detail.isError) return <LoadError error={detail.error} />;
  if (detail.data === undefined) return <Loading />;
  const d = detail.data;
  const base = `/orgs/${encodeURIComponent(orgId)}`;
  const editor = `${base}/statements/${encodeURIComponent(statementId)}`;

  return (
    <Page
      title={t('history.title')}
      testId="history-page"
      subtitle={
        <Breadcrumbs separator="›" fz="sm">
          <Anchor component={Link} to={`${base}/statements`}>
            {t('statements.title')}
          </Anchor>
          <Anchor component={Link} to={editor}>
            {d.product.name} {d.productVersion.version}
          </Anchor>
          <Text size="sm">{t('history.title')}</Text>
        </Breadcrumbs>
      }
    >
      <Table withTableBorder striped data-testid="revisions-table" fz="sm">
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={60}>{t('history.from')}</Table.Th>
            <Table.Th w={60}>{t('history.to')}</Table.Th>
            <Table.Th>{t('history.revision')}</Table.Th>
            <Table.Th>{t('statements.status')}</Table.Th>
            <Table.Th>{t('history.created')}</Table.Th>
            <Table.Th>{t('history.submitted')}</Table.Th>
            <Table.Th>{t('history.finalized')}</Table.Th>
            <Table.Th>{t('workflow.contentHash')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {revisions.map((r, i) => {
            const p = people[i]?.data;
            return (
              <Table.Tr key={r.revision} data-revision={r.revision}>
                <Table.Td>
                  <Radio
                    aria-label={t('history.pickFrom', { n: r.revision })}
                    checked={a === r.revision}
                    onChange={() => setFrom(r.revision)}
                    disabled={r.revision >= b}
                    name="from"
                  />
                </Table.Td>
                <Table.Td>
                  <Radio
                    aria-label={t('history.pickTo', { n: r.revision })}
                    checked={b === r.revision}
                    onChange={() => setTo(r.revision)}
                    disabled={r.revision <= a}
                    name="to"
                  />
                </Table.Td>
                <Table.Td fw={700}>{t('statements.revisionN', { n: r.revision })}</Table.Td>
                <Table.Td>
                  <StatusBadge status={r.status} size="xs" />
                </Table.Td>
                <Table.Td>{formatDateTime(r.createdAt, lang)}</Table.Td>
                <Table.Td>
                  {formatDateTime(r.submittedAt, lang)}
                  {p?.submittedBy !== undefined && p.submittedBy !== null && (
                    <Text size="xs" c="dimmed">
                      {p.submittedBy.displayName}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  {formatDateTime(r.finalizedAt, lang)}
                  {p !== undefined && (p.responsible !== null || p.approver !== null) && r.finalizedAt !== null && (
                    <Text size="xs" c="dimmed">
                      {t('history.people', {
                        responsible: p.responsible?.displayName ?? '—',
                        approver: p.approver?.displayName ?? '—',
                      })}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Code title={r.contentHash ?? ''}>{shortHash(r.contentHash)}</Code>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>

      <Title order={2} size="h4">
        {t('history.diffTitle', { from: a, to: b })}
      </Title>
      {revisions.length < 2 ? (
        <Text c="dimmed">{t('history.onlyOne')}</Text>
      ) : diff.isPending ? (
        <Loading />
      ) : diff.isError ? (
        <LoadError error={diff.error} />
      ) : (
        <DiffView diff={diff.data} compiled={compiled} lang={lang} />
      )}
    </Page>
  );
}

function side(compiled: CompiledTemplate | undefined, row: string, s: RowSide | null, lang: Lang): string {
  if (s === null) return '—';
  return answerLabel(compiled, row, s.answer, lang);
}

function remarks(s: RowSide | null): string {
  return (s?.remarks ?? []).join(', ');
}

export function DiffView({
  diff,
  compiled,
  lang,
}: {
  diff: StatementDiff;
  compiled: CompiledTemplate | undefined;
  lang: Lang;
}) {
  const { t } = useTranslation();
  const headerLabel = (field: string) => {
    const f = compiled?.template.headerFields.find((h) => h.id === field);
    return f === undefined ? field : pick(f.label, lang);
  };
  if (diff.rows.length === 0 && diff.remarks.length === 0 && diff.header.length === 0) {
    return (
      <Alert color="gray" data-testid="diff-empty">
        {t('history.noChanges')}
      </Alert>
    );
  }
  return (
    <Stack gap="md" data-testid="diff">
      {diff.rows.length > 0 && (
        <Paper withBorder>
          <Table striped fz="sm" data-testid="diff-rows">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={80}>{t('form.colNo')}</Table.Th>
                <Table.Th>{t('form.colQuestion')}</Table.Th>
                <Table.Th w={130}>{t('history.before')}</Table.Th>
                <Table.Th w={130}>{t('history.after')}</Table.Th>
                <Table.Th w={160}>{t('history.remarkChange')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {diff.rows.map((r) => {
                const row = compiled?.byId.get(r.row);
                const beforeA = r.before?.answer;
                const afterA = r.after?.answer;
                const rb = remarks(r.before);
                const ra = remarks(r.after);
                return (
                  <Table.Tr key={r.row} data-row={r.row}>
                    <Table.Td fw={600}>{r.number === '' ? r.row : r.number}</Table.Td>
                    <Table.Td>{row === undefined ? r.row : pick(row.row.text, lang)}</Table.Td>
                    <Table.Td className={beforeA !== afterA ? 'diff-old' : undefined} data-side="before">
                      {side(compiled, r.row, r.before, lang)}
                    </Table.Td>
                    <Table.Td className={beforeA !== afterA ? 'diff-new' : undefined} data-side="after">
                      {side(compiled, r.row, r.after, lang)}
                    </Table.Td>
                    <Table.Td>
                      {rb !== ra && (
                        <Text size="xs">
                          {rb === '' ? '—' : rb} → {ra === '' ? '—' : ra}
                        </Text>
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
      {diff.header.length > 0 && (
        <Paper withBorder>
          <Table fz="sm" data-testid="diff-header">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={200}>{t('history.headerField')}</Table.Th>
                <Table.Th>{t('history.before')}</Table.Th>
                <Table.Th>{t('history.after')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {diff.header.map((h) => (
                <Table.Tr key={h.field}>
                  <Table.Td fw={600}>{headerLabel(h.field)}</Table.Td>
                  <Table.Td className="diff-old">{h.before ?? '—'}</Table.Td>
                  <Table.Td className="diff-new">{h.after ?? '—'}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
      {diff.remarks.length > 0 && (
        <Paper withBorder>
          <Table fz="sm" data-testid="diff-remarks">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={100}>{t('history.remark')}</Table.Th>
                <Table.Th>{t('history.before')}</Table.Th>
                <Table.Th>{t('history.after')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {diff.remarks.map((r) => (
                <Table.Tr key={r.number}>
                  <Table.Td fw={600}>{r.number}</Table.Td>
                  <Table.Td className="diff-old" style={{ whiteSpace: 'pre-wrap' }}>
                    {r.before ?? '—'}
                  </Table.Td>
                  <Table.Td className="diff-new" style={{ whiteSpace: 'pre-wrap' }}>
                    {r.after ?? '—'}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
      <Group />
    </Stack>
  );
}
