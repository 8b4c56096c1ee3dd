// Who may log in to the bastion, and how: the login name `<user>+<target>` (or bare `<user>`), a
// public key the user registered (its signature checked here: ssh2 leaves that to the server), then
// a TOTP code over keyboard-interactive, checked like a web login code (same secrets, same replay
// protection, same throttle counters: a guesser gains nothing by switching doors).
import type { FastifyBaseLogger } from 'fastify';
import ssh2 from 'ssh2';
import { appendAuditEvent } from '../auditlog/auditlog.js';
import { accountSubject, addressSubject, lockState, releaseLoginAttempt, reserveLoginAttempt, settleLoginFailure, type LockState, type Reservation, type ThrottlePolicy } from '../auth/throttle.js';
import { acceptTotp } from '../auth/totp.js';
import { openTotpSecretOrLog } from '../auth/totp-at-rest.js';
import { findUserByUsername, recordTotpStep, type UserCredentials } from '../db/users.js';
import type { Database } from '../db/schema.js';
import type { SecretsKey } from '../secrets/secrets-key.js';
import type { RegisteredKey } from './authority.js';
import { sshFingerprint } from './keys.js';

const { utils } = ssh2;

export interface LoginName {
  username: string;
  /** null for a bare `<user>` login (list the grants and leave). */
  target: string | null;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,199}$/;
const TARGET = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** `jdupont+irm-vallee-01` -> {jdupont, irm-vallee-01}; null when it is not a well-formed name. */
export function parseLoginName(raw: string): LoginName | null {
  const plus = raw.indexOf('+');
  const username = plus === -1 ? raw : raw.slice(0, plus);
  const target = plus === -1 ? null : raw.slice(plus + 1);
  if (!NAME.test(username)) return null;
  if (target !== null && !TARGET.test(target)) return null;
  return { username, target };
}

export interface OfferedKey {
  algo: string;
  data: Buffer;
}

/** The registered key matching the offered one (same type and blob), if any. */
export function matchRegisteredKey(offered: OfferedKey, registered: readonly RegisteredKey[]): RegisteredKey | null {
  for (const key of registered) {
    const parsed = utils.parseKey(key.publicKey);
    if (parsed instanceof Error || Array.isArray(parsed)) continue;
    if (parsed.getPublicSSH().equals(offered.data)) return key;
  }
  return null;
}

/** Did the holder of `offered` sign `blob`? (RFC 4252 section 7; ssh2 hands the blob over unverified.) */
export function verifyKeySignature(offered: OfferedKey, blob: Buffer, signature: Buffer, hashAlgo: string | undefined): boolean {
  const parsed = utils.parseKey(offered.data);
  if (parsed instanceof Error || Array.isArray(parsed)) return false;
  const result = parsed.verify(blob, signature, hashAlgo);
  return result === true;
}

export function offeredFingerprint(offered: OfferedKey): string {
  return sshFingerprint(offered.data);
}

export interface LoginGuardDeps {
  db: Database;
  secretsKey: SecretsKey;
  log: Pick<FastifyBaseLogger, 'error'>;
  throttle?: ThrottlePolicy;
}

export function loginSubjects(username: string, sourceIp: string): string[] {
  return [accountSubject(username), addressSubject(sourceIp)];
}

export async function loginLockState(deps: LoginGuardDeps, username: string, sourceIp: string, now: Date): Promise<LockState> {
  return lockState(deps.db, loginSubjects(username, sourceIp), now);
}

/**
 * Reserve one attempt in the shared throttle before evaluating a key signature or a TOTP code (as
 * web logins do: concurrent guesses cannot exceed what the lockout allows). A refusal is audited.
 */
export async function reserveBastionAttempt(deps: LoginGuardDeps, username: string, sourceIp: string, now: Date): Promise<Reservation> {
  const reservation = await reserveLoginAttempt(deps.db, loginSubjects(username, sourceIp), now, deps.throttle);
  if (!reservation.admitted) {
    await appendAuditEvent(deps.db, {
      actor: { type: 'user', id: username.slice(0, 200) || '-' },
      action: 'bastion.login_failed',
      target: `user:${username.slice(0, 200)}`,
      details: { reason: reservation.reason === 'locked' ? 'locked' : 'attempt_in_flight', source_ip: sourceIp, until: reservation.until },
      at: now,
    });
  }
  return reservation;
}

/** The reserved attempt failed: count it (shared throttle) and audit it. */
export async function settleBastionFailure(deps: LoginGuardDeps, username: string, sourceIp: string, reason: string, now: Date, details: Record<string, unknown> = {}): Promise<void> {
  const locks = await settleLoginFailure(deps.db, loginSubjects(username, sourceIp), now, deps.throttle);
  await appendAuditEvent(deps.db, {
    actor: { type: 'user', id: username.slice(0, 200) || '-' },
    action: 'bastion.login_failed',
    target: `user:${username.slice(0, 200)}`,
    details: { reason, source_ip: sourceIp, locked: locks.length > 0, ...details },
    at: now,
  });
}

/** A failure found without a reservation in flight (an unregistered key, seen when the client gives up). */
export async function recordBastionLoginFailure(deps: LoginGuardDeps, username: string, sourceIp: string, reason: string, now: Date, details: Record<string, unknown> = {}): Promise<void> {
  const reservation = await reserveBastionAttempt(deps, username, sourceIp, now);
  if (reservation.admitted) await settleBastionFailure(deps, username, sourceIp, reason, now, details);
}

export async function findBastionUser(db: Database, username: string): Promise<UserCredentials | undefined> {
  const user = await findUserByUsername(db, username);
  return user === undefined || user.disabled_at !== null ? undefined : user;
}

/** Check a TOTP code for the user (replay-protected); counts neither success nor failure. */
export async function checkTotp(deps: LoginGuardDeps, user: UserCredentials, code: string, now: Date): Promise<'ok' | 'wrong' | 'not_enrolled' | 'unreadable'> {
  if (user.totp_secret_sealed === null) return 'not_enrolled';
  const secret = openTotpSecretOrLog(deps.secretsKey, deps.log, user, 'totp_secret', user.totp_secret_sealed);
  if (secret === null) return 'unreadable';
  const step = acceptTotp(secret, code.trim(), now, user.totp_last_step);
  if (step === null) return 'wrong';
  return (await recordTotpStep(deps.db, user.user_id, step)) ? 'ok' : 'wrong';
}

/** The reserved attempt succeeded: give the reservation back and forgive the account's failures. */
export async function releaseBastionAttempt(deps: LoginGuardDeps, username: string, sourceIp: string, now: Date): Promise<void> {
  await releaseLoginAttempt(deps.db, loginSubjects(username, sourceIp), [accountSubject(username)], now, deps.throttle);
}
