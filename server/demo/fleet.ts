// A simulated GHT fleet for the demo: three hospitals of one territory, with the mix of
// machines an RSSI actually has (clinical workstations, admin workstations, vendor
// telemaintenance gateways in front of MRI/CT, servers, a backup server) and the usual
// flaws (VNC left open, sshd with a single factor, stale backups, Wi-Fi on a gateway).
// Deterministic: the same seed gives the same fleet, so the demo output is reproducible.
import { randomUUID } from 'node:crypto';
import {
  SCHEMA_VERSION,
  type BackupSource,
  type HostIdentity,
  type HostRole,
  type Listener,
  type Report,
  type SshdSettings,
  type WifiEvidence,
} from '../../policies/evidence.js';

export interface SimulatedSite {
  id: string;
  name: string;
  /** The admin network of the site (sshd should listen only there). */
  adminNet: string;
}

export const DEMO_SITES: readonly SimulatedSite[] = [
  { id: 'chi-vallee', name: 'CHI de la Vallée (établissement support)', adminNet: '10.10.250' },
  { id: 'ch-plateau', name: 'CH du Plateau', adminNet: '10.20.250' },
  { id: 'ch-riviere', name: 'CH de la Rivière', adminNet: '10.30.250' },
];

export interface SimulatedHost {
  identity: Omit<HostIdentity, 'host_id'>;
  /** Builds the report once the server has assigned a host id. */
  report(hostId: string, now: Date): Report;
}

/** Small deterministic PRNG (mulberry32): no dependency needed for a demo's dice. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOUR = 3600_000;
const iso = (date: Date): string => date.toISOString();
const ago = (now: Date, ms: number): string => iso(new Date(now.getTime() - ms));

const WINDOWS_OS = {
  platform: 'windows' as const,
  distro: 'Microsoft Windows 11 Entreprise',
  release: '10.0.22631',
  arch: 'x64',
};
const LINUX_OS = { platform: 'linux' as const, distro: 'Debian GNU/Linux 12 (bookworm)', release: '12', arch: 'x64' };
const RHEL_OS = { platform: 'linux' as const, distro: 'Red Hat Enterprise Linux 9.4', release: '9.4', arch: 'x64' };

const listener = (address: string, port: number, process: string, pid: number, protocol: 'tcp' | 'udp' = 'tcp'): Listener => ({
  protocol,
  address,
  port,
  process,
  pid,
});

const hardenedSshd = (adminAddress: string): SshdSettings => ({
  authenticationmethods: 'publickey,keyboard-interactive:pam',
  passwordauthentication: 'no',
  kbdinteractiveauthentication: 'yes',
  usepam: 'yes',
  permitrootlogin: 'no',
  permitemptypasswords: 'no',
  pubkeyauthoptions: 'none',
  allowusers: [],
  allowgroups: ['adm-ssh'],
  x11forwarding: 'no',
  allowtcpforwarding: 'no',
  listenaddress: [`${adminAddress}:22`],
});

const debianDefaultSshd = (): SshdSettings => ({
  authenticationmethods: 'any',
  passwordauthentication: 'yes',
  kbdinteractiveauthentication: 'no',
  usepam: 'yes',
  permitrootlogin: 'without-password',
  permitemptypasswords: 'no',
  pubkeyauthoptions: 'none',
  allowusers: [],
  allowgroups: [],
  x11forwarding: 'yes',
  allowtcpforwarding: 'yes',
  listenaddress: ['0.0.0.0:22', '[::]:22'],
});

const noWifi = (): WifiEvidence => ({
  source: 'kernel: /sys/class/ieee80211 has no device',
  hardware_present: false,
  interfaces: [],
});

const laptopWifi = (radioOn: boolean, ssid: string | null): WifiEvidence => ({
  source: 'netsh wlan show interfaces',
  hardware_present: true,
  interfaces: [
    {
      name: 'Wi-Fi',
      driver: 'Intel(R) Wi-Fi 6 AX201 160MHz',
      radio: radioOn ? 'on' : 'off',
      oper_state: radioOn && ssid ? 'up' : 'down',
      mode: 'managed',
      connection: radioOn && ssid ? { ssid, key_management: 'WPA2-Enterprise', cipher: 'CCMP' } : null,
    },
  ],
});

function network(now: Date, listeners: Listener[], remotes: Array<[string, number, string]>): Report['network'] {
  return {
    listeners,
    outbound: {
      method: 'socket table sampled every 60 s between reports',
      window_start: ago(now, 24 * HOUR),
      window_end: iso(now),
      samples: 1440,
      flows: remotes.map(([address, port, process], i) => ({
        protocol: 'tcp' as const,
        remote_address: address,
        remote_port: port,
        remote_fqdn: null,
        process,
        pid: 4000 + i,
        first_seen: ago(now, 20 * HOUR),
        last_seen: ago(now, HOUR),
      })),
    },
    egress_probes: { unavailable: 'no probe targets received from the server yet' },
    proxy_dns: {
      env_proxy: { http: 'http://proxy.ght-vallee.local:3128', https: 'http://proxy.ght-vallee.local:3128', no_proxy: '.ght-vallee.local' },
      resolvers: ['10.10.1.53', '10.10.2.53'],
      dns_over_tls: false,
    },
  };
}

function resticSource(now: Date, ageMs: number | null, target: string): BackupSource {
  return {
    tool: 'restic',
    target,
    last_success_at: ageMs === null ? null : ago(now, ageMs),
    snapshot_count: ageMs === null ? 0 : 30,
  };
}

interface HostSpec {
  site: SimulatedSite;
  role: HostRole;
  hostname: string;
  build: (hostId: string, now: Date) => Omit<Report, 'schema_version' | 'report_id' | 'agent_version' | 'collected_at' | 'host'>;
  os: HostIdentity['os'];
  /** How old the report is when sent (a silent host gives stale evidence). */
  reportAgeMs?: number;
}

