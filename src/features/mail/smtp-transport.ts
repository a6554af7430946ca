import nodemailer from 'nodemailer';
import type { SmtpSettings } from '../../security/settings.js';
import type { MailMessage, MailTransport } from './mail-outbox.js';

/** How long to wait for the server: to connect and greet, and then for each reply. */
const CONNECT_TIMEOUT_MS = 15_000;
const REPLY_TIMEOUT_MS = 60_000;

/** What a send through SMTP answered: the server's reply to the message (`250 2.0.0 Ok: queued as …`). */
export interface SmtpSendResult {
  response: string;
  messageId: string;
}

export interface SmtpTransport extends MailTransport {
  /** Sends one message and returns the server's reply (for `openmds mail test`); throws as `send` does. */
  sendWithReply(message: MailMessage): Promise<SmtpSendResult>;
  /** Closes idle connections. */
  close(): void;
}

/**
 * Delivers mail through the SMTP server OPENMDS_SMTP_URL names, with nodemailer. Certificates are verified against
 * Node's trusted roots (NODE_EXTRA_CA_CERTS adds a hospital's own CA); `trustedCa` replaces them, for tests only.
 * STARTTLS is required on smtp:// unless `tls=none` (a relay on this host); smtps:// is TLS from the first byte.
 * Subjects are sent as UTF-8 encoded-words and bodies as UTF-8, base64, so Japanese arrives exactly.
 */
export function smtpTransport(settings: SmtpSettings, options: { trustedCa?: string[] } = {}): SmtpTransport {
  const transporter = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.security === 'implicit',
    requireTLS: settings.security === 'starttls',
    ignoreTLS: settings.security === 'none',
    ...(settings.user === undefined ? {} : { auth: { user: settings.user, pass: settings.password ?? '' } }),
    tls: {
      minVersion: 'TLSv1.2',
      ...(options.trustedCa === undefined ? {} : { ca: options.trustedCa }),
    },
    connectionTimeout: CONNECT_TIMEOUT_MS,
    greetingTimeout: CONNECT_TIMEOUT_MS,
    socketTimeout: REPLY_TIMEOUT_MS,
    // Messages are plain text the server writes itself: never let one read a file or fetch a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
  });
  const sendWithReply = async (message: MailMessage): Promise<SmtpSendResult> => {
    const info = await transporter.sendMail({
      from: settings.from,
      to: message.to,
      subject: message.subject,
      text: message.body,
      textEncoding: 'base64',
    });
    const rejected = (info.rejected as (string | { address: string })[]).map((r) =>
      typeof r === 'string' ? r : r.address,
    );
    if (rejected.length > 0)
      throw new Error(`the server refused the recipient ${rejected.join(', ')}: ${info.response}`);
    return { response: info.response, messageId: info.messageId };
  };
  return {
    name: 'smtp',
    async send(message) {
      await sendWithReply(message);
    },
    sendWithReply,
    close: () => transporter.close(),
  };
}

/** "smtp://host:587 (STARTTLS)": where mail goes, without the password. */
export function describeSmtp(settings: SmtpSettings): string {
  const how = { starttls: 'STARTTLS required', implicit: 'TLS', none: 'plain text, local relay' }[settings.security];
  return `${settings.display} (${how})`;
}
