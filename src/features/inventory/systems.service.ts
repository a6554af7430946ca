import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { isForeignKeyViolation, isUniqueViolation } from '../../db/errors.js';
import type { Database } from '../../db/schema.js';
import { notFound, requireAccess, requireUser } from '../../security/access.js';
import { AUDIT_ACTIONS, writeAudit } from '../../security/audit.js';
import type { RequestContext } from '../../security/context.js';
import { AppError } from '../../server/errors.js';
import {
  assessmentsReferring,
  deleteLink,
  deleteSystem as deleteSystemRow,
  findSource,
  findSystem,
  findSystemByName,
  insertLink,
  insertSystem,
  listSystems as listSystemRows,
  sourcesOfSystem,
  statementCounts,
  updateSystem as updateSystemRow,
  type SystemFields,
  type SystemRecord,
} from './inventory.repository.js';
import {
  CONNECTIONS,
  type Connection,
  type CreateSystemInput,
  type SystemDetail,
  type SystemView,
  type UpdateSystemInput,
} from './inventory.schema.js';
import { requireInventory, sourceSummary, systemView } from './inventory.views.js';

type Queryable = Kysely<Database> | Transaction<Database>;

const clean = (s: string): string => s.normalize('NFC').trim();

/** Connections that contradict 'internal-only'. */
const NOT_INTERNAL: readonly Connection[] = ['external', 'remote-maintenance'];

/** Checks a system's facts as a whole; throws invalid-input naming the field. */
function checkSystem(s: SystemFields): void {
  if (s.name === '') throw new AppError('invalid-input', { message: 'name: must not be blank' });
  if (s.connections.includes('internal-only')) {
    const clash = s.connections.filter((c) => NOT_INTERNAL.includes(c));
    if (clash.length > 0) {
      throw new AppError('invalid-input', {
        message: `connections: 'internal-only' cannot be combined with ${clash.map((c) => `'${c}'`).join(' or ')}`,
      });
    }
  }
}

/** The facts with text normalized (NFC, trimmed) and connections in their listed order. */
function fieldsOf(base: SystemFields, input: UpdateSystemInput): SystemFields {
  const text = (v: string | undefined, current: string): string => (v === undefined ? current : clean(v));
  const connections = input.connections ?? base.connections;
  return {
    name: text(input.name, base.name),
    manufacturer: text(input.manufacturer, base.manufacturer),
    product: text(input.product, base.product),
    productVersion: text(input.productVersion, base.productVersion),
    department: text(input.department, base.department),
    location: text(input.location, base.location),
    owner: text(input.owner, base.owner),
    patientData: input.patientData ?? base.patientData,
    connections: CONNECTIONS.filter((c) => connections.includes(c)),
    notes: input.notes === undefined ? base.notes : input.notes.normalize('NFC').trimEnd(),
  };
}

const EMPTY: SystemFields = {
  name: '',
  manufacturer: '',
  product: '',
  productVersion: '',
  department: '',
  location: '',
  owner: '',
  // Unless told otherwise, assume the system handles patient information: the cautious default.
  patientData: true,
  connections: [],
  notes: '',
};

const nameTaken = (name: string): AppError =>
  new AppError('conflict', { message: `name: a system named "${name}" already exists` });

async function detailOf(db: Queryable, system: SystemRecord): Promise<SystemDetail> {
  const sources = await sourcesOfSystem(db, system.orgId, system.id);
  return { ...systemView(system, sources.length), statements: sources.map(sourceSummary) };
}

async function requireSystem(db: Queryable, orgId: string, systemId: string): Promise<SystemRecord> {
  const system = await findSystem(db, orgId, systemId);
  if (system === undefined) throw notFound({ orgId, describe: 'system' });
  return system;
}

/** The hospital's systems, by name. */
export async function listSystems(db: Kysely<Database>, ctx: RequestContext, orgId: string): Promise<SystemView[]> {
  requireInventory(ctx, orgId, 'inventory.read');
  const [systems, counts] = await Promise.all([listSystemRows(db, orgId), statementCounts(db, orgId)]);
  return systems.map((s) => systemView(s, counts.get(s.id) ?? 0));
}

/** One system with the statements it relies on. */
export async function getSystem(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  systemId: string,
): Promise<SystemDetail> {
  requireAccess(ctx.actor, 'inventory.read', { orgId, describe: 'system' });
  return detailOf(db, await requireSystem(db, orgId, systemId));
}

/** Adds a system to the inventory; its name must be new in the organization. */
export async function createSystem(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  input: CreateSystemInput,
): Promise<SystemDetail> {
  requireInventory(ctx, orgId, 'inventory.write');
  const user = requireUser(ctx.actor);
  const fields = fieldsOf(EMPTY, input);
  checkSystem(fields);
  const id = randomUUID();
  const at = ctx.now();
  try {
    return await db.transaction().execute(async (trx) => {
      if ((await findSystemByName(trx, orgId, fields.name)) !== undefined) throw nameTaken(fields.name);
      await insertSystem(trx, { ...fields, id, orgId, createdBy: user.userId, at });
      await writeAudit(trx, {
        ctx,
        orgId,
        action: AUDIT_ACTIONS.SYSTEM_CREATE,
        objectType: 'system',
        objectId: id,
        outcome: 'success',
        details: { name: fields.name },
      });
      return detailOf(trx, await requireSystem(trx, orgId, id));
    });
  } catch (e) {
    // Two requests adding the same name at once: the constraint answers for the slower one.
    if (isUniqueViolation(e)) throw nameTaken(fields.name);
    throw e;
  }
}

