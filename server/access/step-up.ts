// Step-up: every review carries a fresh TOTP code of the reviewer, checked like a login code —
// same secret, same replay protection (a code's time step is accepted once, logins included), and
// the same throttle (failures count against the account and the source address, and a locked
// account cannot review either).
import type { FastifyBaseLogger } from 'fastify';
import { appendAuditEvent } from '../auditlog/auditlog.js';
import { accountSubject, addressSubject, DEFAULT_THROTTLE, releaseLoginAttempt, reserveLoginAttempt, settleLoginFailure, type ThrottlePolicy } from '../auth/throttle.js';
import { acceptTotp } from '../auth/totp.js';
import { openTotpSecretOrLog } from '../auth/totp-at-rest.js';
import { findUserById, recordTotpStep } from '../db/users.js';
import type { Database } from '../db/schema.js';
import { ApiError } from '../errors.js';
import type { SecretsKey } from '../secrets/secrets-key.js';

export interface StepUpDeps {
  db: Database;
  secretsKey: SecretsKey;
  log: Pick<FastifyBaseLogger, 'error'>;
  throttle?: ThrottlePolicy;
}

/**
 * Check `code` for `userId` at `now`; throws 429 step_up_locked or 401 invalid_totp (audited).
 * `purpose` names what the code was for in the audit entry ("review of access_request:...").
 */
export async function verifyStepUp(deps: StepUpDeps, userId: string, code: string, sourceIp: string, now: Date, purpose: string): Promise<void> {
  const user = await findUserById(deps.db, userId);
  if (user === undefined) throw new ApiError(401, 'invalid_totp', 'Wrong or already used TOTP code.');
  const subjects = [accountSubject(user.username), addressSubject(sourceIp)];
  const policy = deps.throttle ?? DEFAULT_THROTTLE;
  // Reserved before checking, like a login attempt (server/auth/throttle.ts): concurrent guesses
  // cannot all pass a lock none of them has set yet.
  const reservation = await reserveLoginAttempt(deps.db, subjects, now, policy);
  if (!reservation.admitted) {
    await appendAuditEvent(deps.db, {
      actor: { type: 'user', id: user.username },
      action: 'access.step_up_failed',
      target: `user:${user.username}`,
      details: { reason: reservation.reason, purpose, source_ip: sourceIp, locked_until: reservation.until },
      at: now,
    });
    throw new ApiError(429, 'step_up_locked', `Too many failed codes; try again in ${reservation.retryAfterSeconds} s.`);
  }
  let reason: string | null = null;
  try {
    if (user.totp_secret_sealed === null) reason = 'mfa_not_enrolled';
    else {
      const secret = openTotpSecretOrLog(deps.secretsKey, deps.log, user, 'totp_secret', user.totp_secret_sealed);
      const step = secret === null ? null : acceptTotp(secret, code, now, user.totp_last_step);
      if (secret === null) reason = 'totp_secret_unreadable';
      else if (step === null || !(await recordTotpStep(deps.db, user.user_id, step))) reason = 'wrong_or_replayed_totp';
    }
  } catch (error) {
    await releaseLoginAttempt(deps.db, subjects, [], now, policy);
    throw error;
  }
  if (reason === null) {
    // A good code gives the reservation back; it does not forgive earlier failed logins.
    await releaseLoginAttempt(deps.db, subjects, [], now, policy);
    return;
  }
  const locks = await settleLoginFailure(deps.db, subjects, now, policy);
    await appendAuditEvent(deps.db, {
      actor: { type: 'user', id: user.username },
      action: 'access.step_up_failed',
      target: `user:${user.username}`,
    details: { reason, purpose, source_ip: sourceIp, locked: locks.length > 0 },
    at: now,
  });
  throw new ApiError(401, 'invalid_totp', 'Wrong or already used TOTP code: enter the current code of your authenticator app.');
}
