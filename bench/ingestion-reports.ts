// The reports the ingestion benchmark sends (bench/ingestion.bench.ts): a realistic report padded
// to about 8 KB of JSON, and per-request bodies with a fresh report_id, spread over enrolled hosts.
import { v7 as timeOrderedUuid } from 'uuid';
import type { Listener, OutboundFlow, Report } from '../policies/evidence.js';
import { assertValidReport, buildReport, hoursBefore, listener } from '../tests/helpers/report-builder.js';

const TARGET_BYTES = 8 * 1024;

export interface BenchHost {
  host_id: string;
  credential: string;
  site: string;
}

/** A realistic report padded with listeners and 24 h of outbound flows to about 8 KB of JSON. */
export function templateReport(): Report {
  const base = buildReport({ host: { host_id: 'HOSTID', site: 'SITEID', hostname: 'srv-bench.ch-demo.local' } });
  if ('unavailable' in base.network || 'unavailable' in base.network.outbound) throw new Error('builder network unavailable');
  const builtListeners = 'unavailable' in base.network.listeners ? [] : base.network.listeners;
  const listeners: Listener[] = [
    ...builtListeners,
    listener(443, '0.0.0.0', 'tcp', 'nginx'),
    listener(80, '0.0.0.0', 'tcp', 'nginx'),
    listener(9100, '10.0.0.5', 'tcp', 'node_exporter'),
    listener(5666, '10.0.0.5', 'tcp', 'nrpe'),
    listener(111, '0.0.0.0', 'tcp', 'rpcbind'),
    listener(323, '127.0.0.1', 'udp', 'chronyd'),
    listener(25, '127.0.0.1', 'tcp', 'exim4'),
    listener(8080, '127.0.0.1', 'tcp', 'java'),
  ];
  const flows: OutboundFlow[] = [];
  const remotes = [
    ['10.0.0.53', 53, 'udp', 'ns1.ch-demo.local', 'systemd-resolve'],
    ['10.0.0.20', 514, 'udp', 'syslog.ch-demo.local', 'rsyslogd'],
    ['10.0.1.10', 5432, 'tcp', 'db-dpi.ch-demo.local', 'java'],
    ['10.0.0.30', 443, 'tcp', 'vigie.ch-demo.local', 'vigie-agent'],
    ['192.0.2.44', 443, 'tcp', 'updates.vendor-imagerie.example', 'updater'],
    ['198.51.100.7', 443, 'tcp', 'deb.debian.org', 'apt'],
    ['10.0.2.15', 2049, 'tcp', 'nas-pacs.ch-demo.local', 'kernel'],
    ['10.0.0.40', 123, 'udp', 'ntp.ch-demo.local', 'chronyd'],
  ] as const;
  const report = structuredClone(base);
  for (let i = 0; JSON.stringify(report).length < TARGET_BYTES && i < 200; i++) {
    const [address, port, protocol, fqdn, process] = remotes[i % remotes.length]!;
    flows.push({
      protocol,
      remote_address: address,
      remote_port: port,
      remote_fqdn: fqdn,
      process,
      pid: 2000 + i,
      first_seen: hoursBefore(23, i * 7),
      last_seen: hoursBefore(1, i * 3),
    });
    if (!('unavailable' in report.network) && !('unavailable' in report.network.outbound)) {
      report.network.listeners = listeners;
      report.network.outbound.flows = [...flows];
    }
  }
  return assertValidReport(report);
}

/** Per-request bodies: a fresh time-ordered report_id (UUID v7, as agent/report.ts makes them), hosts in turn. */
export function bodyFactory(template: Report, hosts: readonly BenchHost[]): () => { body: string; authorization: string } {
  const json = JSON.stringify({ ...template, report_id: 'REPORTID' });
  const [beforeId, rest] = json.split('"REPORTID"') as [string, string];
  let next = 0;
  return () => {
    const host = hosts.length === 0 ? { host_id: 'HOSTID', site: 'SITEID', credential: 'none' } : hosts[next++ % hosts.length]!;
    const body = `${beforeId}"${timeOrderedUuid()}"${rest}`.replace('"HOSTID"', `"${host.host_id}"`).replace('"SITEID"', `"${host.site}"`);
    return { body, authorization: `Bearer ${host.credential}` };
  };
}

