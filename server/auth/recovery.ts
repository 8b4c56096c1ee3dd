// Recovery codes: 10 single-use codes of 80 random bits each (XXXX-XXXX-XXXX-XXXX, base32), shown
// once at MFA enrolment. Only SHA-256 digests are stored: 80 random bits cannot be brute-forced
// offline, so a slow hash would only slow every login that uses one.
import { createHash, randomBytes } from 'node:crypto';

export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function generateRecoveryCode(): string {
  const bytes = randomBytes(10); // 80 bits -> 16 base32 characters
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out.match(/.{4}/g)?.join('-') ?? out;
}

/** Normalise what a person typed (case, spaces, dashes) before hashing. */
export function normaliseRecoveryCode(input: string): string | null {
  const bare = input.toUpperCase().replace(/[\s-]/g, '');
  if (!/^[A-Z2-7]{16}$/.test(bare)) return null;
  return bare.match(/.{4}/g)?.join('-') ?? null;
}

export function hashRecoveryCode(code: string): string {
  return createHash('sha256').update(`vigie-recovery:${code}`, 'utf8').digest('hex');
}
