// Test helper for the NET/WIFI/ADM rules: outbound flows, the optional network and Wi-Fi
// evidence added in issue 5, saved Wi-Fi profiles, allowlist entries and packs carrying them.
// Every report helper returns a new report validated by report-builder's assertValidReport.
//
//   const r = withFlows(buildReport(), [flow('93.184.216.34', 443, { fqdn: 'example.com' })]);
//   const pack = packWithAllowlist(shippedWith('server', 'NET-01', {}), [allowEntry({ fqdn: 'example.com' })]);
import type { AllowlistEntry } from '../../policies/allowlist.js';
import type { NetworkEvidence, OutboundFlow, Report, WifiProfile } from '../../policies/evidence.js';
import type { Pack } from '../../policies/pack.js';
import { assertValidReport, BUILDER_COLLECTED_AT, hoursBefore } from './report-builder.js';

/** An outbound flow seen during the default window. */
export function flow(
  remote: string,
  port: number,
  options: { protocol?: 'tcp' | 'udp'; fqdn?: string | null; process?: string | null } = {},
): OutboundFlow {
  return {
    protocol: options.protocol ?? 'tcp',
    remote_address: remote,
    remote_port: port,
    remote_fqdn: options.fqdn ?? null,
    process: options.process === undefined ? 'firefox' : options.process,
    pid: 4242,
    first_seen: hoursBefore(3),
    last_seen: hoursBefore(2),
  };
}

/** The report with the network section's fields merged over (the section must be available). */
export function withNetwork(report: Report, network: Partial<NetworkEvidence>): Report {
  const copy = structuredClone(report);
  if ('unavailable' in copy.network) throw new Error('withNetwork: network section is unavailable');
  copy.network = { ...copy.network, ...network };
  return assertValidReport(copy);
}

/**
 * The report with these outbound flows, observed over a window of `windowHours` (+ `extraSeconds`,
 * may be negative) ending at collection time.
 */
export function withFlows(report: Report, flows: OutboundFlow[], windowHours = 24, extraSeconds = 0): Report {
  return withNetwork(report, {
    outbound: {
      method: 'socket table sampled every 60 s',
      window_start: hoursBefore(windowHours, extraSeconds),
      window_end: BUILDER_COLLECTED_AT,
      samples: 100,
      flows,
    },
  });
}

/** A saved WPA2-Enterprise EAP-TLS profile with a pinned CA, auto-connecting; override anything. */
export function wifiProfile(overrides: Partial<WifiProfile> = {}): WifiProfile {
  return {
    ssid: 'CH-Soins',
    key_management: 'wpa-eap',
    cipher: 'ccmp',
    autoconnect: true,
    mode: 'managed',
    eap: { methods: ['tls'], phase2: null, ca_configured: true, system_ca: false, server_name: 'radius.ch-demo.local' },
    ...overrides,
  };
}

/** An egress allowlist entry valid around BUILDER_COLLECTED_AT for every role; `match` from the shortcut. */
export function allowEntry(
  target: { fqdn: string } | { cidr: string } | { url_prefix: string },
  overrides: Partial<AllowlistEntry> = {},
): AllowlistEntry {
  return {
    id: `e-${Object.values(target)[0]}`.replace(/[^A-Za-z0-9._:-]/g, '_').slice(0, 64),
    match: target,
    ports: [443],
    proto: 'tcp',
    direction: 'egress',
    roles: ['workstation', 'admin-workstation', 'telemaintenance-gateway', 'server', 'backup-server'],
    purpose: 'vendor updates',
    owner: 'dsi@ch-demo.fr',
    approved_at: hoursBefore(24 * 30),
    expires_at: hoursBefore(-24 * 30),
    ticket: 'CHG-1',
    ...overrides,
  };
}

/** A copy of the pack whose allowlist is exactly these entries. */
export function packWithAllowlist(pack: Pack, entries: AllowlistEntry[]): Pack {
  const copy = structuredClone(pack);
  copy.allowlist = entries;
  return copy;
}
