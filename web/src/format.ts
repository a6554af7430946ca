import type { Lang } from './i18n';

const TOKYO = 'Asia/Tokyo';

const dateTime = {
  ja: new Intl.DateTimeFormat('ja-JP', {
    timeZone: TOKYO,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  }),
  en: new Intl.DateTimeFormat('en-GB', {
    timeZone: TOKYO,
    year: 'numeric',
    month: 'short',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  }),
};

const dateOnly = {
  ja: new Intl.DateTimeFormat('ja-JP', { timeZone: TOKYO, year: 'numeric', month: '2-digit', day: '2-digit' }),
  en: new Intl.DateTimeFormat('en-GB', { timeZone: TOKYO, year: 'numeric', month: 'short', day: '2-digit' }),
};

const clock = new Intl.DateTimeFormat('ja-JP', { timeZone: TOKYO, hour: '2-digit', minute: '2-digit', hour12: false });

function parse(iso: string | null | undefined): Date | null {
  if (iso === null || iso === undefined || iso === '') return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** A timestamp in Japan time, with the zone named: "2026/11/25 19:30:05 JST". */
export function formatDateTime(iso: string | null | undefined, lang: Lang): string {
  const d = parse(iso);
  return d === null ? '—' : `${dateTime[lang].format(d)} JST`;
}

/** A date in Japan time: "2026/11/25". */
export function formatDate(iso: string | null | undefined, lang: Lang): string {
  const d = parse(iso);
  return d === null ? '—' : dateOnly[lang].format(d);
}

/** "19:30" in Japan time, for "saved at". */
export function formatClock(ms: number): string {
  return clock.format(new Date(ms));
}

/** Today's date in Japan as YYYY-MM-DD, for a statement's 作成日. */
export function todayInTokyo(): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: TOKYO,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  });
  return parts.format(new Date());
}

/** The short form of a content hash: "sha256:3f2a…9c1d". */
export function shortHash(hash: string | null | undefined): string {
  if (hash === null || hash === undefined) return '—';
  const [algo, hex] = hash.includes(':') ? (hash.split(':', 2) as [string, string]) : ['', hash];
  const short = hex.length > 16 ? `${hex.slice(0, 8)}…${hex.slice(-8)}` : hex;
  return algo === '' ? short : `${algo}:${short}`;
}
