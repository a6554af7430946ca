import { Badge, Text, Tooltip } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { LocalizedText } from '../../../src/domain/i18n.js';
import { ratingFits, score } from '../../../src/domain/risk/scoring.js';
import { pick } from '../api';
import { useLang, type Lang } from '../i18n';
import type { Rating, RiskLevel, RiskStatus, Score, ScoringMethod, Treatment } from './assessments-api';

export const LEVELS: readonly RiskLevel[] = ['low', 'medium', 'high', 'extreme'];
export const TREATMENTS: readonly Treatment[] = ['reduce', 'accept', 'avoid', 'transfer'];
export const RISK_STATUSES: readonly RiskStatus[] = ['open', 'in-progress', 'done', 'accepted'];

/** Mantine colour per level: the heat map's cells and the level badges agree. */
export const LEVEL_COLOR: Readonly<Record<RiskLevel, string>> = {
  low: 'green',
  medium: 'yellow',
  high: 'orange',
  extreme: 'red',
};

/** A heat-map cell's background: light enough for dark text to keep its contrast. */
export function levelBackground(level: RiskLevel, empty: boolean): string {
  return `var(--mantine-color-${LEVEL_COLOR[level]}-${empty ? 1 : 3})`;
}

export function pickText(text: LocalizedText | null | undefined, lang: Lang): string {
  return text === null || text === undefined ? '' : pick(text, lang);
}

export function LevelBadge({ score: s, residual }: { score: Score | null; residual?: boolean }) {
  const { t } = useTranslation();
  if (s === null) {
    return (
      <Badge color="gray" variant="outline" size="sm" data-level="unscored">
        {t('assessments.level.unscored')}
      </Badge>
    );
  }
  return (
    <Badge
      color={LEVEL_COLOR[s.level]}
      variant={residual === true ? 'light' : 'filled'}
      size="sm"
      data-level={s.level}
      // Yellow needs dark text to stay readable.
      c={s.level === 'medium' && residual !== true ? 'dark' : undefined}
    >
      {t(`assessments.level.${s.level}`)} {s.value}
      {s.acceptable ? ' ✓' : ''}
    </Badge>
  );
}

export function AssessmentStatusBadge({ status }: { status: 'draft' | 'accepted' }) {
  const { t } = useTranslation();
  return (
    <Badge color={status === 'accepted' ? 'teal' : 'blue'} variant="light" data-status={status}>
      {t(`assessments.status.${status}`)}
    </Badge>
  );
}

const RISK_STATUS_COLOR: Readonly<Record<RiskStatus, string>> = {
  open: 'red',
  'in-progress': 'yellow',
  done: 'teal',
  accepted: 'gray',
};

export function RiskStatusBadge({ status }: { status: RiskStatus }) {
  const { t } = useTranslation();
  return (
    <Badge color={RISK_STATUS_COLOR[status]} variant="light" size="sm" data-status={status}>
      {t(`assessments.riskStatus.${status}`)}
    </Badge>
  );
}

/** "資産価値 × 脅威 × 脆弱性 (受容基準 8)" or "発生可能性 × 影響度 5 × 5 (受容: 低)". */
export function MethodText({ method }: { method: ScoringMethod }) {
  const { t } = useTranslation();
  const [lang] = useLang();
  if (method.kind === 'asset-threat-vulnerability') {
    return (
      <Text span size="sm" data-testid="method" data-kind={method.kind}>
        {t('assessments.method.atv')} {t('assessments.method.thresholdShort', { n: method.acceptanceThreshold })}
      </Text>
    );
  }
  return (
    <Tooltip
      label={t('assessments.method.axes', { rows: method.likelihood.name[lang], cols: method.impact.name[lang] })}
    >
      <Text span size="sm" data-testid="method" data-kind={method.kind}>
        {t('assessments.method.li')}{' '}
        {t('assessments.method.matrixShort', {
          size: method.size,
          levels: method.acceptable.map((l) => t(`assessments.level.${l}`)).join('・'),
        })}
      </Text>
    </Tooltip>
  );
}

/** The fields of a rating under a method, with their range. */
export type RatingField = 'asset' | 'threat' | 'vulnerability' | 'likelihood' | 'impact';

export function ratingFields(method: ScoringMethod): { field: RatingField; max: number }[] {
  return method.kind === 'asset-threat-vulnerability'
    ? [
        { field: 'asset', max: 3 },
        { field: 'threat', max: 3 },
        { field: 'vulnerability', max: 3 },
      ]
    : [
        { field: 'likelihood', max: method.size },
        { field: 'impact', max: method.size },
      ];
}

/** Scores a rating when it fits the method, else null (rated under an earlier method). */
export function scoreOf(method: ScoringMethod, rating: Rating | null | undefined): Score | null {
  if (rating === null || rating === undefined || !ratingFits(method, rating)) return null;
  return score(method, rating);
}

/** The heat-map cell a rating falls in: the layout of `summarize` (row, column; 0 the lowest step). */
export function heatCellOf(method: ScoringMethod, rating: Rating): [number, number] | null {
  if (!ratingFits(method, rating)) return null;
  if ('asset' in rating) return [rating.asset - 1, (rating.threat - 1) * 3 + (rating.vulnerability - 1)];
  return [rating.likelihood - 1, rating.impact - 1];
}

/** "3×2×3" or "4×5": the factors of a rating, short. */
export function ratingShort(rating: Rating | null): string {
  if (rating === null) return '—';
  if ('asset' in rating) return `${rating.asset}×${rating.threat}×${rating.vulnerability}`;
  return `${rating.likelihood}×${rating.impact}`;
}

/** The last part of a risk key (systemId:templateId:rowId). */
export function rowIdOfKey(key: string): string {
  const i = key.lastIndexOf(':');
  return i < 0 ? key : key.slice(i + 1);
}

/** An organization's page address. */
export function orgPath(orgId: string, ...parts: string[]): string {
  return `/orgs/${[orgId, ...parts].map(encodeURIComponent).join('/')}`;
}
