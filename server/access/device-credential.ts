// The device credential of a target (the password or Ed25519 private key the bastion uses to reach
// the device): sealed with the server secrets key, bound to the target's id, so a value copied onto
// another target does not open. Only the bastion opens it, at connection time; no route, CLI
// command, log line or audit entry ever carries it.
import { openSealedSecret, sealSecret, type SealedSecret } from '../secrets/sealed-secret.js';
import type { SecretsKey } from '../secrets/secrets-key.js';
import type { CredentialKind } from './model.js';

export interface DeviceCredential {
  kind: CredentialKind;
  user: string;
  /** The password, or the OpenSSH private key (PEM text) for 'ed25519'. */
  secret: string;
}

const context = (targetId: string) => `access_targets.device_credential:${targetId}`;

export function sealDeviceCredential(key: SecretsKey, targetId: string, secret: string): SealedSecret {
  return sealSecret(key, secret, context(targetId));
}

/** The clear credential; UnsealError when it does not open (other key, altered, moved). */
export function openDeviceCredential(key: SecretsKey, targetId: string, sealed: string): string {
  return openSealedSecret(key, sealed, context(targetId));
}

/** Refuse what cannot be a usable credential of that kind (the clear value is never echoed). */
export function deviceCredentialProblem(kind: CredentialKind, secret: string): string | null {
  if (secret.length === 0) return 'the device credential is empty';
  if (secret.length > 2500) return 'the device credential is too long (at most 2500 characters)';
  if (kind === 'ed25519' && !/^-----BEGIN OPENSSH PRIVATE KEY-----[\s\S]+-----END OPENSSH PRIVATE KEY-----\s*$/.test(secret.trim())) {
    return 'an ed25519 device credential is an OpenSSH private key (-----BEGIN OPENSSH PRIVATE KEY-----)';
  }
  return null;
}
