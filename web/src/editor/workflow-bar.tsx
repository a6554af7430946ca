import {
  Alert,
  Anchor,
  Button,
  Code,
  Group,
  List,
  Modal,
  Paper,
  Stack,
  Table,
  Text,
  Textarea,
  Title,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { memo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, isApiError } from '../api';
import type { ProxyEntry, StatementDetail } from '../api-types';
import { formatDateTime } from '../format';
import { useLang } from '../i18n';
import { HistoryIcon } from '../icons';
import { StatusBadge } from '../labels';
import { PublishDialog } from '../publishing/publish-dialog';
import { StatementPublications } from '../publishing/statement-publications';
import { can, useMembership, useSession } from '../session';
import { answerLabel } from './answer-label';
import type { CompiledTemplate, ValidationIssue } from './model';
import { useReauth } from '../account/reauth';

interface Props {
  orgId: string;
  detail: StatementDetail;
  compiled: CompiledTemplate;
  role: string | undefined;
  /** Saves pending edits; resolves with the server's version of the revision. */
  flush: () => Promise<number>;
  /** The final-validation issues of what is on screen (for 提出). */
  finalIssues: () => ValidationIssue[];
  labelOf: (row: string) => string;
  focusRow: (row: string) => void;
}

/** Proxy entries not yet confirmed by the responsible person (those after the last confirmation). */
export function pendingProxy(entries: readonly ProxyEntry[], confirmedAt: string | null): ProxyEntry[] {
  if (confirmedAt === null) return [...entries];
  const c = Date.parse(confirmedAt);
  return entries.filter((e) => Date.parse(e.at) > c);
}

/**
 * The statement's workflow: submit (提出) → return (差し戻し) or finalize (確定) → start revision n+1; the
 * responsible person's confirmation of proxy entries (代行入力の承認); and, once finalized, who, when and the hash.
 */
export const WorkflowBar = memo(function WorkflowBar({
  orgId,
  detail,
  compiled,
  role,
  flush,
  finalIssues,
  labelOf,
  focusRow,
}: Props) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const { session } = useSession();
  const queryClient = useQueryClient();
  const latest = detail.latest;
  const rev = latest.revision;
  const [dialog, setDialog] = useState<null | 'submit' | 'return' | 'finalize' | 'publish'>(null);
  const membership = useMembership(orgId);
  const [issues, setIssues] = useState<ValidationIssue[]>([]);
  const [reason, setReason] = useState('');

  const onDetail = async (d: StatementDetail) => {
    queryClient.setQueryData(['statement', orgId, detail.id], d);
    await queryClient.invalidateQueries({ queryKey: ['statements', orgId] });
    setDialog(null);
  };
  const submit = useMutation({
    mutationFn: async () => api.submit(orgId, detail.id, rev, await flush()),
    onSuccess: onDetail,
    onError: (e) => {
      const list = (e as { details?: { issues?: ValidationIssue[] } }).details?.issues;
      if (Array.isArray(list)) setIssues(list);
    },
  });
  const ret = useMutation({
    mutationFn: () => api.returnToDraft(orgId, detail.id, rev, reason.trim()),
    onSuccess: onDetail,
  });
  const guard = useReauth();
  const finalize = useMutation({
    mutationFn: () => guard(() => api.finalize(orgId, detail.id, rev, latest.version)),
    onSuccess: onDetail,
  });
  const confirm = useMutation({ mutationFn: () => api.confirmProxy(orgId, detail.id, rev), onSuccess: onDetail });
  const next = useMutation({ mutationFn: () => api.newRevision(orgId, detail.id), onSuccess: onDetail });

  const me = session?.user.id;
  const isResponsible = me !== undefined && latest.responsible?.id === me;
  const pendingList = pendingProxy(latest.proxyEntries, latest.proxyConfirmedAt);
  // The server counts what awaits confirmation; the list shows the entries after the last confirmation.
  const pendingCount = latest.proxyPending;
  const blocked = pendingCount > 0;
  const pending = !blocked ? [] : pendingList.length > 0 ? pendingList : latest.proxyEntries;
  const canWrite = can(role as never, 'write');
  const canReview = can(role as never, 'review');
  const canPublish = can(role as never, 'publish') && membership?.kind === 'manufacturer';
  const history = `/orgs/${encodeURIComponent(orgId)}/statements/${encodeURIComponent(detail.id)}/history`;
  const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

  const openSubmit = () => {
    setIssues(finalIssues().filter((i) => i.severity === 'error'));
    submit.reset();
    setDialog('submit');
  };

  return (
    <Paper withBorder p="sm" className="workflow-bar" data-testid="workflow-bar">
      <Stack gap="xs">
        <Group justify="space-between" wrap="wrap" gap="sm">
          <Group gap="sm" wrap="wrap">
            <StatusBadge status={latest.status} size="lg" />
            <Text size="sm" fw={600}>
              {t('statements.revisionN', { n: rev })}
            </Text>
            {latest.submittedAt !== null && latest.status === 'in-review' && (
              <Text size="xs" c="dimmed">
                {t('workflow.submittedBy', {
                  name: latest.submittedBy?.displayName ?? '—',
                  at: formatDateTime(latest.submittedAt, lang),
                })}
              </Text>
            )}
          </Group>
          <Group gap="xs" wrap="wrap">
            <Button component={Link} to={history} variant="subtle" size="xs" leftSection={<HistoryIcon size={14} />}>
              {t('history.link')}
            </Button>
            {latest.status === 'draft' && canWrite && (
              <Button size="sm" onClick={openSubmit} data-testid="submit-for-review">
                {t('workflow.submit')}
              </Button>
            )}
            {latest.status === 'in-review' && canReview && (
              <>
                <Button size="sm" variant="default" onClick={() => setDialog('return')} data-testid="return-to-draft">
                  {t('workflow.return')}
                </Button>
                <Button
                  size="sm"
                  color="green"
                  onClick={() => {
                    finalize.reset();
                    setDialog('finalize');
                  }}
                  disabled={blocked}
                  data-testid="finalize"
                >
                  {t('workflow.finalize')}
                </Button>
              </>
            )}
            {latest.status === 'finalized' && canPublish && (
              <Button size="sm" color="blue" onClick={() => setDialog('publish')} data-testid="publish">
                {t('publish.button')}
              </Button>
            )}
            {(latest.status === 'finalized' || latest.status === 'published') && canWrite && (
              <Button
                size="sm"
                variant="light"
                onClick={() => next.mutate()}
                loading={next.isPending}
                data-testid="new-revision"
              >
                {t('workflow.newRevision', { n: rev + 1 })}
              </Button>
            )}
          </Group>
        </Group>

        {latest.status === 'draft' && latest.returnedReason !== null && latest.returnedReason !== '' && (
          <Alert color="orange" p="xs" title={t('workflow.returnedTitle')} data-testid="returned-reason">
            {latest.returnedReason}
          </Alert>
        )}

        {latest.status === 'in-review' && blocked && (
          <Alert color="yellow" p="xs" data-testid="finalize-blocked">
            {t('workflow.proxyBlocks', { name: latest.responsible?.displayName ?? '—', count: pendingCount })}
          </Alert>
        )}

        {blocked && isResponsible && (
          <Paper withBorder p="sm" bg="var(--mantine-color-yellow-0)" data-testid="proxy-confirm">
            <Stack gap="xs">
              <Title order={3} size="h6">
                {t('workflow.proxyTitle')}
              </Title>
              <Text size="sm">{t('workflow.proxyIntro')}</Text>
              <Table withTableBorder striped fz="sm">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('form.colNo')}</Table.Th>
                    <Table.Th>{t('workflow.proxyAnswer')}</Table.Th>
                    <Table.Th>{t('workflow.proxyEnteredBy')}</Table.Th>
                    <Table.Th>{t('workflow.proxyOnBehalfOf')}</Table.Th>
                    <Table.Th>{t('workflow.proxyAt')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {pending.map((e, i) => (
                    <Table.Tr key={`${e.row}-${i}`}>
                      <Table.Td>
                        <Anchor component="button" size="sm" onClick={() => focusRow(e.row)}>
                          {labelOf(e.row)}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>
                        {answerLabel(compiled, e.row, e.answer ?? undefined, lang)}
                        {e.remarks !== null && e.remarks.length > 0 && ` (${e.remarks.join(', ')})`}
                      </Table.Td>
                      <Table.Td>{e.enteredBy?.displayName ?? '—'}</Table.Td>
                      <Table.Td>{e.onBehalfOf?.displayName ?? '—'}</Table.Td>
                      <Table.Td>{formatDateTime(e.at, lang)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              {confirm.isError && (
                <Text size="sm" c="red">
                  {errorText(confirm.error)}
                </Text>
              )}
              <Group justify="flex-end">
                <Button
                  color="yellow"
                  onClick={() => confirm.mutate()}
                  loading={confirm.isPending}
                  data-testid="confirm-proxy"
                >
                  {t('workflow.proxyConfirm', { count: pendingCount })}
                </Button>
              </Group>
            </Stack>
          </Paper>
        )}

        {(latest.status === 'finalized' || latest.status === 'published') && (
          <Table withTableBorder variant="vertical" fz="sm" data-testid="finalization-info">
            <Table.Tbody>
              <Table.Tr>
                <Table.Th w={160}>{t('workflow.responsible')}</Table.Th>
                <Table.Td>{latest.responsible?.displayName ?? '—'}</Table.Td>
                <Table.Th w={120}>{t('workflow.approver')}</Table.Th>
                <Table.Td>{latest.approver?.displayName ?? '—'}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>{t('workflow.finalizedAt')}</Table.Th>
                <Table.Td colSpan={3}>
                  {formatDateTime(latest.finalizedAt, lang)}
                  {latest.timeSource !== null && (
                    <Text span size="xs" c="dimmed" ml="xs">
                      ({t('workflow.timeSource')}: {latest.timeSource})
                    </Text>
                  )}
                </Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>{t('workflow.contentHash')}</Table.Th>
                <Table.Td colSpan={3}>
                  <Code className="hash" data-testid="content-hash">
                    {latest.contentHash ?? '—'}
                  </Code>
                </Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
        )}
        <StatementPublications orgId={orgId} statementId={detail.id} />
        {next.isError && (
          <Text size="sm" c="red">
            {errorText(next.error)}
          </Text>
        )}
      </Stack>

      <PublishDialog
        orgId={orgId}
        statementId={detail.id}
        revision={rev}
        label={`${detail.product.name} ${detail.productVersion.version} ${t('statements.revisionN', { n: rev })}`}
        opened={dialog === 'publish'}
        onClose={() => setDialog(null)}
      />

      <Modal opened={dialog === 'submit'} onClose={() => setDialog(null)} title={t('workflow.submitTitle')} size="lg">
        <Stack gap="sm" data-testid="submit-dialog">
          {issues.length > 0 ? (
            <>
              <Alert color="red" p="xs">
                {t('workflow.submitBlocked', { count: issues.length })}
              </Alert>
              <List size="sm" spacing={2} className="issue-list" data-testid="final-issues">
                {issues.slice(0, 50).map((i, n) => (
                  <List.Item key={`${i.field}-${n}`}>
                    {i.row !== null ? (
                      <Anchor
                        component="button"
                        size="sm"
                        onClick={() => {
                          setDialog(null);
                          focusRow(i.row ?? '');
                        }}
                      >
                        {labelOf(i.row)}
                      </Anchor>
                    ) : null}{' '}
                    {i.message[lang]}
                  </List.Item>
                ))}
              </List>
              {issues.length > 50 && (
                <Text size="xs" c="dimmed">
                  {t('workflow.moreIssues', { count: issues.length - 50 })}
                </Text>
              )}
            </>
          ) : (
            <Text size="sm">{t('workflow.submitConfirm')}</Text>
          )}
          {submit.isError && !isApiError(submit.error, 400) && (
            <Alert color="red" p="xs">
              {errorText(submit.error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDialog(null)}>
              {issues.length > 0 ? t('app.close') : t('app.cancel')}
            </Button>
            {issues.length === 0 && (
              <Button onClick={() => submit.mutate()} loading={submit.isPending} data-testid="submit-confirm">
                {t('workflow.submit')}
              </Button>
            )}
          </Group>
        </Stack>
      </Modal>

      <Modal opened={dialog === 'return'} onClose={() => setDialog(null)} title={t('workflow.returnTitle')}>
        <Stack gap="sm">
          <Textarea
            label={t('workflow.returnReason')}
            required
            autosize
            minRows={3}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            data-testid="return-reason"
          />
          {ret.isError && (
            <Text size="sm" c="red">
              {errorText(ret.error)}
            </Text>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDialog(null)}>
              {t('app.cancel')}
            </Button>
            <Button
              color="orange"
              onClick={() => ret.mutate()}
              loading={ret.isPending}
              disabled={reason.trim() === ''}
              data-testid="return-confirm"
            >
              {t('workflow.return')}
            </Button>
          </Group>
        </Stack>
      </Modal>

      <Modal opened={dialog === 'finalize'} onClose={() => setDialog(null)} title={t('workflow.finalizeTitle')}>
        <Stack gap="sm">
          <Text size="sm">{t('workflow.finalizeConfirm')}</Text>
          <Table withTableBorder variant="vertical" fz="sm">
            <Table.Tbody>
              <Table.Tr>
                <Table.Th w={140}>{t('workflow.responsible')}</Table.Th>
                <Table.Td>{latest.responsible?.displayName ?? '—'}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>{t('workflow.approver')}</Table.Th>
                <Table.Td>{session?.user.displayName}</Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
          {finalize.isError && (
            <Alert color="red" p="xs" data-testid="finalize-error">
              {isApiError(finalize.error, 409) && /proxy/i.test(finalize.error.message)
                ? t('workflow.proxyBlocks', { name: latest.responsible?.displayName ?? '—', count: pendingCount || 1 })
                : errorText(finalize.error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDialog(null)}>
              {t('app.cancel')}
            </Button>
            <Button
              color="green"
              onClick={() => finalize.mutate()}
              loading={finalize.isPending}
              data-testid="finalize-confirm"
            >
              {t('workflow.finalize')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Paper>
  );
});
