// Sessions (server side: only the SHA-256 of the session id is stored) and login attempts
// (failure counters and lockouts per account and per source address).
import { sql } from 'kysely';
import { fromDbTime, fromDbTimeOrNull, toDbTime } from './columns.js';
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

/** Drop sessions whose absolute expiry has passed (idle ones are refused when presented). */
export async function deleteExpiredSessions(db: Database, now: Date): Promise<number> {
  const result = await db.deleteFrom('sessions').where('expires_at', '<', toDbTime(now)).executeTakeFirst();
  return Number(result.numDeletedRows);
}

// ---------------------------------------------------------------- login attempts

export interface LoginAttempts {
  subject: string;
  failures: number;
  last_failure_at: string;
  locked_until: string | null;
}

export async function findLoginAttempts(db: Database, subjects: readonly string[]): Promise<LoginAttempts[]> {
  if (subjects.length === 0) return [];
  const rows = await db.selectFrom('login_attempts').selectAll().where('subject', 'in', subjects).execute();
  return rows.map((r) => ({
    subject: r.subject,
    failures: Number(r.failures),
    last_failure_at: fromDbTime(r.last_failure_at),
    locked_until: fromDbTimeOrNull(r.locked_until),
  }));
}

/**
 * Count one more failure for `subject` atomically (concurrent failures are all counted); a count
 * whose last failure is older than `resetBefore` starts again at 1. Returns the new count.
 */
export async function incrementLoginFailures(db: Database, subject: string, now: Date, resetBefore: Date): Promise<number> {
  const at = toDbTime(now);
  const row = await db
    .insertInto('login_attempts')
    .values({ subject, failures: 1, last_failure_at: at, locked_until: null })
    .onConflict((oc) =>
      oc.column('subject').doUpdateSet({
        failures: sql<number>`case when login_attempts.last_failure_at < ${toDbTime(resetBefore)} then 1 else login_attempts.failures + 1 end`,
        last_failure_at: at,
      }),
    )
    .returning('failures')
    .executeTakeFirstOrThrow();
  return Number(row.failures);
}

export async function lockSubject(db: Database, subject: string, until: Date): Promise<void> {
  await db.updateTable('login_attempts').set({ locked_until: toDbTime(until) }).where('subject', '=', subject).execute();
}

export async function clearLoginAttempts(db: Database, subjects: readonly string[]): Promise<void> {
  if (subjects.length === 0) return;
  await db.deleteFrom('login_attempts').where('subject', 'in', subjects).execute();
}
