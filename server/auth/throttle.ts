// Login throttling: after `maxFailures` failed logins for an account, or from one source address,
// further attempts are refused without checking anything until the lockout ends. The lockout
// doubles with each further failure (1, 2, 4 ... up to 15 minutes); counters fade after an hour
// without failures. A success clears the account's counter, not the address's (else an attacker
// holding one valid account could reset the address counter between guesses on others).
//
// Concurrency: an attempt is *reserved* before its password is hashed, in one transaction that
// locks the subjects' rows. A subject admits at most `maxFailures - failures` attempts at once
// (at least one once a lockout has ended: each further failure locks again), so however many
// attempts arrive together, no more are evaluated than the lockout allows; the others are refused
// at once (429) without hashing. The reservation then becomes a failure, or is released.
//
// Refusals are not journalled one by one (a flood would fill the audit log without logging in):
// each subject counts them and one `auth.login_refused` entry with the count is written once its
// lock has ended (at the next admitted attempt, or by journalPendingRefusals).
import { appendAuditEvent } from '../auditlog/auditlog.js';
import { deleteLoginAttempt, deleteSpentLoginAttempts, findLoginAttemptRows, lockLoginAttempts, subjectsWithRefusalsToJournal, writeLoginAttempt, type LoginAttemptRow } from '../db/login-attempts.js';
import type { Database } from '../db/schema.js';

export interface ThrottlePolicy {
  maxFailures: number;
  lockoutMs: number;
  maxLockoutMs: number;
  /** Failures older than this are forgotten. */
  resetAfterMs: number;
}

export const DEFAULT_THROTTLE: ThrottlePolicy = {
  maxFailures: 3,
  lockoutMs: 60_000,
  maxLockoutMs: 15 * 60_000,
  resetAfterMs: 60 * 60_000,
};

/** A reservation not settled within this time (a server that died mid-login) no longer counts. */
export const RESERVATION_TTL_MS = 60_000;
/** What a client refused because attempts are in flight is told to wait. */
const BUSY_RETRY_SECONDS = 1;

/** Usernames are matched case-insensitively for throttling, so "Alice" and "alice" share a counter. */
export const accountSubject = (username: string) => `user:${username.toLowerCase().slice(0, 200)}`;
export const addressSubject = (ip: string) => `ip:${ip.slice(0, 100)}`;

export type LockState = { locked: false } | { locked: true; until: string; retryAfterSeconds: number };

export type Reservation =
  | { admitted: true }
  | { admitted: false; reason: 'locked' | 'in_flight'; until: string; retryAfterSeconds: number; locks: SubjectLock[] };

