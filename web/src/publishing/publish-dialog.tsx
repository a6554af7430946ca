import { Alert, Button, Group, Modal, Radio, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../api';
import type { PublicationSummary, Visibility } from '../api-types';
import { FormError } from '../auth/auth-form';
import { todayInTokyo } from '../format';
import { HospitalMultiPicker } from './hospital-picker';

/** A date typed as YYYY-MM-DD, as the end of that day in Japan (UTC ISO 8601): a grant lasts through its last day. */
export function endOfDayTokyo(date: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return null;
  const d = new Date(`${date}T23:59:59+09:00`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** After publishing or withdrawing: everything that shows a publication or a statement's status is asked again. */
export async function refreshAfterPublishing(queryClient: ReturnType<typeof useQueryClient>, orgId: string) {
  await Promise.all([
    queryClient.invalidateQueries({ queryKey: ['statement', orgId] }),
    queryClient.invalidateQueries({ queryKey: ['statements', orgId] }),
    queryClient.invalidateQueries({ queryKey: ['org-publications', orgId] }),
    queryClient.invalidateQueries({ queryKey: ['directory'] }),
    queryClient.invalidateQueries({ queryKey: ['publication'] }),
  ]);
}

/**
 * 「公開」: a finalized revision, signed with the organization's key, either in the public directory or restricted to
 * named hospital organizations (a grant for the product each, optionally until a date).
 */
export function PublishDialog({
  orgId,
  statementId,
  revision,
  label,
  opened,
  onClose,
  onPublished,
}: {
  orgId: string;
  statementId: string;
  revision: number;
  /** What is published, for the dialog's title: "General-PACS V1.20R00 第2版". */
  label: string;
  opened: boolean;
  onClose: () => void;
  onPublished?: (p: PublicationSummary) => void;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [visibility, setVisibility] = useState<Visibility>('public');
  const [grantees, setGrantees] = useState<string[]>([]);
  const [expires, setExpires] = useState('');
  const publish = useMutation({
    mutationFn: () => {
      const grantExpiresAt = expires === '' ? undefined : (endOfDayTokyo(expires) ?? undefined);
      return api.publish(
        orgId,
        statementId,
        revision,
        visibility === 'public'
          ? { visibility }
          : { visibility, grantees, ...(grantExpiresAt === undefined ? {} : { grantExpiresAt }) },
      );
    },
    // The statement's own query is asked again only when the dialog closes: its new status remounts the editor,
    // which would take the dialog (and its confirmation) with it.
    onSuccess: (p) => onPublished?.(p),
  });
  const close = () => {
    const published = publish.isSuccess;
    publish.reset();
    onClose();
    if (published) void refreshAfterPublishing(queryClient, orgId);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    publish.mutate();
  };
  const done = publish.data;

  return (
    <Modal opened={opened} onClose={close} title={t('publish.title', { what: label })} size="lg">
      {done !== undefined ? (
        <Stack gap="sm" data-testid="publish-done">
          <Alert color="green" title={t('publish.doneTitle')}>
            <Text size="sm">{t(done.visibility === 'public' ? 'publish.donePublic' : 'publish.doneRestricted')}</Text>
          </Alert>
          <Group justify="flex-end">
            <Button
              component={Link}
              to={`/directory/${encodeURIComponent(done.id)}`}
              onClick={() => void refreshAfterPublishing(queryClient, orgId)}
              data-testid="open-publication"
            >
              {t('publish.open')}
            </Button>
            <Button variant="default" onClick={close}>
              {t('app.close')}
            </Button>
          </Group>
        </Stack>
      ) : (
        <Stack gap="md" component="form" onSubmit={submit} data-testid="publish-dialog">
          <Text size="sm">{t('publish.intro')}</Text>
          <Radio.Group
            label={t('publish.visibility')}
            value={visibility}
            onChange={(v) => setVisibility(v === 'restricted' ? 'restricted' : 'public')}
            data-testid="publish-visibility"
          >
            <Stack gap="xs" mt={6}>
              <Radio value="public" label={t('publish.public')} description={t('publish.publicHint')} />
              <Radio value="restricted" label={t('publish.restricted')} description={t('publish.restrictedHint')} />
            </Stack>
          </Radio.Group>
          {visibility === 'restricted' && (
            <Stack gap="sm">
              <HospitalMultiPicker
                label={t('publish.grantees')}
                value={grantees}
                onChange={setGrantees}
                testId="publish-grantees"
              />
              <TextInput
                type="date"
                label={t('publish.expires')}
                description={t('publish.expiresHint')}
                value={expires}
                min={todayInTokyo()}
                onChange={(e) => setExpires(e.currentTarget.value)}
                w={220}
                data-testid="publish-expires"
              />
            </Stack>
          )}
          <FormError error={publish.error} fields={[]} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              {t('app.cancel')}
            </Button>
            <Button type="submit" loading={publish.isPending} data-testid="publish-confirm">
              {t('publish.submit')}
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
