// Host identity facts the agent can observe itself (role and site come from its config).
import { hostname } from 'node:os';
import si from 'systeminformation';
import type { HostIdentity } from '../../policies/evidence.js';
import { bounded } from './redact.js';

export type HostInfo = Pick<HostIdentity, 'hostname' | 'os'>;

export async function collectHost(): Promise<HostInfo> {
  // osInfo reads /etc/os-release and uname: cheap, no network.
  const info = await si.osInfo();
  return {
    hostname: bounded(info.hostname || hostname() || 'unknown', 253),
    os: {
      platform: platformOf(process.platform),
      distro: nonEmpty(info.distro, 128),
      release: nonEmpty(info.release, 128),
      arch: nonEmpty(info.arch || process.arch, 32),
    },
  };
}

export function platformOf(platform: string): HostInfo['os']['platform'] {
  return platform === 'linux' || platform === 'darwin' ? platform : platform === 'win32' ? 'windows' : 'other';
}

function nonEmpty(value: string | undefined, maxLength: number): string | null {
  const text = value?.trim();
  return text ? bounded(text, maxLength) : null;
}
