import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { openDatabase, resolveDatabaseTarget, type Db } from '../db/database.js';
import { buildAuditExport } from '../features/audit/audit.service.js';
import { instanceName, type AuditExportFormat } from '../features/audit/export-format.js';
import { ANONYMOUS } from '../security/context.js';
import { verifyAuditChain, type ChainBreak } from '../security/audit.js';
import { AppError } from '../server/errors.js';
import { CommandError, commandContext, type DatabaseOptions } from './cli-context.js';

/** Exit codes of `openmds audit verify`: the chain holds, it is broken, or the database could not be read. */
export const VERIFY_EXIT = { ok: 0, broken: 1, unreadable: 2 } as const;

const REASONS: Record<ChainBreak['reason'], string> = {
  changed: "the record's fields no longer give its hash: it was edited in place",
  deleted: 'its prev_hash names a record that no longer exists: the record before it was deleted',
  reordered: 'its prev_hash names a record elsewhere in the trail: records were moved or swapped',
};

/**
 * Opens the database read-only in spirit: unlike the commands that write, it neither migrates nor creates a SQLite
 * file that is not there (verifying an empty new file would say nothing).
 */
export async function openExistingDatabase(opts: DatabaseOptions): Promise<Db> {
  const url = opts.database ?? process.env['OPENMDS_DATABASE_URL'];
  const options = {
    ...(url === undefined || url === '' ? {} : { url }),
    dataDir: opts.data ?? process.env['OPENMDS_DATA_DIR'] ?? './data',
  };
  try {
    const target = resolveDatabaseTarget(options);
    if (target.dialect === 'sqlite' && target.file !== ':memory:' && !existsSync(target.file)) {
      throw new Error(`${target.file}: no such database file`);
    }
    return await openDatabase(options);
  } catch (e) {
    throw new CommandError(`database: ${e instanceof Error ? e.message : String(e)}`, VERIFY_EXIT.unreadable);
  }
}

/** An organization by id or exact name; exit 2 when there is none, or several of that name. */
async function findOrganization(db: Db, org: string): Promise<{ id: string; name: string }> {
  const rows = await db.kysely
    .selectFrom('organizations')
    .select(['id', 'name'])
    .where((eb) => eb.or([eb('id', '=', org), eb('name', '=', org)]))
    .execute();
  const exact = rows.find((r) => r.id === org);
  if (exact !== undefined) return exact;
  if (rows.length === 1) return rows[0]!;
  throw new CommandError(
    rows.length === 0
      ? `--org: no organization "${org}"`
      : `--org: several organizations are named "${org}"; give the id`,
    VERIFY_EXIT.unreadable,
  );
}

export interface VerifyResult {
  ok: boolean;
  /** Records verified (the organization's, with --org), before the first break when broken. */
  checked: number;
  /** All records of the trail. */
  total: number;
  latest?: { seq: number; hash: string; at: string };
  firstBroken?: ChainBreak & { id: string; action: string; at: string; orgId: string | null; explanation: string };
  org?: { id: string; name: string };
}

