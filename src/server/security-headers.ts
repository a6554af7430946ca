import type { FastifyInstance } from 'fastify';

/**
 * The Content-Security-Policy of every response. Everything the UI needs is served from this origin (fonts
 * included); styles allow 'unsafe-inline' because Mantine writes CSS variables into style attributes and a
 * <style> element. Scripts never run inline. Swagger UI at /api/docs works under the same policy: its page loads
 * only its own bundled files.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data:",
  "style-src 'self' 'unsafe-inline'",
  "script-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

/** Features the UI never uses, denied to the page and anything it might embed; passkeys for this origin only. */
export const PERMISSIONS_POLICY = [
  'camera=()',
  'microphone=()',
  'geolocation=()',
  'payment=()',
  'usb=()',
  // Passkeys: this origin only, never a frame of another (the default, said out loud).
  'publickey-credentials-create=(self)',
  'publickey-credentials-get=(self)',
].join(', ');

const STATIC_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': PERMISSIONS_POLICY,
};

const HSTS = 'max-age=31536000; includeSubDomains';

/**
 * Sets the security headers on every response, errors and 404s included. Strict-Transport-Security only goes
 * out over TLS (directly, or through a proxy the server is configured to trust), as browsers ignore it otherwise.
 * A route that needs a different policy may set its own header; it is left alone.
 */
export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    for (const [name, value] of Object.entries(STATIC_HEADERS)) {
      if (!reply.hasHeader(name)) reply.header(name, value);
    }
    if (request.protocol === 'https') reply.header('strict-transport-security', HSTS);
    // API answers may carry private data later on; no shared cache may keep them.
    if (request.url.startsWith('/api/') && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
}
