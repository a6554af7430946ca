import { Alert, Anchor, Badge, Button, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { formatDate, formatDateTime } from '../format';
import { useLang, type Lang } from '../i18n';
import { assessmentKeys, assessmentsApi, type AssessmentAlert, type RiskView } from './assessments-api';
import { isNotFound } from './field-errors';
import { orgPath, pickText } from './labels';

/** The answer values of the built-in templates, as their forms print them. */
const ANSWER_VALUES: Readonly<Record<string, { ja: string; en: string }>> = {
  yes: { ja: 'はい', en: 'Yes' },
  no: { ja: 'いいえ', en: 'No' },
  na: { ja: '対象外', en: 'N/A' },
  'see-note': { ja: '備考参照', en: 'See Note' },
};

/** A changed row's answer as the server reports it: a value, an answer object, or nothing (unanswered). */
function answerText(v: unknown, lang: Lang, unanswered: string): string {
  if (v === null || v === undefined) return unanswered;
  if (typeof v === 'string') return ANSWER_VALUES[v]?.[lang] ?? v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.label === 'object' && o.label !== null) return pickText(o.label, lang);
    if ('answer' in o) return answerText(o.answer, lang, unanswered);
    if ('value' in o) return answerText(o.value, lang, unanswered);
  }
  return JSON.stringify(v);
}

/**
 * New revisions of the statements this assessment relies on: the rows that changed (before → after) and the risks
 * they touch, linked. An accepted assessment is frozen, so it offers a reassessment: a new draft carrying the
 * records forward.
 */
export function AlertsPanel({
  orgId,
  assessmentId,
  alerts,
  risks,
  accepted,
  canWrite,
  onOpen,
}: {
  orgId: string;
  assessmentId: string;
  alerts: readonly AssessmentAlert[];
  risks: readonly RiskView[];
  accepted: boolean;
  canWrite: boolean;
  onOpen: (risk: RiskView) => void;
}) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const byId = new Map(risks.map((r) => [r.id, r]));
  const open = alerts.filter((a) => a.resolvedAt === null);
  if (alerts.length === 0) return null;
  return (
    <Paper withBorder p="md" data-testid="alerts-panel">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={2} size="h4">
            {t('assessments.alerts.title')}{' '}
            {open.length > 0 && (
              <Badge color="orange" variant="filled" data-testid="open-alerts">
                {t('assessments.alerts.badge', { count: open.length })}
              </Badge>
            )}
          </Title>
          {accepted && canWrite && open.length > 0 && <ReassessButton orgId={orgId} assessmentId={assessmentId} />}
        </Group>
        {accepted && open.length > 0 && (
          <Text size="sm" c="dimmed">
            {t('assessments.alerts.acceptedHint')}
          </Text>
        )}
        {alerts.map((a) => (
          <Paper
            key={a.id}
            withBorder
            p="sm"
            bg={a.resolvedAt === null ? 'orange.0' : undefined}
            data-testid="alert"
            data-id={a.id}
            data-action={a.action}
            data-resolved={a.resolvedAt === null ? 'no' : 'yes'}
          >
            <Stack gap={6}>
              <Group gap="xs" wrap="wrap">
                <Badge color={a.action === 'redrafted' ? 'blue' : 'orange'} variant="light">
                  {t(`assessments.alerts.action.${a.action}`)}
                </Badge>
                <Text size="sm" fw={700}>
                  {a.newSource.product} {a.newSource.productVersion}
                </Text>
                <Text size="xs" c="dimmed">
                  {t('assessments.alerts.statementDate', { date: formatDate(a.newSource.statementDate, lang) })}
                </Text>
                <Text size="xs" c="dimmed">
                  {formatDateTime(a.createdAt, lang)}
                </Text>
                {a.resolvedAt !== null && (
                  <Badge color="gray" variant="outline" size="sm">
                    {t('assessments.alerts.resolved', { at: formatDateTime(a.resolvedAt, lang) })}
                  </Badge>
                )}
              </Group>
              {a.changedRows.length === 0 ? (
                <Text size="sm" c="dimmed">
                  {t('assessments.alerts.noRows')}
                </Text>
              ) : (
                <Table verticalSpacing={2} withTableBorder data-testid="alert-rows">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th w={120}>{t('assessments.row')}</Table.Th>
                      <Table.Th>{t('assessments.alerts.before')}</Table.Th>
                      <Table.Th>{t('assessments.alerts.after')}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {a.changedRows.map((c) => (
                      <Table.Tr key={c.rowId} data-row-id={c.rowId}>
                        <Table.Td>{c.rowId}</Table.Td>
                        <Table.Td>{answerText(c.before, lang, t('assessments.answer.unanswered'))}</Table.Td>
                        <Table.Td fw={700}>→ {answerText(c.after, lang, t('assessments.answer.unanswered'))}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              )}
              {a.touchedRiskIds.length > 0 && (
                <Group gap={6} wrap="wrap" data-testid="alert-risks">
                  <Text size="xs">{t('assessments.alerts.touched')}</Text>
                  {a.touchedRiskIds.map((id) => {
                    const r = byId.get(id);
                    return r === undefined ? (
                      <Badge key={id} variant="outline" color="gray" size="sm">
                        {id.slice(0, 8)}
                      </Badge>
                    ) : (
                      <Anchor
                        key={id}
                        component="button"
                        type="button"
                        size="xs"
                        onClick={() => onOpen(r)}
                        data-id={id}
                      >
                        {r.draft.number || r.draft.rowId} ({r.systemName})
                      </Anchor>
                    );
                  })}
                </Group>
              )}
            </Stack>
          </Paper>
        ))}
      </Stack>
    </Paper>
  );
}

/** Starts a new draft from an accepted assessment, carrying its records forward, and opens it. */
export function ReassessButton({ orgId, assessmentId }: { orgId: string; assessmentId: string }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const reassess = useMutation({
    mutationFn: () => assessmentsApi.reassess(orgId, assessmentId),
    onSuccess: async (a) => {
      await queryClient.invalidateQueries({ queryKey: assessmentKeys.list(orgId) });
      void navigate(orgPath(orgId, 'assessments', a.id));
    },
  });
  return (
    <Stack gap={4} align="flex-end">
      <Button
        color="orange"
        onClick={() => {
          if (window.confirm(t('assessments.alerts.confirmReassess'))) reassess.mutate();
        }}
        loading={reassess.isPending}
        data-testid="reassess"
      >
        {t('assessments.alerts.reassess')}
      </Button>
      {reassess.error !== null && (
        <Alert color="red" p={6} role="alert">
          {isNotFound(reassess.error) ? t('assessments.notAvailable') : reassess.error.message}
        </Alert>
      )}
    </Stack>
  );
}
