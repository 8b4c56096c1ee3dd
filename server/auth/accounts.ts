// Managing user accounts (CLI and admin routes share these): create, disable, reset MFA. Each
// change and its audit entry commit together.
import { appendAuditEvent, type AuditActor } from '../auditlog/auditlog.js';
import { isUniqueViolation } from '../db/columns.js';
import { deleteUserSessions } from '../db/sessions.js';
import {
  disableUser,
  findUserByUsername,
  insertUser,
  publicUser,
  resetMfa,
  type UserCredentials,
  type UserRecord,
} from '../db/users.js';
import type { Database } from '../db/schema.js';
import { ApiError } from '../errors.js';
import { Type } from 'typebox';
import { assertPasswordAcceptable, generateInitialPassword, hashPassword, PasswordPolicyError } from './passwords.js';
import type { Role } from './roles.js';
import { PERSON_ROLES } from './account-role.js';

/** Lower-case letters, digits, '.', '_', '-'; 2 to 64 characters, starting with a letter or digit. */
export const USERNAME_PATTERN = '^[a-z0-9][a-z0-9._-]{1,63}$';
export const UsernameSchema = Type.String({ pattern: USERNAME_PATTERN, maxLength: 64 });

export interface CreatedAccount {
  user: UserRecord;
  /** The generated one-time password (null when the caller supplied one). */
  initial_password: string | null;
}

/**
 * Create a user. Without `password`, a random one-time password is generated and must be changed
 * at first login; either way MFA enrolment is forced at first login (no TOTP secret yet).
 */
export async function createAccount(
  db: Database,
  input: { username: string; role: Role; password?: string },
  actor: AuditActor,
  now: Date,
): Promise<CreatedAccount> {
  // A token-only role (log-shipper) never goes to a person, whatever the caller checked.
  if (!(PERSON_ROLES as readonly Role[]).includes(input.role)) throw new ApiError(400, 'role_not_for_people', `The ${input.role} role is for API tokens only.`);
  if (!new RegExp(USERNAME_PATTERN).test(input.username)) {
    throw new ApiError(400, 'invalid_username', 'A username has 2 to 64 lower-case letters, digits, ".", "_" or "-".');
  }
  const generated = input.password === undefined ? generateInitialPassword() : null;
  const password = input.password ?? (generated as string);
  try {
    assertPasswordAcceptable(password);
  } catch (error) {
    if (error instanceof PasswordPolicyError) throw new ApiError(400, 'weak_password', error.message);
    throw error;
  }
  const passwordHash = await hashPassword(password);
  try {
    const user = await db.transaction().execute(async (trx) => {
      const created = await insertUser(trx, { username: input.username, role: input.role, password_hash: passwordHash, password_must_change: generated !== null, now });
      await appendAuditEvent(trx, { actor, action: 'user.created', target: `user:${input.username}`, details: { role: input.role, user_id: created.user_id }, at: now });
      return created;
    });
    return { user, initial_password: generated };
  } catch (error) {
    if (isUniqueViolation(error)) throw new ApiError(409, 'username_taken', `A user named ${input.username} already exists.`);
    throw error;
  }
}

async function existingUser(db: Database, username: string): Promise<UserCredentials> {
  const user = await findUserByUsername(db, username);
  if (user === undefined) throw new ApiError(404, 'user_not_found', `No user named ${username}.`);
  return user;
}

/** Disable a user and end their sessions. Returns the user (unchanged if already disabled). */
export async function disableAccount(db: Database, username: string, actor: AuditActor, now: Date): Promise<{ user: UserRecord; changed: boolean }> {
  const user = await existingUser(db, username);
  if (actor.type === 'user' && actor.id === username) throw new ApiError(409, 'cannot_disable_self', 'You cannot disable your own account.');
  const changed = await db.transaction().execute(async (trx) => {
    if (!(await disableUser(trx, user.user_id, now))) return false;
    const sessions = await deleteUserSessions(trx, user.user_id);
    await appendAuditEvent(trx, { actor, action: 'user.disabled', target: `user:${username}`, details: { sessions_ended: sessions }, at: now });
    return true;
  });
  return { user: publicUser((await findUserByUsername(db, username)) ?? user), changed };
}

/** Forget a user's TOTP secret and recovery codes and end their sessions: the next login enrols MFA again. */
export async function resetAccountMfa(db: Database, username: string, actor: AuditActor, now: Date): Promise<UserRecord> {
  const user = await existingUser(db, username);
  await db.transaction().execute(async (trx) => {
    await resetMfa(trx, user.user_id);
    const sessions = await deleteUserSessions(trx, user.user_id);
    await appendAuditEvent(trx, { actor, action: 'user.mfa_reset', target: `user:${username}`, details: { sessions_ended: sessions }, at: now });
  });
  return publicUser((await findUserByUsername(db, username)) ?? user);
}

// A user changing their own password: ./password-change.ts.
