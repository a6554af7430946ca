import {
  Alert,
  Anchor,
  Badge,
  Button,
  Checkbox,
  Group,
  List,
  Modal,
  Stack,
  Table,
  Text,
  Textarea,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type MouseEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api';
import { useLang } from '../i18n';
import {
  assessmentKeys,
  assessmentsApi,
  type AssessmentDetail,
  type DownloadKind,
  type RedraftResult,
  type RiskView,
} from './assessments-api';
import { rowIdOfKey } from './labels';
import { useReauth } from '../account/reauth';

const DOWNLOADS: readonly { kind: DownloadKind; testId: string }[] = [
  { kind: 'register.xlsx', testId: 'download-register-xlsx' },
  { kind: 'register.pdf', testId: 'download-register-pdf' },
  { kind: 'rules.md', testId: 'download-rules-md' },
  { kind: 'rules.pdf', testId: 'download-rules-pdf' },
];

/** The file name the server gives (RFC 6266 `filename*` first), else ours. */
function fileNameOf(disposition: string | null, fallback: string): string {
  if (disposition === null) return fallback;
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (star?.[1] !== undefined) {
    try {
      return decodeURIComponent(star[1]);
    } catch {
      // A malformed escape: fall through to the plain name.
    }
  }
  const plain = /filename="([^"]+)"/i.exec(disposition);
  return plain?.[1] ?? fallback;
}

/**
 * The register (XLSX, PDF) and the 運用管理規程 draft (Markdown, PDF). Each is a real link (it can be opened or
 * copied); a click fetches it first, so that a file the server cannot produce yet says so instead of saving an
 * error page.
 */
