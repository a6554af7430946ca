import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

type Queryable = Kysely<Database> | Transaction<Database>;

/** One message to send. Plain text: the server sends links and short notices, nothing else. */
export interface MailMessage {
  to: string;
  subject: string;
  body: string;
}

/**
 * How queued mail leaves the server. The only transport that ships is the log: OpenMDS has no SMTP client, so a
 * site that wants real mail implements this interface (or relays the log) — see docs/security.md.
 */
export interface MailTransport {
  /** For the log: 'log', 'smtp', … */
  readonly name: string;
  /** Sends one message; throws when it could not (the outbox tries again on the next run). */
  send(message: MailMessage): Promise<void>;
}

/** The default transport: writes each message, link included, to the server's log for the operator to pass on. */
export function logTransport(write: (line: string) => void): MailTransport {
  return {
    name: 'log',
    send(message) {
      write(`Mail to ${message.to}: ${message.subject}\n${message.body}\n`);
      return Promise.resolve();
    },
  };
}

/** What a queued message is about (the outbox keeps it after the body is erased). */
export type MailKind = 'password-reset' | 'break-glass.used';

/** Queues a message inside the caller's transaction: it is sent only if the change it belongs to is committed. */
export async function enqueueMail(db: Queryable, input: MailMessage & { kind: MailKind; at: string }): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('mail_outbox')
    .values({
      id,
      to_address: input.to,
      subject: input.subject,
      body: input.body,
      kind: input.kind,
      created_at: input.at,
    })
    .execute();
  return id;
}

/** Gives up on a message after this many failed attempts (its body is erased all the same). */
export const MAX_MAIL_ATTEMPTS = 10;

/**
 * Sends what the outbox holds, oldest first. A sent message keeps its address, subject and time, but its body is
 * erased: a reset link must not stay readable in the database once delivered. Returns how many were sent.
 */
export async function deliverPendingMail(
  db: Kysely<Database>,
  transport: MailTransport,
  now: () => Date,
  limit = 50,
): Promise<number> {
  const rows = await db
    .selectFrom('mail_outbox')
    .select(['id', 'to_address', 'subject', 'body', 'attempts'])
    .where('sent_at', 'is', null)
    .where('body', 'is not', null)
    .orderBy('created_at')
    .limit(limit)
    .execute();
  let sent = 0;
  for (const row of rows) {
    try {
      await transport.send({ to: row.to_address, subject: row.subject, body: row.body ?? '' });
      await db
        .updateTable('mail_outbox')
        .set({ sent_at: now().toISOString(), body: null, attempts: row.attempts + 1, last_error: null })
        .where('id', '=', row.id)
        .execute();
      sent++;
    } catch (e) {
      const attempts = row.attempts + 1;
      await db
        .updateTable('mail_outbox')
        .set({
          attempts,
          last_error: (e instanceof Error ? e.message : String(e)).slice(0, 500),
          ...(attempts >= MAX_MAIL_ATTEMPTS ? { body: null } : {}),
        })
        .where('id', '=', row.id)
        .execute();
    }
  }
  return sent;
}

/** Delivers the outbox every `intervalMs`; returns a function that stops and waits for a run in progress. */
export function startMailDispatcher(
  db: Kysely<Database>,
  transport: MailTransport,
  intervalMs: number,
  options: { now: () => Date; onError: (e: unknown) => void },
): () => Promise<void> {
  let running: Promise<unknown> | undefined;
  const run = (): void => {
    if (running !== undefined) return;
    running = deliverPendingMail(db, transport, options.now)
      .catch(options.onError)
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(run, intervalMs);
  timer.unref();
  run();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
