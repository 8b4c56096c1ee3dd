// What one server process keeps to protect password checks, shared by every route that checks a
// password (the API's login and password change, the dashboard's sign-in and password forms):
// - the hash gate (./hash-gate.ts): one bound on password hashes in flight for the whole process,
//   so a flood on one door cannot be doubled by using the other;
// - the lock cache (./login-lock-cache.ts): locks and recent failures learnt by either door refuse
//   the next attempt at either without database work.
// And its upkeep (`sweep`, run every minute and at shutdown by the auth routes): refusals counted
// in memory go to the database and are journalled once their lock is over, and login_attempts
// rows that hold nothing any more are pruned, a bounded number per sweep.
import type { Database } from '../db/schema.js';
import { HASH_BUSY_RETRY_SECONDS, HashGate } from './hash-gate.js';
import { LoginLockCache } from './login-lock-cache.js';
import { addLoginRefusals, addressSubject, DEFAULT_THROTTLE, journalPendingRefusals, pruneLoginAttempts, type ThrottlePolicy } from './throttle.js';

export const LOGIN_SWEEP_MS = 60_000;

export interface LoginSweepResult {
  journalled: number;
  pruned: number;
}

export class LoginGuard {
  readonly gate: HashGate;
  readonly locks: LoginLockCache;
  readonly policy: ThrottlePolicy;

  constructor(options: { gate?: HashGate; policy?: ThrottlePolicy } = {}) {
    this.policy = options.policy ?? DEFAULT_THROTTLE;
    this.gate = options.gate ?? new HashGate();
    this.locks = new LoginLockCache(this.policy.resetAfterMs);
  }

  /** The options login() and changeOwnPassword() take. */
  get options(): { gate: HashGate; locks: LoginLockCache; policy: ThrottlePolicy } {
    return { gate: this.gate, locks: this.locks, policy: this.policy };
  }

  /**
   * Before the request body is even read: the refusal that the source address alone decides, as
   * login() would (the address is locked; or it failed recently, so its attempt is suspect, and
   * the flood's share of hash slots is taken), or
   * null. A flood from one address then costs no body parsing, validation or error object each.
   */
  refuseEarly(sourceIp: string, now: Date): { status: 429 | 503; retryAfterSeconds: number } | null {
    const subjects = [addressSubject(sourceIp)];
    const locked = this.locks.refuse(subjects, now);
    if (locked !== null) return { status: 429, retryAfterSeconds: locked };
    if (this.gate.floodFull && !this.locks.clean(subjects, now)) return { status: 503, retryAfterSeconds: HASH_BUSY_RETRY_SECONDS };
    return null;
  }

  async sweep(db: Database, now: Date): Promise<LoginSweepResult> {
    await addLoginRefusals(db, this.locks.takeRefusals(now), now);
    const journalled = await journalPendingRefusals(db, now);
    const pruned = await pruneLoginAttempts(db, now, this.policy);
    return { journalled, pruned };
  }
}
