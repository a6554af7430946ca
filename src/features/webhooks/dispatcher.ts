import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { packageVersion } from '../../server/paths.js';
import { signWebhook } from './signature.js';
import {
  claimDelivery,
  disableWebhook,
  dueDeliveries,
  recordAttempt,
  type DueDelivery,
} from './webhooks.repository.js';

/** Waits after the 1st, 2nd, … failed attempt; after the last one the delivery is given up. */
export const RETRY_DELAYS_MS: readonly number[] = [60_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 12 * 3_600_000];
/** The first attempt and one per delay. */
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
/** How long a receiver has to answer. */
export const DELIVERY_TIMEOUT_MS = 10_000;

const BATCH = 50;
const PARALLEL = 4;
const MAX_ERROR = 500;

export interface DeliverOptions {
  /** The time of this run (attempts are due when their next attempt is not after it). */
  now: Date | string;
  /** Node's fetch unless given (tests, proxies). */
  fetch?: typeof globalThis.fetch;
  /** Default 10 s. */
  timeoutMs?: number;
  /** At most this many deliveries per run (default 50). */
  limit?: number;
}

export interface DeliveryRunResult {
  attempted: number;
  delivered: number;
  /** Failed attempts that will be retried. */
  retrying: number;
  /** Failed attempts after which the delivery was given up (the last retry, or 410 Gone). */
  gaveUp: number;
}

type Outcome = 'delivered' | 'retrying' | 'gave-up';

const iso = (at: Date | string): string => (typeof at === 'string' ? new Date(at).toISOString() : at.toISOString());

function describeError(e: unknown, timeoutMs: number): string {
  if (e instanceof Error) {
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutMs / 1000} s`;
    const cause = (e as { cause?: unknown }).cause;
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    return `${e.message}${detail}`.slice(0, MAX_ERROR);
  }
  return String(e).slice(0, MAX_ERROR);
}

async function attempt(
  db: Kysely<Database>,
  d: DueDelivery,
  now: string,
  send: typeof globalThis.fetch,
  timeoutMs: number,
): Promise<Outcome | undefined> {
  // A lease longer than the request may take: a sender that crashes leaves the delivery due again afterwards.
  const leaseUntil = new Date(Date.parse(now) + timeoutMs + 60_000).toISOString();
  if (d.nextAttemptAt === null) return undefined;
  if (!(await claimDelivery(db, { id: d.id, expectedNextAttemptAt: d.nextAttemptAt, leaseUntil }))) return undefined;

  const timestamp = Math.floor(Date.parse(now) / 1000);
  let status: number | null = null;
  let error: string | null = null;
  try {
    const res = await send(d.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': `OpenMDS-Webhooks/${packageVersion()}`,
        'webhook-id': d.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook(d.secret(), d.id, timestamp, d.payload),
      },
      body: d.payload,
      // A redirect is a failure (Standard Webhooks): the owner should fix the URL rather than have us follow it.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = res.status;
    await res.body?.cancel().catch(() => undefined);
    if (status < 200 || status > 299) error = `the receiver answered ${status}`;
  } catch (e) {
    error = describeError(e, timeoutMs);
  }

  const attempts = d.attempts + 1;
  if (error === null) {
    await recordAttempt(db, { id: d.id, attempts, status, error: null, deliveredAt: now, nextAttemptAt: null });
    return 'delivered';
  }
  if (status === 410) {
    await db.transaction().execute(async (trx) => {
      await recordAttempt(trx, {
        id: d.id,
        attempts,
        status,
        error: 'the receiver answered 410 Gone: the webhook is disabled',
        deliveredAt: null,
        nextAttemptAt: null,
      });
      await disableWebhook(trx, d.webhookId, now);
    });
    return 'gave-up';
  }
  const delay = RETRY_DELAYS_MS[attempts - 1];
  const nextAttemptAt = delay === undefined ? null : new Date(Date.parse(now) + delay).toISOString();
  const message = delay === undefined ? `${error}; gave up after ${attempts} attempts` : error;
  await recordAttempt(db, { id: d.id, attempts, status, error: message, deliveredAt: null, nextAttemptAt });
  return delay === undefined ? 'gave-up' : 'retrying';
}

/**
 * Sends the webhook deliveries that are due, signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature: v1,<base64 HMAC-SHA256>`), each POST with a 10 s timeout and no redirects followed. A 2xx
 * answer delivers; anything else is retried after 1 min, 5 min, 30 min, 2 h and 12 h, then given up; 410 Gone
 * disables the webhook. Each delivery is claimed before it is sent, so several servers may run this at once.
 */
export async function deliverDueWebhooks(db: Kysely<Database>, options: DeliverOptions): Promise<DeliveryRunResult> {
  const now = iso(options.now);
  const send = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  const due = await dueDeliveries(db, now, options.limit ?? BATCH);
  const result: DeliveryRunResult = { attempted: 0, delivered: 0, retrying: 0, gaveUp: 0 };
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let d = due[next++]; d !== undefined; d = due[next++]) {
      const outcome = await attempt(db, d, now, send, timeoutMs);
      if (outcome === undefined) continue;
      result.attempted++;
      if (outcome === 'delivered') result.delivered++;
      else if (outcome === 'retrying') result.retrying++;
      else result.gaveUp++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, due.length) }, worker));
  return result;
}

export interface DispatcherOptions {
  fetch?: typeof globalThis.fetch;
  /** The clock (default: the system's). */
  now?: () => Date;
  /** Called when a run fails (the database is unreachable, …); the next run tries again. */
  onError?: (error: unknown) => void;
}

/**
 * Runs deliverDueWebhooks every `intervalMs` (never two runs at once). Returns a function that stops the timer
 * and waits for a run in progress.
 */
export function startWebhookDispatcher(
  db: Kysely<Database>,
  intervalMs: number,
  options: DispatcherOptions = {},
): () => Promise<void> {
  let running: Promise<void> | undefined;
  const tick = (): void => {
    if (running !== undefined) return;
    running = deliverDueWebhooks(db, {
      now: (options.now ?? (() => new Date()))(),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    })
      .then(() => undefined)
      .catch((e: unknown) => options.onError?.(e))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
