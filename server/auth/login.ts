// Logging in (password + TOTP or a recovery code, throttled) and enrolling TOTP.
//
// One answer for every wrong combination (unknown user, disabled user, wrong password, missing or
// wrong code): 401 invalid_credentials, after the same Argon2 work, so the answer tells nothing
// about which part was wrong. A user without MFA yet (new, or reset by an admin) logs in with the
// password alone into a "setup" session that can only enrol MFA (and change the initial password).
//
// TOTP secrets are stored sealed (./totp-at-rest.ts) and opened only to check a code.
import type { FastifyBaseLogger } from 'fastify';
import { appendAuditEvent } from '../auditlog/auditlog.js';
import type { SessionStage } from '../db/sessions.js';
import { setSessionStage } from '../db/sessions.js';
import {
  confirmTotpSecret,
  consumeRecoveryCode,
  findUserByUsername,
  recordTotpStep,
  replaceRecoveryCodes,
  setPendingTotpSecret,
  type UserCredentials,
} from '../db/users.js';
import type { Database } from '../db/schema.js';
import { ApiError } from '../errors.js';
import type { SecretsKey } from '../secrets/secrets-key.js';
import { dummyPasswordHash, verifyPassword } from './passwords.js';
import { generateRecoveryCode, hashRecoveryCode, normaliseRecoveryCode, RECOVERY_CODE_COUNT } from './recovery.js';
import { startSession, type StartedSession } from './session.js';
import { HashGate, hashBusy } from './hash-gate.js';
import type { LoginLockCache } from './login-lock-cache.js';
import { accountSubject, addressSubject, DEFAULT_THROTTLE, releaseLoginAttempt, reserveLoginAttempt, settleLoginFailure, type ThrottlePolicy } from './throttle.js';
import { acceptTotp, newTotpSecret, totpEnrolment, type TotpEnrolment } from './totp.js';
import { openTotpSecretOrLog, sealTotpSecret } from './totp-at-rest.js';

/** What opening stored TOTP secrets needs: the server secrets key, and where to report one that does not open. */
export interface TotpSecretAccess {
  key: SecretsKey;
  log: Pick<FastifyBaseLogger, 'error'>;
}

export interface LoginInput {
  username: string;
  password: string;
  totp_code?: string | undefined;
  recovery_code?: string | undefined;
}

export interface LoginResult {
  session: StartedSession;
  user: UserCredentials;
  stage: SessionStage;
}

export function stageOf(user: Pick<UserCredentials, 'totp_secret_sealed' | 'password_must_change'>): SessionStage {
  return user.totp_secret_sealed !== null && !user.password_must_change ? 'full' : 'setup';
}

const INVALID = () => new ApiError(401, 'invalid_credentials', 'Wrong username, password or code.');

export interface LoginOptions {
  policy?: ThrottlePolicy;
  /** Bounds the password hashes in flight (one per server process; see ./hash-gate.ts). */
  gate?: HashGate;
  /** Locks already known to this process: refused without a database round trip. */
  locks?: LoginLockCache;
}

/** Gate used when the caller gives none (CLI-less callers, tests): still a bound. */
const defaultGate = new HashGate();

export const loginLocked = (retryAfterSeconds: number) =>
  new ApiError(429, 'login_locked', `Too many failed logins; try again in ${retryAfterSeconds} s.`);

export async function login(
  db: Database,
  totpSecrets: TotpSecretAccess,
  input: LoginInput,
  sourceIp: string,
  now: Date,
  options: LoginOptions = {},
): Promise<LoginResult> {
  const policy = options.policy ?? DEFAULT_THROTTLE;
  const account = accountSubject(input.username);
  const subjects = [account, addressSubject(sourceIp)];
  // Reserve before hashing: concurrent attempts cannot all pass a lock none of them has set yet.
  // Refusals are counted and journalled once per lock period (./throttle.ts), not one by one.
  const cached = options.locks?.refuse(subjects, now) ?? null;
  if (cached !== null) throw loginLocked(cached);
  // A hash slot first (memory only): a refusal for lack of one costs no database work. The
  // priority (trusted, clean or suspect: ./hash-gate.ts) is judged before this attempt counts as
  // in flight.
  const priority = options.locks?.priority(account, subjects[1] as string, now) ?? 'clean';
  const endFlight = options.locks?.begin(subjects);
  try {
    const releaseSlot = await (options.gate ?? defaultGate).acquire(priority);
    if (releaseSlot === null) throw hashBusy();
    try {
      return await reservedLogin(db, totpSecrets, input, sourceIp, now, options, policy, subjects);
    } finally {
      releaseSlot();
    }
  } finally {
    endFlight?.();
  }
}

