import { Badge } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { RequestStatus, StatementRequest } from '../api-types';

const COLOR: Record<RequestStatus, string> = {
  open: 'blue',
  overdue: 'red',
  answered: 'green',
  declined: 'orange',
  cancelled: 'gray',
};

/** 未対応 / 期限超過 / 回答済み / 辞退 / 取り消し. */
export function RequestStatusBadge({ status }: { status: RequestStatus }) {
  const { t } = useTranslation();
  return (
    <Badge color={COLOR[status]} variant={status === 'overdue' ? 'filled' : 'light'} size="sm" data-status={status}>
      {t(`requests.status.${status}`)}
    </Badge>
  );
}

/** "General-PACS V1.20R00", or the product alone when no version was named. */
export function requestProduct(r: StatementRequest): string {
  return r.product.version === null || r.product.version === ''
    ? r.product.name
    : `${r.product.name} ${r.product.version}`;
}

export function isOpen(r: StatementRequest): boolean {
  return r.status === 'open' || r.status === 'overdue';
}
