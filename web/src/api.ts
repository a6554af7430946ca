import type { LocalizedText } from '../../src/domain/i18n.js';
import type { TemplateDetail, TemplateSummary } from '../../src/features/templates/templates.schema.js';
import type { Lang } from './i18n';

export type { TemplateDetail, TemplateSummary };
export type TemplateRowData = TemplateDetail['rows'][number];
export type RuleData = NonNullable<TemplateRowData['appliesWhen']>;
export type AnswerOptionData = TemplateDetail['answerSets'][string][number];

/** An error answered by the API: `{error: {code, message}}` with the HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  if (!res.ok) {
    let code = 'internal';
    let message = `${res.status} ${res.statusText}`;
    try {
      const body = (await res.json()) as { error?: { code?: unknown; message?: unknown } };
      if (typeof body.error?.code === 'string') code = body.error.code;
      if (typeof body.error?.message === 'string') message = body.error.message;
    } catch {
      // Not our JSON error (a proxy's page): keep the status line.
    }
    throw new ApiError(res.status, code, message);
  }
  return (await res.json()) as T;
}

export const api = {
  templates: (): Promise<TemplateSummary[]> => getJson('/api/v1/templates'),
  template: (id: string, edition: string): Promise<TemplateDetail> =>
    getJson(`/api/v1/templates/${encodeURIComponent(id)}/${encodeURIComponent(edition)}`),
};

/** Picks the text for a language, falling back to the other one (as the domain's `pick`). */
export function pick(text: LocalizedText | undefined, lang: Lang): string {
  if (text === undefined) return '';
  return (lang === 'en' ? (text.en ?? text.ja) : (text.ja ?? text.en)) ?? '';
}
