// An OpenSSH public key line ("ssh-ed25519 AAAA... comment") parsed and checked: the algorithm
// named in the line must be the one inside the blob, and only modern algorithms are accepted.
// The fingerprint is the one `ssh-keygen -lf` prints: "SHA256:" + base64 (no padding) of the blob.
import { createHash } from 'node:crypto';

export const ACCEPTED_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
  'ssh-rsa',
] as const;

/** RSA keys below this size are refused (ANSSI: 3072 bits from 2031; 2048 tolerated today). */
export const MIN_RSA_BITS = 2048;
const MAX_LINE = 16 * 1024;

export interface ParsedPublicKey {
  algorithm: string;
  /** base64 of the blob, as in authorized_keys. */
  public_key: string;
  fingerprint: string;
  comment: string;
}

export class PublicKeyError extends Error {
  override name = 'PublicKeyError';
}

export function sshFingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** Read the SSH wire-format strings of a blob (uint32 length + bytes). */
function readStrings(blob: Buffer, max: number): Buffer[] {
  const out: Buffer[] = [];
  let offset = 0;
  while (offset < blob.length && out.length < max) {
    if (offset + 4 > blob.length) throw new PublicKeyError('the key blob is truncated');
    const length = blob.readUInt32BE(offset);
    offset += 4;
    if (offset + length > blob.length) throw new PublicKeyError('the key blob is truncated');
    out.push(blob.subarray(offset, offset + length));
    offset += length;
  }
  return out;
}

export function parsePublicKey(line: string): ParsedPublicKey {
  if (line.length > MAX_LINE) throw new PublicKeyError('the key line is too long');
  const trimmed = line.trim();
  if (/[\r\n]/.test(trimmed)) throw new PublicKeyError('one key per line');
  const [algorithm, data, ...rest] = trimmed.split(/\s+/);
  if (algorithm === undefined || data === undefined) throw new PublicKeyError('expected "<algorithm> <base64 key> [comment]"');
  if (!(ACCEPTED_KEY_ALGORITHMS as readonly string[]).includes(algorithm)) {
    throw new PublicKeyError(`algorithm ${algorithm.slice(0, 40)} is not accepted (use ssh-ed25519; also ${ACCEPTED_KEY_ALGORITHMS.slice(1).join(', ')})`);
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data)) throw new PublicKeyError('the key is not base64');
  const blob = Buffer.from(data, 'base64');
  const parts = readStrings(blob, 8);
  const inner = parts[0]?.toString('latin1');
  if (inner !== algorithm) throw new PublicKeyError(`the key line says ${algorithm} but the key inside is ${inner?.slice(0, 40) ?? 'empty'}`);
  if (algorithm === 'ssh-ed25519' && parts[1]?.length !== 32) throw new PublicKeyError('an Ed25519 public key is 32 bytes');
  if (algorithm === 'ssh-rsa') {
    const modulus = parts[2];
    if (modulus === undefined) throw new PublicKeyError('the RSA key has no modulus');
    const bits = (modulus[0] === 0 ? modulus.length - 1 : modulus.length) * 8;
    if (bits < MIN_RSA_BITS) throw new PublicKeyError(`RSA keys of fewer than ${MIN_RSA_BITS} bits are refused (${bits})`);
  }
  const comment = rest.join(' ').slice(0, 200);
  return { algorithm, public_key: blob.toString('base64'), fingerprint: sshFingerprint(blob), comment };
}
