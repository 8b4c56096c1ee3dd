// Servers per site (DPI, PACS, AD, lab), each with its backup age; one lab server went silent.
import { type BackupEvidence, type BackupSource, type HostIdentity, type RemoteEntryPoint } from '../../../../policies/evidence.js';
import { DAY, HOUR, ago } from '../clock.js';
import { restic } from '../evidence/backups.js';
import { adminSsh, hardenedSshd, linuxMfa, windowsAccess, windowsLockout, windowsLogon } from '../evidence/mfa.js';
import { type FlowSpec, linuxNetwork, listener, windowsNetwork } from '../evidence/network.js';
import { linuxNoWifi, windowsNoWifi } from '../evidence/wifi.js';
import { RHEL_9, WINDOWS_2012R2, WINDOWS_2022 } from '../platforms.js';
import { type HostSpec } from './host-spec.js';
import { GHT, type SimulatedSite, siteAddresses } from '../sites.js';

interface ServerPlan {
  name: string;
  os: HostIdentity['os'];
  /** Hours since the last successful backup. */
  backupAgeH: number;
  stale?: boolean;
}

const SERVER_PLANS: readonly (readonly ServerPlan[])[] = [
  [
    { name: 'dpi', os: RHEL_9, backupAgeH: 6 },
    { name: 'pacs', os: RHEL_9, backupAgeH: 4 },
    { name: 'ad', os: WINDOWS_2022, backupAgeH: 5 },
    { name: 'labo', os: RHEL_9, backupAgeH: 7, stale: true },
  ],
  [
    { name: 'dpi', os: RHEL_9, backupAgeH: 30 },
    { name: 'pacs', os: WINDOWS_2012R2, backupAgeH: 9 },
    { name: 'ad', os: WINDOWS_2022, backupAgeH: 3 },
  ],
  [
    { name: 'dpi', os: RHEL_9, backupAgeH: 212 },
    { name: 'ad', os: WINDOWS_2022, backupAgeH: 20 },
  ],
];

export function servers(site: SimulatedSite, index: number, prefix: string): HostSpec[] {
  const plans = SERVER_PLANS[index] ?? [];
  const a = siteAddresses(site);
  return plans.map((plan, n) => {
    const address = `${site.adminNet}.${60 + n}`;
    const hostname = `${prefix}-srv-${plan.name}-01`;
    const windows = plan.os.platform === 'windows';
    const spec: HostSpec = {
      site,
      role: 'server',
      hostname,
      os: plan.os,
      build: (now) => {
        // Weekly `restic copy` to the HDS object storage (object lock), recorded in the job's status file.
        const offlineCopies: BackupEvidence['offline_copies'] = windows
          ? { unavailable: 'wbadmin knows only its own target: offline and immutable copies of it are managed by the backup server' }
          : [
              {
                kind: 'immutable',
                target: `s3:https://${GHT.hdsObjectStorage.fqdn}/ght-vallee-immuable/${hostname}`,
                location: 'Hébergeur HDS (hors site)',
                last_copy_at: ago(now, (2 + ((n + index) % 4)) * DAY),
                media_connected: null,
                retention_days: 30,
              },
            ];
        const sources: BackupSource[] = windows
          ? [{ tool: 'wbadmin', target: `\\\\bkp.${site.id}.${GHT.domain}\\WindowsImageBackup\\${hostname}`, last_success_at: ago(now, plan.backupAgeH * HOUR), snapshot_count: 14 }]
          : [restic(now, `rest:https://bkp.${site.id}.${GHT.domain}:8000/${plan.name}`, plan.backupAgeH, 90)];
        const backups: BackupEvidence = { sources, offline_copies: offlineCopies };
        if (windows) {
          const listeners = plan.name === 'ad'
            ? [53, 88, 389, 464, 636, 3268, 3269, 9389].map((port) => listener('0.0.0.0', port, port === 53 ? 'dns.exe' : 'lsass.exe', 700))
            : [listener('0.0.0.0', 104, 'pacs-dicom.exe', 2210), listener('0.0.0.0', 443, 'pacs-web.exe', 2230)];
          const flows: FlowSpec[] = [
            { address: a.backup, port: 445, process: 'wbengine.exe', fqdn: `bkp.${site.id}.${GHT.domain}`, firstH: 22, lastH: 20 },
            { address: GHT.wsus.address, port: 8530, process: 'svchost.exe', fqdn: GHT.wsus.fqdn, firstH: 20, lastH: 8 },
            { address: GHT.syslog.address, port: 6514, process: 'nxlog.exe', fqdn: GHT.syslog.fqdn },
          ];
          return {
            network: windowsNetwork(site, now, listeners, flows, { smb1: plan.os === WINDOWS_2012R2, addresses: [address] }),
            wifi: windowsNoWifi(),
            backups,
            mfa: {
              sshd: { installed: false, settings: null },
              // Tier 0/1 administrators log on with a smart card (scforceoption is per user, not machine-wide).
              ...windowsLogon(now, 'cps', true),
              // RDP with NLA, smart-card logon enforced; WinRM over HTTPS bound to the admin address.
              ...windowsAccess('cps', [
                { kind: 'other', name: 'Remote Desktop (RDP) port 3389, NLA required', exposure: 'internal', factors: ['smartcard'] },
                { kind: 'other', name: `WinRM HTTPS listener on IP:${address}`, exposure: 'admin-network', factors: ['password'] },
              ]),
              local_admins: {
                members: [
                  { name: 'Administrateur', kind: 'user', last_interactive_logon_at: null },
                  { name: `${GHT.netbios}\\GG-Admins-T${plan.name === 'ad' ? '0' : '1'}`, kind: 'group', last_interactive_logon_at: null },
                ],
                builtin_admin: { name: 'Administrateur', enabled: false, laps_managed: plan.name !== 'ad', last_interactive_logon_at: null },
                daily_user_is_admin: null,
                logon_history_since: ago(now, 60 * DAY),
              },
              lockout: windowsLockout(),
            },
          };
        }
        const listeners = [
          listener(address, 22, 'sshd', 901),
          listener('0.0.0.0', 443, plan.name === 'pacs' ? 'java' : 'nginx', 1502),
          ...(plan.name === 'pacs' ? [listener('0.0.0.0', 104, 'java', 1502)] : []),
        ];
        const flows: FlowSpec[] = [{ address: a.backup, port: 8000, process: 'restic', fqdn: `bkp.${site.id}.${GHT.domain}`, firstH: plan.backupAgeH % 24, lastH: plan.backupAgeH % 24 }];
        if (plan.name === 'dpi') flows.push({ address: `${site.lan}.20.11`, port: 5432, process: 'java', fqdn: `pgsql.${site.id}.${GHT.domain}` });
        const remote: RemoteEntryPoint[] = adminSsh();
        // The support site publishes the DPI's partner portal to city doctors through Pro Santé Connect.
        if (plan.name === 'dpi' && index === 0) remote.push({ kind: 'other', name: 'Portail ville-hôpital (reverse proxy, Pro Santé Connect)', exposure: 'internet', factors: ['psc'] });
        return {
          network: linuxNetwork(site, now, listeners, flows, { logsBlocked: !(plan.name === 'dpi' && index === 1), addresses: [address] }),
          wifi: linuxNoWifi(),
          backups,
          mfa: linuxMfa(now, hardenedSshd(address), { secondFactor: true, remote }),
        };
      },
    };
    if (plan.stale) spec.reportAgeMs = 60 * HOUR;
    return spec;
  });
}
