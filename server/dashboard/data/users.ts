// What the users page shows beside each account: last sign-in (from the audit log), live
// sessions, and a lock-out in force (from the login throttle). Three grouped queries, whatever
// the number of users.
import { toDbTime, fromDbTime, fromDbTimeOrNull } from '../../db/columns.js';
import type { Database } from '../../db/schema.js';
import { listUsers, type UserRecord } from '../../db/users.js';

export interface UserOverview extends UserRecord {
  last_login_at: string | null;
  sessions: number;
  /** Until when sign-in is locked after failures; null when not locked now. */
  locked_until: string | null;
}

export async function usersOverview(db: Database, now: Date): Promise<UserOverview[]> {
  const [users, logins, sessions, locks] = await Promise.all([
    listUsers(db),
    db
      .selectFrom('audit_log')
      .select(['target', (eb) => eb.fn.max('at').as('at')])
      .where('action', '=', 'auth.login')
      .groupBy('target')
      .execute(),
    db
      .selectFrom('sessions')
      .select(['user_id', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('expires_at', '>', toDbTime(now))
      .groupBy('user_id')
      .execute(),
    db.selectFrom('login_attempts').select(['subject', 'locked_until']).where('subject', 'like', 'user:%').where('locked_until', '>', toDbTime(now)).execute(),
  ]);
  const lastLogin = new Map(logins.filter((r) => r.target !== null && r.at !== null).map((r) => [r.target as string, fromDbTime(r.at as string | Date)]));
  const live = new Map(sessions.map((r) => [r.user_id, Number(r.n)]));
  const locked = new Map(locks.map((r) => [r.subject, fromDbTimeOrNull(r.locked_until)]));
  return users.map((u) => ({
    ...u,
    last_login_at: lastLogin.get(`user:${u.username}`) ?? null,
    sessions: live.get(u.user_id) ?? 0,
    locked_until: locked.get(`user:${u.username}`) ?? null,
  }));
}
