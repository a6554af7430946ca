import { Badge, Code, Group } from '@mantine/core';
import { Fragment } from 'react';
import { useTranslation } from 'react-i18next';
import type { AnswerCounts, Visibility } from '../api-types';

/** 限定公開 for a restricted publication; nothing for a public one (the directory's default). */
export function VisibilityBadge({ visibility, always = false }: { visibility: Visibility; always?: boolean }) {
  const { t } = useTranslation();
  if (visibility === 'public' && !always) return null;
  return (
    <Badge
      color={visibility === 'restricted' ? 'orange' : 'blue'}
      variant="light"
      size="sm"
      data-visibility={visibility}
      className="visibility-badge"
    >
      {t(`publication.visibility.${visibility}`)}
    </Badge>
  );
}

/** 取り下げ済み. */
export function WithdrawnBadge() {
  const { t } = useTranslation();
  return (
    <Badge color="red" variant="light" size="sm" data-testid="withdrawn-badge">
      {t('publication.withdrawn')}
    </Badge>
  );
}

/** はい n ・ いいえ n ・ 対象外 n (・ その他 n when a template has a fourth kind of answer). */
export function CountBadges({ counts }: { counts: AnswerCounts }) {
  const { t } = useTranslation();
  return (
    <Group gap={4} wrap="wrap" className="count-badges" data-testid="answer-counts">
      <span className="count count-yes" data-count="yes">
        {t('answers.yes')} {counts.yes}
      </span>
      <span className="count count-no" data-count="no">
        {t('answers.no')} {counts.no}
      </span>
      <span className="count count-na" data-count="na">
        {t('answers.na')} {counts.na}
      </span>
      {counts.other > 0 && (
        <span className="count count-other" data-count="other">
          {t('publication.countOther')} {counts.other}
        </span>
      )}
    </Group>
  );
}

/** A certificate's SHA-256 as browsers show it: "3F:2A:…". */
export function fingerprint(hex: string): string {
  const clean = hex.replace(/^sha256:/i, '').replace(/[^0-9a-f]/gi, '');
  return (clean.match(/.{1,2}/g) ?? []).join(':').toUpperCase();
}

/** A fingerprint that wraps only between its byte pairs, never inside one. */
export function Fingerprint({ hex, testId }: { hex: string; testId?: string }) {
  const pairs = fingerprint(hex).split(':');
  return (
    <Code className="fingerprint" data-testid={testId}>
      {pairs.map((p, i) => (
        <Fragment key={i}>
          {p}
          {i < pairs.length - 1 && (
            <>
              :<wbr />
            </>
          )}
        </Fragment>
      ))}
    </Code>
  );
}

/** The product categories the UI names; anything else shows as その他. */
export function categoryKey(category: string): 'pacs' | 'ris' | 'ehr' | 'modality' | 'viewer' | 'other' {
  switch (category) {
    case 'pacs':
    case 'ris':
    case 'ehr':
    case 'modality':
    case 'viewer':
      return category;
    default:
      return 'other';
  }
}
