// What a real Vigie agent of each platform puts in each section of its report (agent/collect.ts),
// field by field. The demo's simulated hosts (server/demo/fleet/agent-view.ts) carry no more than
// this, so the demo shows the unknowns a real deployment shows. tests/agent/agent-coverage.test.ts
// runs the real collectors (Linux on this host, Windows and macOS replayed) and pins this table.
import type { BackupEvidence, Evidence, HostIdentity, MfaEvidence, NetworkEvidence, SystemEvidence, TelemaintenanceEvidence, WifiEvidence } from './evidence.js';

export type AgentPlatform = HostIdentity['os']['platform'];

export interface AgentFields {
  network: readonly (keyof NetworkEvidence)[];
  /** With WLAN hardware; without any, only `wifiWithoutHardware`. */
  wifi: readonly (keyof WifiEvidence)[];
  wifiWithoutHardware: readonly (keyof WifiEvidence)[];
  backups: readonly (keyof BackupEvidence)[];
  mfa: readonly (keyof MfaEvidence)[];
  /** null: the agent of this platform sends no `system` section. */
  system: readonly (keyof SystemEvidence)[] | null;
  /** Only on telemaintenance gateways; null: not collected on this platform. */
  telemaintenance: readonly (keyof TelemaintenanceEvidence)[] | null;
}

/** The fields every backup collector reports: sources, and what status files declare (or why not). */
const BACKUPS: readonly (keyof BackupEvidence)[] = ['sources', 'hosts_covered', 'offline_copies', 'repositories', 'restore_tests', 'console', 'monitoring', 'destinations', 'removable_targets'];

export const AGENT_FIELDS: Record<AgentPlatform, AgentFields> = {
  linux: {
    network: ['listeners', 'outbound', 'egress_probes', 'proxy_dns', 'name_resolution', 'local_addresses', 'firewall', 'smb1', 'proxy_policy', 'browser_doh', 'remote_control'],
    wifi: ['source', 'hardware_present', 'interfaces', 'profiles', 'visible_networks', 'hotspot', 'ip_forwarding', 'bridges', 'wired_interfaces'],
    wifiWithoutHardware: ['source', 'hardware_present', 'interfaces', 'ip_forwarding', 'bridges', 'wired_interfaces'],
    backups: BACKUPS,
    mfa: ['sshd', 'pam', 'lockout', 'local_admins', 'remote_access', 'second_factors', 'enrolment', 'password_policy'],
    system: ['os', 'time_sync', 'log_forwarding', 'updates', 'disk_encryption', 'vpn_profiles'],
    telemaintenance: ['inbound', 'ingress_rules', 'vendor_accounts', 'tunnels', 'device_accounts', 'log_forwarding', 'sessions'],
  },
  windows: {
    network: ['listeners', 'outbound', 'egress_probes', 'proxy_dns', 'name_resolution', 'local_addresses', 'firewall', 'smb1', 'proxy_policy', 'browser_doh', 'remote_control'],
    // netsh shows no scan list the agent reads, and no hotspot daemon.
    wifi: ['source', 'hardware_present', 'interfaces', 'profiles', 'hotspot', 'ip_forwarding', 'bridges', 'wired_interfaces', 'connection_sharing'],
    wifiWithoutHardware: ['source', 'hardware_present', 'interfaces', 'ip_forwarding', 'bridges', 'wired_interfaces', 'connection_sharing'],
    backups: BACKUPS,
    mfa: ['sshd', 'windows_logon', 'windows_logon_policy', 'lockout', 'local_admins', 'password_policy', 'remote_access', 'second_factors'],
    system: ['os', 'time_sync', 'log_forwarding', 'updates', 'disk_encryption', 'vpn_profiles'],
    telemaintenance: null,
  },
  // The macOS agent: sockets, proxy and DNS, backups (Time Machine), sshd and PAM; its Wi-Fi
  // section is `unavailable` and it sends no system section yet.
  darwin: {
    network: ['listeners', 'outbound', 'egress_probes', 'proxy_dns'],
    wifi: [],
    wifiWithoutHardware: [],
    backups: BACKUPS,
    mfa: ['sshd', 'pam'],
    system: null,
    telemaintenance: null,
  },
  // No agent is built for other platforms: nothing is reported.
  other: { network: [], wifi: [], wifiWithoutHardware: [], backups: [], mfa: [], system: null, telemaintenance: null },
};

/** The BKP-02..08 facts no tool of a host can observe: only a backup status file declares them. */
export const DECLARED_BACKUP_FIELDS = {
  offline_copies: 'offline or immutable copies',
  repositories: 'repository inventory',
  restore_tests: 'restore tests',
  console: 'backup console access',
  monitoring: 'backup monitoring',
  destinations: 'backup destinations',
  removable_targets: 'removable backup targets',
} as const;
export type DeclaredBackupField = keyof typeof DECLARED_BACKUP_FIELDS;

/** Why a declarable backup field is missing: no status file configured, or the field not in it. */
export function undeclaredBackupReason(field: DeclaredBackupField, statusFiles: readonly string[], unreadable: boolean): string {
  const what = DECLARED_BACKUP_FIELDS[field];
  if (statusFiles.length === 0) {
    return `${what} not declared: no backup status file (vigie-backup-status/1) is configured in the agent config (backup_sources); no tool on the host can observe them`;
  }
  if (unreadable) return `${what} not declared: a backup status file could not be read (see its source in /backups/sources)`;
  return `${what} not declared: the backup status file (${statusFiles.join(', ')}) has no "${field}"`;
}

/** The sections of `evidence` that hold a field outside what the platform's agent reports (empty: none). */
export function fieldsBeyondAgent(platform: AgentPlatform, evidence: Pick<Evidence, 'network' | 'wifi' | 'backups' | 'mfa' | 'system' | 'telemaintenance'>): string[] {
  const fields = AGENT_FIELDS[platform];
  const extra: string[] = [];
  const check = (section: string, value: object | undefined, allowed: readonly string[] | null) => {
    if (value === undefined || 'unavailable' in value) return;
    if (allowed === null) {
      extra.push(`/${section}`);
      return;
    }
    for (const key of Object.keys(value)) if (!allowed.includes(key)) extra.push(`/${section}/${key}`);
  };
  check('network', evidence.network, fields.network);
  const wifi = evidence.wifi;
  check('wifi', wifi, 'unavailable' in wifi || wifi.hardware_present ? fields.wifi : fields.wifiWithoutHardware);
  check('backups', evidence.backups, fields.backups);
  check('mfa', evidence.mfa, fields.mfa);
  check('system', evidence.system, fields.system);
  check('telemaintenance', evidence.telemaintenance, fields.telemaintenance);
  return extra;
}
