import { Badge } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { StatementStatus } from './api-types';

const STATUS_COLOR: Record<StatementStatus, string> = {
  draft: 'gray',
  'in-review': 'yellow',
  finalized: 'green',
  published: 'blue',
  withdrawn: 'red',
};

/** 下書き / レビュー中 / 確定 / 公開 / 取り下げ. */
export function StatusBadge({ status, size = 'sm' }: { status: StatementStatus; size?: 'xs' | 'sm' | 'md' | 'lg' }) {
  const { t } = useTranslation();
  return (
    <Badge color={STATUS_COLOR[status]} variant="light" size={size} data-status={status} className="status-badge">
      {t(`status.${status}`)}
    </Badge>
  );
}
