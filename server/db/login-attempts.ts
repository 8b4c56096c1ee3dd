// Rows of login_attempts: one per throttled subject ('user:<name>' or 'ip:<address>') with its
// failure count, lock, in-flight reservations and refusals not yet journalled. The decisions are
// in ../auth/throttle.ts; this file only locks, reads and writes rows.
import { fromDbTime, fromDbTimeOrNull, toDbTime } from './columns.js';
import type { Database } from './schema.js';

export interface LoginAttemptRow {
  subject: string;
  failures: number;
  last_failure_at: string;
  locked_until: string | null;
  reserved: number;
  reserved_until: string | null;
  refused: number;
  refused_since: string | null;
}

type StoredRow = {
  subject: string;
  failures: number | string;
  last_failure_at: string | Date;
  locked_until: string | Date | null;
  reserved: number | string;
  reserved_until: string | Date | null;
  refused: number | string;
  refused_since: string | Date | null;
};

function toRow(r: StoredRow): LoginAttemptRow {
  return {
    subject: r.subject,
    failures: Number(r.failures),
    last_failure_at: fromDbTime(r.last_failure_at),
    locked_until: fromDbTimeOrNull(r.locked_until),
    reserved: Number(r.reserved),
    reserved_until: fromDbTimeOrNull(r.reserved_until),
    refused: Number(r.refused),
    refused_since: fromDbTimeOrNull(r.refused_since),
  };
}

/**
 * Create the subjects' rows if new and take their write locks, in a stable order (so two
 * transactions never wait on each other crosswise), then read them. Must run in a transaction:
 * on PostgreSQL the upsert's DO UPDATE holds each row lock until the transaction ends, so a
 * concurrent attempt on the same subject waits and then reads the committed count; on SQLite the
 * transaction holds the database write lock (BEGIN IMMEDIATE, see ./database.ts).
 */
export async function lockLoginAttempts(trx: Database, subjects: readonly string[], now: Date): Promise<Map<string, LoginAttemptRow>> {
  const sorted = [...new Set(subjects)].sort();
  for (const subject of sorted) {
    await trx
      .insertInto('login_attempts')
      .values({ subject, failures: 0, last_failure_at: toDbTime(now), locked_until: null, reserved: 0, reserved_until: null, refused: 0, refused_since: null })
      .onConflict((oc) => oc.column('subject').doUpdateSet((eb) => ({ failures: eb.ref('login_attempts.failures') })))
      .execute();
  }
  const rows = sorted.length === 0 ? [] : await trx.selectFrom('login_attempts').selectAll().where('subject', 'in', sorted).execute();
  return new Map(rows.map((r) => [r.subject, toRow(r as StoredRow)]));
}

export async function writeLoginAttempt(trx: Database, row: LoginAttemptRow): Promise<void> {
  await trx
    .updateTable('login_attempts')
    .set({
      failures: row.failures,
      last_failure_at: toDbTime(row.last_failure_at),
      locked_until: row.locked_until === null ? null : toDbTime(row.locked_until),
      reserved: row.reserved,
      reserved_until: row.reserved_until === null ? null : toDbTime(row.reserved_until),
      refused: row.refused,
      refused_since: row.refused_since === null ? null : toDbTime(row.refused_since),
    })
    .where('subject', '=', row.subject)
    .execute();
}

export async function findLoginAttemptRows(db: Database, subjects: readonly string[]): Promise<LoginAttemptRow[]> {
  if (subjects.length === 0) return [];
  const rows = await db.selectFrom('login_attempts').selectAll().where('subject', 'in', subjects).execute();
  return rows.map((r) => toRow(r as StoredRow));
}

/** Subjects with refusals not yet journalled whose lock has ended (at most `limit`). */
export async function subjectsWithRefusalsToJournal(db: Database, now: Date, limit: number): Promise<string[]> {
  const at = toDbTime(now);
  const rows = await db
    .selectFrom('login_attempts')
    .select('subject')
    .where('refused', '>', 0)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', at)]))
    .orderBy('subject')
    .limit(limit)
    .execute();
  return rows.map((r) => r.subject);
}

export async function deleteLoginAttempt(trx: Database, subject: string): Promise<void> {
  await trx.deleteFrom('login_attempts').where('subject', '=', subject).execute();
}

/**
 * Delete up to `limit` rows that hold nothing any more at `now`: failures older than `forgetBefore`
 * (or none), no lock still running, no reservation still counting, no refusal left to journal.
 * Returns how many were deleted.
 */
export async function deleteSpentLoginAttempts(db: Database, now: Date, forgetBefore: Date, limit: number): Promise<number> {
  const at = toDbTime(now);
  const forget = toDbTime(forgetBefore);
  const spent = db
    .selectFrom('login_attempts')
    .select('subject')
    .where((eb) =>
      eb.and([
        eb.or([eb('failures', '=', 0), eb('last_failure_at', '<', forget)]),
        eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', at)]),
        eb.or([eb('reserved', '=', 0), eb('reserved_until', 'is', null), eb('reserved_until', '<', at)]),
        eb('refused', '=', 0),
      ]),
    )
    .orderBy('subject')
    .limit(limit);
  const result = await db.deleteFrom('login_attempts').where('subject', 'in', spent).executeTakeFirst();
  return Number(result.numDeletedRows);
}