async function reservedLogin(
  db: Database,
  totpSecrets: TotpSecretAccess,
  input: LoginInput,
  sourceIp: string,
  now: Date,
  options: LoginOptions,
  policy: ThrottlePolicy,
  subjects: string[],
): Promise<LoginResult> {
  const account = subjects[0] as string;
  // Reserve before hashing: concurrent attempts cannot all pass a lock none of them has set yet.
  // Refusals are counted and journalled once per lock period (./throttle.ts), not one by one.
  const reservation = await reserveLoginAttempt(db, subjects, now, policy);
  if (!reservation.admitted) {
    for (const lock of reservation.locks) options.locks?.remember(lock.subject, lock.locked_until, now);
    throw loginLocked(reservation.retryAfterSeconds);
  }

  let outcome: Awaited<ReturnType<typeof checkCredentials>> | null = null;
  try {
    outcome = await checkCredentials(db, totpSecrets, input, now);
  } finally {
    // Not evaluated (an unexpected error): give the reservation back.
    if (outcome === null) await releaseLoginAttempt(db, subjects, [], now, policy);
  }

  if ('reason' in outcome) {
    const reason = outcome.reason;
    options.locks?.failed(subjects, now);
    // The count, the lock and their journal entries commit together (one disk sync).
    const locks = await settleLoginFailure(db, subjects, now, policy, async (trx, newLocks) => {
      await appendAuditEvent(trx, {
        actor: { type: 'user', id: input.username.slice(0, 200) || '-' },
        action: 'auth.login_failed',
        target: `user:${input.username.slice(0, 200)}`,
        details: { reason, source_ip: sourceIp, locked: newLocks.length > 0 },
        at: now,
      });
      for (const lock of newLocks) {
        await appendAuditEvent(trx, {
          actor: { type: 'system', id: 'vigie' },
          action: 'auth.login_locked',
          target: lock.subject,
          details: { failures: lock.failures, locked_until: lock.locked_until, source_ip: sourceIp },
          at: now,
        });
      }
    });
    for (const lock of locks) options.locks?.remember(lock.subject, lock.locked_until, now);
    throw INVALID();
  }

  const { user, method } = outcome;
  options.locks?.succeeded(account, subjects[1] as string, now);
  const stage = stageOf(user);
  const session = await releaseLoginAttempt(db, subjects, [account], now, policy, async (trx) => {
    const started = await startSession(trx, user, stage, sourceIp, now);
    await appendAuditEvent(trx, {
      actor: { type: 'user', id: user.username },
      action: 'auth.login',
      target: `user:${user.username}`,
      details: { method, stage, source_ip: sourceIp },
      at: now,
    });
    if (method === 'recovery_code') {
      await appendAuditEvent(trx, { actor: { type: 'user', id: user.username }, action: 'auth.recovery_code_used', target: `user:${user.username}`, at: now });
    }
    return started;
  });
  if (session === undefined) throw new Error('login: no session was started');
  return { session, user, stage };
}

