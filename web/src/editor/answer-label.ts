import { pick } from '../api';
import type { Lang } from '../i18n';
import type { CompiledTemplate } from './model';

/** An answer value as the person reads it: はい / いいえ / 対象外 (or the template's own label); "—" for none. */
export function answerLabel(
  compiled: CompiledTemplate | undefined,
  row: string,
  value: string | undefined,
  lang: Lang,
): string {
  if (value === undefined) return '—';
  const o = compiled?.byId.get(row)?.options.get(value);
  return o === undefined ? value : pick(o.label, lang);
}
