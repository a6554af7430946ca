import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  Modal,
  Radio,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Textarea,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router';
import { api } from '../api';
import type { AnswerBody, RequestStatus, StatementRequest, Visibility } from '../api-types';
import { FormError } from '../auth/auth-form';
import { formatDate, formatDateTime, todayInTokyo } from '../format';
import { useLang } from '../i18n';
import { LoadError, Loading } from '../pages/query-state';
import { endOfDayTokyo, refreshAfterPublishing } from '../publishing/publish-dialog';
import { can, useMembership } from '../session';
import { Page } from '../workspace/page';
import { RequestStatusBadge, isOpen, requestProduct } from './request-labels';

type Filter = 'all' | RequestStatus;
const FILTERS: readonly Filter[] = ['all', 'open', 'overdue', 'answered', 'declined'];

/** /orgs/:orgId/inbox — what hospitals ask the manufacturer for: answer with a statement, or decline. */
export function InboxPage() {
  const { t } = useTranslation();
  const [lang] = useLang();
  const { orgId = '' } = useParams();
  const [sp] = useSearchParams();
  const highlight = sp.get('request');
  const membership = useMembership(orgId);
  const canAnswer = can(membership?.role, 'answer');
  const list = useQuery({ queryKey: ['inbox', orgId], queryFn: () => api.inbox(orgId) });
  const [filter, setFilter] = useState<Filter>('all');
  const [answering, setAnswering] = useState<StatementRequest | null>(null);
  const [declining, setDeclining] = useState<StatementRequest | null>(null);
  const shown = (list.data ?? []).filter(
    (r) => filter === 'all' || r.status === filter || (filter === 'open' && r.status === 'overdue'),
  );
  const count = (f: Filter) =>
    (list.data ?? []).filter((r) => f === 'all' || r.status === f || (f === 'open' && r.status === 'overdue')).length;

  return (
    <Page title={t('inbox.title')} subtitle={t('inbox.intro')} testId="inbox-page">
      <SegmentedControl
        value={filter}
        onChange={(v) => setFilter(FILTERS.find((f) => f === v) ?? 'all')}
        data={FILTERS.map((f) => ({
          value: f,
          label: `${f === 'all' ? t('inbox.all') : t(`requests.status.${f}`)} (${count(f)})`,
        }))}
        aria-label={t('inbox.filter')}
        w="fit-content"
        data-testid="inbox-filter"
      />
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <LoadError error={list.error} />
      ) : shown.length === 0 ? (
        <Text c="dimmed">{t('inbox.empty')}</Text>
      ) : (
        <Table.ScrollContainer minWidth={960}>
          <Table withTableBorder verticalSpacing="xs" data-testid="inbox-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('inbox.hospital')}</Table.Th>
                <Table.Th>{t('directory.product')}</Table.Th>
                <Table.Th w={110}>{t('requests.statusLabel')}</Table.Th>
                <Table.Th w={110}>{t('requests.dueDate')}</Table.Th>
                <Table.Th w={170}>{t('inbox.received')}</Table.Th>
                <Table.Th w={200} />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {shown.map((r) => (
                <Table.Tr
                  key={r.id}
                  data-request={r.id}
                  data-status={r.status}
                  className={r.id === highlight ? 'highlight-row' : undefined}
                >
                  <Table.Td fw={600}>{r.hospital.name}</Table.Td>
                  <Table.Td>
                    <Text size="sm" fw={700}>
                      {requestProduct(r)}
                    </Text>
                    <Badge size="xs" variant="outline" color="gray">
                      {t(`requests.kinds.${r.kind}`)}
                    </Badge>
                    {r.message !== '' && (
                      <Text size="xs" c="dimmed" style={{ whiteSpace: 'pre-wrap' }}>
                        {r.message}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <RequestStatusBadge status={r.status} />
                    {r.reminderCount > 0 && (
                      <Text size="xs" c="dimmed">
                        {t('requests.reminded', { count: r.reminderCount })}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{r.dueDate === null ? '—' : formatDate(r.dueDate, lang)}</Table.Td>
                  <Table.Td>
                    <Text size="xs">{formatDateTime(r.createdAt, lang)}</Text>
                  </Table.Td>
                  <Table.Td>
                    {isOpen(r) && canAnswer && (
                      <Group gap={4} wrap="nowrap">
                        <Button size="xs" onClick={() => setAnswering(r)} data-testid="answer-request">
                          {t('inbox.answer')}
                        </Button>
                        <Button
                          size="xs"
                          variant="subtle"
                          color="orange"
                          onClick={() => setDeclining(r)}
                          data-testid="decline-request"
                        >
                          {t('inbox.decline')}
                        </Button>
                      </Group>
                    )}
                    {r.answer !== null && (
                      <Anchor
                        component={Link}
                        to={`/directory/${encodeURIComponent(r.answer.publicationId)}`}
                        size="sm"
                      >
                        {t('inbox.answeredWith', { n: r.answer.revision })}
                      </Anchor>
                    )}
                    {r.status === 'declined' && (
                      <Text size="xs" c="orange.9">
                        {t('requests.declinedBecause', { reason: r.declineReason ?? '—' })}
                      </Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {answering !== null && <AnswerDialog orgId={orgId} request={answering} onClose={() => setAnswering(null)} />}
      {declining !== null && <DeclineDialog orgId={orgId} request={declining} onClose={() => setDeclining(null)} />}
    </Page>
  );
}

type How = 'existing' | 'publish';

/** Answer with a publication the organization has, or publish a finalized revision now. */
function AnswerDialog({ orgId, request, onClose }: { orgId: string; request: StatementRequest; onClose: () => void }) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const queryClient = useQueryClient();
  const publications = useQuery({ queryKey: ['org-publications', orgId], queryFn: () => api.orgPublications(orgId) });
  const statements = useQuery({ queryKey: ['statements', orgId], queryFn: () => api.statements(orgId) });
  const productId = request.product.id;
  const usable = (publications.data ?? []).filter(
    (p) =>
      p.withdrawn === null &&
      (productId === null || p.product.id === productId) &&
      (request.publicationId === null || p.id === request.publicationId),
  );
  const finalized = (statements.data ?? []).filter(
    (s) => s.status === 'finalized' && (productId === null || s.product.id === productId),
  );
  const [how, setHow] = useState<How>('existing');
  const [publicationId, setPublicationId] = useState<string | null>(request.publicationId);
  const [statementId, setStatementId] = useState<string | null>(null);
  const [visibility, setVisibility] = useState<Visibility>('restricted');
  const [expires, setExpires] = useState('');
  const chosenPublication = usable.find((p) => p.id === publicationId);
  const grants =
    request.kind === 'access' ||
    (how === 'existing' ? chosenPublication?.visibility === 'restricted' : visibility === 'restricted');

  const answer = useMutation({
    mutationFn: () => {
      const grantExpiresAt = grants && expires !== '' ? endOfDayTokyo(expires) : null;
      const extra = grantExpiresAt === null ? {} : { grantExpiresAt };
      let body: AnswerBody;
      if (how === 'existing') body = { publicationId: publicationId ?? '', ...extra };
      else {
        const s = finalized.find((x) => x.id === statementId);
        body = { statementId: statementId ?? '', revision: s?.currentRevision ?? 1, visibility, ...extra };
      }
      return api.answerRequest(orgId, request.id, body);
    },
    onSuccess: async () => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: ['inbox', orgId] }),
        queryClient.invalidateQueries({ queryKey: ['grants', orgId] }),
        refreshAfterPublishing(queryClient, orgId),
      ]);
      onClose();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    answer.mutate();
  };
  const ready = how === 'existing' ? publicationId !== null : statementId !== null;

  return (
    <Modal opened onClose={onClose} title={t('inbox.answerTitle', { product: requestProduct(request) })} size="lg">
      <Stack gap="sm" component="form" onSubmit={submit} data-testid="answer-dialog">
        <Text size="sm">{t('inbox.answerIntro', { hospital: request.hospital.name })}</Text>
        {request.kind === 'statement' && (
          <SegmentedControl
            value={how}
            onChange={(v) => setHow(v === 'publish' ? 'publish' : 'existing')}
            data={[
              { value: 'existing', label: t('inbox.withExisting') },
              { value: 'publish', label: t('inbox.publishNow') },
            ]}
            aria-label={t('inbox.how')}
            data-testid="answer-how"
          />
        )}
        {how === 'existing' ? (
          publications.isPending ? (
            <Loading />
          ) : usable.length === 0 ? (
            <Alert color="gray">{t('inbox.noPublications')}</Alert>
          ) : (
            <Select
              label={t('inbox.publication')}
              data={usable.map((p) => ({
                value: p.id,
                label: `${p.product.name} ${p.productVersion} ${t('statements.revisionN', { n: p.revision })} (${t(`publication.visibility.${p.visibility}`)}・${formatDate(p.publishedAt, lang)})`,
              }))}
              value={publicationId}
              onChange={setPublicationId}
              required
              data-testid="answer-publication"
            />
          )
        ) : statements.isPending ? (
          <Loading />
        ) : finalized.length === 0 ? (
          <Alert color="gray">{t('inbox.noFinalized')}</Alert>
        ) : (
          <>
            <Select
              label={t('inbox.finalizedRevision')}
              data={finalized.map((s) => ({
                value: s.id,
                label: `${s.product.name} ${s.productVersion.version} ${t('statements.revisionN', { n: s.currentRevision })}`,
              }))}
              value={statementId}
              onChange={setStatementId}
              required
              data-testid="answer-statement"
            />
            <Radio.Group
              label={t('publish.visibility')}
              value={visibility}
              onChange={(v) => setVisibility(v === 'public' ? 'public' : 'restricted')}
            >
              <Group gap="lg" mt={6}>
                <Radio value="restricted" label={t('publish.restricted')} />
                <Radio value="public" label={t('publish.public')} />
              </Group>
            </Radio.Group>
          </>
        )}
        {grants && (
          <TextInput
            type="date"
            label={t('publish.expires')}
            description={t('inbox.grantHint', { hospital: request.hospital.name })}
            value={expires}
            min={todayInTokyo()}
            onChange={(e) => setExpires(e.currentTarget.value)}
            w={260}
          />
        )}
        <FormError error={answer.error} fields={[]} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('app.cancel')}
          </Button>
          <Button type="submit" loading={answer.isPending} disabled={!ready} data-testid="answer-confirm">
            {how === 'publish' ? t('inbox.publishAndAnswer') : t('inbox.answer')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function DeclineDialog({ orgId, request, onClose }: { orgId: string; request: StatementRequest; onClose: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const decline = useMutation({
    mutationFn: () => api.declineRequest(orgId, request.id, reason.trim()),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['inbox', orgId] });
      onClose();
    },
  });
  return (
    <Modal opened onClose={onClose} title={t('inbox.declineTitle', { product: requestProduct(request) })}>
      <Stack gap="sm">
        <Text size="sm">{t('inbox.declineIntro', { hospital: request.hospital.name })}</Text>
        <Textarea
          label={t('inbox.declineReason')}
          required
          autosize
          minRows={3}
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
          data-testid="decline-reason"
        />
        <FormError error={decline.error} fields={[]} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('app.cancel')}
          </Button>
          <Button
            color="orange"
            onClick={() => decline.mutate()}
            loading={decline.isPending}
            disabled={reason.trim() === ''}
            data-testid="decline-confirm"
          >
            {t('inbox.decline')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
