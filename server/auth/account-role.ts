// Changing a person's role (the admin's users page): the change, the end of the user's sessions
// (they sign in again under the new role) and its audit entry commit together. An admin cannot
// change their own role (no lock-out of the last admin by mistake, no silent self-demotion).
import { Type } from 'typebox';
import { appendAuditEvent, type AuditActor } from '../auditlog/auditlog.js';
import { deleteUserSessions } from '../db/sessions.js';
import type { Database } from '../db/schema.js';
import { findUserByUsername, publicUser, type UserRecord } from '../db/users.js';
import { ApiError } from '../errors.js';
import { ROLES, type Role } from './roles.js';

/** Roles a person may hold: every role but the API-token-only ones (log-shipper). */
export const PERSON_ROLES = ROLES.filter((r) => r !== 'log-shipper') as Exclude<Role, 'log-shipper'>[];
export const PersonRoleSchema = Type.Enum(PERSON_ROLES);

export async function changeAccountRole(db: Database, username: string, role: Role, actor: AuditActor, now: Date): Promise<{ user: UserRecord; changed: boolean }> {
  if (!(PERSON_ROLES as readonly Role[]).includes(role)) throw new ApiError(400, 'role_not_for_people', `The ${role} role is for API tokens only.`);
  const user = await findUserByUsername(db, username);
  if (user === undefined) throw new ApiError(404, 'user_not_found', `No user named ${username}.`);
  if (actor.type === 'user' && actor.id === username) throw new ApiError(409, 'cannot_change_own_role', 'You cannot change your own role.');
  if (user.role === role) return { user: publicUser(user), changed: false };
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ role }).where('user_id', '=', user.user_id).execute();
    const sessions = await deleteUserSessions(trx, user.user_id);
    await appendAuditEvent(trx, { actor, action: 'user.role_changed', target: `user:${username}`, details: { from: user.role, to: role, sessions_ended: sessions }, at: now });
  });
  return { user: { ...publicUser(user), role }, changed: true };
}
