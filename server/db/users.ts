// Users (local accounts) and their recovery codes. Password hashes, TOTP secrets and code digests
// never leave this module except to the authentication code that checks them. TOTP secrets are
// stored sealed (server/auth/totp-at-rest.ts): this module writes only SealedSecret values and hands
// back what is stored, which the authentication code opens.
import { randomUUID } from 'node:crypto';
import { fromDbTime, fromDbTimeOrNull, toDbTime } from './columns.js';
import type { Role } from './roles.js';
import type { SealedSecret } from './sealed-column.js';
import type { Database } from './schema.js';

/** What may be shown about a user. */
export interface UserRecord {
  user_id: string;
  username: string;
  role: Role;
  mfa_enabled: boolean;
  password_must_change: boolean;
  created_at: string;
  disabled_at: string | null;
}

/** The two columns that hold a TOTP secret (each sealed with its own associated data). */
export type TotpSecretColumn = 'totp_secret' | 'totp_pending_secret';

/** A user with the secrets authentication needs. */
export interface UserCredentials extends UserRecord {
  password_hash: string;
  /** The stored (sealed) TOTP secret once MFA is enrolled; null before. Open it with openTotpSecret. */
  totp_secret_sealed: string | null;
  /** The stored (sealed) secret offered by /mfa/enroll, awaiting confirmation. */
  totp_pending_secret_sealed: string | null;
  totp_last_step: number | null;
}

interface UserRow {
  user_id: string;
  username: string;
  role: string;
  password_hash: string;
  password_must_change: number;
  totp_secret: string | null;
  totp_pending_secret: string | null;
  totp_last_step: number | string | null;
  created_at: string | Date;
  disabled_at: string | Date | null;
}

function toCredentials(row: UserRow): UserCredentials {
  return {
    user_id: row.user_id,
    username: row.username,
    // Only ROLES values are written (checked by createUser's callers' schemas).
    role: row.role as Role,
    mfa_enabled: row.totp_secret !== null,
    password_must_change: Number(row.password_must_change) === 1,
    created_at: fromDbTime(row.created_at),
    disabled_at: fromDbTimeOrNull(row.disabled_at),
    password_hash: row.password_hash,
    totp_secret_sealed: row.totp_secret,
    totp_pending_secret_sealed: row.totp_pending_secret,
    totp_last_step: row.totp_last_step === null ? null : Number(row.totp_last_step),
  };
}

export function publicUser(user: UserCredentials): UserRecord {
  const { user_id, username, role, mfa_enabled, password_must_change, created_at, disabled_at } = user;
  return { user_id, username, role, mfa_enabled, password_must_change, created_at, disabled_at };
}

export interface NewUser {
  username: string;
  role: Role;
  password_hash: string;
  password_must_change: boolean;
  now: Date;
}

/** Insert a user; throws a unique violation (isUniqueViolation) if the username is taken. */
export async function insertUser(db: Database, user: NewUser): Promise<UserRecord> {
  const userId = randomUUID();
  await db
    .insertInto('users')
    .values({
      user_id: userId,
      username: user.username,
      role: user.role,
      password_hash: user.password_hash,
      password_must_change: user.password_must_change ? 1 : 0,
      totp_secret: null,
      totp_pending_secret: null,
      totp_last_step: null,
      created_at: toDbTime(user.now),
      disabled_at: null,
    })
    .execute();
  return {
    user_id: userId,
    username: user.username,
    role: user.role,
    mfa_enabled: false,
    password_must_change: user.password_must_change,
    created_at: toDbTime(user.now),
    disabled_at: null,
  };
}

export async function findUserByUsername(db: Database, username: string): Promise<UserCredentials | undefined> {
  const row = await db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
  return row === undefined ? undefined : toCredentials(row);
}

export async function findUserById(db: Database, userId: string): Promise<UserCredentials | undefined> {
  const row = await db.selectFrom('users').selectAll().where('user_id', '=', userId).executeTakeFirst();
  return row === undefined ? undefined : toCredentials(row);
}

