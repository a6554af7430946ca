import type { DirectoryQuery } from '../api-types';

/** Results per page: the API's default, so a link without pageSize shows what the page shows. */
export const PAGE_SIZE = 20;

/** The directory's query from the page's address: the same names and forms as the API's query string. */
export function parseDirectoryQuery(sp: URLSearchParams): DirectoryQuery {
  const text = (k: string) => {
    const v = sp.get(k)?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const page = Number(sp.get('page') ?? '1');
  const answers = sp
    .getAll('answer')
    .map((a) => a.trim())
    .filter((a) => /^.+:[^:]+$/.test(a));
  return {
    q: text('q'),
    manufacturer: text('manufacturer'),
    category: text('category'),
    template: text('template'),
    answer: [...new Set(answers)],
    withdrawn: sp.get('withdrawn') === 'true',
    page: Number.isInteger(page) && page >= 1 ? page : 1,
  };
}

/** The address query of a directory search: `?q=…&answer=4.1-d:yes&page=2`, in a stable order; "" for none. */
export function directorySearch(q: DirectoryQuery): string {
  const sp = new URLSearchParams();
  if (q.q !== undefined && q.q !== '') sp.set('q', q.q);
  if (q.manufacturer !== undefined) sp.set('manufacturer', q.manufacturer);
  if (q.category !== undefined) sp.set('category', q.category);
  if (q.template !== undefined) sp.set('template', q.template);
  for (const a of q.answer ?? []) sp.append('answer', a);
  if (q.withdrawn === true) sp.set('withdrawn', 'true');
  if (q.page !== undefined && q.page > 1) sp.set('page', String(q.page));
  const s = sp.toString();
  return s === '' ? '' : `?${s}`;
}

/** "4.1-d:yes" → { row: "4.1-d", answer: "yes" }. */
export function splitAnswerFilter(filter: string): { row: string; answer: string } {
  const at = filter.lastIndexOf(':');
  return { row: filter.slice(0, at), answer: filter.slice(at + 1) };
}

/** "TEMPLATE@EDITION" → its parts; an id alone has no edition. */
export function splitTemplateKey(key: string): { id: string; edition?: string } {
  const at = key.lastIndexOf('@');
  return at < 0 ? { id: key } : { id: key.slice(0, at), edition: key.slice(at + 1) };
}
