import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { notFoundBody } from './errors.js';

const NOT_BUILT =
  'OpenMDS: the web UI is not built.\n\n' +
  'Run "npm run build" (or "npm run build:web") in the OpenMDS folder, then restart the server.\n' +
  'The API works without it: see /api/docs.\n';

function wantsHtml(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  return (request.headers.accept ?? '').includes('text/html');
}

function isApi(request: FastifyRequest): boolean {
  return request.url === '/api' || request.url.startsWith('/api/') || request.url.startsWith('/api?');
}

/**
 * Serves the built React UI from `webRoot` at "/", with a fallback to index.html for the client-side routes
 * (any non-API GET that accepts HTML). Unknown /api routes, and requests for files that do not exist, get JSON 404.
 * Without a build, pages answer 503 with a line saying how to build it.
 */
export async function registerWebUi(app: FastifyInstance, webRoot: string): Promise<void> {
  const built = existsSync(join(webRoot, 'index.html'));

  if (built) {
    await app.register(fastifyStatic, {
      root: webRoot,
      prefix: '/',
      wildcard: true,
      index: ['index.html'],
      // Vite names assets by content hash: they never change under a name. index.html must be revalidated.
      setHeaders(reply, path) {
        if (path.includes('/assets/')) reply.header('cache-control', 'public, max-age=31536000, immutable');
        else reply.header('cache-control', 'no-cache');
      },
    });
  } else {
    app.get('/', { schema: { hide: true } }, (_request, reply) => notBuilt(reply));
  }

  app.setNotFoundHandler((request, reply) => {
    if (!isApi(request) && wantsHtml(request)) {
      if (!built) return notBuilt(reply);
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    }
    return reply.code(404).send(notFoundBody(request));
  });
}

function notBuilt(reply: FastifyReply): FastifyReply {
  return reply.code(503).type('text/plain; charset=utf-8').header('retry-after', '60').send(NOT_BUILT);
}
