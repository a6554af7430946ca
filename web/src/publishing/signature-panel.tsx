import { Alert, List, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { pick } from '../api';
import type { SignatureCheck } from '../api-types';
import { formatDateTime } from '../format';
import { useLang } from '../i18n';
import { AlertIcon, CheckIcon } from '../icons';
import { Fingerprint } from './publication-labels';

/** The one answer a reader needs: valid, altered, issuer not trusted, or not verifiable for another reason. */
export type Verdict = 'valid' | 'altered' | 'untrusted' | 'invalid';

export function verdictOf(check: Pick<SignatureCheck, 'status' | 'altered'>): Verdict {
  if (check.altered) return 'altered';
  return check.status;
}

const VERDICT_COLOR: Record<Verdict, string> = { valid: 'green', altered: 'red', untrusted: 'orange', invalid: 'red' };

/** The verdict as a coloured block: 「署名は有効です（改ざんなし）」, 「改ざんされています」, 「発行元を信頼できません」. */
export function SignatureVerdict({ check, large = false }: { check: SignatureCheck; large?: boolean }) {
  const { t } = useTranslation();
  const verdict = verdictOf(check);
  return (
    <Alert
      color={VERDICT_COLOR[verdict]}
      variant={large ? 'filled' : 'light'}
      icon={verdict === 'valid' ? <CheckIcon size={large ? 28 : 18} /> : <AlertIcon size={large ? 28 : 18} />}
      title={
        <Text component="span" fw={700} size={large ? 'xl' : 'sm'} data-testid="verdict-text">
          {t(`signature.verdict.${verdict}`)}
        </Text>
      }
      data-testid="signature-verdict"
      data-verdict={verdict}
      role={large ? 'status' : undefined}
      p={large ? 'md' : 'xs'}
    >
      <Text size={large ? 'sm' : 'xs'}>{t(`signature.explain.${verdict}`)}</Text>
    </Alert>
  );
}

/** Who signed, when, with which certificate, and what is wrong: the details under the verdict. */
export function SignatureDetails({ check }: { check: SignatureCheck }) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const s = check.signer;
  return (
    <>
      <Table variant="vertical" withTableBorder fz="xs" layout="fixed" data-testid="signature-details">
        <Table.Tbody>
          <Table.Tr>
            <Table.Th w={120}>{t('signature.organization')}</Table.Th>
            <Table.Td data-testid="signer-organization">{s?.organization ?? '—'}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>{t('signature.subject')}</Table.Th>
            <Table.Td className="break-all">{s?.subject ?? '—'}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>{t('signature.issuer')}</Table.Th>
            <Table.Td className="break-all">{s?.issuer ?? '—'}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>{t('signature.signedAt')}</Table.Th>
            <Table.Td data-testid="signed-at">{formatDateTime(check.signedAt, lang)}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>{t('signature.validity')}</Table.Th>
            <Table.Td>
              {s === null
                ? '—'
                : t('signature.validityRange', {
                    from: formatDateTime(s.notBefore, lang),
                    to: formatDateTime(s.notAfter, lang),
                  })}
            </Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>{t('signature.fingerprint')}</Table.Th>
            <Table.Td>
              {s === null ? '—' : <Fingerprint hex={s.certificateSha256} testId="certificate-fingerprint" />}
            </Table.Td>
          </Table.Tr>
          {check.registeredTo !== null && (
            <Table.Tr>
              <Table.Th>{t('signature.registeredTo')}</Table.Th>
              <Table.Td>{check.registeredTo.name}</Table.Td>
            </Table.Tr>
          )}
        </Table.Tbody>
      </Table>
      {check.problems.length > 0 && (
        <div>
          <Text size="xs" fw={700} mt={4}>
            {t('signature.problems')}
          </Text>
          <List size="xs" spacing={2} data-testid="signature-problems">
            {check.problems.map((p, i) => (
              <List.Item key={i}>{pick(p, lang)}</List.Item>
            ))}
          </List>
        </div>
      )}
    </>
  );
}
