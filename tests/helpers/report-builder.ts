// Test helper: builds valid `Report`s (checked against the TypeBox contract) for any test suite.
//
//   const report = buildReport();                       // compliant-ish Linux server, fresh id
//   const ws = buildReport({ host: { role: 'workstation' } });
//   const r = withListeners(report, [listener(5900, '0.0.0.0', 'tcp', 'x11vnc')]);
//   const r2 = withUnavailable(report, 'backups', 'restic not found');
//   evaluate(r, pack, new Date(BUILDER_COLLECTED_AT));
//
// The default report describes host `srv-01` (role server, site ch-demo) collected at
// BUILDER_COLLECTED_AT, with:
// - listeners: sshd on BUILDER_ADMIN_ADDRESS:22, postgres on 127.0.0.1:5432, resolver on
//   127.0.0.53:53/udp, dhclient on 0.0.0.0:68/udp (so NET-05 passes when admin_addresses
//   lists BUILDER_ADMIN_ADDRESS; the shipped server pack declares none, which gives warn);
// - Wi-Fi: no hardware; backups: one restic source whose last success is 2 h before collection;
// - sshd: installed, two factors, root login off, AllowGroups set, X11 off.
// Every helper returns a new validated report and never mutates its input. Overrides are shallow
// per section (a given section replaces the default whole), except `host`, which is merged.
import { randomUUID } from 'node:crypto';
import { Compile } from 'typebox/compile';
import {
  Report,
  type BackupSource,
  type HostIdentity,
  type Listener,
  type SshdSettings,
  type WifiEvidence,
  type WifiInterface,
} from '../../policies/evidence.js';

/** Collection time of every built report unless overridden. */
export const BUILDER_COLLECTED_AT = '2025-06-02T08:00:00.000Z';
/** The admin interface address sshd is bound to in the default report. */
export const BUILDER_ADMIN_ADDRESS = '10.0.0.5';

const reportValidator = Compile(Report);

/** Throws with the schema errors when `value` is not a valid Report; returns it typed otherwise. */
export function assertValidReport(value: unknown): Report {
  if (!reportValidator.Check(value)) {
    const errors = reportValidator
      .Errors(value)
      .slice(0, 5)
      .map((e) => `${e.instancePath || '/'} ${e.message}`);
    throw new Error(`report-builder produced an invalid report: ${errors.join('; ')}`);
  }
  return value;
}

/** An ISO timestamp `hours` (+ `seconds`) before `from` (default BUILDER_COLLECTED_AT). */
export function hoursBefore(hours: number, seconds = 0, from: string | Date = BUILDER_COLLECTED_AT): string {
  const base = typeof from === 'string' ? Date.parse(from) : from.getTime();
  return new Date(base - hours * 3_600_000 - seconds * 1000).toISOString();
}

/** A listener record; address defaults to the IPv4 wildcard. */
export function listener(
  port: number,
  address = '0.0.0.0',
  protocol: 'tcp' | 'udp' = 'tcp',
  process: string | null = null,
): Listener {
  return { protocol, address, port, process, pid: process === null ? null : 1000 + (port % 1000) };
}

/** A Wi-Fi interface record; defaults: radio off, down, managed, not connected. */
export function wifiInterface(overrides: Partial<WifiInterface> = {}): WifiInterface {
  return { name: 'wlan0', driver: 'iwlwifi', radio: 'off', oper_state: 'down', mode: 'managed', connection: null, ...overrides };
}

/** A restic source whose last success is `last_success_at` (null: no successful job). */
export function backupSource(last_success_at: string | null, target = '/srv/backup/restic'): BackupSource {
  return { tool: 'restic', target, last_success_at, snapshot_count: last_success_at === null ? 0 : 42 };
}

