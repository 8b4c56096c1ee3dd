// Test helper for the BKP-02..05, AUTH-02..06 and TMA-01..06 rules: builds on report-builder.ts
// and fills the optional evidence fields those rules read. Every result is schema-checked.
//
//   const r = withBackups(buildReport(), { offline_copies: [offlineCopy(daysBefore(7))] });
//   const gw = gatewayReport();                      // telemaintenance gateway, compliant TMA evidence
//   const g2 = withTelemaintenance(gw, { tunnels: [tunnel({ authentication: 'psk' })] });
import type {
  BackupEvidence,
  HostIdentity,
  MfaEvidence,
  OfflineCopy,
  PamEntry,
  Report,
  TelemaintenanceEvidence,
  Tunnel,
} from '../../policies/evidence.js';
import { assertValidReport, BUILDER_COLLECTED_AT, buildReport, hoursBefore } from './report-builder.js';

/** An ISO timestamp `days` (+ `seconds`) before `from` (default BUILDER_COLLECTED_AT). */
export function daysBefore(days: number, seconds = 0, from: string | Date = BUILDER_COLLECTED_AT): string {
  return hoursBefore(days * 24, seconds, from);
}

/** An ISO timestamp `minutes` after BUILDER_COLLECTED_AT (negative: before). */
export function minutesAfter(minutes: number): string {
  return new Date(Date.parse(BUILDER_COLLECTED_AT) + minutes * 60_000).toISOString();
}

/** The report with backup evidence fields merged over the current ones. */
export function withBackups(report: Report, fields: Partial<BackupEvidence>): Report {
  const copy = structuredClone(report);
  if ('unavailable' in copy.backups) throw new Error('withBackups: backups section is unavailable');
  copy.backups = { ...copy.backups, ...fields };
  return assertValidReport(copy);
}

/** The report with MFA evidence fields merged over the current ones. */
export function withMfa(report: Report, fields: Partial<MfaEvidence>): Report {
  const copy = structuredClone(report);
  if ('unavailable' in copy.mfa) throw new Error('withMfa: mfa section is unavailable');
  copy.mfa = { ...copy.mfa, ...fields };
  return assertValidReport(copy);
}

/** The report with host identity fields changed (role, platform). */
export function withHost(report: Report, host: Partial<HostIdentity>, platform?: HostIdentity['os']['platform']): Report {
  const copy = structuredClone(report);
  copy.host = { ...copy.host, ...host };
  if (platform) copy.host.os = { ...copy.host.os, platform };
  return assertValidReport(copy);
}

/** An offline copy (media disconnected) or immutable copy (30-day lock) made at `at`. */
export function offlineCopy(at: string | null, overrides: Partial<OfflineCopy> = {}): OfflineCopy {
  return { kind: 'offline', target: 'LTO-0042', location: 'bâtiment B', last_copy_at: at, media_connected: false, retention_days: null, ...overrides };
}

export function immutableCopy(at: string | null, retention_days: number | null = 30): OfflineCopy {
  return { kind: 'immutable', target: 's3://vigie-lock/backups', location: 'hébergeur HDS', last_copy_at: at, media_connected: null, retention_days };
}

/** One PAM line; defaults: auth, required, direct from the service file. */
export function pamEntry(module: string, control = 'required', args: string[] = [], overrides: Partial<PamEntry> = {}): PamEntry {
  return { type: 'auth', control, module, arguments: args, if_present: false, source: 'sshd', via: 'direct', ...overrides };
}

/** A PAM evidence block with the given stacks (service -> entries). */
export function pamStacks(stacks: Record<string, PamEntry[]>): NonNullable<MfaEvidence['pam']> {
  return { services: Object.entries(stacks).map(([service, entries]) => ({ service, entries })) };
}

/** A compliant IKEv2 tunnel, down, with one up/down episode 1 h into the default window. */
export function tunnel(overrides: Partial<Tunnel> = {}): Tunnel {
  return {
    name: 'vendor-mri',
    type: 'ipsec-ikev2',
    authentication: 'certificate',
    tls_version: null,
    ciphers: ['aes256gcm16-prfsha384-ecp384'],
    state: 'down',
    events: [
      { at: hoursBefore(5), event: 'up' },
      { at: hoursBefore(4), event: 'down' },
    ],
    ...overrides,
  };
}

/** The approved window matching the default evidence: from 6 h to 3 h before collection. */
export const DEFAULT_WINDOW = { ticket: 'CHG-1001', start: hoursBefore(6), end: hoursBefore(3) };

/** Vendor declared IP and device flow used by the default gateway evidence. */
export const VENDOR_IP = '203.0.113.10';
export const DEVICE_IP = '10.20.0.15';

/** Compliant telemaintenance evidence (judged against DEFAULT_WINDOW, VENDOR_IP, DEVICE_IP). */
export function compliantTelemaintenance(): TelemaintenanceEvidence {
  return {
    inbound: {
      window_start: hoursBefore(24),
      window_end: BUILDER_COLLECTED_AT,
      connections: [{ protocol: 'udp', source_address: VENDOR_IP, local_port: 500, first_seen: hoursBefore(5), last_seen: hoursBefore(4) }],
    },
    ingress_rules: [{ source: `${VENDOR_IP}/32`, port: 500, protocol: 'udp', description: 'vendor IKE' }],
    vendor_accounts: [{ account: 'vendor-mri', enabled: false, enabled_at: hoursBefore(5), disabled_at: hoursBefore(4) }],
    tunnels: [tunnel()],
    device_accounts: [{ device: 'IRM-1', account: 'vendor-mri', auth: 'mfa', otp_validity_hours: null, credential_reused: false }],
    log_forwarding: { target: 'syslog.ch-demo.local', last_shipped_at: hoursBefore(1) },
    sessions: [
      {
        session_id: 'S-1',
        account: 'vendor-mri',
        source_address: VENDOR_IP,
        device: 'IRM-1',
        started_at: hoursBefore(5),
        ended_at: hoursBefore(4),
        actions_recorded: true,
        report_id: null,
      },
    ],
  };
}

/** The report with telemaintenance evidence fields merged over the current (or compliant) ones; null removes the section. */
export function withTelemaintenance(report: Report, fields: Partial<TelemaintenanceEvidence> | { unavailable: string } | null): Report {
  const copy = structuredClone(report);
  if (fields === null) delete copy.telemaintenance;
  else if ('unavailable' in fields) copy.telemaintenance = { unavailable: fields.unavailable };
  else {
    const base = copy.telemaintenance && !('unavailable' in copy.telemaintenance) ? copy.telemaintenance : compliantTelemaintenance();
    copy.telemaintenance = { ...base, ...(fields as Partial<TelemaintenanceEvidence>) };
  }
  return assertValidReport(copy);
}

/** A telemaintenance gateway report with compliant TMA evidence and a flow to DEVICE_IP. */
export function gatewayReport(): Report {
  const report = buildReport({ host: { host_id: 'tmg-01', hostname: 'tmg-01.ch-demo.local', role: 'telemaintenance-gateway' } });
  const copy = structuredClone(report);
  if ('unavailable' in copy.network || 'unavailable' in copy.network.outbound) throw new Error('unreachable');
  copy.network.outbound.flows = [
    {
      protocol: 'tcp',
      remote_address: DEVICE_IP,
      remote_port: 104,
      remote_fqdn: null,
      process: 'stunnel',
      pid: 900,
      first_seen: hoursBefore(5),
      last_seen: hoursBefore(4),
    },
  ];
  copy.telemaintenance = compliantTelemaintenance();
  return assertValidReport(copy);
}
