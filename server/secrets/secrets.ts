// Secrets handed out by the server (enrollment tokens, agent credentials, API tokens).
//
// Every secret is 32 random bytes (256 bits), base64url, and only its SHA-256 digest is stored.
// A slow password hash (scrypt, argon2) exists to make guessing low-entropy human passwords
// expensive; a 256-bit random secret cannot be guessed, so a fast hash loses nothing and keeps
// every authenticated request cheap. Digests are compared with timingSafeEqual.
//
// Wire formats (the part before the first '.' is a public identifier used to find the row):
//   enrollment token   enr_<token_id>.<secret>
//   agent credential   <host_id>.<secret>          (host_id is a UUID)
//   API token          vigie_<token_id>.<secret>
// token_id is 12 random bytes in base64url (16 characters); base64url has no '.', so splitting on
// the first '.' is unambiguous.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

export const ENROLLMENT_TOKEN_PREFIX = 'enr_';
export const API_TOKEN_PREFIX = 'vigie_';

/** Upper bound on any presented secret string, so a hostile header cannot cost much to parse. */
export const MAX_PRESENTED_SECRET_LENGTH = 256;

const ID_PATTERN = /^[A-Za-z0-9_-]{16}$/;
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** 32 random bytes, base64url (43 characters). */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** A public token identifier: 12 random bytes, base64url (16 characters). */
export function newTokenId(): string {
  return randomBytes(12).toString('base64url');
}

export function newHostId(): string {
  return randomUUID();
}

/** SHA-256 of the secret, hex. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Are these two hex digests equal? Constant-time in their comparison. */
export function digestsMatch(presentedHash: string, storedHash: string): boolean {
  const presented = Buffer.from(presentedHash, 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}

/** Does `secret` hash to `storedHash`? Constant-time in the digest comparison. */
export function secretMatches(secret: string, storedHash: string): boolean {
  return digestsMatch(hashSecret(secret), storedHash);
}

export interface PresentedSecret {
  id: string;
  secret: string;
}

/** Split `<prefix><id>.<secret>`; null when the string is not of that shape. */
function splitSecret(value: string, prefix: string, idPattern: RegExp): PresentedSecret | null {
  if (value.length > MAX_PRESENTED_SECRET_LENGTH || !value.startsWith(prefix)) return null;
  const rest = value.slice(prefix.length);
  const dot = rest.indexOf('.');
  if (dot < 0) return null;
  const id = rest.slice(0, dot);
  const secret = rest.slice(dot + 1);
  if (!idPattern.test(id) || !SECRET_PATTERN.test(secret)) return null;
  return { id, secret };
}

export const formatEnrollmentToken = (id: string, secret: string) => `${ENROLLMENT_TOKEN_PREFIX}${id}.${secret}`;
export const parseEnrollmentToken = (value: string) => splitSecret(value, ENROLLMENT_TOKEN_PREFIX, ID_PATTERN);

export const formatApiToken = (id: string, secret: string) => `${API_TOKEN_PREFIX}${id}.${secret}`;
export const parseApiToken = (value: string) => splitSecret(value, API_TOKEN_PREFIX, ID_PATTERN);

export const formatCredential = (hostId: string, secret: string) => `${hostId}.${secret}`;
export const parseCredential = (value: string) => splitSecret(value, '', UUID_PATTERN);