/** Compliant sshd -T settings used by the default report. */
export function compliantSshdSettings(): SshdSettings {
  return {
    authenticationmethods: 'publickey,keyboard-interactive:pam',
    passwordauthentication: 'no',
    kbdinteractiveauthentication: 'yes',
    usepam: 'yes',
    permitrootlogin: 'no',
    permitemptypasswords: 'no',
    pubkeyauthoptions: 'none',
    allowusers: [],
    allowgroups: ['sshadmins'],
    x11forwarding: 'no',
    allowtcpforwarding: 'no',
    listenaddress: [`${BUILDER_ADMIN_ADDRESS}:22`],
  };
}

export interface ReportOverrides extends Partial<Omit<Report, 'host'>> {
  host?: Partial<HostIdentity>;
}

/** A valid report of a compliant-ish Linux server; see the header for what it contains. */
export function buildReport(overrides: ReportOverrides = {}): Report {
  const { host, ...sections } = overrides;
  const report: Report = {
    schema_version: 1,
    report_id: randomUUID(),
    agent_version: '0.1.0',
    collected_at: BUILDER_COLLECTED_AT,
    host: {
      host_id: 'srv-01',
      hostname: 'srv-01.ch-demo.local',
      os: { platform: 'linux', distro: 'Debian GNU/Linux', release: '12', arch: 'x64' },
      role: 'server',
      site: 'ch-demo',
      ...host,
    } as HostIdentity,
    network: {
      listeners: [
        listener(22, BUILDER_ADMIN_ADDRESS, 'tcp', 'sshd'),
        listener(5432, '127.0.0.1', 'tcp', 'postgres'),
        listener(53, '127.0.0.53', 'udp', 'systemd-resolve'),
        listener(68, '0.0.0.0', 'udp', 'dhclient'),
      ],
      outbound: {
        method: 'socket table sampled every 60 s',
        window_start: hoursBefore(24),
        window_end: BUILDER_COLLECTED_AT,
        samples: 1440,
        flows: [],
      },
      egress_probes: [],
      proxy_dns: {
        env_proxy: { http: null, https: null, no_proxy: null },
        resolvers: ['10.0.0.53'],
        dns_over_tls: false,
      },
    },
    wifi: { source: 'systeminformation wifiInterfaces + /sys/class/ieee80211', hardware_present: false, interfaces: [] },
    backups: { sources: [backupSource(hoursBefore(2))] },
    mfa: { sshd: { installed: true, settings: compliantSshdSettings() } },
    ...sections,
  };
  return assertValidReport(structuredClone(report));
}

type Section = 'network' | 'wifi' | 'backups' | 'mfa';

/** The report with one whole section replaced by `{ unavailable: reason }`. */
export function withUnavailable(report: Report, section: Section, reason: string): Report {
  return assertValidReport({ ...structuredClone(report), [section]: { unavailable: reason } });
}

/** The report with its listener table replaced (the network section must be available). */
export function withListeners(report: Report, listeners: Listener[] | { unavailable: string }): Report {
  const copy = structuredClone(report);
  if ('unavailable' in copy.network) throw new Error('withListeners: network section is unavailable');
  copy.network.listeners = listeners;
  return assertValidReport(copy);
}

/** The report with Wi-Fi evidence merged over the current one (the section must be available). */
export function withWifi(report: Report, wifi: Partial<WifiEvidence>): Report {
  const copy = structuredClone(report);
  if ('unavailable' in copy.wifi) throw new Error('withWifi: wifi section is unavailable');
  copy.wifi = { ...copy.wifi, ...wifi };
  return assertValidReport(copy);
}

/** The report with its backup sources replaced. */
export function withBackupSources(report: Report, sources: BackupSource[]): Report {
  return assertValidReport({ ...structuredClone(report), backups: { sources } });
}

/** The report with sshd settings merged over the compliant defaults (installed sshd). */
export function withSshdSettings(report: Report, settings: Partial<SshdSettings>): Report {
  return assertValidReport({
    ...structuredClone(report),
    mfa: { sshd: { installed: true, settings: { ...compliantSshdSettings(), ...settings } } },
  });
}

/** The report with a different collection time. */
export function collectedAt(report: Report, iso: string): Report {
  return assertValidReport({ ...structuredClone(report), collected_at: iso });
}
