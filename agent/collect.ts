// One collection cycle: the four exposures gathered concurrently. A collector that throws
// becomes `{ unavailable: 'collector crashed: ...' }` for its section, never a missing or
// guessed section, so one broken tool cannot sink the whole report.
import type { Evidence, Unavailable } from '../policies/evidence.js';
import { BackupSourceConfig, collectBackups, type BackupCollectOptions } from './collectors/backup.js';
import type { FlowSampler } from './collectors/flow-sampler.js';
import { collectHost, type HostInfo } from './collectors/host.js';
import { collectNetwork, type NetworkCollectOptions } from './collectors/network.js';
import { bounded } from './collectors/redact.js';
import { collectPam, type PamCollectOptions } from './collectors/pam.js';
import { collectSshd, type SshdCollectOptions } from './collectors/sshd.js';
import { collectWifi, type WifiCollectOptions } from './collectors/wifi.js';

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
  backup?: BackupCollectOptions;
}

export async function collectEvidence(options: CollectOptions): Promise<Evidence> {
  const [network, wifi, backups, mfa] = await Promise.all([
    guarded(() => collectNetwork({ ...options.network, probeTargets: options.probeTargets, flowSampler: options.flowSampler })),
    guarded(() => collectWifi(options.wifi)),
    guarded(() => collectBackups(options.backupSources, options.backup)),
    guarded(async () => {
      const [sshd, pam] = await Promise.all([collectSshd(options.sshd), guarded(() => collectPam(options.pam))]);
      return { sshd, pam };
    }),
  ]);
  return { network, wifi, backups, mfa };
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
