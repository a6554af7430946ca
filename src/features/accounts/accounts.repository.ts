import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { UsersTable } from '../../db/schema-accounts.js';

type Queryable = Kysely<Database> | Transaction<Database>;

/** A user as the services see it (the password hash included: never send it). */
export interface UserRecord {
  id: string;
  email: string;
  displayName: string;
  passwordHash: string;
  isOperator: boolean;
  createdAt: string;
  disabledAt: string | null;
  failedSignIns: number;
}

function rowToUser(row: Selectable<UsersTable>): UserRecord {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    passwordHash: row.password_hash,
    isOperator: row.is_operator === 1,
    createdAt: row.created_at,
    disabledAt: row.disabled_at,
    failedSignIns: row.failed_sign_ins,
  };
}

export async function findUserByEmail(db: Queryable, email: string): Promise<UserRecord | undefined> {
  const row = await db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  return row === undefined ? undefined : rowToUser(row);
}

export async function findUserById(db: Queryable, id: string): Promise<UserRecord | undefined> {
  const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : rowToUser(row);
}

export interface NewUser {
  id: string;
  email: string;
  displayName: string;
  passwordHash: string;
  isOperator: boolean;
  at: string;
}

export async function insertUser(db: Queryable, user: NewUser): Promise<void> {
  await db
    .insertInto('users')
    .values({
      id: user.id,
      email: user.email,
      display_name: user.displayName,
      password_hash: user.passwordHash,
      password_changed_at: user.at,
      is_operator: user.isOperator ? 1 : 0,
      created_at: user.at,
    })
    .execute();
}

/** Replaces a password hash with one made with current parameters (same password). */
export async function updatePasswordHash(db: Queryable, userId: string, passwordHash: string): Promise<void> {
  await db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute();
}

/** Counts a failed sign-in (or unlock) of a known user; `lockedUntil` mirrors the throttle's block, if any. */
export async function countSignInFailure(db: Queryable, userId: string, lockedUntil: string | null): Promise<void> {
  await db
    .updateTable('users')
    .set((eb) => ({
      failed_sign_ins: eb('failed_sign_ins', '+', 1),
      ...(lockedUntil === null ? {} : { locked_until: lockedUntil }),
    }))
    .where('id', '=', userId)
    .execute();
}

export async function resetSignInFailures(db: Queryable, userId: string): Promise<void> {
  await db.updateTable('users').set({ failed_sign_ins: 0, locked_until: null }).where('id', '=', userId).execute();
}

export async function operatorExists(db: Queryable): Promise<boolean> {
  const row = await db.selectFrom('users').select('id').where('is_operator', '=', 1).limit(1).executeTakeFirst();
  return row !== undefined;
}

export async function getInstanceSetting(db: Queryable, key: string): Promise<string | undefined> {
  const row = await db.selectFrom('instance_settings').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value;
}

export async function putInstanceSetting(db: Queryable, key: string, value: string, at: string): Promise<void> {
  await db
    .insertInto('instance_settings')
    .values({ key, value, updated_at: at })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: at }))
    .execute();
}

export async function deleteInstanceSetting(db: Queryable, key: string): Promise<void> {
  await db.deleteFrom('instance_settings').where('key', '=', key).execute();
}