export const MAX_USERS_LISTED = 1000;

export async function listUsers(db: Database): Promise<UserRecord[]> {
  const rows = await db.selectFrom('users').selectAll().orderBy('username').limit(MAX_USERS_LISTED).execute();
  return rows.map((r) => publicUser(toCredentials(r)));
}

export async function disableUser(db: Database, userId: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ disabled_at: toDbTime(now) })
    .where('user_id', '=', userId)
    .where('disabled_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export async function setPassword(db: Database, userId: string, passwordHash: string, mustChange: boolean): Promise<void> {
  await db
    .updateTable('users')
    .set({ password_hash: passwordHash, password_must_change: mustChange ? 1 : 0 })
    .where('user_id', '=', userId)
    .execute();
}

/** Forget the TOTP secret and recovery codes: the next login must enrol MFA again. */
export async function resetMfa(db: Database, userId: string): Promise<void> {
  await db
    .updateTable('users')
    .set({ totp_secret: null, totp_pending_secret: null, totp_last_step: null })
    .where('user_id', '=', userId)
    .execute();
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
}

export async function setPendingTotpSecret(db: Database, userId: string, sealed: SealedSecret): Promise<void> {
  await db.updateTable('users').set({ totp_pending_secret: sealed }).where('user_id', '=', userId).execute();
}

/**
 * Confirm enrolment: the secret (sealed again for its own column) becomes the user's, only if the
 * pending value is still the one that was checked.
 */
export async function confirmTotpSecret(db: Database, userId: string, pendingSealed: string, sealed: SealedSecret, step: number): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ totp_secret: sealed, totp_pending_secret: null, totp_last_step: step })
    .where('user_id', '=', userId)
    .where('totp_pending_secret', '=', pendingSealed)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export interface StoredTotpSecrets {
  user_id: string;
  username: string;
  totp_secret: string | null;
  totp_pending_secret: string | null;
}

/** Every user holding a TOTP secret in either column, as stored (the start-up check reads them all). */
export async function listStoredTotpSecrets(db: Database): Promise<StoredTotpSecrets[]> {
  return db
    .selectFrom('users')
    .select(['user_id', 'username', 'totp_secret', 'totp_pending_secret'])
    .where((eb) => eb.or([eb('totp_secret', 'is not', null), eb('totp_pending_secret', 'is not', null)]))
    .orderBy('username')
    .execute();
}

/** Replace a stored TOTP secret by its sealed form, only if it still holds `stored` (concurrent starts). */
export async function replaceStoredTotpSecret(db: Database, userId: string, column: TotpSecretColumn, stored: string, sealed: SealedSecret): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set(column === 'totp_secret' ? { totp_secret: sealed } : { totp_pending_secret: sealed })
    .where('user_id', '=', userId)
    .where(column, '=', stored)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/**
 * Record an accepted TOTP step. Conditional on the step still being newer, so two concurrent logins
 * with the same code cannot both succeed.
 */
export async function recordTotpStep(db: Database, userId: string, step: number): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ totp_last_step: step })
    .where('user_id', '=', userId)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export async function replaceRecoveryCodes(db: Database, userId: string, codeHashes: readonly string[], now: Date): Promise<void> {
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  if (codeHashes.length === 0) return;
  await db
    .insertInto('recovery_codes')
    .values(codeHashes.map((code_hash) => ({ user_id: userId, code_hash, created_at: toDbTime(now), used_at: null })))
    .execute();
}

/** Use a recovery code once: true if it existed and was unused (and is now used). */
export async function consumeRecoveryCode(db: Database, userId: string, codeHash: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('recovery_codes')
    .set({ used_at: toDbTime(now) })
    .where('user_id', '=', userId)
    .where('code_hash', '=', codeHash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export async function unusedRecoveryCodes(db: Database, userId: string): Promise<number> {
  const row = await db
    .selectFrom('recovery_codes')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
