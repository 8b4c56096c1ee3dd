// The outbound observation as the flow rules read it (NET-01, NET-03, NET-04, NET-06, ADM-01):
// distinct endpoints, their description in explanations, whether the observation window is long
// enough for an absence of flows to mean something, the egress allowlist verdict of a flow, and
// the walk over external endpoints that NET-01 and ADM-01 share.
import type { HostEndpointQuery } from '../allowlist.js';
import { isUnavailable, type OutboundFlow, type OutboundObservation, type Unavailable } from '../evidence.js';
import type { Bilingual } from '../verdict.js';
import { isInternal, parseAddress, type Ip } from './addresses.js';
import { unavailableFinding } from './evidence-gaps.js';
import { formatDuration, HOUR_MS, type Finding, type RuleContext } from './rule.js';

/** "name [ip]:port/proto (process)" for explanations. */
export function describeFlow(flow: OutboundFlow): string {
  const address = flow.remote_address.includes(':') ? `[${flow.remote_address}]` : flow.remote_address;
  const name = flow.remote_fqdn ? `${flow.remote_fqdn} ` : '';
  return `${name}${address}:${flow.remote_port}/${flow.protocol} (${flow.process ?? (flow.pid !== null ? `pid ${flow.pid}` : '?')})`;
}

/** "name [ip]:port/proto (process)", with "(×N)" when N flows share the endpoint. */
export function describeEndpoint(endpoint: Endpoint): string {
  return `${describeFlow(endpoint.flow)}${endpoint.count > 1 ? ` (×${endpoint.count})` : ''}`;
}

/** The window as an unknown finding when it is shorter than `minHours` (inclusive) or unreadable; null when long enough. */
export function shortWindow(outbound: OutboundObservation, minHours: number): Finding | null {
  const start = Date.parse(outbound.window_start);
  const end = Date.parse(outbound.window_end);
  const pointer = '/network/outbound/window_start';
  if (Number.isNaN(start) || Number.isNaN(end)) {
    return {
      status: 'unknown',
      pointer,
      fr: `fenêtre d'observation illisible (${outbound.window_start} → ${outbound.window_end})`,
      en: `unreadable observation window (${outbound.window_start} → ${outbound.window_end})`,
    };
  }
  if (end - start < minHours * HOUR_MS) {
    const d = formatDuration(end - start);
    return {
      status: 'unknown',
      pointer,
      fr: `fenêtre d'observation des flux de ${d.fr} (${outbound.window_start} → ${outbound.window_end}), plus courte que ${minHours} h : une absence de flux n'y prouve rien`,
      en: `outbound observation window of ${d.en} (${outbound.window_start} → ${outbound.window_end}) is shorter than ${minHours} h: an absence of flows proves nothing`,
    };
  }
  return null;
}

/** A distinct remote endpoint: its first flow (and that flow's index), how many flows, its parsed address. */
export interface Endpoint {
  flow: OutboundFlow;
  index: number;
  count: number;
  /** The remote address as parseAddress reads it; null when it is not an IP address. */
  ip: Ip | null;
}

/** The last endpoints computed per flows array, valid only for the evaluation (context) that computed them. */
const endpointsCache = new WeakMap<readonly OutboundFlow[], { context: RuleContext; endpoints: readonly Endpoint[] }>();

/**
 * One entry per distinct endpoint (address, port, protocol, FQDN), in first-seen order. Five rules
 * read the same flows: computed once per evaluation (evaluate() makes one context per report), so
 * a report changed between two evaluations is read afresh. Callers must not modify the result.
 */
export function distinctEndpoints(flows: readonly OutboundFlow[], context: RuleContext): readonly Endpoint[] {
  const cached = endpointsCache.get(flows);
  if (cached !== undefined && cached.context === context) return cached.endpoints;
  const seen = new Map<string, Endpoint>();
  flows.forEach((flow, index) => {
    // The address is length-prefixed: an agent-supplied "|" in it cannot shift the other fields
    // and merge two different endpoints (port and protocol are a number and a word; the FQDN is
    // the rest).
    const key = `${flow.remote_address.length}:${flow.remote_address}|${flow.remote_port}|${flow.protocol}|${flow.remote_fqdn ?? ''}`;
    const known = seen.get(key);
    if (known) known.count += 1;
    else seen.set(key, { flow, index, count: 1, ip: parseAddress(flow.remote_address) });
  });
  const endpoints = [...seen.values()];
  endpointsCache.set(flows, { context, endpoints });
  return endpoints;
}

