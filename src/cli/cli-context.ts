import { openDatabase, type Db } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { builtinTemplates } from '../domain/templates/registry.js';
import { findUserByEmail } from '../features/accounts/accounts.repository.js';
import { normalizeEmail } from '../features/organizations/invitations.service.js';
import { upsertTemplate } from '../features/templates/templates.repository.js';
import { loadUserActor } from '../security/actors.js';
import type { RequestContext } from '../security/context.js';
import { SecretKeyError, loadSecretKeys } from '../security/stored-secrets.js';
import { CommandError } from './command-error.js';

export { CommandError };

/** Where a command finds the database: `--database URL`, else OPENMDS_DATABASE_URL, else SQLite in `--data`. */
export interface DatabaseOptions {
  data?: string;
  database?: string;
}

/** The data folder `serve` would use: `--data`, else OPENMDS_DATA_DIR, else ./data. */
export function cliDataDir(opts: DatabaseOptions): string {
  return opts.data ?? process.env['OPENMDS_DATA_DIR'] ?? './data';
}

/** Opens and migrates the database `serve` would use (or the one `--database` names); exit 2 when it cannot. */
export async function openMigratedDatabase(opts: DatabaseOptions): Promise<Db> {
  const url = opts.database ?? process.env['OPENMDS_DATABASE_URL'];
  let db: Db;
  try {
    db = await openDatabase({
      ...(url === undefined || url === '' ? {} : { url }),
      dataDir: cliDataDir(opts),
    });
  } catch (e) {
    throw new CommandError(`--database: ${e instanceof Error ? e.message : String(e)}`, 2);
  }
  try {
    await migrateToLatest(db);
    return db;
  } catch (e) {
    await db.close();
    throw e;
  }
}

/**
 * Opens and migrates the database `serve` would use (or the one `--database` names), loads the key that encrypts
 * its stored secrets as the server does (OPENMDS_SECRET_KEY, OPENMDS_SECRET_KEY_FILE or `<data>/secret.key`), and
 * stores the built-in templates in it, so statements can be written before the server ever ran.
 */
export async function openCliDatabase(opts: DatabaseOptions): Promise<Db> {
  const db = await openMigratedDatabase(opts);
  try {
    try {
      await loadSecretKeys(db, {
        dataDir: cliDataDir(opts),
        log: (line) => void process.stderr.write(`openmds: ${line}\n`),
      });
    } catch (e) {
      if (e instanceof SecretKeyError) throw new CommandError(e.message, 2);
      throw e;
    }
    await storeBuiltinTemplates(db);
    return db;
  } catch (e) {
    await db.close();
    throw e;
  }
}

/** Stores the built-in templates (unchanged ones are left alone), as the server does at start. */
export async function storeBuiltinTemplates(db: Db): Promise<void> {
  await db.kysely.transaction().execute(async (trx) => {
    for (const t of builtinTemplates().list()) await upsertTemplate(trx, t, { builtin: true });
  });
}

/** The context of a command run from the shell by nobody in particular (the audit trail names the command). */
export function commandContext(command: string, actor: RequestContext['actor']): RequestContext {
  return { actor, ip: '', userAgent: `openmds ${command}`, now: () => new Date().toISOString() };
}

/**
 * The context of a command acting as a user: their memberships loaded as for a signed-in request, so the services'
 * access gate decides what they may do. A missing or disabled account is refused (exit 2).
 */
export async function actAsUser(db: Db, email: string, command: string): Promise<RequestContext> {
  const user = await findUserByEmail(db.kysely, normalizeEmail(email));
  const actor = user === undefined ? undefined : await loadUserActor(db.kysely, user.id, `cli:${command}`);
  if (actor === undefined) throw new CommandError(`--user: no active account with the email ${email}`, 2);
  return commandContext(command, actor);
}
