import type { FastifyInstance } from 'fastify';
import type { TemplateRegistry } from '../domain/templates/registry.js';
import { openDatabase, type Db } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { issueSetupToken } from '../features/accounts/accounts.service.js';
import { sendDueReminders } from '../features/requests/reminders.js';
import { startWebhookDispatcher } from '../features/webhooks/dispatcher.js';
import { logTransport, startMailDispatcher } from '../features/mail/mail-outbox.js';
import { smtpTransport } from '../features/mail/smtp-transport.js';
import { upsertTemplate } from '../features/templates/templates.repository.js';
import { ANONYMOUS } from '../security/context.js';
import { resolveSettings, settingsFromEnv, type AppSettings } from '../security/settings.js';
import { encryptPlainSecrets, loadSecretKeys } from '../security/stored-secrets.js';
import { buildApp } from './app.js';

export interface StartOptions {
  port: number;
  host: string;
  /** Folder of the embedded SQLite database; ignored when `databaseUrl` selects PostgreSQL. */
  dataDir: string;
  databaseUrl?: string;
  templates: TemplateRegistry;
  logger?: boolean;
  /** Close on SIGINT/SIGTERM (default true; tests that start several servers turn it off). */
  handleSignals?: boolean;
  /** Overrides the settings read from the environment (OPENMDS_SESSION_IDLE_MINUTES, OPENMDS_SIGNUP, …). */
  settings?: Partial<AppSettings>;
}

export interface RunningServer {
  app: FastifyInstance;
  db: Db;
  url: string;
  /** The one-time link to create the operator account, printed at start while no operator exists. */
  setupUrl?: string;
  close(): Promise<void>;
}

/** The line printed at start while no operator exists (the token is in the fragment, which never reaches a server). */
export function setupLink(baseUrl: string, token: string): string {
  return `${baseUrl}/setup#token=${token}`;
}

/**
 * Opens (and migrates) the database, loads the key that encrypts stored secrets (creating `<data>/secret.key` on
 * first start) and encrypts any secret still in plain text, stores the built-in templates, and starts listening.
 * While no operator account exists, issues a fresh one-time setup token (replacing the previous one) and prints its
 * link. Ends cleanly on SIGINT and SIGTERM.
 */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  const db = await openDatabase({
    ...(options.databaseUrl === undefined ? {} : { url: options.databaseUrl }),
    dataDir: options.dataDir,
  });
  try {
    const settings = resolveSettings({ ...settingsFromEnv(), ...options.settings });
    const report = await migrateToLatest(db);
    const say = (line: string): void => void process.stdout.write(`${line}\n`);
    const keyring = await loadSecretKeys(db, { dataDir: options.dataDir, log: say });
    const encrypted = await encryptPlainSecrets(db.kysely, keyring);
    if (encrypted.total > 0) {
      const where = Object.entries(encrypted.columns).map(([column, n]) => `${column}: ${n}`);
      say(
        `encrypted ${encrypted.total} secrets stored in plain text (${where.join(', ')}) under key ${keyring.primaryId}`,
      );
    }
    await db.kysely.transaction().execute(async (trx) => {
      for (const t of options.templates.list()) await upsertTemplate(trx, t, { builtin: true });
    });
    const app = await buildApp({ templates: options.templates, db, settings, logger: options.logger ?? true });
    await app.listen({ port: options.port, host: options.host });
    const shown =
      options.host === '0.0.0.0' || options.host === '::'
        ? 'localhost'
        : options.host.includes(':')
          ? `[${options.host}]`
          : options.host;
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : options.port;
    const url = `http://${shown}:${port}`;
    const where = db.dialect === 'sqlite' ? `SQLite in ${options.dataDir}` : 'PostgreSQL';
    process.stdout.write(
      `OpenMDS is running at ${url} (${where}; ${report.applied.length} migrations applied; ${options.templates.list().length} templates)\n`,
    );
    const token = await issueSetupToken(db.kysely, {
      actor: ANONYMOUS,
      ip: '',
      userAgent: 'openmds serve',
      now: () => settings.now().toISOString(),
    });
    const setupUrl = token === undefined ? undefined : setupLink(url, token);
    if (setupUrl !== undefined) {
      process.stdout.write(`Open this link once to create the operator account: ${setupUrl}\n`);
    }
    process.stdout.write(
      settings.smtp === undefined
        ? 'Mail: no SMTP server set (OPENMDS_SMTP_URL); mail such as reset links is printed here\n'
        : `Mail: delivered through ${settings.smtp.display}\n`,
    );
    const stopJobs = startBackgroundJobs(db, settings, (e) => app.log.error({ err: e }, 'background job failed'));
    let closing = false;
    const close = async (): Promise<void> => {
      if (closing) return;
      closing = true;
      await stopJobs();
      await app.close();
      await db.close();
    };
    if (options.handleSignals !== false) {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.once(signal, () => {
          void close().then(() => process.exit(0));
        });
      }
    }
    return { app, db, url, ...(setupUrl === undefined ? {} : { setupUrl }), close };
  } catch (e) {
    await db.close();
    throw e;
  }
}

/** How often the server delivers queued webhooks, and sends reminders for overdue requests. */
export const WEBHOOK_INTERVAL_MS = 15_000;
export const REMINDER_INTERVAL_MS = 60 * 60_000;
/** How often queued mail (password-reset links, break-glass alerts) goes out through the transport. */
export const MAIL_INTERVAL_MS = 5_000;

/**
 * The server's background work: webhook deliveries (the outbox written with each event), the reminder sweep over
 * open requests, and the mail outbox. Returns a function that stops them and waits for a run in progress.
 */
function startBackgroundJobs(db: Db, settings: AppSettings, onError: (e: unknown) => void): () => Promise<void> {
  const stopWebhooks = startWebhookDispatcher(db.kysely, WEBHOOK_INTERVAL_MS, { now: settings.now, onError });
  // Without OPENMDS_SMTP_URL queued mail is written to the server's output for the operator (docs/security.md).
  const smtp = settings.smtp === undefined ? undefined : smtpTransport(settings.smtp);
  const stopMail = startMailDispatcher(
    db.kysely,
    smtp ?? logTransport((line) => process.stdout.write(line)),
    MAIL_INTERVAL_MS,
    {
      now: settings.now,
      onError,
      onFailed: (f) =>
        process.stderr.write(
          `openmds: mail ${f.id} (${f.kind}) to ${f.to} was given up after its last attempt: ${f.error}\n`,
        ),
    },
  );
  let sweeping: Promise<unknown> | undefined;
  const sweep = (): void => {
    if (sweeping !== undefined) return;
    sweeping = sendDueReminders(db.kysely, settings.now())
      .catch(onError)
      .finally(() => {
        sweeping = undefined;
      });
  };
  const timer = setInterval(sweep, REMINDER_INTERVAL_MS);
  timer.unref();
  sweep();
  return async () => {
    clearInterval(timer);
    await sweeping;
    await stopWebhooks();
    await stopMail();
    smtp?.close();
  };
}
