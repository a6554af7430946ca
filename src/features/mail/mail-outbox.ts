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
 * How queued mail leaves the server: the log transport (the default) or SMTP (smtp-transport.ts, when
 * OPENMDS_SMTP_URL is set). See docs/security.md, "The mail outbox".
 */
export interface MailTransport {
  /** For the log: 'log', 'smtp', … */
  readonly name: string;
  /** Sends one message; throws when it could not (the outbox tries again later, see retryDelayMinutes). */
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
export type MailKind = 'password-reset' | 'break-glass.used' | 'two-factor.reset';

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

/** The longest wait between two attempts, in minutes. */
export const MAX_RETRY_DELAY_MINUTES = 60;

/**
 * How long to wait after the `attempt`-th attempt (1-based) failed: 1, 2, 4 … minutes, at most an hour. Ten attempts
 * thus span about four hours (1+2+4+8+16+32+60+60+60 minutes), which outlasts a reset link's 30 minutes.
 */
export function retryDelayMinutes(attempt: number): number {
  return Math.min(2 ** Math.max(0, attempt - 1), MAX_RETRY_DELAY_MINUTES);
}

/** What one run of the outbox did. */
export interface DeliveryResult {
  sent: number;
  /** Failed attempts that will be tried again (after the back-off). */
  retrying: number;
  /** Messages given up on by this run (their last allowed attempt failed). */
  failed: { id: string; to: string; kind: string; error: string }[];
}

/**
 * Sends what the outbox holds and is due, oldest first. A sent message keeps its address, subject and time, but its
 * body is erased: a reset link must not stay readable in the database once delivered.
 *
 * No transaction is held across the network: each message is first claimed by one conditional update that counts
 * the attempt and schedules the next one (so a crash during the send neither loses the message nor retries it at
 * once, and two servers never send the same attempt), then sent, then marked sent or failed by another update.
 */
export async function deliverPendingMail(
  db: Kysely<Database>,
  transport: MailTransport,
  now: () => Date,
  limit = 50,
): Promise<DeliveryResult> {
  const due = now().toISOString();
  const rows = await db
    .selectFrom('mail_outbox')
    .select(['id', 'to_address', 'subject', 'body', 'kind', 'attempts'])
    .where('sent_at', 'is', null)
    .where('failed_at', 'is', null)
    .where('body', 'is not', null)
    .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', due)]))
    .orderBy('created_at')
    .limit(limit)
    .execute();
  const result: DeliveryResult = { sent: 0, retrying: 0, failed: [] };
  for (const row of rows) {
    const attempts = row.attempts + 1;
    const claimedAt = now();
    const claim = await db
      .updateTable('mail_outbox')
      .set({
        attempts,
        next_attempt_at: new Date(claimedAt.getTime() + retryDelayMinutes(attempts) * 60_000).toISOString(),
      })
      .where('id', '=', row.id)
      .where('attempts', '=', row.attempts)
      .where('sent_at', 'is', null)
      .executeTakeFirst();
    if (claim.numUpdatedRows !== 1n) continue; // another server took this attempt
    try {
      await transport.send({ to: row.to_address, subject: row.subject, body: row.body ?? '' });
    } catch (e) {
      const error = describeSendError(e);
      const last = attempts >= MAX_MAIL_ATTEMPTS;
      await db
        .updateTable('mail_outbox')
        .set({
          last_error: error,
          ...(last ? { body: null, failed_at: now().toISOString(), next_attempt_at: null } : {}),
        })
        .where('id', '=', row.id)
        .execute();
      if (last) result.failed.push({ id: row.id, to: row.to_address, kind: row.kind, error });
      else result.retrying++;
      continue;
    }
    await db
      .updateTable('mail_outbox')
      .set({ sent_at: now().toISOString(), body: null, last_error: null, next_attempt_at: null })
      .where('id', '=', row.id)
      .execute();
    result.sent++;
  }
  return result;
}

/** The one line kept in `last_error`: the SMTP reply or the network error, at most 500 characters. */
export function describeSendError(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.replace(/\s+/g, ' ').trim().slice(0, 500);
}

/** Delivers the outbox every `intervalMs`; returns a function that stops and waits for a run in progress. */
export function startMailDispatcher(
  db: Kysely<Database>,
  transport: MailTransport,
  intervalMs: number,
  options: {
    now: () => Date;
    onError: (e: unknown) => void;
    /** Told of each message given up on, for the server's log. */
    onFailed?: (failed: DeliveryResult['failed'][number]) => void;
  },
): () => Promise<void> {
  let running: Promise<unknown> | undefined;
  const run = (): void => {
    if (running !== undefined) return;
    running = deliverPendingMail(db, transport, options.now)
      .then((r) => {
        for (const f of r.failed) options.onFailed?.(f);
      })
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

/** A message the outbox has not delivered: waiting for an attempt, or given up on. Never its body. */
export interface UndeliveredMail {
  id: string;
  to: string;
  subject: string;
  kind: string;
  createdAt: string;
  attempts: number;
  lastError: string | null;
  /** `pending`: will be tried (again) at `nextAttemptAt`, or at once when null; `failed`: given up at `failedAt`. */
  state: 'pending' | 'failed';
  nextAttemptAt: string | null;
  failedAt: string | null;
}

/** Mail not delivered (pending or failed), oldest first, without bodies: for `openmds mail status`. */
export async function listUndeliveredMail(db: Queryable, limit = 500): Promise<UndeliveredMail[]> {
  const rows = await db
    .selectFrom('mail_outbox')
    .select([
      'id',
      'to_address',
      'subject',
      'kind',
      'created_at',
      'attempts',
      'last_error',
      'next_attempt_at',
      'failed_at',
      'body',
    ])
    .where('sent_at', 'is', null)
    .orderBy('created_at')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    to: r.to_address,
    subject: r.subject,
    kind: r.kind,
    createdAt: r.created_at,
    attempts: r.attempts,
    lastError: r.last_error,
    // Rows given up on before migration 0010 have no failed_at: their body was erased unsent.
    state: r.failed_at !== null || r.body === null ? 'failed' : 'pending',
    nextAttemptAt: r.failed_at !== null || r.body === null ? null : r.next_attempt_at,
    failedAt: r.failed_at,
  }));
}
