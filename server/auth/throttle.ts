// Login throttling: after `maxFailures` failed logins for an account, or from one source address,
// further attempts are refused without checking anything until the lockout ends. The lockout
// doubles with each further failure (1, 2, 4 ... up to 15 minutes); counters fade after an hour
// without failures. A success clears the account's counter, not the address's (else an attacker
// holding one valid account could reset the address counter between guesses on others).
import { clearLoginAttempts, findLoginAttempts, incrementLoginFailures, lockSubject } from '../db/sessions.js';
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

/** Usernames are matched case-insensitively for throttling, so "Alice" and "alice" share a counter. */
export const accountSubject = (username: string) => `user:${username.toLowerCase().slice(0, 200)}`;
export const addressSubject = (ip: string) => `ip:${ip.slice(0, 100)}`;

export type LockState = { locked: false } | { locked: true; until: string; retryAfterSeconds: number };

export async function lockState(db: Database, subjects: readonly string[], now: Date): Promise<LockState> {
  let until: string | null = null;
  for (const attempt of await findLoginAttempts(db, subjects)) {
    if (attempt.locked_until !== null && attempt.locked_until > now.toISOString() && (until === null || attempt.locked_until > until)) {
      until = attempt.locked_until;
    }
  }
  if (until === null) return { locked: false };
  return { locked: true, until, retryAfterSeconds: Math.max(1, Math.ceil((Date.parse(until) - now.getTime()) / 1000)) };
}

/** Count a failure against each subject; lock those that reached the threshold. Returns the new lock state. */
export async function recordLoginFailure(db: Database, subjects: readonly string[], now: Date, policy: ThrottlePolicy = DEFAULT_THROTTLE): Promise<LockState> {
  const resetBefore = new Date(now.getTime() - policy.resetAfterMs);
  for (const subject of subjects) {
    const failures = await incrementLoginFailures(db, subject, now, resetBefore);
    if (failures >= policy.maxFailures) {
      const doublings = Math.min(failures - policy.maxFailures, 20);
      const duration = Math.min(policy.lockoutMs * 2 ** doublings, policy.maxLockoutMs);
      await lockSubject(db, subject, new Date(now.getTime() + duration));
    }
  }
  return lockState(db, subjects, now);
}

export async function recordLoginSuccess(db: Database, username: string): Promise<void> {
  await clearLoginAttempts(db, [accountSubject(username)]);
}
