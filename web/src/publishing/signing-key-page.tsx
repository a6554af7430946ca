import {
  Alert,
  Badge,
  Button,
  FileButton,
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
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { ApiError, api, pick } from '../api';
import type { SigningKey } from '../api-types';
import { FormError } from '../auth/auth-form';
import { formatDateTime } from '../format';
import { useLang } from '../i18n';
import { LoadError, Loading } from '../pages/query-state';
import { can, useMembership } from '../session';
import { Page } from '../workspace/page';
import { Fingerprint } from './publication-labels';
import { useReauth } from '../account/reauth';

/** Saves text as a file through a temporary object URL (no server round trip; the PEM is public). */
function saveText(name: string, text: string, type = 'application/x-pem-file') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** /orgs/:orgId/signing-key — the certificate that signs the organization's publications; rotate or bring your own. */
export function SigningKeyPage() {
  const { t } = useTranslation();
  const { orgId = '' } = useParams();
  const membership = useMembership(orgId);
  const isOwner = can(membership?.role, 'manage');
  const keys = useQuery({ queryKey: ['signing-keys', orgId], queryFn: () => api.signingKeys(orgId) });
  const [dialog, setDialog] = useState<null | 'rotate' | 'upload'>(null);

  return (
    <Page
      title={t('signingKey.title')}
      subtitle={t('signingKey.intro')}
      testId="signing-key-page"
      actions={
        isOwner && (
          <Group gap="xs">
            <Button variant="default" onClick={() => setDialog('upload')} data-testid="upload-key">
              {t('signingKey.upload')}
            </Button>
            <Button onClick={() => setDialog('rotate')} data-testid="rotate-key">
              {t('signingKey.rotate')}
            </Button>
          </Group>
        )
      }
    >
      {keys.isPending ? (
        <Loading />
      ) : keys.isError ? (
        <LoadError error={keys.error} />
      ) : (
        <Stack gap="lg">
          {keys.data.current === null ? (
            <Alert color="gray" data-testid="no-key">
              {t('signingKey.none')}
            </Alert>
          ) : (
            <KeyCard signingKey={keys.data.current} current />
          )}
          {keys.data.retired.length > 0 && (
            <Stack gap="xs">
              <Title order={2} size="h4">
                {t('signingKey.retired')}
              </Title>
              <Table.ScrollContainer minWidth={800}>
                <Table withTableBorder fz="sm" data-testid="retired-keys">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>{t('signature.subject')}</Table.Th>
                      <Table.Th>{t('signingKey.source')}</Table.Th>
                      <Table.Th>{t('signature.validity')}</Table.Th>
                      <Table.Th>{t('signature.fingerprint')}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {keys.data.retired.map((k) => (
                      <RetiredRow key={k.id} k={k} />
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </Stack>
          )}
        </Stack>
      )}
      <RotateDialog orgId={orgId} opened={dialog === 'rotate'} onClose={() => setDialog(null)} />
      <UploadDialog orgId={orgId} opened={dialog === 'upload'} onClose={() => setDialog(null)} />
    </Page>
  );
}

function RetiredRow({ k }: { k: SigningKey }) {
  const { t } = useTranslation();
  const [lang] = useLang();
  return (
    <Table.Tr>
      <Table.Td className="break-all">{k.subject}</Table.Td>
      <Table.Td>{t(`signingKey.sources.${k.source}`)}</Table.Td>
      <Table.Td>
        {formatDateTime(k.notBefore, lang)} – {formatDateTime(k.notAfter, lang)}
      </Table.Td>
      <Table.Td>
        <Fingerprint hex={k.certificateSha256} />
      </Table.Td>
    </Table.Tr>
  );
}

function KeyCard({ signingKey: k, current }: { signingKey: SigningKey; current: boolean }) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const expired = Date.parse(k.notAfter) < Date.now();
  return (
    <Paper withBorder p="md" data-testid={current ? 'current-key' : undefined}>
      <Stack gap="sm">
        <Group justify="space-between" wrap="wrap">
          <Group gap="xs">
            <Title order={2} size="h4">
              {t('signingKey.current')}
            </Title>
            <Badge variant="light" color={k.source === 'uploaded' ? 'grape' : 'blue'}>
              {t(`signingKey.sources.${k.source}`)}
            </Badge>
            {expired && (
              <Badge color="red" variant="light">
                {t('signingKey.expired')}
              </Badge>
            )}
          </Group>
          <Button
            variant="light"
            size="xs"
            onClick={() => saveText('openmds-signing-certificate.pem', k.chainPem.join('\n'))}
            data-testid="download-pem"
          >
            {t('signingKey.downloadPem')}
          </Button>
        </Group>
        <Table variant="vertical" withTableBorder fz="sm" layout="fixed">
          <Table.Tbody>
            <Table.Tr>
              <Table.Th w={200}>{t('signature.subject')}</Table.Th>
              <Table.Td className="break-all" data-testid="key-subject">
                {k.subject}
              </Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th>{t('signature.issuer')}</Table.Th>
              <Table.Td className="break-all">{k.issuer}</Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th>{t('signature.validity')}</Table.Th>
              <Table.Td>
                {t('signature.validityRange', {
                  from: formatDateTime(k.notBefore, lang),
                  to: formatDateTime(k.notAfter, lang),
                })}
              </Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th>{t('signature.fingerprint')}</Table.Th>
              <Table.Td>
                <Fingerprint hex={k.certificateSha256} testId="key-fingerprint" />
              </Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th>{t('signingKey.chainLength')}</Table.Th>
              <Table.Td>{t('signingKey.certificates', { count: k.chainPem.length })}</Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th>{t('signingKey.created')}</Table.Th>
              <Table.Td>{formatDateTime(k.createdAt, lang)}</Table.Td>
            </Table.Tr>
          </Table.Tbody>
        </Table>
      </Stack>
    </Paper>
  );
}

function RotateDialog({ orgId, opened, onClose }: { orgId: string; opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const guard = useReauth();
  const rotate = useMutation({
    mutationFn: () => guard(() => api.rotateSigningKey(orgId)),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['signing-keys', orgId] });
      onClose();
    },
  });
  return (
    <Modal opened={opened} onClose={onClose} title={t('signingKey.rotateTitle')}>
      <Stack gap="sm">
        <Text size="sm">{t('signingKey.rotateIntro')}</Text>
        <FormError error={rotate.error} fields={[]} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('app.cancel')}
          </Button>
          <Button onClick={() => rotate.mutate()} loading={rotate.isPending} data-testid="rotate-confirm">
            {t('signingKey.rotate')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function UploadDialog({ orgId, opened, onClose }: { orgId: string; opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const queryClient = useQueryClient();
  const [chain, setChain] = useState('');
  const [key, setKey] = useState('');
  const guard = useReauth();
  const upload = useMutation({
    mutationFn: () => guard(() => api.uploadSigningKey(orgId, { certificateChainPem: chain, privateKeyPem: key })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['signing-keys', orgId] });
      setChain('');
      setKey('');
      onClose();
    },
  });
  const problems =
    upload.error instanceof ApiError
      ? ((upload.error.details as { problems?: { ja?: string; en?: string }[] } | undefined)?.problems ?? [])
      : [];
  const submit = (e: FormEvent) => {
    e.preventDefault();
    upload.mutate();
  };
  const readInto = (set: (s: string) => void) => (f: File | null) => {
    if (f !== null) void f.text().then(set);
  };
  return (
    <Modal opened={opened} onClose={onClose} title={t('signingKey.uploadTitle')} size="lg">
      <Stack gap="sm" component="form" onSubmit={submit}>
        <Text size="sm">{t('signingKey.uploadIntro')}</Text>
        <Textarea
          label={t('signingKey.chainPem')}
          description={t('signingKey.chainPemHint')}
          required
          autosize
          minRows={4}
          maxRows={10}
          value={chain}
          onChange={(e) => setChain(e.currentTarget.value)}
          classNames={{ input: 'mono' }}
          data-testid="chain-pem"
        />
        <FileButton onChange={readInto(setChain)} accept=".pem,.crt,.cer,application/x-pem-file">
          {(props) => (
            <Button {...props} variant="subtle" size="xs" w="fit-content">
              {t('signingKey.readFile')}
            </Button>
          )}
        </FileButton>
        <Textarea
          label={t('signingKey.keyPem')}
          description={t('signingKey.keyPemHint')}
          required
          autosize
          minRows={4}
          maxRows={10}
          value={key}
          onChange={(e) => setKey(e.currentTarget.value)}
          classNames={{ input: 'mono' }}
          data-testid="key-pem"
        />
        <FileButton onChange={readInto(setKey)} accept=".pem,.key,application/x-pem-file">
          {(props) => (
            <Button {...props} variant="subtle" size="xs" w="fit-content">
              {t('signingKey.readFile')}
            </Button>
          )}
        </FileButton>
        {problems.length > 0 ? (
          <Alert color="red" role="alert">
            <List size="sm">
              {problems.map((p, i) => (
                <List.Item key={i}>{pick(p, lang)}</List.Item>
              ))}
            </List>
          </Alert>
        ) : (
          <FormError error={upload.error} fields={[]} />
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('app.cancel')}
          </Button>
          <Button
            type="submit"
            loading={upload.isPending}
            disabled={chain.trim() === '' || key.trim() === ''}
            data-testid="upload-confirm"
          >
            {t('signingKey.uploadSubmit')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
