import { readFileSync } from 'node:fs';
import { openDatabase, type Db } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { createOperator, issueSetupToken } from '../features/accounts/accounts.service.js';
import { issuePasswordResetByOperator, passwordResetLink } from '../features/accounts/password.service.js';
import { resetTwoFactorByOperator } from '../features/accounts/two-factor.service.js';
import { ANONYMOUS, type RequestContext } from '../security/context.js';
import { resolveSettings, settingsFromEnv } from '../security/settings.js';
import { AppError } from '../server/errors.js';
import { setupLink } from '../server/start.js';

/** Terminal input, replaceable in tests. */
export const adminIo = {
  /** All of standard input, as text. */
  readStdin(): string {
    return readFileSync(0, 'utf8');
  },
  /** Whether a person is at the terminal to type a password. */
  isTty(): boolean {
    return process.stdin.isTTY === true;
  },
  /** Asks for a line without echoing it. */
  promptHidden(question: string): Promise<string> {
    return promptHidden(question);
  },
};

/** An expected failure of an admin command: one line, and the exit code. */
export class AdminError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (error?: Error): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (error === undefined) resolve(value);
      else reject(error);
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done();
        if (ch === '\u0003') return done(new AdminError('cancelled', 2));
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

export interface AdminDbOptions {
  data?: string;
}

/** Opens and migrates the database serve would use (OPENMDS_DATABASE_URL, else SQLite in --data / OPENMDS_DATA_DIR). */
async function openServeDatabase(opts: AdminDbOptions): Promise<Db> {
  const url = process.env['OPENMDS_DATABASE_URL'];
  const db = await openDatabase({
    ...(url === undefined || url === '' ? {} : { url }),
    dataDir: opts.data ?? process.env['OPENMDS_DATA_DIR'] ?? './data',
  });
  try {
    await migrateToLatest(db);
    return db;
  } catch (e) {
    await db.close();
    throw e;
  }
}

function cliContext(command: string): RequestContext {
  return { actor: ANONYMOUS, ip: '', userAgent: `openmds ${command}`, now: () => new Date().toISOString() };
}

/** Reads the new password: from standard input (first line), or asked twice at the terminal. */
async function readNewPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) {
    const text = adminIo.readStdin();
    const line = text.split(/\r?\n/, 1)[0] ?? '';
    if (line === '') throw new AdminError('--password-stdin: standard input is empty', 2);
    return line;
  }
  if (!adminIo.isTty()) {
    throw new AdminError('no terminal to ask for the password on: pipe it in with --password-stdin', 2);
  }
  const first = await adminIo.promptHidden('Password (at least 12 characters): ');
  const second = await adminIo.promptHidden('Password again: ');
  if (first !== second) throw new AdminError('the two passwords differ; nothing was created', 1);
  return first;
}

/** `openmds admin create`: the operator account, from the shell. Prints the account's id. */
export async function adminCreate(
  opts: AdminDbOptions & { email: string; name: string; passwordStdin?: boolean },
): Promise<void> {
  const password = await readNewPassword(opts.passwordStdin === true);
  const db = await openServeDatabase(opts);
  try {
    const settings = resolveSettings(settingsFromEnv());
    const created = await createOperator(
      db.kysely,
      cliContext('admin create'),
      { email: opts.email, displayName: opts.name, password },
      settings,
    );
    process.stdout.write(`Created the operator account ${created.email} (${created.id}). Sign in at /sign-in.\n`);
  } catch (e) {
    if (e instanceof AppError && e.statusCode < 500) throw new AdminError(e.message, 1);
    throw e;
  } finally {
    await db.close();
  }
}

/** `openmds admin reset-setup`: a fresh one-time setup link (the previous one stops working). */
export async function adminResetSetup(opts: AdminDbOptions & { url?: string }): Promise<void> {
  const db = await openServeDatabase(opts);
  try {
    const token = await issueSetupToken(db.kysely, cliContext('admin reset-setup'));
    if (token === undefined) {
      throw new AdminError(
        'an operator account exists already: setup is done (use "openmds admin create" for another)',
        1,
      );
    }
    process.stdout.write(
      `Open this link once to create the operator account: ${setupLink(baseUrl(opts.url), token)}\n`,
    );
  } finally {
    await db.close();
  }
}

/** `openmds admin reset-password`: a single-use link to set a new password, printed for the operator to hand over. */
export async function adminResetPassword(opts: AdminDbOptions & { email: string; url?: string }): Promise<void> {
  const db = await openServeDatabase(opts);
  try {
    const issued = await issuePasswordResetByOperator(db.kysely, cliContext('admin reset-password'), {
      email: opts.email,
    });
    const base = baseUrl(opts.url ?? resolveSettings(settingsFromEnv()).publicUrl);
    process.stdout.write(
      `Open this link once, before ${issued.expiresAt}, to set a new password for ${issued.email}: ` +
        `${passwordResetLink(base, issued.token)}\n`,
    );
  } catch (e) {
    if (e instanceof AppError && e.statusCode < 500) throw new AdminError(e.message, 1);
    throw e;
  } finally {
    await db.close();
  }
}

/**
 * `openmds admin reset-two-factor`: removes a user's second factors when they lost all of them, with the reason; their
 * sessions end and they are told by mail. Prints what was removed.
 */
export async function adminResetTwoFactor(opts: AdminDbOptions & { email: string; reason: string }): Promise<void> {
  const db = await openServeDatabase(opts);
  try {
    const r = await resetTwoFactorByOperator(db.kysely, cliContext('admin reset-two-factor'), opts);
    const parts = [
      ...(r.removed.totp ? ['the authenticator app'] : []),
      `${r.removed.passkeys} passkey(s)`,
      `${r.removed.recoveryCodes} unused recovery code(s)`,
    ];
    process.stdout.write(
      `Removed ${parts.join(', ')} of ${r.email}; ${r.sessionsEnded} session(s) ended; the user is told by mail. ` +
        'They sign in with their password and set up two-factor authentication again.\n',
    );
  } catch (e) {
    if (e instanceof AppError && e.statusCode < 500) throw new AdminError(e.message, 1);
    throw e;
  } finally {
    await db.close();
  }
}

function baseUrl(given: string | undefined): string {
  if (given !== undefined) return given.replace(/\/+$/, '');
  const host = process.env['OPENMDS_HOST'] ?? '127.0.0.1';
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${process.env['OPENMDS_PORT'] ?? '8080'}`;
}
