import { SCRYPT_DEFAULTS, type ScryptParams } from './passwords.js';

/** What the server's security behaviour depends on; every field has a default (see DEFAULT_SETTINGS). */
export interface AppSettings {
  /** Idle timeout of a session, in minutes (OPENMDS_SESSION_IDLE_MINUTES; default 30). */
  sessionIdleMinutes: number;
  /** Absolute timeout of a session, in hours (OPENMDS_SESSION_MAX_HOURS; default 12). */
  sessionMaxHours: number;
  /**
   * Whom to believe about the client's address and protocol (X-Forwarded-For, X-Forwarded-Proto), as Fastify's
   * `trustProxy`: false (default), true (any proxy), a hop count, or a comma-separated list of addresses/CIDRs.
   */
  trustProxy: boolean | number | string;
  /** Whether anyone may create an account (OPENMDS_SIGNUP=off: only with an invitation). Default on. */
  signup: boolean;
  /** The clock; tests move it. */
  now: () => Date;
  /** scrypt parameters for new password hashes. Not configurable from the environment; tests lower it for speed. */
  passwordHashing: ScryptParams;
  /** How many recent passwords (the current one included) a new one may not repeat (OPENMDS_PASSWORD_HISTORY; 5). */
  passwordHistory: number;
  /** How long a break-glass session lasts, in minutes (OPENMDS_BREAK_GLASS_MINUTES; default 60). */
  breakGlassMinutes: number;
  /**
   * The address users reach the server at (OPENMDS_PUBLIC_URL, e.g. https://mds.example.jp), for links in mail.
   * Unset: the request's own scheme and host.
   */
  publicUrl: string | undefined;
}

export const DEFAULT_SETTINGS: Readonly<AppSettings> = Object.freeze({
  sessionIdleMinutes: 30,
  sessionMaxHours: 12,
  trustProxy: false,
  signup: true,
  now: () => new Date(),
  passwordHashing: SCRYPT_DEFAULTS,
  passwordHistory: 5,
  breakGlassMinutes: 60,
  publicUrl: undefined,
});

/** The defaults with the given fields replaced (undefined fields keep their default). */
export function resolveSettings(partial: Partial<AppSettings> = {}): AppSettings {
  const out: AppSettings = { ...DEFAULT_SETTINGS };
  for (const [key, value] of Object.entries(partial) as [keyof AppSettings, unknown][]) {
    if (value !== undefined) (out as unknown as Record<string, unknown>)[key] = value;
  }
  if (!(out.sessionIdleMinutes > 0) || !(out.sessionMaxHours > 0)) {
    throw new RangeError('session timeouts must be positive');
  }
  return out;
}

function integerIn(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < min || n > max) {
    throw new Error(`${name}: "${text}" must be a whole number from ${min} to ${max}`);
  }
  return n;
}

function onOff(name: string, text: string): boolean {
  const t = text.trim().toLowerCase();
  if (['on', 'true', '1', 'yes'].includes(t)) return true;
  if (['off', 'false', '0', 'no'].includes(t)) return false;
  throw new Error(`${name}: "${text}" must be on or off`);
}

/** OPENMDS_TRUST_PROXY: off/false (default), on/true, a hop count, or addresses/CIDRs separated by commas. */
export function parseTrustProxy(text: string): boolean | number | string {
  const t = text.trim();
  if (t === '' || ['off', 'false', 'no'].includes(t.toLowerCase())) return false;
  if (['on', 'true', 'yes'].includes(t.toLowerCase())) return true;
  if (/^\d+$/.test(t)) return integerIn('OPENMDS_TRUST_PROXY', t, 1, 10);
  if (!/^[0-9A-Fa-f.:/,\s]+$/.test(t)) {
    throw new Error(`OPENMDS_TRUST_PROXY: "${text}" is neither on/off, a hop count, nor a list of addresses`);
  }
  return t
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .join(',');
}

/** The settings the environment gives (OPENMDS_SESSION_IDLE_MINUTES, …); throws naming a malformed variable. */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<AppSettings> {
  const out: Partial<AppSettings> = {};
  const idle = env['OPENMDS_SESSION_IDLE_MINUTES'];
  if (idle !== undefined && idle !== '') {
    out.sessionIdleMinutes = integerIn('OPENMDS_SESSION_IDLE_MINUTES', idle, 1, 24 * 60);
  }
  const max = env['OPENMDS_SESSION_MAX_HOURS'];
  if (max !== undefined && max !== '') out.sessionMaxHours = integerIn('OPENMDS_SESSION_MAX_HOURS', max, 1, 24 * 30);
  const proxy = env['OPENMDS_TRUST_PROXY'];
  if (proxy !== undefined) out.trustProxy = parseTrustProxy(proxy);
  const signup = env['OPENMDS_SIGNUP'];
  if (signup !== undefined && signup !== '') out.signup = onOff('OPENMDS_SIGNUP', signup);
  const history = env['OPENMDS_PASSWORD_HISTORY'];
  if (history !== undefined && history !== '') {
    out.passwordHistory = integerIn('OPENMDS_PASSWORD_HISTORY', history, 1, 24);
  }
  const breakGlass = env['OPENMDS_BREAK_GLASS_MINUTES'];
  if (breakGlass !== undefined && breakGlass !== '') {
    out.breakGlassMinutes = integerIn('OPENMDS_BREAK_GLASS_MINUTES', breakGlass, 5, 24 * 60);
  }
  const publicUrl = env['OPENMDS_PUBLIC_URL'];
  if (publicUrl !== undefined && publicUrl !== '') out.publicUrl = parsePublicUrl(publicUrl);
  return out;
}

/** OPENMDS_PUBLIC_URL: an http(s) origin, optionally with a path prefix; no trailing slash kept. */
export function parsePublicUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new Error(`OPENMDS_PUBLIC_URL: "${text}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(`OPENMDS_PUBLIC_URL: "${text}" must start with https:// or http://`);
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

/** Fastify's `trustProxy` for the setting: a hop count becomes "trust the nearest N addresses". */
export function fastifyTrustProxy(
  setting: AppSettings['trustProxy'],
): boolean | string | ((address: string, hop: number) => boolean) {
  if (typeof setting !== 'number') return setting;
  return (_address, hop) => hop < setting;
}
