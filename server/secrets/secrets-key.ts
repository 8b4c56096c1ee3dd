// The server secrets key: 32 random bytes kept OUTSIDE the database. It seals the secrets the
// database must keep but must not give away (TOTP secrets: server/auth/totp-at-rest.ts), so a
// database dump or a PostgreSQL backup alone reveals none of them. Back it up apart from the
// database: without it, every user must enrol MFA again (`vigie user reset-mfa`).
//
// Where it lives: `<dataDir>/secrets.key` by default, created at first start when absent. A file
// configured explicitly (secretsKeyFile, VIGIE_SECRETS_KEY_FILE) must exist already (`vigie server
// init` makes it): it is how replicas of one PostgreSQL database share a key, and a fresh key made
// where the shared one was expected would silently split them.
//
// The file is refused unless it is a regular file of exactly 32 bytes that only its owner may read
// or write (no group or other permission bit). The bytes are held as a KeyObject, which prints as
// `SecretKeyObject {...}` and serialises to `{}`: the key cannot reach a log line by accident.
// Error messages name the file, never its content.
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { dirname, join } from 'node:path';
import { ConfigError, type ServerConfig } from '../config.js';

export const SECRETS_KEY_BYTES = 32;
export const SECRETS_KEY_FILE_NAME = 'secrets.key';

/** A key file that cannot be used; the server refuses to start (exit 2 from the CLI, as bad configuration). */
export class SecretsKeyError extends ConfigError {
  override name = 'SecretsKeyError';
}

export interface SecretsKey {
  /**
   * Public identifier of the key: the first 8 bytes of HMAC-SHA256(key, a fixed label), base64url.
   * Stored with each sealed value, it tells "sealed with another key" apart from "tampered with",
   * without revealing anything about the key.
   */
  readonly id: string;
  readonly key: KeyObject;
  /** The file it was read from. */
  readonly file: string;
}

export interface SecretsKeyLocation {
  file: string;
  /** true when set by secretsKeyFile / VIGIE_SECRETS_KEY_FILE, false for `<dataDir>/secrets.key`. */
  configured: boolean;
}

export function secretsKeyLocation(config: Pick<ServerConfig, 'dataDir' | 'secretsKeyFile'>): SecretsKeyLocation {
  return config.secretsKeyFile === null
    ? { file: join(config.dataDir, SECRETS_KEY_FILE_NAME), configured: false }
    : { file: config.secretsKeyFile, configured: true };
}

const KEY_ID_LABEL = 'vigie secrets key id v1';

function keyIdOf(bytes: Buffer): string {
  return createHmac('sha256', bytes).update(KEY_ID_LABEL).digest().subarray(0, 8).toString('base64url');
}

function errorCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : 'unknown error';
}

/**
 * Write a new random key to `file` unless one exists; true if this call created it. The key is
 * written to a temporary file (0600, fsync) and then hard-linked into place: link() fails if the
 * name exists, so two servers starting together never overwrite each other's key, and nobody ever
 * reads a half-written file.
 */
export function createSecretsKeyFile(file: string): boolean {
  if (existsSync(file)) return false;
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = join(dir, `.${SECRETS_KEY_FILE_NAME}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', 0o600);
  try {
    const bytes = randomBytes(SECRETS_KEY_BYTES);
    writeSync(fd, bytes);
    bytes.fill(0);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, file);
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw new SecretsKeyError(`Cannot create the secrets key file ${file}: ${errorCode(error)}.`);
  } finally {
    unlinkSync(temp);
  }
  // The new name must survive a power cut as surely as the secrets it will seal.
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
  return true;
}

function wrongSize(file: string, size: number): SecretsKeyError {
  return new SecretsKeyError(
    `The secrets key file ${file} holds ${size} bytes; a secrets key is exactly ${SECRETS_KEY_BYTES} bytes (truncated, or not a Vigie key?).`,
  );
}

/** Read and check an existing key file; SecretsKeyError says what is wrong with it. */
export function readSecretsKeyFile(file: string): SecretsKey {
  let stats: Stats;
  try {
    stats = statSync(file);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') throw new SecretsKeyError(`The secrets key file ${file} does not exist.`);
    throw new SecretsKeyError(`The secrets key file ${file} cannot be read (${code}).`);
  }
  if (!stats.isFile()) throw new SecretsKeyError(`The secrets key file ${file} is not a regular file.`);
  if ((stats.mode & 0o077) !== 0) {
    const mode = (stats.mode & 0o777).toString(8).padStart(4, '0');
    throw new SecretsKeyError(
      `The secrets key file ${file} has mode ${mode}: group and others must have no access to it. Run \`chmod 600 ${file}\` ` +
        '(and check who could have read it meanwhile).',
    );
  }
  if (stats.size !== SECRETS_KEY_BYTES) throw wrongSize(file, stats.size);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new SecretsKeyError(`The secrets key file ${file} cannot be read (${errorCode(error)}).`);
  }
  if (bytes.length !== SECRETS_KEY_BYTES) throw wrongSize(file, bytes.length);
  const key: SecretsKey = { id: keyIdOf(bytes), key: createSecretKey(bytes), file };
  bytes.fill(0); // the KeyObject holds its own copy
  return key;
}

/**
 * The key the server runs with. The default file is created when absent; a configured file must
 * exist (see the top of this file for why).
 */
export function openSecretsKey(config: Pick<ServerConfig, 'dataDir' | 'secretsKeyFile'>): SecretsKey {
  const { file, configured } = secretsKeyLocation(config);
  if (configured) {
    try {
      statSync(file);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') {
        throw new SecretsKeyError(
          `The configured secrets key file ${file} does not exist. Copy there the key the other servers of this database use, ` +
            'or create a new one with `vigie server init --secrets-key-only` (only for a new installation: secrets sealed with ' +
            'another key cannot be opened with it).',
        );
      }
    }
  } else {
    createSecretsKeyFile(file);
  }
  return readSecretsKeyFile(file);
}

/** `vigie server init`: create the key if absent (an existing key is never replaced), then check it. */
export function initSecretsKey(config: Pick<ServerConfig, 'dataDir' | 'secretsKeyFile'>): { key: SecretsKey; created: boolean } {
  const { file } = secretsKeyLocation(config);
  const created = createSecretsKeyFile(file);
  return { key: readSecretsKeyFile(file), created };
}
