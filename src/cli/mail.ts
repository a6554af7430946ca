import { hostname } from 'node:os';
import { listUndeliveredMail, type UndeliveredMail } from '../features/mail/mail-outbox.js';
import { describeSmtp, smtpTransport } from '../features/mail/smtp-transport.js';
import { smtpFromEnv, type SmtpSettings } from '../security/settings.js';
import { openExistingDatabase } from './audit.js';
import { CommandError, type DatabaseOptions } from './cli-context.js';

/** Exit codes of `openmds mail test`: sent, the server refused or could not be reached, the configuration is wrong. */
export const MAIL_TEST_EXIT = { sent: 0, notSent: 1, misconfigured: 2 } as const;

/** Exit codes of `openmds mail status`: nothing failed, some mail was given up on, the database could not be read. */
export const MAIL_STATUS_EXIT = { ok: 0, failed: 1, unreadable: 2 } as const;

/** The SMTP configuration from the environment; a missing or malformed one is a CommandError naming the variable. */
function smtpSettings(env: NodeJS.ProcessEnv): SmtpSettings {
  let smtp: SmtpSettings | undefined;
  try {
    smtp = smtpFromEnv(env);
  } catch (e) {
    throw new CommandError(e instanceof Error ? e.message : String(e), MAIL_TEST_EXIT.misconfigured);
  }
  if (smtp === undefined) {
    throw new CommandError(
      'OPENMDS_SMTP_URL is not set: the server writes mail to its own output (the log transport), so there is nothing to test; see docs/operations.md#mail',
      MAIL_TEST_EXIT.misconfigured,
    );
  }
  return smtp;
}

/** Hints for the failures operators meet first; nodemailer's own message follows. */
function hint(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  const message = e instanceof Error ? e.message : '';
  if (code === 'EAUTH') return ' (the server refused the user name or password)';
  if (/certificate|self[- ]signed|unable to verify/i.test(message)) {
    return " (the server's certificate is not trusted: for a hospital's own CA start OpenMDS with NODE_EXTRA_CA_CERTS=/path/ca.pem)";
  }
  if (/STARTTLS/i.test(message)) return ' (the server offers no STARTTLS: use smtps:// or a server that does)';
  if (code === 'ETIMEDOUT' || code === 'ECONNECTION' || code === 'ESOCKET' || code === 'EDNS') {
    return ' (check the host, the port and the firewall)';
  }
  return '';
}

/**
 * `openmds mail test --to ADDRESS`: sends one message directly (not through the outbox) with the configuration the
 * server would use, and prints the server's reply. `trustedCa` is for tests only (see smtpTransport).
 */
export async function runMailTest(
  opts: { to: string },
  options: { env?: NodeJS.ProcessEnv; trustedCa?: string[] } = {},
): Promise<number> {
  const smtp = smtpSettings(options.env ?? process.env);
  if (!/^[^@\s<>]+@[^@\s<>]+$/.test(opts.to)) {
    throw new CommandError(`--to: "${opts.to}" is not an email address`, MAIL_TEST_EXIT.misconfigured);
  }
  const transport = smtpTransport(smtp, options.trustedCa === undefined ? {} : { trustedCa: options.trustedCa });
  const at = new Date().toISOString();
  try {
    const reply = await transport.sendWithReply({
      to: opts.to,
      subject: 'OpenMDS テストメール / test message',
      body: [
        'OpenMDS からのテストメールです。このメールが届いていれば、メール送信の設定は正しく動いています。',
        'This is a test message from OpenMDS: if it arrived, mail delivery works.',
        '',
        `Server: ${hostname()}`,
        `SMTP: ${describeSmtp(smtp)}`,
        `Sent at: ${at}`,
      ].join('\n'),
    });
    process.stdout.write(
      `Sent a test message to ${opts.to} through ${describeSmtp(smtp)} from ${smtp.from.address}\nThe server answered: ${reply.response}\n`,
    );
    return MAIL_TEST_EXIT.sent;
  } catch (e) {
    throw new CommandError(
      `mail test: not sent through ${describeSmtp(smtp)}: ${e instanceof Error ? e.message : String(e)}${hint(e)}`,
      MAIL_TEST_EXIT.notSent,
    );
  } finally {
    transport.close();
  }
}

function statusLine(m: UndeliveredMail): string {
  const when =
    m.state === 'failed' ? `failed ${m.failedAt ?? '(time not recorded)'}` : `next attempt ${m.nextAttemptAt ?? 'now'}`;
  const error = m.lastError === null ? '' : `\n    last error: ${m.lastError}`;
  return `${m.state.padEnd(7)} ${m.createdAt}  ${m.kind.padEnd(16)} ${m.to}  attempts ${m.attempts}, ${when}  [${m.id}]${error}\n`;
}

/** `openmds mail status`: lists the mail not delivered, pending or failed, never a body. */
export async function runMailStatus(opts: DatabaseOptions & { json?: boolean }): Promise<number> {
  const db = await openExistingDatabase(opts);
  try {
    const list = await listUndeliveredMail(db.kysely);
    const failed = list.filter((m) => m.state === 'failed').length;
    if (opts.json === true) {
      process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    } else if (list.length === 0) {
      process.stdout.write('All mail has been delivered.\n');
    } else {
      process.stdout.write(`${list.length - failed} pending, ${failed} failed (oldest first; bodies are not shown)\n`);
      for (const m of list) process.stdout.write(statusLine(m));
    }
    return failed > 0 ? MAIL_STATUS_EXIT.failed : MAIL_STATUS_EXIT.ok;
  } finally {
    await db.close();
  }
}