/** Walks the hash chain (verifyAuditChain) and describes the first broken record. */
export async function verifyTrail(db: Db, opts: { org?: string }): Promise<VerifyResult> {
  const org = opts.org === undefined ? undefined : await findOrganization(db, opts.org);
  const chain = await verifyAuditChain(db.kysely, org === undefined ? {} : { orgId: org.id });
  const count = await db.kysely
    .selectFrom('audit_events')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  const last = await db.kysely
    .selectFrom('audit_events')
    .select(['seq', 'hash', 'at'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  const result: VerifyResult = {
    ok: chain.ok,
    checked: chain.checked,
    total: Number(count.n),
    ...(last === undefined ? {} : { latest: { seq: Number(last.seq), hash: last.hash, at: last.at } }),
    ...(org === undefined ? {} : { org }),
  };
  if (chain.firstBroken !== undefined) {
    const row = await db.kysely
      .selectFrom('audit_events')
      .select(['id', 'action', 'at', 'org_id'])
      .where('seq', '=', chain.firstBroken.seq)
      .executeTakeFirstOrThrow();
    result.firstBroken = {
      ...chain.firstBroken,
      id: row.id,
      action: row.action,
      at: row.at,
      orgId: row.org_id,
      explanation: REASONS[chain.firstBroken.reason],
    };
  }
  return result;
}

/** The report `openmds audit verify` prints. */
export function verifyReport(r: VerifyResult): string {
  const scope = r.org === undefined ? '' : ` (${r.checked} of them of ${r.org.name}, ${r.org.id})`;
  if (r.ok) {
    const latest =
      r.latest === undefined
        ? 'the trail is empty'
        : `latest seq ${r.latest.seq} at ${r.latest.at}, hash ${r.latest.hash}`;
    return `OK: ${r.total} audit records verified${scope}; ${latest}\n`;
  }
  const b = r.firstBroken!;
  return (
    `BROKEN: the audit trail fails to verify at seq ${b.seq} (id ${b.id}, action ${b.action}, at ${b.at}): ${b.reason}\n` +
    `  ${b.explanation}\n` +
    `  ${r.checked} records verified before it${r.org === undefined ? '' : ` (of ${r.org.name})`}; ${r.total} records in all\n`
  );
}

/** `openmds audit verify`: prints the result and returns the exit code (0 ok, 1 broken, 2 unreadable). */
export async function runAuditVerify(opts: DatabaseOptions & { org?: string; json?: boolean }): Promise<number> {
  const db = await openExistingDatabase(opts);
  try {
    let r: VerifyResult;
    try {
      r = await verifyTrail(db, opts.org === undefined ? {} : { org: opts.org });
    } catch (e) {
      if (e instanceof CommandError) throw e;
      throw new CommandError(
        `database: cannot read the audit trail (${e instanceof Error ? e.message : String(e)})`,
        VERIFY_EXIT.unreadable,
      );
    }
    process.stdout.write(opts.json === true ? `${JSON.stringify(r, null, 2)}\n` : verifyReport(r));
    return r.ok ? VERIFY_EXIT.ok : VERIFY_EXIT.broken;
  } finally {
    await db.close();
  }
}

export interface AuditExportOptions extends DatabaseOptions {
  org: string;
  format: AuditExportFormat;
  output?: string;
  actor?: string;
  action?: string;
  object?: string;
  from?: string;
  to?: string;
}

/** `openmds audit export`: the organization's trail in a format, to a file or standard output; audited. */
export async function runAuditExport(opts: AuditExportOptions): Promise<number> {
  const db = await openExistingDatabase(opts);
  try {
    const org = await findOrganization(db, opts.org);
    const ctx = commandContext('audit export', ANONYMOUS);
    let out;
    try {
      out = await buildAuditExport(
        db.kysely,
        ctx,
        {
          orgId: org.id,
          format: opts.format,
          ...(opts.actor === undefined ? {} : { actor: opts.actor }),
          ...(opts.action === undefined ? {} : { action: opts.action }),
          ...(opts.object === undefined ? {} : { object: opts.object }),
          ...(opts.from === undefined ? {} : { from: opts.from }),
          ...(opts.to === undefined ? {} : { to: opts.to }),
        },
        { instance: instanceName(), exportedAt: ctx.now() },
      );
    } catch (e) {
      if (e instanceof AppError) throw new CommandError(`--${e.message.replace(/^querystring\//, '')}`, 2);
      throw e;
    }
    if (opts.output !== undefined && opts.output !== '-') {
      try {
        await pipeline(Readable.from(out.chunks), createWriteStream(opts.output));
      } catch (e) {
        if (e instanceof Error && 'code' in e) throw new CommandError(`${opts.output}: cannot be written`, 2);
        throw e;
      }
    } else {
      for await (const chunk of out.chunks) {
        if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
      }
    }
    process.stderr.write(
      `openmds: exported ${out.rows} audit records of ${org.name}${out.truncated ? ' (more matched: narrow --from/--to and export the rest)' : ''}\n`,
    );
    return 0;
  } finally {
    await db.close();
  }
}