/** The password and second factor of one reserved attempt: the user and method, or why it failed. */
async function checkCredentials(
  db: Database,
  totpSecrets: TotpSecretAccess,
  input: LoginInput,
  now: Date,
): Promise<{ user: UserCredentials; method: 'totp' | 'recovery_code' | 'password_only' } | { reason: string }> {
  const user = await findUserByUsername(db, input.username);
  const passwordOk = await verifyPassword(user?.password_hash ?? (await dummyPasswordHash()), input.password);
  if (user === undefined) return { reason: 'unknown_user' };
  if (!passwordOk) return { reason: 'wrong_password' };
  if (user.disabled_at !== null) return { reason: 'disabled' };
  if (user.totp_secret_sealed === null) return { user, method: 'password_only' };
  if (input.totp_code !== undefined) {
    // A stored secret that does not open (wrong secrets key, altered or moved value) fails this
    // login like a wrong code: the client gets the same 401 invalid_credentials and the failure
    // counts towards the lockout. The password was right at this point, so a distinct answer
    // (a 500) would confirm it to whoever is guessing. The operator learns it from the error log
    // (user, column, reason; never the value) and the audit entry's reason. Recovery codes are
    // hashed apart and still work, which gives the user a way in until an admin resets MFA.
    const secret = openTotpSecretOrLog(totpSecrets.key, totpSecrets.log, user, 'totp_secret', user.totp_secret_sealed);
    if (secret === null) return { reason: 'totp_secret_unreadable' };
    const step = acceptTotp(secret, input.totp_code, now, user.totp_last_step);
    // The conditional write makes a code usable once even by two concurrent logins.
    if (step === null || !(await recordTotpStep(db, user.user_id, step))) return { reason: 'wrong_totp' };
    return { user, method: 'totp' };
  }
  if (input.recovery_code !== undefined) {
    const code = normaliseRecoveryCode(input.recovery_code);
    if (code === null || !(await consumeRecoveryCode(db, user.user_id, hashRecoveryCode(code), now))) return { reason: 'wrong_recovery_code' };
    return { user, method: 'recovery_code' };
  }
  return { reason: 'missing_mfa_code' };
}

/** Offer a new TOTP secret (kept pending, sealed, until confirmed). Refused once MFA is enrolled. */
export async function beginTotpEnrolment(db: Database, key: SecretsKey, user: UserCredentials): Promise<TotpEnrolment & { secret: string }> {
  if (user.totp_secret_sealed !== null) {
    throw new ApiError(409, 'mfa_already_enrolled', 'MFA is already enrolled; an admin must reset it before a new enrolment.');
  }
  const secret = newTotpSecret();
  await setPendingTotpSecret(db, user.user_id, sealTotpSecret(key, user.user_id, 'totp_pending_secret', secret));
  return { secret, ...(await totpEnrolment(secret, user.username)) };
}

/**
 * Confirm the pending secret with a first code: MFA becomes active, 10 recovery codes are issued
 * (shown once), and the session moves on (to "full" unless the initial password must still change).
 */
export async function confirmTotpEnrolment(
  db: Database,
  totpSecrets: TotpSecretAccess,
  user: UserCredentials,
  sessionHash: string,
  code: string,
  now: Date,
): Promise<{ recovery_codes: string[]; stage: SessionStage }> {
  if (user.totp_secret_sealed !== null) throw new ApiError(409, 'mfa_already_enrolled', 'MFA is already enrolled.');
  const pendingSealed = user.totp_pending_secret_sealed;
  if (pendingSealed === null) throw new ApiError(409, 'mfa_enrollment_not_started', 'Start with POST /api/v1/auth/mfa/enroll.');
  // This session already proved the password, so saying the offer is unusable tells nothing new;
  // starting the enrolment again replaces it (the reason is in the error log).
  const pending = openTotpSecretOrLog(totpSecrets.key, totpSecrets.log, user, 'totp_pending_secret', pendingSealed);
  if (pending === null) throw new ApiError(409, 'mfa_enrollment_not_started', 'The pending enrolment cannot be used; start again with POST /api/v1/auth/mfa/enroll.');
  const step = acceptTotp(pending, code, now, null);
  if (step === null) throw new ApiError(400, 'invalid_code', 'The code does not match; check the device clock and try the next code.');
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, generateRecoveryCode);
  const sealed = sealTotpSecret(totpSecrets.key, user.user_id, 'totp_secret', pending);
  const stage = stageOf({ totp_secret_sealed: sealed, password_must_change: user.password_must_change });
  await db.transaction().execute(async (trx) => {
    if (!(await confirmTotpSecret(trx, user.user_id, pendingSealed, sealed, step))) {
      throw new ApiError(409, 'mfa_enrollment_not_started', 'The enrolment changed meanwhile; start again.');
    }
    await replaceRecoveryCodes(trx, user.user_id, codes.map(hashRecoveryCode), now);
    await setSessionStage(trx, sessionHash, stage);
    await appendAuditEvent(trx, { actor: { type: 'user', id: user.username }, action: 'auth.mfa_enrolled', target: `user:${user.username}`, details: { codes_issued: codes.length }, at: now });
  });
  return { recovery_codes: codes, stage };
}