/** Changes the fields given; the result is checked as a whole (connections, name). */
export async function updateSystem(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  systemId: string,
  input: UpdateSystemInput,
): Promise<SystemDetail> {
  requireAccess(ctx.actor, 'inventory.write', { orgId, describe: 'system' });
  let name = '';
  try {
    return await db.transaction().execute(async (trx) => {
      const existing = await requireSystem(trx, orgId, systemId);
      const fields = fieldsOf(existing, input);
      name = fields.name;
      checkSystem(fields);
      if (fields.name !== existing.name && (await findSystemByName(trx, orgId, fields.name)) !== undefined) {
        throw nameTaken(fields.name);
      }
      await updateSystemRow(trx, orgId, systemId, fields, ctx.now());
      await writeAudit(trx, {
        ctx,
        orgId,
        action: AUDIT_ACTIONS.SYSTEM_UPDATE,
        objectType: 'system',
        objectId: systemId,
        outcome: 'success',
        details: { name: fields.name, fields: Object.keys(input).sort() },
      });
      return detailOf(trx, await requireSystem(trx, orgId, systemId));
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw nameTaken(name);
    throw e;
  }
}

/** Removes a system and its links; refused while a risk assessment refers to it. */
export async function deleteSystem(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  systemId: string,
): Promise<void> {
  requireAccess(ctx.actor, 'inventory.write', { orgId, describe: 'system' });
  const referred = (name: string, n: number): AppError =>
    new AppError('conflict', {
      message:
        `systemId: "${name}" cannot be deleted: ${n === 1 ? 'a risk assessment refers' : `${n} risk assessments refer`} ` +
        'to it, and an assessment keeps the systems it assessed',
    });
  let name = '';
  try {
    await db.transaction().execute(async (trx) => {
      const system = await requireSystem(trx, orgId, systemId);
      name = system.name;
      const n = await assessmentsReferring(trx, systemId);
      if (n > 0) throw referred(system.name, n);
      await deleteSystemRow(trx, orgId, systemId);
      await writeAudit(trx, {
        ctx,
        orgId,
        action: AUDIT_ACTIONS.SYSTEM_DELETE,
        objectType: 'system',
        objectId: systemId,
        outcome: 'success',
        details: { name: system.name },
      });
    });
  } catch (e) {
    // An assessment created meanwhile: the foreign key refuses the deletion.
    if (isForeignKeyViolation(e)) throw referred(name, 1);
    throw e;
  }
}

/** Records that a system relies on a statement the organization holds. */
export async function linkStatement(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  systemId: string,
  input: { sourceId: string },
): Promise<SystemDetail> {
  requireAccess(ctx.actor, 'inventory.write', { orgId, describe: 'system' });
  const user = requireUser(ctx.actor);
  return db.transaction().execute(async (trx) => {
    const system = await requireSystem(trx, orgId, systemId);
    const source = await findSource(trx, orgId, input.sourceId);
    if (source === undefined) throw new AppError('not-found', { message: 'sourceId: statement not found' });
    const added = await insertLink(trx, { systemId, sourceId: source.id, addedBy: user.userId, addedAt: ctx.now() });
    if (!added) {
      throw new AppError('conflict', { message: `sourceId: "${system.name}" relies on this statement already` });
    }
    await writeAudit(trx, {
      ctx,
      orgId,
      action: AUDIT_ACTIONS.SYSTEM_STATEMENT_LINK,
      objectType: 'system',
      objectId: systemId,
      outcome: 'success',
      details: { sourceId: source.id, system: system.name, product: source.product, version: source.productVersion },
    });
    return detailOf(trx, system);
  });
}

/** The system no longer relies on the statement (the statement stays held). */
export async function unlinkStatement(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  systemId: string,
  sourceId: string,
): Promise<void> {
  requireAccess(ctx.actor, 'inventory.write', { orgId, describe: 'system' });
  await db.transaction().execute(async (trx) => {
    const system = await requireSystem(trx, orgId, systemId);
    if (!(await deleteLink(trx, systemId, sourceId))) {
      throw new AppError('not-found', { message: `sourceId: "${system.name}" does not rely on this statement` });
    }
    await writeAudit(trx, {
      ctx,
      orgId,
      action: AUDIT_ACTIONS.SYSTEM_STATEMENT_UNLINK,
      objectType: 'system',
      objectId: systemId,
      outcome: 'success',
      details: { sourceId, system: system.name },
    });
  });
}
