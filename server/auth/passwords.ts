// Human passwords: Argon2id (memory-hard) from @node-rs/argon2, which ships prebuilt binaries as
// npm packages (no compiler, no download at install). Parameters: OWASP's recommended minimum for
// Argon2id (19 MiB, 2 passes, 1 lane); the encoded hash carries them, so they can be raised later
// and old hashes still verify.
import { randomBytes } from 'node:crypto';
import { hash, verify, type Algorithm } from '@node-rs/argon2';

/** Algorithm.Argon2id (a const enum, which verbatimModuleSyntax cannot import as a value). */
const ARGON2ID = 2 as Algorithm;

export const ARGON2_OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 12;
/** Longer inputs are refused before hashing (hashing cost must not depend on the attacker). */
export const MAX_PASSWORD_LENGTH = 256;

export class PasswordPolicyError extends Error {
  override name = 'PasswordPolicyError';
}

/** Length-based policy (NIST SP 800-63B): at least 12 characters, at most 256, not all one character. */
export function assertPasswordAcceptable(password: string): void {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) throw new PasswordPolicyError(`A password needs at least ${MIN_PASSWORD_LENGTH} characters.`);
  if (length > MAX_PASSWORD_LENGTH) throw new PasswordPolicyError(`A password has at most ${MAX_PASSWORD_LENGTH} characters.`);
  if (new Set(password).size < 4) throw new PasswordPolicyError('A password needs at least 4 different characters.');
}

export async function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  if (password.length > MAX_PASSWORD_LENGTH * 4) return false;
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** A valid hash of a random password: checked for unknown users so timing does not tell who exists. */
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(24).toString('base64url'));
  return dummyHash;
}

/** A one-time initial password: 20 characters of base64url (120 bits). */
export function generateInitialPassword(): string {
  return randomBytes(15).toString('base64url');
}
