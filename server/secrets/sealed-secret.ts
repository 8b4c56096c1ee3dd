// Sealing a secret the database must keep but must not reveal: AES-256-GCM (node:crypto) under the
// server secrets key (server/secrets/secrets-key.ts).
//
// Stored text:  v1.<key id>.<nonce>.<ciphertext and tag>      (each part base64url, which has no '.')
//   - the nonce is 12 random bytes, new for every seal: GCM must never see a nonce twice under one
//     key, and 96 random bits keep that risk negligible for the few thousand seals of a server's life;
//   - the associated data is the header `v1.<key id>` plus the caller's context (which user, which
//     column): a sealed value copied onto another row or column, or relabelled, does not open;
//   - the 16-byte tag authenticates all of it, so any change to the stored text is detected.
// The version prefix lets a later format (or a key rotation, with the key id) live beside v1.
//
// Opening says why it failed (UnsealError.problem), never what the secret or the key is.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SealedSecret } from '../db/sealed-column.js';
import type { SecretsKey } from './secrets-key.js';

export type { SealedSecret };

export const SEALED_VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Bounds what opening will even look at (a TOTP secret seals to about 80 characters). */
export const MAX_SEALED_LENGTH = 4096;
const KEY_ID = /^[A-Za-z0-9_-]{11}$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Why a stored value did not open. */
export type UnsealProblem =
  /** Not in a sealed format at all (e.g. a secret in clear). */
  | 'not_sealed'
  /** Looks sealed but cannot be parsed (truncated, bad encoding, wrong part sizes). */
  | 'malformed'
  /** Sealed with another secrets key than the one this server runs with. */
  | 'other_key'
  /** The tag does not verify: altered, or moved from another context (user, column). */
  | 'authentication_failed';

export class UnsealError extends Error {
  override name = 'UnsealError';

  constructor(
    readonly problem: UnsealProblem,
    message: string,
  ) {
    super(message);
  }
}

/** Does the value have the shape of a sealed value (`v1.` prefix)? Says nothing about whether it opens. */
export function looksSealed(value: string): boolean {
  return value.startsWith(`${SEALED_VERSION}.`);
}

/** The key id a sealed value names, or null when it is not a well-formed sealed value. */
export function sealedKeyId(value: string): string | null {
  const parts = value.split('.');
  return parts.length === 4 && parts[0] === SEALED_VERSION && KEY_ID.test(parts[1] ?? '') ? (parts[1] ?? null) : null;
}

function associatedData(keyId: string, context: string): Buffer {
  // The header has a fixed shape without '|', so header and context cannot be shifted into each other.
  return Buffer.from(`${SEALED_VERSION}.${keyId}|${context}`, 'utf8');
}

export function sealSecret(key: SecretsKey, plaintext: string, context: string): SealedSecret {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(ALGORITHM, key.key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(key.id, context));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${SEALED_VERSION}.${key.id}.${nonce.toString('base64url')}.${body.toString('base64url')}` as SealedSecret;
}

function decodePart(part: string): Buffer | null {
  // Buffer.from(…, 'base64url') skips characters it does not know; check the alphabet first.
  return BASE64URL.test(part) ? Buffer.from(part, 'base64url') : null;
}

/** The plaintext sealed in `sealed` for `context`; UnsealError otherwise. */
export function openSealedSecret(key: SecretsKey, sealed: string, context: string): string {
  if (!looksSealed(sealed)) throw new UnsealError('not_sealed', 'the stored value is not sealed (in clear, or not written by Vigie)');
  if (sealed.length > MAX_SEALED_LENGTH) throw new UnsealError('malformed', 'the sealed value is too long');
  const [, keyId, noncePart, bodyPart, ...rest] = sealed.split('.');
  if (keyId === undefined || noncePart === undefined || bodyPart === undefined || rest.length > 0 || !KEY_ID.test(keyId)) {
    throw new UnsealError('malformed', 'the sealed value does not have the v1.<key id>.<nonce>.<ciphertext> shape');
  }
  if (keyId !== key.id) {
    throw new UnsealError('other_key', `the value was sealed with another secrets key (key id ${keyId}; this server's key ${key.file} has id ${key.id})`);
  }
  const nonce = decodePart(noncePart);
  const body = decodePart(bodyPart);
  if (nonce === null || body === null || nonce.length !== NONCE_BYTES || body.length < TAG_BYTES) {
    throw new UnsealError('malformed', 'the sealed value has a bad nonce or a truncated ciphertext');
  }
  const decipher = createDecipheriv(ALGORITHM, key.key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(associatedData(keyId, context));
  decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new UnsealError('authentication_failed', 'the sealed value does not authenticate: altered, or copied from another user or column');
  }
}
