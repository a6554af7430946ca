import { readFileSync, statSync } from 'node:fs';
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
  /** Where mail goes (OPENMDS_SMTP_URL, OPENMDS_MAIL_FROM). Unset: the log transport, the server's own output. */
  smtp: SmtpSettings | undefined;
}

/** An SMTP server to deliver the mail outbox through, as OPENMDS_SMTP_URL and OPENMDS_MAIL_FROM give it. */
export interface SmtpSettings {
  host: string;
  port: number;
  /**
   * `starttls`: connect in plain text and require the upgrade (smtp://, the default); `implicit`: TLS from the first
   * byte (smtps://); `none`: plain text throughout (smtp://…?tls=none), allowed only for a relay on this host.
   */
  security: 'starttls' | 'implicit' | 'none';
  /** For SMTP AUTH; both or neither. */
  user: string | undefined;
  password: string | undefined;
  /** The sender: a display name (may be Japanese) and an address. */
  from: { name: string; address: string };
  /** The URL without its password, for messages and logs. */
  display: string;
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
  smtp: undefined,
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
  const smtp = smtpFromEnv(env);
  if (smtp !== undefined) out.smtp = smtp;
  return out;
}

/** OPENMDS_SMTP_URL with OPENMDS_MAIL_FROM (required with it); undefined when neither is set. */
export function smtpFromEnv(env: NodeJS.ProcessEnv = process.env): SmtpSettings | undefined {
  const url = env['OPENMDS_SMTP_URL'] ?? '';
  const from = env['OPENMDS_MAIL_FROM'] ?? '';
  if (url.trim() === '') {
    if (from.trim() !== '') {
      throw new Error('OPENMDS_MAIL_FROM: is set, but OPENMDS_SMTP_URL is not (without it mail goes to the log)');
    }
    return undefined;
  }
  if (from.trim() === '') {
    throw new Error('OPENMDS_MAIL_FROM: required with OPENMDS_SMTP_URL, e.g. "OpenMDS <openmds@hospital.example.jp>"');
  }
  return { ...parseSmtpUrl(url), from: parseMailFrom(from) };
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * OPENMDS_SMTP_URL: smtp://[user:password@]host[:port] (STARTTLS required; port 587), smtps://… (implicit TLS;
 * port 465), or smtp://localhost:25?tls=none for a relay on this host (plain text). Errors never repeat the password.
 */
export function parseSmtpUrl(text: string): Omit<SmtpSettings, 'from'> {
  const name = 'OPENMDS_SMTP_URL';
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new Error(`${name}: not a URL; expected smtp://user:password@host:587 or smtps://host:465`);
  }
  const shown = redactedUrl(url);
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new Error(`${name}: "${shown}" must start with smtp:// (STARTTLS) or smtps:// (implicit TLS)`);
  }
  if (url.hostname === '') throw new Error(`${name}: "${shown}" names no host`);
  if (url.pathname !== '' && url.pathname !== '/') throw new Error(`${name}: "${shown}" must not have a path`);
  let security: SmtpSettings['security'] = url.protocol === 'smtps:' ? 'implicit' : 'starttls';
  for (const [key, value] of url.searchParams) {
    if (key !== 'tls') throw new Error(`${name}: unknown option "${key}" (the only option is tls=none)`);
    if (value !== 'none') throw new Error(`${name}: tls=${value}: the only value is none (plain text, local relay)`);
    if (url.protocol === 'smtps:') throw new Error(`${name}: tls=none contradicts smtps:// (use smtp://)`);
    if (!LOOPBACK_HOSTS.has(url.hostname.toLowerCase())) {
      throw new Error(
        `${name}: tls=none sends mail and passwords in plain text: allowed only for a relay on this host (localhost, 127.0.0.1, [::1]), not ${url.hostname}`,
      );
    }
    security = 'none';
  }
  const decode = (part: string, what: string): string => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw new Error(`${name}: the ${what} is not valid percent-encoding`);
    }
  };
  const user = url.username === '' ? undefined : decode(url.username, 'user name');
  const password = url.password === '' ? undefined : decode(url.password, 'password');
  if (password !== undefined && user === undefined) throw new Error(`${name}: a password without a user name`);
  const port = url.port === '' ? (security === 'implicit' ? 465 : 587) : Number(url.port);
  return { host: url.hostname, port, security, user, password, display: shown };
}

