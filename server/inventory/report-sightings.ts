// An agent report's outbound flows as sightings (egress), keyed by the flow's name when the agent
// joined one (with its source and confidence), else by its address. Internal destinations are
// kept too (the judge marks them `internal`), so the inventory shows them apart.
import { isUnavailable, type Report } from '../../policies/evidence.js';
import { canonicalDestination } from './destination.js';
import type { Sighting } from './sighting.js';

export function reportSightings(report: Report): Sighting[] {
  const network = report.network;
  if (isUnavailable(network) || isUnavailable(network.outbound)) return [];
  const out: Sighting[] = [];
  const { host } = report;
  for (const flow of network.outbound.flows) {
    const address = canonicalDestination(flow.remote_address);
    if (address === null || address.kind !== 'address') continue;
    const named = flow.remote_fqdn ? canonicalDestination(flow.remote_fqdn) : null;
    const target = named !== null && named.kind === 'name' ? named : address;
    const base = {
      site: host.site,
      role: host.role,
      port: flow.remote_port,
      protocol: flow.protocol,
      direction: 'egress' as const,
      host_key: host.host_id,
      source: 'agent',
      process: flow.process,
    };
    const nameSource = target.kind === 'name' ? `${flow.remote_fqdn_source ?? 'unknown'}/${flow.remote_fqdn_confidence ?? 'unknown'}` : null;
    out.push({ ...base, ...target, at: flow.first_seen, name_source: nameSource, address: target.kind === 'name' ? address.destination : null });
    if (flow.last_seen.slice(0, 10) !== flow.first_seen.slice(0, 10)) {
      out.push({ ...base, ...target, at: flow.last_seen, name_source: nameSource, address: target.kind === 'name' ? address.destination : null });
    }
  }
  return out;
}
