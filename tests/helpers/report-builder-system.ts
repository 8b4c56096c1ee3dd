// Test helper: the `system` section (evidence revision 2) and the revision-2 fields of the other
// sections, on top of report-builder's default report.
import type { PendingUpdate, Report, SystemEvidence } from '../../policies/evidence.js';
import { assertValidReport, BUILDER_COLLECTED_AT, hoursBefore } from './report-builder.js';

/** A compliant system section: Debian 12, chrony on 10.0.0.123 with 2 ms offset, logs shipped 1 h ago, no update pending. */
export function compliantSystem(): SystemEvidence {
  return {
    os: { product: 'debian', version: '12', build: null, edition: null, source: '/etc/os-release' },
    time_sync: { daemon: 'chrony', synchronized: true, configured_sources: ['10.0.0.123'], current_source: '10.0.0.123', offset_seconds: 0.002 },
    log_forwarding: [{ daemon: 'rsyslog', target: 'logs.ch-demo.local:6514', protocol: 'tls', last_shipped_at: hoursBefore(1), last_shipped_unavailable: null }],
    updates: { manager: 'apt', pending: [], complete: true, last_install_at: hoursBefore(48), index_date: hoursBefore(6) },
    disk_encryption: [{ mount: '/', scheme: 'luks', protection_on: true, cipher: 'aes-xts-plain64', key_bits: 512, recovery_escrowed: true, suspended_since: null }],
    vpn_profiles: [{ name: 'always-on', kind: 'ipsec', always_on: true, user_can_disable: false, factors: ['client-certificate', 'password'], endpoint: 'vpn.ch-demo.fr' }],
  };
}

export function withSystem(report: Report, fields: Partial<SystemEvidence> | { unavailable: string } | null): Report {
  const copy = structuredClone(report);
  if (fields === null) delete copy.system;
  else if ('unavailable' in fields) copy.system = { unavailable: fields.unavailable };
  else copy.system = { ...compliantSystem(), ...fields };
  return assertValidReport(copy);
}

export function pendingUpdate(overrides: Partial<PendingUpdate> = {}): PendingUpdate {
  return { package: 'openssl', version: '3.0.15-1~deb12u1', security: true, published_at: null, first_seen_at: null, ...overrides };
}

export const AT = new Date(BUILDER_COLLECTED_AT);

/** An ISO time `days` (+ `seconds`) before BUILDER_COLLECTED_AT. */
export function daysAgo(days: number, seconds = 0): string {
  return new Date(AT.getTime() - days * 86_400_000 - seconds * 1000).toISOString();
}
