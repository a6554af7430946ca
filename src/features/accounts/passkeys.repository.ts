import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

type Queryable = Kysely<Database> | Transaction<Database>;

/** A user's passkey, as stored. */
export interface PasskeyRecord {
  /** The credential ID, base64url. */
  id: string;
  userId: string;
  name: string;
  /** COSE public key, base64url. */
  publicKey: string;
  signCount: number;
  transports: string[];
  deviceType: string;
  backedUp: boolean;
  aaguid: string;
  createdAt: string;
  lastUsedAt: string | null;
}

type PasskeyRow = {
  id: string;
  user_id: string;
  name: string;
  public_key: string;
  sign_count: number | string;
  transports: string;
  device_type: string;
  backed_up: number;
  aaguid: string;
  created_at: string;
  last_used_at: string | null;
};

function transportsOf(text: string): string[] {
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? parsed.filter((t): t is string => typeof t === 'string') : [];
}

const toRecord = (r: PasskeyRow): PasskeyRecord => ({
  id: r.id,
  userId: r.user_id,
  name: r.name,
  publicKey: r.public_key,
  signCount: Number(r.sign_count),
  transports: transportsOf(r.transports),
  deviceType: r.device_type,
  backedUp: r.backed_up === 1,
  aaguid: r.aaguid,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
});

/** The user's passkeys, oldest first. */
export async function listPasskeys(db: Queryable, userId: string): Promise<PasskeyRecord[]> {
  const rows = await db
    .selectFrom('passkeys')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toRecord);
}

export async function findPasskey(db: Queryable, id: string): Promise<PasskeyRecord | undefined> {
  const row = await db.selectFrom('passkeys').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toRecord(row);
}

export async function countPasskeys(db: Queryable, userId: string): Promise<number> {
  const row = await db
    .selectFrom('passkeys')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertPasskey(db: Queryable, p: Omit<PasskeyRecord, 'lastUsedAt'>): Promise<void> {
  await db
    .insertInto('passkeys')
    .values({
      id: p.id,
      user_id: p.userId,
      name: p.name,
      public_key: p.publicKey,
      sign_count: p.signCount,
      transports: JSON.stringify(p.transports),
      device_type: p.deviceType,
      backed_up: p.backedUp ? 1 : 0,
      aaguid: p.aaguid,
      created_at: p.createdAt,
      last_used_at: null,
    })
    .execute();
}

export async function renamePasskey(db: Queryable, userId: string, id: string, name: string): Promise<boolean> {
  const result = await db
    .updateTable('passkeys')
    .set({ name })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function deletePasskey(db: Queryable, userId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('passkeys').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/** Removes every passkey of the user; returns how many there were. */
export async function deleteAllPasskeys(db: Queryable, userId: string): Promise<number> {
  const result = await db.deleteFrom('passkeys').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Records a use: the new signature counter, the backup state the authenticator reported, and when. Conditional on the
 * counter the check saw, so two requests racing with the same assertion cannot both pass.
 */
export async function recordPasskeyUse(
  db: Queryable,
  p: { id: string; seenCount: number; newCount: number; backedUp: boolean; deviceType: string; at: string },
): Promise<boolean> {
  const result = await db
    .updateTable('passkeys')
    .set({ sign_count: p.newCount, backed_up: p.backedUp ? 1 : 0, device_type: p.deviceType, last_used_at: p.at })
    .where('id', '=', p.id)
    .where('sign_count', '=', p.seenCount)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

// ---- Ceremonies' challenges ----------------------------------------------------------------------------------------

export const CEREMONY_PURPOSES = ['register', 'sign-in', 'second-factor', 'reauth'] as const;
export type CeremonyPurpose = (typeof CEREMONY_PURPOSES)[number];

const isPurpose = (text: string): text is CeremonyPurpose => (CEREMONY_PURPOSES as readonly string[]).includes(text);

export interface CeremonyRecord {
  id: string;
  purpose: CeremonyPurpose;
  userId: string | null;
  challenge: string;
  expiresAt: string;
}

/** Stores a ceremony's challenge, replacing an earlier one of the same key; expired ones go as new ones come. */
export async function putCeremony(
  db: Queryable,
  c: { id: string; purpose: CeremonyPurpose; userId: string | null; challenge: string; at: string; expiresAt: string },
): Promise<void> {
  await db.deleteFrom('webauthn_challenges').where('expires_at', '<=', c.at).execute();
  await db.deleteFrom('webauthn_challenges').where('id', '=', c.id).execute();
  await db
    .insertInto('webauthn_challenges')
    .values({
      id: c.id,
      purpose: c.purpose,
      user_id: c.userId,
      challenge: c.challenge,
      created_at: c.at,
      expires_at: c.expiresAt,
    })
    .execute();
}

/**
 * Takes a ceremony's challenge: it is deleted as it is read, so each challenge is answered at most once (a failed
 * answer needs new options). Undefined when there is none or it expired.
 */
export async function takeCeremony(db: Queryable, id: string, now: string): Promise<CeremonyRecord | undefined> {
  const row = await db.selectFrom('webauthn_challenges').selectAll().where('id', '=', id).executeTakeFirst();
  if (row === undefined) return undefined;
  const deleted = await db.deleteFrom('webauthn_challenges').where('id', '=', id).executeTakeFirst();
  if (Number(deleted.numDeletedRows) !== 1 || row.expires_at <= now || !isPurpose(row.purpose)) return undefined;
  return {
    id: row.id,
    purpose: row.purpose,
    userId: row.user_id,
    challenge: row.challenge,
    expiresAt: row.expires_at,
  };
}

export async function deleteCeremoniesOf(db: Queryable, userId: string): Promise<void> {
  await db.deleteFrom('webauthn_challenges').where('user_id', '=', userId).execute();
}
