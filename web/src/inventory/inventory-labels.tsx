import { Badge, Group, List, Popover, Stack, Text, UnstyledButton } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { formatDate, formatDateTime } from '../format';
import { useLang } from '../i18n';
import type {
  Connection,
  CoverageStatement,
  CoverageStatus,
  SignatureStatus,
  SourceSummary,
  StoredSignatureCheck,
} from './inventory-api';

const SIGNATURE_COLOR: Record<SignatureStatus, string> = {
  valid: 'green',
  untrusted: 'orange',
  invalid: 'red',
  unsigned: 'gray',
};

/** The signature badge of a held statement: valid / untrusted / invalid / unsigned. */
export function SignatureBadge({ status }: { status: SignatureStatus }) {
  const { t } = useTranslation();
  return (
    <Badge
      color={SIGNATURE_COLOR[status]}
      variant={status === 'valid' ? 'filled' : 'light'}
      size="sm"
      data-testid="signature-badge"
      data-status={status}
    >
      {t(`inventory.signature.${status}`)}
    </Badge>
  );
}

/** The badge, opening the signature check kept from when the statement was added (signer, issuer, problems). */
export function SignatureDetail({ status, check }: { status: SignatureStatus; check: StoredSignatureCheck }) {
  const { t } = useTranslation();
  const [lang] = useLang();
  return (
    <Popover width={380} position="bottom-start" shadow="md" withArrow>
      <Popover.Target>
        <UnstyledButton aria-label={t('inventory.signature.showDetail')} data-testid="signature-detail-button">
          <SignatureBadge status={status} />
        </UnstyledButton>
      </Popover.Target>
      <Popover.Dropdown>
        <Stack gap={4} data-testid="signature-detail">
          <Text size="sm" fw={700}>
            {t(`inventory.signature.long.${status}`)}
          </Text>
          {check.signer !== null && (
            <Text size="xs">
              {t('inventory.signature.signer')}: {check.signer.subject}
            </Text>
          )}
          {check.issuer !== null && (
            <Text size="xs">
              {t('inventory.signature.issuer')}: {check.issuer}
            </Text>
          )}
          {check.signedAt !== null && (
            <Text size="xs">
              {t('inventory.signature.signedAt')}: {formatDateTime(check.signedAt, lang)}
            </Text>
          )}
          {check.registeredTo !== null && (
            <Text size="xs">
              {t('inventory.signature.registeredTo')}: {check.registeredTo.name}
            </Text>
          )}
          {check.signer !== null && (
            <Text size="xs" className="mono break-all">
              SHA-256: {check.signer.certificateSha256}
            </Text>
          )}
          {check.problems.length > 0 && (
            <List size="xs" c="red.8">
              {check.problems.map((p) => (
                <List.Item key={p.code} data-code={p.code}>
                  {lang === 'en' ? p.en : p.ja}
                </List.Item>
              ))}
            </List>
          )}
          <Text size="xs" c="dimmed">
            {t('inventory.signature.checkedAt', { at: formatDateTime(check.checkedAt, lang) })}
          </Text>
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}

const COVERAGE_COLOR: Record<CoverageStatus, string> = {
  none: 'red',
  withdrawn: 'grape',
  outdated: 'orange',
  current: 'green',
};

/** A system's (or one statement's) coverage: none / withdrawn / outdated / current. */
export function CoverageBadge({ status }: { status: CoverageStatus }) {
  const { t } = useTranslation();
  return (
    <Badge
      color={COVERAGE_COLOR[status]}
      variant={status === 'current' ? 'light' : 'filled'}
      size="sm"
      data-testid="coverage-badge"
      data-status={status}
    >
      {t(`inventory.coverage.status.${status}`)}
    </Badge>
  );
}

/** "General-PACS V1.20R00" and its manufacturer: how a held statement is named everywhere. */
export function sourceTitle(s: Pick<SourceSummary, 'product' | 'productVersion' | 'fileName'>): string {
  const name = [s.product, s.productVersion].filter((x) => x !== '').join(' ');
  return name !== '' ? name : (s.fileName ?? '—');
}

/** A held statement's template edition, short: "MDS 第2版", "NEMA MDS2 2019". */
export function TemplateTag({ template }: { template: { id: string; edition: string } }) {
  const { t } = useTranslation();
  const known = template.id === 'jahis-jira-mds' || template.id === 'nema-mds2';
  return (
    <Badge size="xs" variant="outline" color="gray" data-template={`${template.id}@${template.edition}`}>
      {!known
        ? `${template.id}@${template.edition}`
        : template.id === 'nema-mds2'
          ? t('inventory.template.mds2', { edition: template.edition })
          : t('inventory.template.mds', { edition: template.edition })}
    </Badge>
  );
}

/** Connections as small badges, in the API's order. */
export function ConnectionBadges({ connections }: { connections: readonly Connection[] }) {
  const { t } = useTranslation();
  if (connections.length === 0) return <Text size="xs">—</Text>;
  return (
    <Group gap={4}>
      {connections.map((c) => (
        <Badge key={c} size="xs" variant="light" color={c === 'internal-only' ? 'gray' : 'blue'}>
          {t(`inventory.connections.${c}`)}
        </Badge>
      ))}
    </Group>
  );
}

/**
 * Why a held statement no longer describes its system, each reason with its dates: the server's message in the UI's
 * language, and the withdrawal with its date and reason.
 */
export function ReasonList({ statement }: { statement: CoverageStatement }) {
  const { t } = useTranslation();
  const [lang] = useLang();
  if (statement.reasons.length === 0 && statement.withdrawn === null) return null;
  return (
    <List size="xs" spacing={2} data-testid="coverage-reasons">
      {statement.withdrawn !== null && (
        <List.Item data-code="withdrawn">
          {t('inventory.coverage.withdrawnOn', {
            date: formatDate(statement.withdrawn.at, lang),
            reason: statement.withdrawn.reason,
          })}
        </List.Item>
      )}
      {statement.reasons.map((r) => (
        <List.Item key={r.code} data-code={r.code}>
          {lang === 'en' ? r.message.en : r.message.ja}
        </List.Item>
      ))}
    </List>
  );
}
