// The bastion's own SSH connection to the device: the device credential (opened for this
// connection only; the vendor never holds it) and the pinned host key (a mismatch refuses).
import ssh2 from 'ssh2';
import type { DeviceCredential, UpstreamTarget } from './authority.js';
import { sshFingerprint } from './keys.js';
import { UPSTREAM_ALGORITHMS } from './algorithms.js';

const { Client } = ssh2;
export type UpstreamClient = InstanceType<typeof Client>;

export const UPSTREAM_READY_TIMEOUT_MS = 10_000;

export class UpstreamError extends Error {
  override name = 'UpstreamError';
  constructor(
    readonly reason: 'host_key_mismatch' | 'unreachable' | 'auth_failed',
    message: string,
    readonly presentedFingerprint: string | null = null,
  ) {
    super(message);
  }
}

export function connectUpstream(target: UpstreamTarget, credential: DeviceCredential): Promise<UpstreamClient> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let presented: string | null = null;
    let mismatch = false;
    let settled = false;
    const settle = (error: UpstreamError | null) => {
      if (settled) return;
      settled = true;
      if (error === null) resolve(client);
      else {
        client.end();
        reject(error);
      }
    };
    client.on('ready', () => settle(null));
    client.on('error', (error: Error & { level?: string }) => {
      if (mismatch) settle(new UpstreamError('host_key_mismatch', 'host key does not match the pinned fingerprint', presented));
      else if (error.level === 'client-authentication') settle(new UpstreamError('auth_failed', 'the device refused the credential'));
      else settle(new UpstreamError('unreachable', `device unreachable (${(error as NodeJS.ErrnoException).code ?? error.message})`));
    });
    client.on('close', () => settle(new UpstreamError('unreachable', 'device closed the connection')));
    client.connect({
      host: target.host,
      port: target.port,
      username: credential.username,
      ...(credential.kind === 'key' ? { privateKey: credential.privateKey } : { password: credential.password }),
      readyTimeout: UPSTREAM_READY_TIMEOUT_MS,
      keepaliveInterval: 15_000,
      algorithms: UPSTREAM_ALGORITHMS,
      // Agent and keyboard-interactive never: only the credential given here.
      tryKeyboard: false,
      hostVerifier: (key: Buffer) => {
        presented = sshFingerprint(key);
        mismatch = presented !== target.hostKeyFingerprint;
        return !mismatch;
      },
    });
  });
}
