import type { AddressInfo } from 'node:net';
import { builtinTemplates } from '../../src/domain/templates/registry.js';
import { buildApp } from '../../src/server/app.js';

export interface TestServer {
  /** Base URL without a trailing slash, e.g. "http://127.0.0.1:41234". */
  url: string;
  close(): Promise<void>;
}

/** Starts the real server on a free loopback port, with the built-in templates and the built web UI. */
export async function startTestServer(options: { webRoot?: string } = {}): Promise<TestServer> {
  const app = await buildApp({ templates: builtinTemplates(), ...options });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => app.close(),
  };
}
