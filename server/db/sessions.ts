// Sessions (server side: only the SHA-256 of the session id is stored).
import { fromDbTime, toDbTime } from './columns.js';
import type { Database } from './schema.js';

export type SessionStage = 'setup' | 'full';

export interface SessionRecord {
  session_hash: string;
  user_id: string;
  stage: SessionStage;
  csrf_hash: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
}

export async function insertSession(
  db: Database,
  session: Omit<SessionRecord, 'created_at' | 'last_seen_at' | 'expires_at'> & { now: Date; expires_at: Date; source_ip: string | null },
): Promise<void> {
  await db
    .insertInto('sessions')
    .values({
      session_hash: session.session_hash,
      user_id: session.user_id,
      stage: session.stage,
      csrf_hash: session.csrf_hash,
      created_at: toDbTime(session.now),
      last_seen_at: toDbTime(session.now),
      expires_at: toDbTime(session.expires_at),
      source_ip: session.source_ip,
    })
    .execute();
}

export async function findSession(db: Database, sessionHash: string): Promise<SessionRecord | undefined> {
  const row = await db
    .selectFrom('sessions')
    .select(['session_hash', 'user_id', 'stage', 'csrf_hash', 'created_at', 'last_seen_at', 'expires_at'])
    .where('session_hash', '=', sessionHash)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    ...row,
    stage: row.stage === 'full' ? 'full' : 'setup',
    created_at: fromDbTime(row.created_at),
    last_seen_at: fromDbTime(row.last_seen_at),
    expires_at: fromDbTime(row.expires_at),
  };
}

export async function touchSession(db: Database, sessionHash: string, now: Date): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: toDbTime(now) }).where('session_hash', '=', sessionHash).execute();
}

export async function setSessionStage(db: Database, sessionHash: string, stage: SessionStage): Promise<void> {
  await db.updateTable('sessions').set({ stage }).where('session_hash', '=', sessionHash).execute();
}

export async function deleteSession(db: Database, sessionHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('session_hash', '=', sessionHash).execute();
}

/** End every session of a user (disabled, MFA reset, password changed). */
export async function deleteUserSessions(db: Database, userId: string): Promise<number> {
  const result = await db.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** End every session of a user but one (the one that changed the password). */
export async function deleteUserSessionsExcept(db: Database, userId: string, keepSessionHash: string): Promise<number> {
  const result = await db.deleteFrom('sessions').where('user_id', '=', userId).where('session_hash', '!=', keepSessionHash).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Drop sessions whose absolute expiry has passed (idle ones are refused when presented). */
export async function deleteExpiredSessions(db: Database, now: Date): Promise<number> {
  const result = await db.deleteFrom('sessions').where('expires_at', '<', toDbTime(now)).executeTakeFirst();
  return Number(result.numDeletedRows);
}

// Login attempts (failure counters, lockouts, reservations): ./login-attempts.ts.