function specsFor(site: SimulatedSite, index: number, random: () => number): HostSpec[] {
  const prefix = site.id.split('-')[1]!.slice(0, 3);
  const specs: HostSpec[] = [];
  const services = ['urg', 'rea', 'mater', 'radio', 'bloc', 'cardio', 'pharma', 'accueil', 'labo', 'pedia'];
  const workstationCount = index === 0 ? 12 : index === 1 ? 8 : 5;

  for (let n = 1; n <= workstationCount; n++) {
    const service = services[(n - 1) % services.length]!;
    const roll = random();
    const laptop = random() < 0.3;
    specs.push({
      site,
      role: 'workstation',
      hostname: `${prefix}-pc-${service}-${String(n).padStart(3, '0')}`,
      os: WINDOWS_OS,
      build: (_hostId, now) => ({
        network: network(
          now,
          [
            listener('0.0.0.0', 135, 'svchost.exe', 1100),
            listener('0.0.0.0', 445, 'System', 4),
            ...(roll < 0.12 ? [listener('0.0.0.0', 5900, 'tvnserver.exe', 3120)] : []),
            ...(roll > 0.9 ? [listener('0.0.0.0', 5938, 'TeamViewer_Service.exe', 2870)] : []),
            listener('127.0.0.1', 9100, 'vigie-agent.exe', 5012),
          ],
          [['10.10.5.20', 443, 'msedge.exe']],
        ),
        wifi: laptop ? laptopWifi(random() < 0.5, 'GHT-VALLEE-PRO') : noWifi(),
        backups: { sources: [] },
        mfa: { sshd: { installed: false, settings: null } },
      }),
    });
  }

  for (let n = 1; n <= (index === 2 ? 1 : 2); n++) {
    specs.push({
      site,
      role: 'admin-workstation',
      hostname: `${prefix}-padm-${String(n).padStart(2, '0')}`,
      os: n === 1 ? WINDOWS_OS : LINUX_OS,
      build: (_hostId, now) => ({
        network: network(now, [listener(`${site.adminNet}.${10 + n}`, 22, 'sshd', 880)], [[`${site.adminNet}.1`, 22, 'ssh']]),
        wifi: noWifi(),
        backups: { sources: [] },
        mfa:
          n === 1
            ? { sshd: { installed: false, settings: null } }
            : { sshd: { installed: true, settings: hardenedSshd(`${site.adminNet}.${10 + n}`) } },
      }),
    });
  }

  const devices = index === 0 ? ['irm', 'scanner', 'tep'] : index === 1 ? ['irm', 'scanner'] : ['scanner'];
  for (const [n, device] of devices.entries()) {
    const weak = random() < 0.45;
    const wifiOn = n === 1 && index === 1;
    specs.push({
      site,
      role: 'telemaintenance-gateway',
      hostname: `${prefix}-tmg-${device}-01`,
      os: LINUX_OS,
      build: (_hostId, now) => ({
        network: network(
          now,
          [
            weak ? listener('0.0.0.0', 22, 'sshd', 712) : listener(`${site.adminNet}.${40 + n}`, 22, 'sshd', 712),
            listener('127.0.0.1', 25, 'exim4', 1030),
          ],
          [['193.57.120.4', 443, 'openvpn']],
        ),
        wifi: wifiOn
          ? {
              source: 'iw dev + rfkill',
              hardware_present: true,
              interfaces: [
                { name: 'wlan0', driver: 'iwlwifi', radio: 'on', oper_state: 'up', mode: 'managed', connection: { ssid: 'Box-Invites', key_management: 'WPA2-PSK', cipher: 'CCMP' } },
              ],
            }
          : noWifi(),
        backups: { sources: [resticSource(now, (n + 1) * 9 * HOUR, `sftp:sauvegarde@bkp.${site.id}.local:/restic/tmg-${device}`)] },
        mfa: {
          sshd: {
            installed: true,
            settings: weak
              ? { ...hardenedSshd(`${site.adminNet}.${40 + n}`), authenticationmethods: 'publickey', listenaddress: ['0.0.0.0:22'] }
              : hardenedSshd(`${site.adminNet}.${40 + n}`),
          },
        },
      }),
    });
  }

  const servers = index === 0 ? ['dpi', 'pacs', 'ad', 'labo'] : index === 1 ? ['dpi', 'pacs', 'ad'] : ['dpi', 'ad'];
  for (const [n, name] of servers.entries()) {
    const backupAgeHours = [6, 30, 200, 3][(n + index) % 4]!;
    specs.push({
      site,
      role: 'server',
      hostname: `${prefix}-srv-${name}-01`,
      os: name === 'ad' ? WINDOWS_OS : RHEL_OS,
      reportAgeMs: name === 'labo' ? 60 * HOUR : undefined,
      build: (_hostId, now) => ({
        network: network(
          now,
          [
            listener(`${site.adminNet}.${60 + n}`, 22, 'sshd', 901),
            listener('0.0.0.0', 443, name === 'pacs' ? 'java' : 'nginx', 1502),
            ...(name === 'pacs' ? [listener('0.0.0.0', 104, 'java', 1502)] : []),
          ],
          [['10.10.1.53', 53, 'systemd-resolved']],
        ),
        wifi: noWifi(),
        backups:
          n === 2 && index === 2
            ? { sources: [{ tool: 'borg', target: `ssh://borg@bkp.${site.id}.local/./${name}`, unavailable: 'borg list exited 2: passphrase supplied in BORG_PASSCOMMAND is incorrect' }] }
            : { sources: [resticSource(now, backupAgeHours * HOUR, `s3:https://s3.hds-provider.fr/ght-vallee-${site.id}/${name}`)] },
        mfa: {
          sshd: {
            installed: name !== 'ad',
            settings: name === 'ad' ? null : n === 1 && index === 1 ? debianDefaultSshd() : hardenedSshd(`${site.adminNet}.${60 + n}`),
          },
        },
      }),
    });
  }

  specs.push({
    site,
    role: 'backup-server',
    hostname: `${prefix}-bkp-01`,
    os: LINUX_OS,
    build: (_hostId, now) => ({
      network: network(now, [listener(`${site.adminNet}.90`, 22, 'sshd', 640)], []),
      wifi: noWifi(),
      backups: {
        sources: [
          { tool: 'borg', target: `/srv/borg/${site.id}-config`, last_success_at: ago(now, (index * 20 + 2) * HOUR), snapshot_count: 90 },
        ],
      },
      mfa: { sshd: { installed: true, settings: hardenedSshd(`${site.adminNet}.90`) } },
    }),
  });
  return specs;
}

/** About 50 hosts over three sites; the same seed always gives the same fleet. */
export function simulatedFleet(seed = 2022): SimulatedHost[] {
  const random = prng(seed);
  return DEMO_SITES.flatMap((site, index) => specsFor(site, index, random)).map((spec) => ({
    identity: { hostname: spec.hostname, os: spec.os, role: spec.role, site: spec.site.id },
    report: (hostId: string, now: Date): Report => {
      const collectedAt = new Date(now.getTime() - (spec.reportAgeMs ?? 0));
      return {
        schema_version: SCHEMA_VERSION,
        report_id: randomUUID(),
        agent_version: '0.1.0-simulated',
        collected_at: iso(collectedAt),
        host: { host_id: hostId, hostname: spec.hostname, os: spec.os, role: spec.role, site: spec.site.id },
        ...spec.build(hostId, collectedAt),
      };
    },
  }));
}