export function Downloads({ orgId, assessmentId }: { orgId: string; assessmentId: string }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState<DownloadKind | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const click = async (e: MouseEvent<HTMLAnchorElement>, kind: DownloadKind) => {
    e.preventDefault();
    setBusy(kind);
    setProblem(null);
    try {
      const res = await fetch(assessmentsApi.fileUrl(orgId, assessmentId, kind), { credentials: 'same-origin' });
      if (!res.ok) {
        setProblem(
          res.status === 404
            ? t('assessments.downloads.notYet', { file: t(`assessments.downloads.${kind}`) })
            : t('assessments.downloads.failed', { status: res.status }),
        );
        return;
      }
      const blob = await res.blob();
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = fileNameOf(res.headers.get('content-disposition'), kind);
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch {
      setProblem(t('app.networkError'));
    } finally {
      setBusy(null);
    }
  };
  return (
    <Stack gap={4} data-testid="downloads">
      <Group gap="xs" wrap="wrap">
        {DOWNLOADS.map(({ kind, testId }) => (
          <Button
            key={kind}
            component="a"
            href={assessmentsApi.fileUrl(orgId, assessmentId, kind)}
            onClick={(e: MouseEvent<HTMLAnchorElement>) => void click(e, kind)}
            variant="light"
            size="xs"
            loading={busy === kind}
            data-testid={testId}
          >
            {t(`assessments.downloads.${kind}`)}
          </Button>
        ))}
      </Group>
      {problem !== null && (
        <Text size="xs" c="orange.9" role="status" data-testid="download-problem">
          {problem}
        </Text>
      )}
    </Stack>
  );
}

/** Accepting the residual risk: a note, and confirming that the assessment is frozen from then on. */
export function AcceptDialog({
  orgId,
  assessment,
  onClose,
}: {
  orgId: string;
  assessment: AssessmentDetail;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [note, setNote] = useState('');
  const [understood, setUnderstood] = useState(false);
  const guard = useReauth();
  const accept = useMutation({
    mutationFn: () => guard(() => assessmentsApi.accept(orgId, assessment.id, note)),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: assessmentKeys.one(orgId, assessment.id) });
      await queryClient.invalidateQueries({ queryKey: assessmentKeys.list(orgId) });
      await queryClient.invalidateQueries({ queryKey: assessmentKeys.dashboard(orgId) });
      onClose();
    },
  });
  const problems =
    accept.error instanceof ApiError && accept.error.status === 409
      ? ((accept.error.details as { problems?: unknown } | undefined)?.problems as string[] | undefined)
      : undefined;
  const untreated = assessment.riskList.filter((r) => r.record.treatment === null).length;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    accept.mutate();
  };
  return (
    <Modal opened onClose={onClose} title={t('assessments.accept.title')} size="lg">
      <Stack gap="sm" component="form" onSubmit={submit} data-testid="accept-dialog">
        <Text size="sm">{t('assessments.accept.intro', { count: assessment.risks })}</Text>
        {untreated > 0 && (
          <Alert color="orange" p="sm" data-testid="accept-untreated">
            {t('assessments.accept.untreated', { count: untreated })}
          </Alert>
        )}
        <Textarea
          label={t('assessments.accept.note')}
          autosize
          minRows={3}
          maxRows={8}
          maxLength={2000}
          value={note}
          onChange={(e) => setNote(e.currentTarget.value)}
          data-testid="accept-note"
        />
        <Checkbox
          label={t('assessments.accept.understood')}
          checked={understood}
          onChange={(e) => setUnderstood(e.currentTarget.checked)}
          data-testid="accept-understood"
        />
        {accept.error !== null && (
          <Alert color="red" role="alert" p="sm" data-testid="form-error">
            {problems !== undefined && problems.length > 0 ? (
              <Stack gap={4}>
                <Text size="sm">{t('assessments.accept.problems', { count: problems.length })}</Text>
                <List size="xs" data-testid="accept-problems">
                  {problems.slice(0, 20).map((p) => (
                    <List.Item key={p}>{p}</List.Item>
                  ))}
                </List>
              </Stack>
            ) : (
              accept.error.message
            )}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('app.cancel')}
          </Button>
          <Button
            type="submit"
            color="teal"
            disabled={!understood}
            loading={accept.isPending}
            data-testid="accept-confirm"
          >
            {t('assessments.accept.submit')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** What a re-draft changed: counts, then each changed, added or removed risk with its reason. */
export function RedraftResultDialog({
  result,
  risks,
  onOpen,
  onClose,
}: {
  result: RedraftResult;
  risks: readonly RiskView[];
  onOpen: (risk: RiskView) => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const byKey = new Map(risks.map((r) => [r.record.key, r]));
  return (
    <Modal opened onClose={onClose} title={t('assessments.redraft.resultTitle')} size="xl">
      <Stack gap="sm" data-testid="redraft-result">
        <Group gap="xs">
          <Badge color="blue" variant="light" data-testid="redraft-added">
            {t('assessments.redraft.added', { count: result.added })}
          </Badge>
          <Badge color="orange" variant="light" data-testid="redraft-reopened">
            {t('assessments.redraft.reopened', { count: result.reopened })}
          </Badge>
          <Badge color="gray" variant="light" data-testid="redraft-removed">
            {t('assessments.redraft.removed', { count: result.removed })}
          </Badge>
          <Badge color="green" variant="light">
            {t('assessments.redraft.unchanged', { count: result.unchanged })}
          </Badge>
        </Group>
        {result.changes.length === 0 ? (
          <Text c="dimmed">{t('assessments.redraft.noChanges')}</Text>
        ) : (
          <Table withTableBorder verticalSpacing={4} data-testid="redraft-changes">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('assessments.row')}</Table.Th>
                <Table.Th>{t('assessments.system')}</Table.Th>
                <Table.Th>{t('assessments.redraft.kind')}</Table.Th>
                <Table.Th>{t('assessments.redraft.reason')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {result.changes.map((c) => {
                const risk = byKey.get(c.key);
                const reason =
                  c.kind === 'changed' ? c.reasons.map((x) => x.message[lang]).join(' / ') : c.reason[lang];
                return (
                  <Table.Tr key={`${c.kind}:${c.key}`} data-id={c.key} data-kind={c.kind}>
                    <Table.Td>
                      {risk === undefined ? (
                        rowIdOfKey(c.key)
                      ) : (
                        <Anchor component="button" type="button" size="sm" onClick={() => onOpen(risk)}>
                          {risk.draft.number || risk.draft.rowId}
                        </Anchor>
                      )}
                    </Table.Td>
                    <Table.Td>{risk?.systemName ?? '—'}</Table.Td>
                    <Table.Td>
                      <Badge
                        size="sm"
                        variant="light"
                        color={c.kind === 'added' ? 'blue' : c.kind === 'removed' ? 'gray' : 'orange'}
                      >
                        {t(`assessments.redraft.kinds.${c.kind}`)}
                        {c.kind === 'changed' && c.reopen ? ` · ${t('assessments.reopened')}` : ''}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{reason}</Text>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        )}
        <Group justify="flex-end">
          <Button onClick={onClose}>{t('app.close')}</Button>
        </Group>
      </Stack>
    </Modal>
  );
}
