// One collection cycle: the four exposures gathered concurrently. A collector that throws
// becomes `{ unavailable: 'collector crashed: ...' }` for its section, never a missing or
// guessed section, so one broken tool cannot sink the whole report.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Evidence, MfaEvidence, Unavailable } from '../policies/evidence.js';
import { BackupSourceConfig, collectBackups, type BackupCollectOptions } from './collectors/backup.js';
import type { FlowSampler } from './collectors/flow-sampler.js';
import { lockoutFromPam } from './collectors/faillock.js';
import { collectHost, type HostInfo } from './collectors/host.js';
import { collectNetwork, type NetworkCollectOptions } from './collectors/network.js';
import { bounded } from './collectors/redact.js';
import { collectPam, type PamCollectOptions } from './collectors/pam.js';
import { collectSshd, type SshdCollectOptions } from './collectors/sshd.js';
import { collectWifi, type WifiCollectOptions } from './collectors/wifi.js';
import { collectWindowsLockout, collectWindowsLogon, collectWindowsLogonPolicy } from './collectors/windows.js';
import { addLinuxEvidence, type LinuxEvidenceOptions } from './collectors/linux-evidence.js';
import { addWindowsEvidence, powerShellRunner, type PowerShellRunner, type WindowsEvidenceOptions } from './collectors/windows-evidence.js';
import type { HostRole } from '../policies/evidence.js';

export { BackupSourceConfig };
export { FlowSampler } from './collectors/flow-sampler.js';

export interface CollectOptions {
  backupSources: readonly BackupSourceConfig[];
  sshd?: SshdCollectOptions;
  /** Egress probe targets handed by the server (absent until it has sent some). */
  probeTargets?: NetworkCollectOptions['probeTargets'];
  /** The daemon's running outbound-flow sampler (`run` mode); without it, one snapshot. */
  flowSampler?: FlowSampler;
  /** Overrides for tests and non-default hosts. */
  network?: Omit<NetworkCollectOptions, 'probeTargets' | 'flowSampler'>;
  wifi?: WifiCollectOptions;
  pam?: PamCollectOptions;
  /** The platform whose collectors run (default: this process's); tests replay other platforms' tools. */
  platform?: NodeJS.Platform;
  /** Environment of the platform tools (tests put fake binaries on PATH). */
  env?: NodeJS.ProcessEnv;
  backup?: BackupCollectOptions;
  /** The host's role: gateways also report the telemaintenance section. */
  role?: HostRole;
  /** Options of the Linux collectors of issue 19 (firewall, admins, VPN, system...). */
  linux?: Omit<LinuxEvidenceOptions, 'role'>;
  /** Runs the Windows collectors' PowerShell scripts (default: powershell.exe; tests replay fixtures). */
  powershell?: PowerShellRunner;
  /** Options of the Windows collectors (admin networks). */
  windows?: WindowsEvidenceOptions;
}

export async function collectEvidence(options: CollectOptions): Promise<Evidence> {
  const [network, wifi, backups, mfa] = await Promise.all([
    guarded(() => collectNetwork({ platform: options.platform, ...(options.env ? { env: options.env } : {}), ...options.network, probeTargets: options.probeTargets, flowSampler: options.flowSampler })),
    guarded(() => collectWifi({ platform: options.platform, env: options.env, ...options.wifi })),
    guarded(() => collectBackups(options.backupSources, options.backup)),
    guarded(() => collectMfa(options)),
  ]);
  const evidence: Evidence = { network, wifi, backups, mfa };
  const platform = options.platform ?? process.platform;
  if (platform === 'win32') {
    const windows = await guarded(() => addWindowsEvidence(evidence, options.powershell ?? powerShellRunner(options.env), options.env, options.windows));
    return 'unavailable' in windows ? { ...evidence, system: windows } : windows;
  }
  if (platform !== 'linux') return evidence;
  const linux = await guarded(() => addLinuxEvidence(evidence, { role: options.role ?? 'workstation', ...options.linux }));
  return 'unavailable' in linux ? { ...evidence, system: linux } : linux;
}

async function collectMfa(options: CollectOptions): Promise<MfaEvidence> {
  const platform = options.platform ?? process.platform;
  if (platform === 'win32') {
    // OpenSSH server exists on Windows too: ask it like anywhere else.
    const [sshd, windows_logon, windows_logon_policy, lockout] = await Promise.all([
      collectSshd(options.sshd),
      collectWindowsLogon(options.env),
      collectWindowsLogonPolicy(options.env),
      collectWindowsLockout(options.env),
    ]);
    return { sshd, windows_logon, windows_logon_policy, lockout };
  }
  const [sshd, pam] = await Promise.all([collectSshd(options.sshd), guarded(() => collectPam({ platform, ...options.pam }))]);
  // Lockout through PAM modules is a Linux arrangement (macOS locks accounts through pwpolicy).
  if (platform !== 'linux') return { sshd, pam };
  const faillockConf = await readFile(join(options.pam?.fsRoot ?? '/', 'etc/security/faillock.conf'), 'utf8').catch(() => null);
  return { sshd, pam, lockout: lockoutFromPam(pam, faillockConf) };
}

export function collectHostInfo(): Promise<HostInfo> {
  return collectHost();
}

export type { HostInfo };

async function guarded<T>(collector: () => Promise<T>): Promise<T | Unavailable> {
  try {
    return await collector();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { unavailable: bounded(`collector crashed: ${message || 'no message'}`, 500) };
  }
}
