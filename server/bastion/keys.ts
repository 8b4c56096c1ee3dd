// The bastion's two keys, kept in the data dir OUTSIDE the database like the secrets key:
// - the SSH host key (Ed25519, OpenSSH format) vendors pin: `<dataDir>/bastion/ssh_host_ed25519_key`;
// - the recording key (Ed25519, PKCS#8 PEM) that signs each session's manifest:
//   `<dataDir>/bastion/recording_ed25519_key`, its public half beside it (`.pub.pem`) so anyone can
//   check a recording offline with openssl.
// A database dump alone can thus neither impersonate the bastion nor forge a recording.
// Both are made by `vigie server init` (never replaced: a new host key would make every vendor's
// known_hosts warn, a new recording key would orphan old signatures) and read at start.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import ssh2 from 'ssh2';
import { ConfigError } from '../config.js';

const { utils } = ssh2;

export const BASTION_DIR_NAME = 'bastion';
export const HOST_KEY_FILE_NAME = 'ssh_host_ed25519_key';
export const RECORDING_KEY_FILE_NAME = 'recording_ed25519_key';
export const RECORDING_PUBLIC_KEY_FILE_NAME = 'recording_ed25519_key.pub.pem';

export class BastionKeyError extends ConfigError {
  override name = 'BastionKeyError';
}

export interface BastionKeyPaths {
  dir: string;
  hostKey: string;
  hostPublicKey: string;
  recordingKey: string;
  recordingPublicKey: string;
}

export function bastionKeyPaths(dataDir: string): BastionKeyPaths {
  const dir = join(dataDir, BASTION_DIR_NAME);
  return {
    dir,
    hostKey: join(dir, HOST_KEY_FILE_NAME),
    hostPublicKey: join(dir, `${HOST_KEY_FILE_NAME}.pub`),
    recordingKey: join(dir, RECORDING_KEY_FILE_NAME),
    recordingPublicKey: join(dir, RECORDING_PUBLIC_KEY_FILE_NAME),
  };
}

/** OpenSSH's fingerprint of a public key blob: `SHA256:` + unpadded base64 of its SHA-256. */
export function sshFingerprint(publicKeyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(publicKeyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** Write `content` to `file` with mode `mode` unless it exists (temp file + link: never half-written, never overwritten). */
function writeNewFile(file: string, content: string, mode: number): boolean {
  if (existsSync(file)) return false;
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx', mode);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temp);
  }
  return true;
}

function readPrivateFile(file: string, what: string): string {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch {
    throw new BastionKeyError(`The bastion ${what} ${file} does not exist; run \`vigie server init\` (or start with --no-ssh).`);
  }
  if ((mode & 0o077) !== 0) {
    throw new BastionKeyError(`The bastion ${what} ${file} has mode ${(mode & 0o777).toString(8).padStart(4, '0')}: run \`chmod 600 ${file}\`.`);
  }
  return readFileSync(file, 'utf8');
}

type HostKeyGenerator = () => { private: string; public: string };
const HOST_KEY_ATTEMPTS = 8;

/**
 * A new Ed25519 host key pair in OpenSSH format. ssh2 1.17's generator strips every leading zero
 * byte of the public key (lib/keygen.js reads the DER bit string's padding byte with a loop), so
 * 1 key in 256 comes out malformed and would stop `vigie server start`; such a pair is drawn again
 * (excluding public keys that begin with a zero byte costs the key space less than a hundredth of
 * a bit). The pair is checked with ssh2's own parser, the one the bastion serves it with.
 */
export function generateHostKeyPair(generate: HostKeyGenerator = () => utils.generateKeyPairSync('ed25519', { comment: 'vigie-bastion' })): { private: string; public: string } {
  for (let attempt = 0; attempt < HOST_KEY_ATTEMPTS; attempt++) {
    const pair = generate();
    const parsed = utils.parseKey(pair.private);
    if (!(parsed instanceof Error) && !Array.isArray(parsed) && parsed.type === 'ssh-ed25519') return pair;
  }
  throw new BastionKeyError(`Could not generate a well-formed Ed25519 host key in ${HOST_KEY_ATTEMPTS} attempts.`);
}

export interface BastionKeysInit {
  hostKeyCreated: boolean;
  recordingKeyCreated: boolean;
  hostKeyFingerprint: string;
  recordingKeyFingerprint: string;
  paths: BastionKeyPaths;
}

/** `vigie server init`: make both keys if absent (existing ones are kept), and say their fingerprints. */
export function initBastionKeys(dataDir: string): BastionKeysInit {
  const paths = bastionKeyPaths(dataDir);
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  let hostKeyCreated = false;
  if (!existsSync(paths.hostKey)) {
    const pair = generateHostKeyPair();
    hostKeyCreated = writeNewFile(paths.hostKey, pair.private, 0o600);
    if (hostKeyCreated) {
      if (existsSync(paths.hostPublicKey)) unlinkSync(paths.hostPublicKey);
      writeNewFile(paths.hostPublicKey, `${pair.public}\n`, 0o644);
    }
  }
  let recordingKeyCreated = false;
  if (!existsSync(paths.recordingKey)) {
    const pair = generateKeyPairSync('ed25519');
    recordingKeyCreated = writeNewFile(paths.recordingKey, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 0o600);
    if (recordingKeyCreated) {
      if (existsSync(paths.recordingPublicKey)) unlinkSync(paths.recordingPublicKey);
      writeNewFile(paths.recordingPublicKey, pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(), 0o644);
    }
  }
  const host = loadHostKey(dataDir);
  const recording = loadRecordingKey(dataDir);
  return { hostKeyCreated, recordingKeyCreated, hostKeyFingerprint: host.fingerprint, recordingKeyFingerprint: recording.fingerprint, paths };
}

export interface HostKey {
  /** The OpenSSH private key text ssh2 serves with. */
  privateKey: string;
  fingerprint: string;
}

export function loadHostKey(dataDir: string): HostKey {
  const file = bastionKeyPaths(dataDir).hostKey;
  const privateKey = readPrivateFile(file, 'SSH host key');
  const parsed = utils.parseKey(privateKey);
  if (parsed instanceof Error || Array.isArray(parsed) || parsed.type !== 'ssh-ed25519') {
    throw new BastionKeyError(`The bastion SSH host key ${file} is not an OpenSSH Ed25519 private key.`);
  }
  return { privateKey, fingerprint: sshFingerprint(parsed.getPublicSSH()) };
}

export interface RecordingKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** SHA-256 (hex) of the public key's DER (SPKI): names the key in manifests. */
  fingerprint: string;
  publicKeyPem: string;
}

export function recordingKeyFingerprint(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

export function loadRecordingKey(dataDir: string): RecordingKey {
  const file = bastionKeyPaths(dataDir).recordingKey;
  const pem = readPrivateFile(file, 'recording key');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new BastionKeyError(`The bastion recording key ${file} is not a PEM private key.`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new BastionKeyError(`The bastion recording key ${file} is not an Ed25519 key.`);
  const publicKey = createPublicKey(privateKey);
  return {
    privateKey,
    publicKey,
    fingerprint: recordingKeyFingerprint(publicKey),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
