// A user changes their own password (the current one is required). The check of the current
// password is a password guess like a login: it is reserved against the account's lockout before
// hashing (./throttle.ts), bounded by the hash gate, and every wrong one is journalled. When the
// wrong guesses lock the account, the session that made them ends: whoever holds a stolen cookie
// cannot keep guessing. A successful change ends the user's other sessions (a thief's included).
import { appendAuditEvent } from '../auditlog/auditlog.js';
import { deleteSession, deleteUserSessionsExcept } from '../db/sessions.js';
import { findUserByUsername, setPassword, type UserCredentials } from '../db/users.js';
import type { Database } from '../db/schema.js';
import { ApiError } from '../errors.js';
import { HashGate, hashBusy } from './hash-gate.js';
import { loginLocked } from './login.js';
import type { LoginLockCache } from './login-lock-cache.js';
import { assertPasswordAcceptable, hashPassword, PasswordPolicyError, verifyPassword } from './passwords.js';
import { accountSubject, DEFAULT_THROTTLE, releaseLoginAttempt, reserveLoginAttempt, settleLoginFailure, type ThrottlePolicy } from './throttle.js';

export interface PasswordChangeRequest {
  username: string;
  /** The session making the change: kept; every other session of the user ends. */
  sessionHash: string;
  sourceIp: string;
  current: string;
  next: string;
}

export interface PasswordChangeOptions {
  policy?: ThrottlePolicy;
  gate?: HashGate;
  locks?: LoginLockCache;
}

const fallbackGate = new HashGate();

export async function changeOwnPassword(db: Database, change: PasswordChangeRequest, now: Date, options: PasswordChangeOptions = {}): Promise<UserCredentials> {
  const policy = options.policy ?? DEFAULT_THROTTLE;
  const user = await findUserByUsername(db, change.username);
  if (user === undefined) throw new ApiError(404, 'user_not_found', `No user named ${change.username}.`);
  const subjects = [accountSubject(user.username)];
  const cached = options.locks?.refuse(subjects, now) ?? null;
  if (cached !== null) throw loginLocked(cached);
  const releaseSlot = await (options.gate ?? fallbackGate).acquire((options.locks?.clean(subjects, now) ?? true) ? 'clean' : 'suspect');
  if (releaseSlot === null) throw hashBusy();
  let currentOk: boolean | null = null;
  try {
    const reservation = await reserveLoginAttempt(db, subjects, now, policy);
    if (!reservation.admitted) {
      for (const lock of reservation.locks) options.locks?.remember(lock.subject, lock.locked_until, now);
      throw loginLocked(reservation.retryAfterSeconds);
    }
    try {
      currentOk = await verifyPassword(user.password_hash, change.current);
    } finally {
      if (currentOk === null) await releaseLoginAttempt(db, subjects, [], now, policy);
    }
  } finally {
    releaseSlot();
  }

  if (!currentOk) {
    options.locks?.failed(subjects, now);
    let endSession = false;
    const locks = await settleLoginFailure(db, subjects, now, policy, async (trx, locks) => {
      endSession = locks.length > 0;
      await appendAuditEvent(trx, {
        actor: { type: 'user', id: user.username },
        action: 'user.password_change_failed',
        target: `user:${user.username}`,
        details: { reason: 'wrong_current_password', source_ip: change.sourceIp, session_ended: endSession },
        at: now,
      });
      for (const lock of locks) {
        await appendAuditEvent(trx, {
          actor: { type: 'system', id: 'vigie' },
          action: 'auth.login_locked',
          target: lock.subject,
          details: { failures: lock.failures, locked_until: lock.locked_until, source_ip: change.sourceIp },
          at: now,
        });
      }
      if (endSession) await deleteSession(trx, change.sessionHash);
    });
    for (const lock of locks) options.locks?.remember(lock.subject, lock.locked_until, now);
    if (endSession) throw new ApiError(401, 'session_ended', 'Too many wrong current passwords: this session has ended and the account is locked for a while.');
    throw new ApiError(400, 'wrong_password', 'The current password is wrong.');
  }

  // The right current password forgives the account's earlier failures, as a login does.
  options.locks?.succeeded(subjects[0] as string);
  await releaseLoginAttempt(db, subjects, subjects, now, policy);
  if (change.current === change.next) throw new ApiError(400, 'weak_password', 'The new password must differ from the current one.');
  try {
    assertPasswordAcceptable(change.next);
  } catch (error) {
    if (error instanceof PasswordPolicyError) throw new ApiError(400, 'weak_password', error.message);
    throw error;
  }
  const passwordHash = await hashPassword(change.next);
  await db.transaction().execute(async (trx) => {
    await setPassword(trx, user.user_id, passwordHash, false);
    const ended = await deleteUserSessionsExcept(trx, user.user_id, change.sessionHash);
    await appendAuditEvent(trx, {
      actor: { type: 'user', id: user.username },
      action: 'user.password_changed',
      target: `user:${user.username}`,
      details: { other_sessions_ended: ended, source_ip: change.sourceIp },
      at: now,
    });
  });
  const updated = await findUserByUsername(db, change.username);
  if (updated === undefined) throw new ApiError(404, 'user_not_found', `No user named ${change.username}.`);
  return updated;
}
