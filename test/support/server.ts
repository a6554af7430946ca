import type { AddressInfo } from 'node:net';
import { openDatabase } from '../../src/db/database.js';
import { builtinTemplates } from '../../src/domain/templates/registry.js';
import type { AppSettings } from '../../src/security/settings.js';
import { buildApp } from '../../src/server/app.js';
// Side effect: the fixed test key (the repositories encrypt stored secrets with it; nothing touches ./data).
import './secret-key.js';
import { openReady, type TestDatabase } from './databases.js';

export interface TestServer {
  /** Base URL without a trailing slash, e.g. "http://127.0.0.1:41234". */
  url: string;
  close(): Promise<void>;
}

const memory: TestDatabase = { name: 'sqlite', open: () => openDatabase({ url: ':memory:' }) };

/**
 * Starts the real server on a free loopback port, with the built-in templates, the built web UI and a fresh
 * migrated in-memory database (or `database`).
 */
export async function startTestServer(
  options: { webRoot?: string; settings?: Partial<AppSettings>; database?: TestDatabase } = {},
): Promise<TestServer> {
  const db = await openReady(options.database ?? memory);
  try {
    const app = await buildApp({
      templates: builtinTemplates(),
      db,
      ...(options.webRoot === undefined ? {} : { webRoot: options.webRoot }),
      ...(options.settings === undefined ? {} : { settings: options.settings }),
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      async close() {
        await app.close();
        await db.close();
      },
    };
  } catch (e) {
    await db.close();
    throw e;
  }
}
