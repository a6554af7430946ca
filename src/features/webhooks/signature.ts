import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** How a webhook secret is shown (Standard Webhooks: base64 of the key, behind `whsec_`). */
export const SECRET_PREFIX = 'whsec_';

/** A fresh secret: 32 random bytes (the spec asks for 24 to 64), as `whsec_<base64>`. */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

function keyOf(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return Buffer.from(encoded, 'base64');
}

/**
 * The `webhook-signature` value of a message (Standard Webhooks, symmetric): `v1,` and the base64 HMAC-SHA256,
 * keyed with the secret's decoded bytes, of `<webhook-id>.<webhook-timestamp>.<body>`.
 */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.${body}`, 'utf8').digest('base64');
  return `v1,${mac}`;
}

/** What a receiver checks; exported for the tests and as the reference for docs/api-exchange.md. */
export function verifyWebhook(
  secret: string,
  headers: { id: string; timestamp: string; signature: string },
  body: string,
  options: { now: Date; toleranceSeconds?: number },
): boolean {
  const ts = Number(headers.timestamp);
  if (!/^\d+$/.test(headers.timestamp) || !Number.isSafeInteger(ts)) return false;
  if (Math.abs(options.now.getTime() / 1000 - ts) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhook(secret, headers.id, ts, body));
  return headers.signature.split(' ').some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