function redactedUrl(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password !== '') copy.password = '***';
  return copy.href.replace(/\/$/, '');
}

/** OPENMDS_MAIL_FROM: "Name <address>" or a bare address; the name may be Japanese. */
export function parseMailFrom(text: string): { name: string; address: string } {
  const t = text.trim();
  const m = /^(?:"?([^"<>]*?)"?\s*<([^<>\s]+)>|([^<>\s]+))$/u.exec(t);
  const address = m?.[2] ?? m?.[3];
  if (m === null || address === undefined || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(address) || /[\r\n]/.test(t)) {
    throw new Error(
      `OPENMDS_MAIL_FROM: "${text}" is not an address; expected e.g. "OpenMDS <openmds@hospital.example.jp>"`,
    );
  }
  return { name: (m[1] ?? '').trim(), address };
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

// ---- The data key that encrypts stored secrets (secret-box.ts) ------------------------------------------------------

/** Where the data key comes from: the environment (OPENMDS_SECRET_KEY), a file it names, or none configured. */
export type SecretKeySetting =
  { kind: 'value'; key: Buffer; source: string } | { kind: 'file'; path: string; source: string } | { kind: 'none' };

/** A data key given as text: base64 (or base64url) of exactly 32 bytes. `name` is what errors call it. */
export function parseSecretKey(name: string, text: string): Buffer {
  const t = text.trim();
  const key = Buffer.from(t, /[-_]/.test(t) ? 'base64url' : 'base64');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(t) || key.length !== 32) {
    throw new Error(
      `${name}: must be base64 of 32 random bytes (${t === '' ? 'it is empty' : `it decodes to ${key.length} bytes`}); make one with: openssl rand -base64 32`,
    );
  }
  return key;
}

/** OPENMDS_SECRET_KEY (base64 of 32 bytes) or OPENMDS_SECRET_KEY_FILE (a path); both set is an error. */
export function secretKeySettingFromEnv(env: NodeJS.ProcessEnv = process.env): SecretKeySetting {
  const value = env['OPENMDS_SECRET_KEY'];
  const file = env['OPENMDS_SECRET_KEY_FILE'];
  const hasValue = value !== undefined && value !== '';
  const hasFile = file !== undefined && file !== '';
  if (hasValue && hasFile) {
    throw new Error('OPENMDS_SECRET_KEY and OPENMDS_SECRET_KEY_FILE are both set: give only one');
  }
  if (hasValue)
    return { kind: 'value', key: parseSecretKey('OPENMDS_SECRET_KEY', value), source: 'OPENMDS_SECRET_KEY' };
  if (hasFile) return { kind: 'file', path: file, source: 'OPENMDS_SECRET_KEY_FILE' };
  return { kind: 'none' };
}

/**
 * Reads a key file (base64 of 32 bytes, as `openssl rand -base64 32` writes it). Throws naming `name` and the path
 * when it is missing, unreadable or malformed; a file others may read comes back with a warning.
 */
export function readSecretKeyFile(name: string, path: string): { key: Buffer; warning?: string } {
  let text: string;
  let mode: number;
  try {
    mode = statSync(path).mode;
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder' : `cannot be read (${code})`;
    throw new Error(`${name}: ${path}: ${why}`, { cause: e });
  }
  const key = parseSecretKey(`${name} (${path})`, text);
  // Permissions mean nothing on Windows; elsewhere a key readable by group or others is worth a warning.
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    const shown = (mode & 0o777).toString(8).padStart(4, '0');
    return { key, warning: `${name}: ${path} is readable by others (mode ${shown}); run chmod 600 ${path}` };
  }
  return { key };
}
