import { ApiError } from '../api';
import type { Lang } from '../i18n';

/**
 * The fields an API error names, each with its message in the interface language. The assessments API answers
 * `"field: message; field: message"` and, for the engine's checks, `details.errors` with both languages; schema
 * failures come as `details.problems` ("body/title"). Prefixes (`body/`, `method/`) are dropped.
 */
export function fieldErrors(error: unknown, lang: Lang): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(error instanceof ApiError)) return out;
  const strip = (f: string) => f.replace(/^(?:body\/)?(?:method\/)?/, '');
  const details = error.details as { errors?: unknown; problems?: unknown } | undefined;
  if (Array.isArray(details?.errors)) {
    for (const e of details.errors as { field?: unknown; message?: unknown }[]) {
      if (typeof e.field !== 'string') continue;
      const m = e.message as { ja?: unknown; en?: unknown } | string | undefined;
      const text = typeof m === 'string' ? m : typeof m?.[lang] === 'string' ? m[lang] : undefined;
      if (typeof text === 'string') out[strip(e.field)] ??= text;
    }
    if (Object.keys(out).length > 0) return out;
  }
  if (Array.isArray(details?.problems)) {
    for (const p of details.problems as { field?: unknown; message?: unknown }[]) {
      if (typeof p.field === 'string' && typeof p.message === 'string') out[strip(p.field)] ??= p.message;
    }
    if (Object.keys(out).length > 0) return out;
  }
  for (const part of error.message.split('; ')) {
    const m = /^([A-Za-z][\w/-]*): (.+)$/.exec(part);
    if (m?.[1] !== undefined && m[2] !== undefined) out[strip(m[1])] ??= m[2];
  }
  return out;
}

/** The messages for a field and anything under it ("rating" takes "rating/asset"), joined; undefined if none. */
export function errorAt(errors: Record<string, string>, field: string): string | undefined {
  const found = Object.entries(errors)
    .filter(([f]) => f === field || f.startsWith(`${field}/`))
    .map(([f, m]) => (f === field ? m : `${f.slice(field.length + 1)}: ${m}`));
  return found.length === 0 ? undefined : found.join(' / ');
}

/** The errors not shown under any of the given fields. */
export function otherErrors(errors: Record<string, string>, shown: readonly string[]): string[] {
  return Object.entries(errors)
    .filter(([f]) => !shown.some((s) => f === s || f.startsWith(`${s}/`)))
    .map(([f, m]) => `${f}: ${m}`);
}

/** Whether an error says the server does not have this route yet (a 404 on a file or action being built). */
export function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}