export interface SubjectLock {
  subject: string;
  locked_until: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The row as it stands at `now`: failures forgotten after resetAfterMs, stale reservations dropped. */
function current(row: LoginAttemptRow, now: Date, policy: ThrottlePolicy): LoginAttemptRow {
  const t = now.getTime();
  const stale = Date.parse(row.last_failure_at) < t - policy.resetAfterMs;
  const reservationsLapsed = row.reserved_until === null || Date.parse(row.reserved_until) < t;
  return {
    ...row,
    failures: stale ? 0 : row.failures,
    reserved: reservationsLapsed ? 0 : row.reserved,
    reserved_until: reservationsLapsed ? null : row.reserved_until,
  };
}

/** A row that holds nothing (no failure, lock, reservation or refusal) is deleted, not kept. */
async function store(trx: Database, row: LoginAttemptRow): Promise<void> {
  if (row.failures === 0 && row.locked_until === null && row.reserved === 0 && row.refused === 0) await deleteLoginAttempt(trx, row.subject);
  else await writeLoginAttempt(trx, row);
}

const isLocked = (row: LoginAttemptRow, now: Date) => row.locked_until !== null && Date.parse(row.locked_until) > now.getTime();

/** How many attempts this subject may have in flight: what is left before the lock, at least one. */
const allowance = (row: LoginAttemptRow, policy: ThrottlePolicy) => Math.max(1, policy.maxFailures - row.failures);

function lockDuration(failures: number, policy: ThrottlePolicy): number {
  const doublings = Math.min(failures - policy.maxFailures, 20);
  return Math.min(policy.lockoutMs * 2 ** doublings, policy.maxLockoutMs);
}

async function journalRefusals(trx: Database, row: LoginAttemptRow, now: Date): Promise<LoginAttemptRow> {
  if (row.refused === 0) return row;
  await appendAuditEvent(trx, {
    actor: { type: 'system', id: 'vigie' },
    action: 'auth.login_refused',
    target: row.subject,
    details: { refused: row.refused, first_refused_at: row.refused_since, locked_until: row.locked_until },
    at: now,
  });
  return { ...row, refused: 0, refused_since: null };
}

/**
 * Reserve one attempt for every subject, or for none: refused when a subject is locked, or when
 * it already has as many attempts in flight as it may still fail. A refusal is counted (journalled
 * later with the others), not evaluated.
 */
export async function reserveLoginAttempt(db: Database, subjects: readonly string[], now: Date, policy: ThrottlePolicy = DEFAULT_THROTTLE): Promise<Reservation> {
  return db.transaction().execute(async (trx) => {
    const rows = [...(await lockLoginAttempts(trx, subjects, now)).values()].map((row) => current(row, now, policy));
    let refusal: Exclude<Reservation, { admitted: true }> | null = null;
    for (const row of rows) {
      if (isLocked(row, now)) {
        const until = row.locked_until as string;
        if (refusal === null || refusal.reason !== 'locked' || until > refusal.until) {
          refusal = { admitted: false, reason: 'locked', until, retryAfterSeconds: Math.max(1, Math.ceil((Date.parse(until) - now.getTime()) / 1000)), locks: [] };
        }
      } else if (row.reserved >= allowance(row, policy) && refusal === null) {
        refusal = { admitted: false, reason: 'in_flight', until: iso(now.getTime() + BUSY_RETRY_SECONDS * 1000), retryAfterSeconds: BUSY_RETRY_SECONDS, locks: [] };
      }
    }
    if (refusal !== null) refusal.locks = rows.filter((row) => isLocked(row, now)).map((row) => ({ subject: row.subject, locked_until: row.locked_until as string }));
    for (const row of rows) {
      if (refusal !== null) {
        // Only the subjects that refused count it: a locked address must not inflate the count of
        // an account it merely tried.
        if (isLocked(row, now) || row.reserved >= allowance(row, policy)) {
          await writeLoginAttempt(trx, { ...row, refused: row.refused + 1, refused_since: row.refused_since ?? now.toISOString() });
        } else {
          await store(trx, row);
        }
        continue;
      }
      const journalled = await journalRefusals(trx, row, now);
      await writeLoginAttempt(trx, { ...journalled, reserved: row.reserved + 1, reserved_until: iso(now.getTime() + RESERVATION_TTL_MS) });
    }
    return refusal ?? { admitted: true };
  });
}

export interface NewLock {
  subject: string;
  failures: number;
  locked_until: string;
}

/** The reserved attempt failed: count it against every subject and lock those at the threshold. */
export async function settleLoginFailure(
  db: Database,
  subjects: readonly string[],
  now: Date,
  policy: ThrottlePolicy = DEFAULT_THROTTLE,
  /** Work committed with the count (the journal entries): one transaction, one disk sync. */
  within?: (trx: Database, locks: NewLock[]) => Promise<void>,
): Promise<NewLock[]> {
  return db.transaction().execute(async (trx) => {
    const locks: NewLock[] = [];
    for (const stored of (await lockLoginAttempts(trx, subjects, now)).values()) {
      const row = current(stored, now, policy);
      const failures = row.failures + 1;
      let lockedUntil = row.locked_until;
      if (failures >= policy.maxFailures) {
        lockedUntil = iso(now.getTime() + lockDuration(failures, policy));
        locks.push({ subject: row.subject, failures, locked_until: lockedUntil });
      }
      await writeLoginAttempt(trx, {
        ...row,
        failures,
        last_failure_at: now.toISOString(),
        locked_until: lockedUntil,
        reserved: Math.max(0, row.reserved - 1),
      });
    }
    await within?.(trx, locks);
    return locks;
  });
}

/**
 * The reserved attempt succeeded (`clear`: the subjects whose failures it forgives, the account) or
 * was never evaluated (`clear` empty): give the reservation back.
 */
export async function releaseLoginAttempt<T = void>(
  db: Database,
  subjects: readonly string[],
  clear: readonly string[],
  now: Date,
  policy: ThrottlePolicy = DEFAULT_THROTTLE,
  /** Work committed with the release (the session, the journal entry). */
  within?: (trx: Database) => Promise<T>,
): Promise<T | undefined> {
  return db.transaction().execute(async (trx) => {
    for (const stored of (await lockLoginAttempts(trx, subjects, now)).values()) {
      const row = current(stored, now, policy);
      const forgiven = clear.includes(row.subject);
      await store(trx, {
        ...row,
        failures: forgiven ? 0 : row.failures,
        locked_until: forgiven ? null : row.locked_until,
        reserved: Math.max(0, row.reserved - 1),
      });
    }
    return within?.(trx);
  });
}

/** The lock state of these subjects now (read only). */
export async function lockState(db: Database, subjects: readonly string[], now: Date): Promise<LockState> {
  let until: string | null = null;
  for (const row of await findLoginAttemptRows(db, subjects)) {
    if (isLocked(row, now) && (until === null || (row.locked_until as string) > until)) until = row.locked_until;
  }
  if (until === null) return { locked: false };
  return { locked: true, until, retryAfterSeconds: Math.max(1, Math.ceil((Date.parse(until) - now.getTime()) / 1000)) };
}

/** Add refusals counted elsewhere (a process's lock cache, ./login-lock-cache.ts) to the subjects' counters. */
export async function addLoginRefusals(db: Database, refusals: readonly { subject: string; refused: number; first_refused_at: string }[], now: Date): Promise<void> {
  for (const refusal of refusals) {
    await db.transaction().execute(async (trx) => {
      const row = (await lockLoginAttempts(trx, [refusal.subject], now)).get(refusal.subject);
      if (row === undefined) return;
      const since = row.refused_since === null || refusal.first_refused_at < row.refused_since ? refusal.first_refused_at : row.refused_since;
      await writeLoginAttempt(trx, { ...row, refused: row.refused + refusal.refused, refused_since: since });
    });
  }
}

/** Journal the refusals counted by subjects whose lock has ended (run periodically by the server). */
export async function journalPendingRefusals(db: Database, now: Date, limit = 500): Promise<number> {
  let written = 0;
  for (const subject of await subjectsWithRefusalsToJournal(db, now, limit)) {
    written += await db.transaction().execute(async (trx) => {
      const row = (await lockLoginAttempts(trx, [subject], now)).get(subject);
      if (row === undefined || row.refused === 0 || isLocked(row, now)) return 0;
      await writeLoginAttempt(trx, await journalRefusals(trx, row, now));
      return 1;
    });
  }
  return written;
}

/** Rows deleted per statement, and statements per sweep, by pruneLoginAttempts. */
export const PRUNE_BATCH = 1000;
export const PRUNE_BATCHES_PER_SWEEP = 20;

/**
 * Delete login_attempts rows that hold nothing any more (failures forgotten, lock over,
 * reservations lapsed, refusals journalled): a flood of made-up usernames leaves one row each,
 * which would otherwise stay for good. Bounded per call (PRUNE_BATCH x PRUNE_BATCHES_PER_SWEEP
 * rows, each batch its own short statement); what is left goes at the next sweep.
 */
export async function pruneLoginAttempts(db: Database, now: Date, policy: ThrottlePolicy = DEFAULT_THROTTLE, batches = PRUNE_BATCHES_PER_SWEEP): Promise<number> {
  const forgetBefore = new Date(now.getTime() - policy.resetAfterMs);
  let pruned = 0;
  for (let i = 0; i < batches; i++) {
    const deleted = await deleteSpentLoginAttempts(db, now, forgetBefore, PRUNE_BATCH);
    pruned += deleted;
    if (deleted < PRUNE_BATCH) break;
  }
  return pruned;
}
