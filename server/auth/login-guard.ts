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
import { HashGate } from './hash-gate.js';
import { LoginLockCache } from './login-lock-cache.js';
import { addLoginRefusals, DEFAULT_THROTTLE, journalPendingRefusals, pruneLoginAttempts, type ThrottlePolicy } from './throttle.js';

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

  async sweep(db: Database, now: Date): Promise<LoginSweepResult> {
    await addLoginRefusals(db, this.locks.takeRefusals(now), now);
    const journalled = await journalPendingRefusals(db, now);
    const pruned = await pruneLoginAttempts(db, now, this.policy);
    return { journalled, pruned };
  }
}
