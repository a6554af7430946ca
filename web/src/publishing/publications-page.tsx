import { Anchor, Button, Group, Modal, Stack, Table, Text, Textarea } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api, pick } from '../api';
import type { OrgPublication } from '../api-types';
import { FormError } from '../auth/auth-form';
import { formatDateTime } from '../format';
import { useLang } from '../i18n';
import { LoadError, Loading } from '../pages/query-state';
import { can, useMembership } from '../session';
import { Page } from '../workspace/page';
import { refreshAfterPublishing } from './publish-dialog';
import { VisibilityBadge, WithdrawnBadge } from './publication-labels';

/** /orgs/:orgId/publications — what the manufacturer has published; withdrawing one, with a reason. */
export function PublicationsPage() {
  const { t } = useTranslation();
  const [lang] = useLang();
  const { orgId = '' } = useParams();
  const membership = useMembership(orgId);
  const canPublish = can(membership?.role, 'publish');
  const list = useQuery({ queryKey: ['org-publications', orgId], queryFn: () => api.orgPublications(orgId) });
  const [withdrawing, setWithdrawing] = useState<OrgPublication | null>(null);
  const base = `/orgs/${encodeURIComponent(orgId)}`;

  return (
    <Page title={t('publications.title')} subtitle={t('publications.intro')} testId="publications-page">
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <LoadError error={list.error} />
      ) : list.data.length === 0 ? (
        <Text c="dimmed">{t('publications.empty')}</Text>
      ) : (
        <Table.ScrollContainer minWidth={900}>
          <Table withTableBorder striped verticalSpacing="xs" data-testid="publications-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('directory.product')}</Table.Th>
                <Table.Th>{t('directory.template')}</Table.Th>
                <Table.Th w={80}>{t('directory.revision')}</Table.Th>
                <Table.Th w={110}>{t('publications.visibility')}</Table.Th>
                <Table.Th w={190}>{t('directory.published')}</Table.Th>
                <Table.Th w={90}>{t('publications.holders')}</Table.Th>
                <Table.Th w={200} />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.map((p) => (
                <Table.Tr key={p.id} data-publication={p.id} data-revision={p.revision}>
                  <Table.Td>
                    <Anchor
                      component={Link}
                      to={`${base}/statements/${encodeURIComponent(p.statementId)}`}
                      fw={700}
                      size="sm"
                    >
                      {p.product.name} {p.productVersion}
                    </Anchor>
                    {p.withdrawn !== null && (
                      <Text size="xs" c="red.8">
                        {t('publications.withdrawnAt', { at: formatDateTime(p.withdrawn.at, lang) })}:{' '}
                        {p.withdrawn.reason}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{pick(p.template.title, lang)}</Text>
                    <Text size="xs" c="dimmed">
                      {t('form.edition')} {p.template.edition}
                    </Text>
                  </Table.Td>
                  <Table.Td>{t('statements.revisionN', { n: p.revision })}</Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      <VisibilityBadge visibility={p.visibility} always />
                      {p.withdrawn !== null && <WithdrawnBadge />}
                    </Group>
                  </Table.Td>
                  <Table.Td>{formatDateTime(p.publishedAt, lang)}</Table.Td>
                  <Table.Td>{p.holders}</Table.Td>
                  <Table.Td>
                    <Group gap="xs" wrap="nowrap">
                      <Button component={Link} to={`/directory/${encodeURIComponent(p.id)}`} size="xs" variant="light">
                        {t('publications.open')}
                      </Button>
                      {canPublish && p.withdrawn === null && (
                        <Button
                          size="xs"
                          variant="subtle"
                          color="red"
                          onClick={() => setWithdrawing(p)}
                          data-testid="withdraw"
                        >
                          {t('publications.withdraw')}
                        </Button>
                      )}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {withdrawing !== null && (
        <WithdrawDialog orgId={orgId} publication={withdrawing} onClose={() => setWithdrawing(null)} />
      )}
    </Page>
  );
}

function WithdrawDialog({
  orgId,
  publication,
  onClose,
}: {
  orgId: string;
  publication: OrgPublication;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const withdraw = useMutation({
    mutationFn: () => api.withdraw(orgId, publication.id, reason.trim()),
    onSuccess: async () => {
      await refreshAfterPublishing(queryClient, orgId);
      onClose();
    },
  });
  return (
    <Modal
      opened
      onClose={onClose}
      title={t('publications.withdrawTitle', {
        what: `${publication.product.name} ${publication.productVersion} ${t('statements.revisionN', { n: publication.revision })}`,
      })}
    >
      <Stack gap="sm">
        <Text size="sm">{t('publications.withdrawIntro', { count: publication.holders })}</Text>
        <Textarea
          label={t('publications.reason')}
          required
          autosize
          minRows={3}
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
          data-testid="withdraw-reason"
        />
        <FormError error={withdraw.error} fields={[]} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('app.cancel')}
          </Button>
          <Button
            color="red"
            onClick={() => withdraw.mutate()}
            loading={withdraw.isPending}
            disabled={reason.trim() === ''}
            data-testid="withdraw-confirm"
          >
            {t('publications.withdraw')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