/**
 * The egress allowlist query for a flow, by host name or by IP. One literal shape rather than a
 * spread (`{ ...query, host }`): V8 gives every spread copy a hidden class of its own, which
 * makes the matcher's reads of the query several times slower.
 */
export function flowQuery(flow: OutboundFlow, host: string | undefined, ip: string | undefined): HostEndpointQuery {
  return { host, ip, port: flow.remote_port, proto: flow.protocol, direction: 'egress' };
}

/** The allowlist verdict for one flow: FQDN first, then IP; the entry or the reasons why none. */
export function matchFlow(flow: OutboundFlow, context: RuleContext): { entry: string | null; reason: string } {
  const reasons: string[] = [];
  if (flow.remote_fqdn) {
    const byHost = context.allowlist.matchEndpoint(flowQuery(flow, flow.remote_fqdn, undefined));
    if (byHost.entry) return { entry: byHost.entry.id, reason: byHost.reason };
    reasons.push(byHost.reason);
  }
  const byIp = context.allowlist.matchEndpoint(flowQuery(flow, undefined, flow.remote_address));
  if (byIp.entry) return { entry: byIp.entry.id, reason: byIp.reason };
  reasons.push(byIp.reason);
  return { entry: null, reason: reasons.join('; ') };
}

/**
 * The outbound observation a flow rule judges, null when it was not observed. What limits it goes
 * to `findings`: the unknown finding when it is unavailable, or the note that its window is too
 * short for an absence of flows to prove anything.
 */
export function observedOutbound(outbound: OutboundObservation | Unavailable, minWindowHours: number, findings: Finding[]): OutboundObservation | null {
  if (isUnavailable(outbound)) {
    findings.push(unavailableFinding('/network/outbound', { fr: 'Flux sortants', en: 'Outbound flows' }, outbound));
    return null;
  }
  const short = shortWindow(outbound, minWindowHours);
  if (short) findings.push(short);
  return outbound;
}

/** The distinct external endpoints of the flows judged against the egress allowlist. */
export interface ExternalEndpoints {
  /** unknown for an unreadable remote address; fail (worded by the rule) for an external endpoint no entry allows. */
  findings: Finding[];
  /** Endpoints inside internal_networks (not judged). */
  internal: number;
  /** Allowlist entry id → how many external endpoints it allowed. */
  allowedBy: Map<string, number>;
}

/**
 * Each distinct remote endpoint: internal ones are counted, external ones must match an entry of
 * the egress allowlist; `refused` words the fail for one that matches none, from the endpoint's
 * text and the matcher's reason (NET-01 and ADM-01 differ only in that wording).
 */
export function judgeExternalEndpoints(
  flows: readonly OutboundFlow[],
  context: RuleContext,
  refused: (text: string, reason: string) => Bilingual,
): ExternalEndpoints {
  const result: ExternalEndpoints = { findings: [], internal: 0, allowedBy: new Map() };
  for (const endpoint of distinctEndpoints(flows, context)) {
    const { flow, index, ip } = endpoint;
    const pointer = `/network/outbound/flows/${index}`;
    if (ip === null) {
      const text = describeEndpoint(endpoint);
      result.findings.push({ status: 'unknown', pointer, fr: `${text} : adresse distante illisible`, en: `${text}: unreadable remote address` });
      continue;
    }
    if (isInternal(ip, context)) {
      result.internal += 1;
      continue;
    }
    const match = matchFlow(flow, context);
    if (match.entry) {
      result.allowedBy.set(match.entry, (result.allowedBy.get(match.entry) ?? 0) + 1);
      continue;
    }
    result.findings.push({ status: 'fail', pointer, ...refused(describeEndpoint(endpoint), match.reason) });
  }
  return result;
}
