import { Alert, Anchor, Badge, Button, FileButton, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState, type DragEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, isApiError } from '../api';
import type { VerifyResult } from '../api-types';
import { useLang } from '../i18n';
import { formatDateTime } from '../format';
import { Page } from '../workspace/page';
import { useTemplateTitle } from './answer-filter';
import { SignatureDetails, SignatureVerdict } from './signature-panel';

const ACCEPT = '.json,.html,.htm,.pdf,application/json,text/html,application/pdf';

/** /verify — anyone checks a downloaded file: who signed it, when, and whether it was changed since. */
export function VerifyPage() {
  const { t } = useTranslation();
  const [file, setFile] = useState<File | null>(null);
  const [dragging, setDragging] = useState(false);
  const verify = useMutation({ mutationFn: (f: File) => api.verify(f) });

  const choose = (f: File | null) => {
    if (f === null) return;
    setFile(f);
    verify.mutate(f);
  };
  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setDragging(false);
    choose(e.dataTransfer.files[0] ?? null);
  };

  return (
    <Page title={t('verify.title')} subtitle={t('verify.intro')} size="lg" testId="verify-page">
      <div
        className="dropzone"
        data-active={dragging || undefined}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
        data-testid="verify-dropzone"
      >
        <Stack gap="xs" align="center">
          <Text fw={700}>{t('verify.drop')}</Text>
          <Text size="sm" c="dimmed">
            {t('verify.formats')}
          </Text>
          <FileButton
            onChange={choose}
            accept={ACCEPT}
            inputProps={{ 'aria-label': t('verify.choose'), 'data-testid': 'verify-input' } as never}
          >
            {(props) => (
              <Button {...props} loading={verify.isPending} data-testid="verify-choose">
                {t('verify.choose')}
              </Button>
            )}
          </FileButton>
        </Stack>
      </div>

      <div aria-live="polite">
        {file !== null && (
          <Text size="sm" c="dimmed" data-testid="verify-file">
            {t('verify.file', { name: file.name, size: Math.max(1, Math.round(file.size / 1024)) })}
          </Text>
        )}
        {verify.isError && (
          <Alert color="red" role="alert" mt="sm" data-testid="verify-error">
            {isApiError(verify.error, 413)
              ? t('verify.tooLarge')
              : isApiError(verify.error)
                ? t('verify.unreadable', { message: verify.error.message.replace(/^file: /, '') })
                : t('app.networkError')}
          </Alert>
        )}
        {verify.isSuccess && file !== null && (
          <VerifyReport result={verify.data} checkedAt={new Date(verify.submittedAt).toISOString()} />
        )}
      </div>

      <Text size="xs" c="dimmed">
        {t('verify.caHint')}{' '}
        <Anchor href={api.caPemUrl} download="openmds-instance-ca.pem" size="xs">
          {t('verify.caDownload')}
        </Anchor>
      </Text>
    </Page>
  );
}

function VerifyReport({ result, checkedAt }: { result: VerifyResult; checkedAt: string }) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const st = result.statement;
  const templateTitle = useTemplateTitle();
  return (
    <Stack gap="md" mt="sm" data-testid="verify-result" data-status={result.status} data-altered={result.altered}>
      <SignatureVerdict check={result} large />
      <Group align="flex-start" gap="md" wrap="wrap">
        <Paper withBorder p="sm" style={{ flex: '1 1 420px' }}>
          <Stack gap="xs">
            <Title order={2} size="h5">
              {t('verify.signer')}
            </Title>
            <SignatureDetails check={result} />
          </Stack>
        </Paper>
        <Paper withBorder p="sm" style={{ flex: '1 1 320px' }}>
          <Stack gap="xs">
            <Title order={2} size="h5">
              {t('verify.content')}
            </Title>
            <Table variant="vertical" withTableBorder fz="xs">
              <Table.Tbody>
                <Table.Tr>
                  <Table.Th w={120}>{t('verify.format')}</Table.Th>
                  <Table.Td>
                    <Badge variant="light" color="gray" size="sm">
                      {result.format}
                    </Badge>
                  </Table.Td>
                </Table.Tr>
                {st !== null && (
                  <>
                    <Table.Tr>
                      <Table.Th>{t('directory.manufacturer')}</Table.Th>
                      <Table.Td>{st.header.manufacturer ?? '—'}</Table.Td>
                    </Table.Tr>
                    <Table.Tr>
                      <Table.Th>{t('directory.product')}</Table.Th>
                      <Table.Td>
                        {st.header.product ?? '—'} {st.header.productVersion ?? ''}
                      </Table.Td>
                    </Table.Tr>
                    <Table.Tr>
                      <Table.Th>{t('directory.template')}</Table.Th>
                      <Table.Td>{templateTitle(st.template)}</Table.Td>
                    </Table.Tr>
                    <Table.Tr>
                      <Table.Th>{t('directory.revision')}</Table.Th>
                      <Table.Td>{t('statements.revisionN', { n: st.revision })}</Table.Td>
                    </Table.Tr>
                    {st.header.date !== undefined && (
                      <Table.Tr>
                        <Table.Th>{t('verify.date')}</Table.Th>
                        <Table.Td>{st.header.date}</Table.Td>
                      </Table.Tr>
                    )}
                  </>
                )}
              </Table.Tbody>
            </Table>
            {result.publication !== null ? (
              <Text size="sm" data-testid="verify-publication">
                <Anchor component={Link} to={`/directory/${encodeURIComponent(result.publication.id)}`}>
                  {t('verify.openPublication')}
                </Anchor>
                {result.publication.withdrawn && (
                  <Text span c="red" size="sm" ml="xs">
                    ({t('publication.withdrawn')})
                  </Text>
                )}
              </Text>
            ) : (
              <Text size="xs" c="dimmed">
                {t('verify.noPublication')}
              </Text>
            )}
          </Stack>
        </Paper>
      </Group>
      <Text size="xs" c="dimmed">
        {t('verify.checkedAt', { at: formatDateTime(checkedAt, lang) })}
      </Text>
    </Stack>
  );
}
