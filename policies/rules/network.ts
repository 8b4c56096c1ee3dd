// Network rules: NET-05 first, then the flow helpers shared with ADM-01, NET-03, NET-04, NET-06,
// NET-07 and NET-01 (each with its own header below). NET-02 is the allowlist lint (policies/lint.ts).
//
// NET-05: listening services allowlisted per role.
//
// Every non-loopback listener must match an entry of `allowed_listeners` (port + protocol, and
// the bind address when the entry names one). Loopback listeners (127.0.0.0/8, ::1, and their
// IPv4-mapped forms) are ignored: they are not reachable from the network.
// Remote-control ports (VNC, TeamViewer, AnyDesk, RDP... from `remote_control_ports`) fail unless
// allowlisted; the explanation names the product.
// SSH (`ssh_port`, TCP) on Unix hosts (linux, darwin) must also be bound only to one of
// `admin_addresses`: a wildcard (0.0.0.0, ::) or any other address fails. When no admin address
// is declared the binding cannot be judged, so an allowlisted SSH listener gives `warn`
// ("declare admin_addresses"), never `pass`.
// The evidence has no firewall source scope, so "reachable only from admin sources" (WS ports
// 135/445/3389) cannot be observed: such listeners are judged by the allowlist alone.
import ipaddr from 'ipaddr.js';
import { Type, type Static } from 'typebox';
import { parseCidr, type HostEndpointQuery } from '../allowlist.js';
import { isUnavailable, type Listener, type OutboundFlow, type OutboundObservation, type Report } from '../evidence.js';
import {
  defineRule,
  derivedFrom,
  formatDuration,
  HOUR_MS,
  listFindings,
  worstStatus,
  type Finding,
  type RuleContext,
  type RuleOutcome,
} from './rule.js';
import type { VerdictStatus } from '../verdict.js';

const Port = Type.Integer({ minimum: 0, maximum: 65535 });
const strict = { additionalProperties: false } as const;

export const Net05Parameters = Type.Object(
  {
    remote_control_ports: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 64 }),
          ports: Type.Array(Port, { minItems: 1, maxItems: 64 }),
        },
        strict,
      ),
      { maxItems: 64 },
    ),
    allowed_listeners: Type.Array(
      Type.Object(
        {
          port: Port,
          protocol: Type.Union([Type.Literal('tcp'), Type.Literal('udp')]),
          /** Only this bind address is allowed; absent means any address. */
          bind: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          purpose: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
        },
        strict,
      ),
      { maxItems: 500 },
    ),
    /** Addresses of the administration interface(s) SSH may bind to. */
    admin_addresses: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 64 }),
    ssh_port: Port,
  },
  strict,
);

/**
 * The octets of a dotted-quad IPv4 address as the kernel prints it (four decimal parts 0-255,
 * no leading zeros, nothing else), or null. Hand-written rather than a regex plus ipaddr.js:
 * nearly every address in a report has this form and each report has dozens of them.
 */
export function dottedQuadOctets(text: string): number[] | null {
  const octets: number[] = [];
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    // The end of the text closes the last part, like a dot.
    const code = i < text.length ? text.charCodeAt(i) : 0x2e;
    if (code === 0x2e) {
      if (digits === 0 || octets.length === 4) return null;
      octets.push(value);
      value = 0;
      digits = 0;
    } else if (code >= 0x30 && code <= 0x39) {
      if (digits > 0 && value === 0) return null; // leading zero
      value = value * 10 + (code - 0x30);
      digits += 1;
      if (value > 255) return null;
    } else {
      return null;
    }
  }
  return octets.length === 4 ? octets : null;
}

/** Canonical text of an IP address as the kernel/tools print it, or null when it is not one. */
export function canonicalListenerAddress(raw: string): string | null {
  let text = raw.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  if (text === '*') return '*';
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  // Fast path (no exception-driven parsing): a plain dotted quad is already canonical.
  if (dottedQuadOctets(text) !== null) return text;
  // Kernel-printed addresses are plain dotted quads or IPv6; refuse shorthand IPv4 forms.
  if (ipaddr.IPv4.isValid(text) && !ipaddr.IPv4.isValidFourPartDecimal(text)) return null;
  if (!ipaddr.isValid(text)) return null;
  return ipaddr.process(text).toString();
}

/** Loopback listeners are not reachable from the network and are ignored. */
export function isLoopback(raw: string): boolean {
  const canonical = canonicalListenerAddress(raw);
  if (canonical === null || canonical === '*') return false;
  const octets = dottedQuadOctets(canonical);
  // ipaddr.js's IPv4 'loopback' range is exactly 127.0.0.0/8.
  if (octets !== null) return octets[0] === 127;
  return ipaddr.parse(canonical).range() === 'loopback';
}

function describe(listener: Listener): string {
  const address = listener.address.includes(':') && !listener.address.startsWith('[') ? `[${listener.address}]` : listener.address;
  const proc = listener.process ?? (listener.pid !== null ? `pid ${listener.pid}` : '?');
  return `${address}:${listener.port}/${listener.protocol} (${proc})`;
}

const UNIX_PLATFORMS = new Set(['linux', 'darwin']);

/** NET-05's lookup tables, per parameters: admin addresses in canonical form, remote-control port -> product. */
const net05Tables = derivedFrom((parameters: Static<typeof Net05Parameters>) => {
  const remoteControl = new Map<number, string>();
  for (const product of parameters.remote_control_ports) for (const p of product.ports) remoteControl.set(p, product.name);
  return { admin: new Set(parameters.admin_addresses.map((a) => canonicalListenerAddress(a))), remoteControl };
});

export const net05 = defineRule({
  id: 'NET-05',
  section: 'network',
  parameters: Net05Parameters,
  extraParameterErrors(parameters) {
    const bad = [
      ...parameters.admin_addresses,
      ...parameters.allowed_listeners.flatMap((l) => (l.bind !== undefined ? [l.bind] : [])),
    ].filter((a) => canonicalListenerAddress(a) === null);
    return bad.length > 0 ? [`not an IP address: ${bad.join(', ')}`] : [];
  },
  check(report: Report, parameters, context): RuleOutcome {
    void context;
    const threshold =
      'every non-loopback listener is in the role allowlist; remote-control ports only if allowlisted; ' +
      `SSH (${parameters.ssh_port}/tcp) on Unix bound only to admin addresses`;
    const network = report.network;
    if (isUnavailable(network)) throw new Error('NET-05 reached with an unavailable network section');
    if (isUnavailable(network.listeners)) {
      return {
        status: 'unknown',
        explanation: {
          fr: `Les ports en écoute n'ont pas pu être observés : ${network.listeners.unavailable}`,
          en: `Listening sockets could not be observed: ${network.listeners.unavailable}`,
        },
        evidence: ['/network/listeners'],
        threshold,
      };
    }

    const { admin, remoteControl } = net05Tables(parameters);
    const isUnix = UNIX_PLATFORMS.has(report.host.os.platform);

    const findings: Finding[] = [];
    let ignoredLoopback = 0;
    let accepted = 0;
    network.listeners.forEach((listener, index) => {
      const pointer = `/network/listeners/${index}`;
      if (isLoopback(listener.address)) {
        ignoredLoopback += 1;
        return;
      }
      const address = canonicalListenerAddress(listener.address);
      const allowed = parameters.allowed_listeners.some(
        (entry) =>
          entry.port === listener.port &&
          entry.protocol === listener.protocol &&
          (entry.bind === undefined || canonicalListenerAddress(entry.bind) === address),
      );
      const text = describe(listener);
      if (!allowed) {
        const product = remoteControl.get(listener.port);
        findings.push(
          product !== undefined
            ? {
                status: 'fail',
                pointer,
                fr: `${text} : port de prise en main à distance (${product}) non autorisé`,
                en: `${text}: remote-control port (${product}) not allowlisted`,
              }
            : {
                status: 'fail',
                pointer,
                fr: `${text} : absent de la liste blanche du rôle`,
                en: `${text}: not in the role's listener allowlist`,
              },
        );
        return;
      }
      if (isUnix && listener.protocol === 'tcp' && listener.port === parameters.ssh_port) {
        if (admin.size === 0) {
          findings.push({
            status: 'warn',
            pointer,
            fr: `${text} : SSH en écoute mais aucune adresse d'administration n'est déclarée (admin_addresses), liaison non vérifiable`,
            en: `${text}: SSH listens but no admin address is declared (admin_addresses), binding cannot be checked`,
          });
          return;
        }
        if (address === null || !admin.has(address)) {
          findings.push({
            status: 'fail',
            pointer,
            fr: `${text} : SSH lié à une adresse qui n'est pas une adresse d'administration (${parameters.admin_addresses.join(', ')})`,
            en: `${text}: SSH bound to an address that is not an admin address (${parameters.admin_addresses.join(', ')})`,
          });
          return;
        }
      }
      accepted += 1;
    });

    const status = worstStatus(findings.map((f) => f.status));
    const counts = {
      fr: `${accepted} écoute(s) conforme(s), ${ignoredLoopback} sur la boucle locale ignorée(s)`,
      en: `${accepted} compliant listener(s), ${ignoredLoopback} loopback listener(s) ignored`,
    };
    if (findings.length === 0) {
      return {
        status: 'pass',
        explanation: {
          fr: `Toutes les écoutes hors boucle locale sont autorisées pour le rôle : ${counts.fr}.`,
          en: `Every non-loopback listener is allowed for the role: ${counts.en}.`,
        },
        evidence: ['/network/listeners'],
        threshold,
      };
    }
    const listed = listFindings(findings);
    return {
      status,
      explanation: {
        fr: `${findings.length} écoute(s) non conforme(s) : ${listed.fr}. (${counts.fr}.)`,
        en: `${findings.length} non-compliant listener(s): ${listed.en}. (${counts.en}.)`,
      },
      evidence: findings.map((f) => f.pointer),
      threshold,
    };
  },
});

// ================================================================ shared by the flow-based rules
// NET-01, NET-03, NET-04, NET-06 and ADM-01 read the outbound observation; these helpers parse
// addresses the way the kernel prints them, decide "internal" against the declared ranges, and
// check that the observation window is long enough for an absence of flows to mean something.

/** A list of IP addresses or CIDRs in rule parameters (bounded). */
export const AddressList = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 1000 });

type Ip = ipaddr.IPv4 | ipaddr.IPv6;
interface Network {
  ip: Ip;
  prefix: number;
}

/** An address as the kernel prints it (IPv4-mapped IPv6 judged as IPv4); null when not an IP. */
export function parseAddress(raw: string): Ip | null {
  // Fast path: a plain dotted quad is already canonical.
  const plain = dottedQuadOctets(raw);
  if (plain !== null) return new ipaddr.IPv4(plain);
  const canonical = canonicalListenerAddress(raw);
  if (canonical === null || canonical === '*') return null;
  const quad = dottedQuadOctets(canonical);
  if (quad !== null) return new ipaddr.IPv4(quad);
  const ip = ipaddr.IPv6.parse(canonical);
  return ip.isIPv4MappedAddress() ? ip.toIPv4Address() : ip;
}

/** The same as ip.range() === 'loopback', without walking ipaddr.js's list of special ranges. */
export function isLoopbackIp(ip: Ip): boolean {
  return ip.kind() === 'ipv4' ? (ip as ipaddr.IPv4).octets[0] === 127 : ip.range() === 'loopback';
}

function parseNetwork(text: string): Network | null {
  if (text.includes('/')) {
    const cidr = parseCidr(text);
    return cidr.ok ? cidr.value : null;
  }
  const ip = parseAddress(text);
  return ip ? { ip, prefix: ip.kind() === 'ipv4' ? 32 : 128 } : null;
}

const invalidAddressCache = new WeakMap<readonly string[], string[]>();

/** Entries of an address list that are neither an IP nor a CIDR, as a parameter error. */
export function addressListErrors(name: string, list: readonly string[]): string[] {
  // Parameters are re-checked on every evaluation: remember the invalid entries per array.
  let bad = invalidAddressCache.get(list);
  if (bad === undefined) {
    bad = list.filter((a) => parseNetwork(a) === null);
    invalidAddressCache.set(list, bad);
  }
  return bad.length > 0 ? [`${name}: not an IP address or CIDR: ${bad.slice(0, 10).join(', ')}`] : [];
}

/** A set of networks with a containment test; built once per parameter array. */
export interface AddressSet {
  contains(ip: Ip): boolean;
  readonly size: number;
}

const addressSetCache = new WeakMap<readonly string[], AddressSet>();

/** The address as a signed 32-bit integer (what JavaScript's bitwise operators work on). */
function ipv4Bits(ip: ipaddr.IPv4): number {
  const o = ip.octets;
  return (o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!;
}

export function addressSet(list: readonly string[]): AddressSet {
  const cached = addressSetCache.get(list);
  if (cached) return cached;
  const networks = list.map(parseNetwork).filter((n): n is Network => n !== null);
  // IPv4 networks as 32-bit (base, mask): the test ipaddr.js's match() does octet by octet, in
  // one step (prefixes are 0..32: parseCidr refuses more).
  const v4 = networks
    .filter((n) => n.ip.kind() === 'ipv4')
    .map((n) => {
      const mask = n.prefix === 0 ? 0 : -1 << (32 - n.prefix);
      return { base: ipv4Bits(n.ip as ipaddr.IPv4) & mask, mask };
    });
  const v6 = networks.filter((n) => n.ip.kind() === 'ipv6');
  const set: AddressSet = {
    contains(ip) {
      if (ip.kind() === 'ipv4') {
        const bits = ipv4Bits(ip as ipaddr.IPv4);
        return v4.some((n) => (bits & n.mask) === n.base);
      }
      return v6.some((n) => ip.match(n.ip, n.prefix));
    },
    size: networks.length,
  };
  addressSetCache.set(list, set);
  return set;
}

/** True when the parsed address lies in the pack's declared internal ranges (internal_networks). */
export function isInternal(ip: Ip, context: RuleContext): boolean {
  // The pack's compiled list is stable per pack, so addressSet's cache parses it once.
  return addressSet(context.internalNetworks.networks).contains(ip);
}

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

/** Turns findings into an outcome: pass text when all pass, else the worst findings listed. */
export function outcomeOf(
  findings: readonly Finding[],
  threshold: string,
  passText: { fr: string; en: string },
  fallbackEvidence: string[],
): RuleOutcome {
  const status = worstStatus(findings.map((f) => f.status));
  if (status === 'pass') {
    const notes = findings.filter((f) => f.fr !== '');
    const listed = listFindings(notes);
    return {
      status,
      explanation: {
        fr: notes.length > 0 ? `${passText.fr} ${listed.fr}.` : passText.fr,
        en: notes.length > 0 ? `${passText.en} ${listed.en}.` : passText.en,
      },
      evidence: fallbackEvidence,
      threshold,
    };
  }
  // List the problems grouped by status, worst first; passing items are left out.
  const groups: { status: VerdictStatus; fr: string; en: string }[] = [
    { status: 'fail', fr: 'Non conforme', en: 'Non-compliant' },
    { status: 'unknown', fr: 'Indéterminé', en: 'Cannot be judged' },
    { status: 'warn', fr: 'À améliorer', en: 'Needs attention' },
  ];
  const fr: string[] = [];
  const en: string[] = [];
  const pointers: string[] = [];
  for (const group of groups) {
    const items = findings.filter((f) => f.status === group.status);
    if (items.length === 0) continue;
    const listed = listFindings(items);
    fr.push(`${group.fr} : ${listed.fr}.`);
    en.push(`${group.en}: ${listed.en}.`);
    pointers.push(...items.map((f) => f.pointer));
  }
  return { status, explanation: { fr: fr.join(' '), en: en.join(' ') }, evidence: [...new Set(pointers)], threshold };
}

/** An unknown finding for an optional evidence field this agent does not send, or sent as unavailable. */
export function missingEvidence(pointer: string, what: { fr: string; en: string }, value: unknown): Finding {
  if (isUnavailable(value)) {
    return { status: 'unknown', pointer, fr: `${what.fr} indisponible : ${value.unavailable}`, en: `${what.en} unavailable: ${value.unavailable}` };
  }
  return {
    status: 'unknown',
    pointer,
    fr: `${what.fr} non remonté(e) par cet agent`,
    en: `${what.en} not reported by this agent`,
  };
}

const WINDOW_HOURS = Type.Number({ minimum: 0, maximum: 24 * 31 });

// ================================================================ NET-03: no proxy bypass
// Pass = a proxy is set explicitly (system proxy, PAC URL or environment) AND by policy
// (proxy_policy.enforced_by_policy) AND no direct TCP flow to an Internet address on a web
// port (80/443 by default) in a window of at least `min_window_hours`. Direct means: remote
// outside the internal ranges, not a declared proxy address, not the configured proxy host,
// not a declared VPN concentrator. A direct flow fails even when the window is short.

export const Net03Parameters = Type.Object(
  {
    web_ports: Type.Array(Port, { minItems: 1, maxItems: 16 }),
    /** Addresses of proxies outside the internal ranges (cloud proxies), IPs or CIDRs. */
    proxy_addresses: AddressList,
    /** VPN concentrators the host may reach directly, IPs or CIDRs. */
    vpn_concentrators: AddressList,
    min_window_hours: WINDOW_HOURS,
  },
  strict,
);

/** Host part of a proxy setting ("http://user@proxy.ch.local:3128/" -> "proxy.ch.local"). */
export function proxyHost(setting: string): string | null {
  let text = setting.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  text = text.replace(/^[^@/]*@/, '').split('/')[0] ?? '';
  if (text.startsWith('[')) return text.slice(1, text.indexOf(']') > 0 ? text.indexOf(']') : undefined).toLowerCase() || null;
  const host = text.replace(/:\d+$/, '').replace(/\.$/, '').toLowerCase();
  return host === '' ? null : host;
}

export const net03 = defineRule({
  id: 'NET-03',
  section: 'network',
  parameters: Net03Parameters,
  extraParameterErrors: (p) => [
    ...addressListErrors('proxy_addresses', p.proxy_addresses),
    ...addressListErrors('vpn_concentrators', p.vpn_concentrators),
  ],
  check(report, parameters, context): RuleOutcome {
    const network = report.network;
    if (isUnavailable(network)) throw new Error('NET-03 reached with an unavailable network section');
    const threshold =
      `proxy set explicitly and by policy; no direct TCP ${parameters.web_ports.join('/')} flow to an Internet address ` +
      `(outside internal ranges, not a proxy or VPN concentrator) in an observation window >= ${parameters.min_window_hours} h`;
    const findings: Finding[] = [];

    // 1. The proxy setting: explicit, and imposed by policy.
    const settings: { value: string; pointer: string }[] = [];
    const policy = network.proxy_policy;
    if (policy !== undefined && !isUnavailable(policy)) {
      if (policy.system_proxy) settings.push({ value: policy.system_proxy, pointer: '/network/proxy_policy/system_proxy' });
      if (policy.pac_url) settings.push({ value: policy.pac_url, pointer: '/network/proxy_policy/pac_url' });
    }
    const proxyDns = network.proxy_dns;
    if (!isUnavailable(proxyDns)) {
      if (proxyDns.env_proxy.http) settings.push({ value: proxyDns.env_proxy.http, pointer: '/network/proxy_dns/env_proxy/http' });
      if (proxyDns.env_proxy.https) settings.push({ value: proxyDns.env_proxy.https, pointer: '/network/proxy_dns/env_proxy/https' });
    }
    const policyKnown = policy !== undefined && !isUnavailable(policy);
    if (settings.length === 0) {
      if (!policyKnown || isUnavailable(proxyDns)) {
        if (!policyKnown) findings.push(missingEvidence('/network/proxy_policy', { fr: 'Configuration du proxy système', en: 'System proxy settings' }, policy));
        if (isUnavailable(proxyDns)) findings.push(missingEvidence('/network/proxy_dns', { fr: 'Proxy d\'environnement', en: 'Environment proxy' }, proxyDns));
      } else {
        findings.push({
          status: 'fail',
          pointer: '/network/proxy_policy',
          fr: 'aucun proxy explicite (ni proxy système, ni PAC, ni variable d\'environnement)',
          en: 'no explicit proxy (no system proxy, no PAC URL, no environment variable)',
        });
      }
    } else {
      const shown = settings.map((s) => s.value).join(', ');
      if (!policyKnown) {
        findings.push(missingEvidence('/network/proxy_policy', { fr: `Application par stratégie du proxy (${shown})`, en: `Policy enforcement of the proxy (${shown})` }, policy));
      } else if (policy.enforced_by_policy === true) {
        findings.push({ status: 'pass', pointer: '/network/proxy_policy/enforced_by_policy', fr: `proxy ${shown} imposé par stratégie`, en: `proxy ${shown} enforced by policy` });
      } else if (policy.enforced_by_policy === false) {
        findings.push({
          status: 'fail',
          pointer: '/network/proxy_policy/enforced_by_policy',
          fr: `proxy ${shown} configuré mais pas imposé par stratégie (GPO, préférence gérée) : l'utilisateur peut le retirer`,
          en: `proxy ${shown} is set but not enforced by policy (GPO, managed preference): the user can remove it`,
        });
      } else {
        findings.push({
          status: 'unknown',
          pointer: '/network/proxy_policy/enforced_by_policy',
          fr: `proxy ${shown} configuré ; son application par stratégie n'a pas pu être établie (${policy.source})`,
          en: `proxy ${shown} is set; whether policy enforces it could not be established (${policy.source})`,
        });
      }
    }

    // 2. Direct web flows to the Internet.
    const outbound = network.outbound;
    if (isUnavailable(outbound)) {
      findings.push(missingEvidence('/network/outbound', { fr: 'Flux sortants', en: 'Outbound flows' }, outbound));
    } else {
      const short = shortWindow(outbound, parameters.min_window_hours);
      if (short) findings.push(short);
      const proxies = addressSet(parameters.proxy_addresses);
      const vpn = addressSet(parameters.vpn_concentrators);
      const proxyHosts = new Set(settings.map((s) => proxyHost(s.value)).filter((h): h is string => h !== null));
      let direct = 0;
      for (const { flow, index, count, ip } of distinctEndpoints(outbound.flows, context)) {
        if (flow.protocol !== 'tcp' || !parameters.web_ports.includes(flow.remote_port)) continue;
        const pointer = `/network/outbound/flows/${index}`;
        if (ip === null) {
          findings.push({ status: 'unknown', pointer, fr: `${describeFlow(flow)} : adresse distante illisible`, en: `${describeFlow(flow)}: unreadable remote address` });
          continue;
        }
        if (isInternal(ip, context) || proxies.contains(ip) || vpn.contains(ip)) continue;
        if (proxyHosts.has(ip.toString()) || (flow.remote_fqdn !== null && proxyHosts.has(flow.remote_fqdn.toLowerCase().replace(/\.$/, '')))) continue;
        direct += 1;
        const times = count > 1 ? ` (×${count})` : '';
        findings.push({
          status: 'fail',
          pointer,
          fr: `${describeFlow(flow)}${times} : flux web direct vers Internet, sans passer par le proxy`,
          en: `${describeFlow(flow)}${times}: direct web flow to the Internet, bypassing the proxy`,
        });
      }
      if (direct === 0 && !short) {
        findings.push({ status: 'pass', pointer: '/network/outbound', fr: `aucun flux web direct vers Internet sur ${outbound.flows.length} flux observés`, en: `no direct web flow to the Internet among ${outbound.flows.length} observed flows` });
      }
    }
    return outcomeOf(
      findings,
      threshold,
      { fr: 'Le proxy est imposé et aucun flux ne le contourne :', en: 'The proxy is enforced and no flow bypasses it:' },
      ['/network/proxy_policy', '/network/proxy_dns/env_proxy', '/network/outbound'],
    );
  },
});

// ================================================================ NET-04: DNS only via enterprise resolvers
// - Each configured resolver is a declared resolver (`dns_resolvers`) or a loopback stub (whose
//   upstream queries show up in the observed flows and are judged there).
// - Each observed flow to port 53 (UDP/TCP) or TCP 853 (DoT) goes to a declared resolver.
// - No flow to a known public DoH resolver on 443 (TCP, or UDP for HTTP/3).
// - Every browser reported has DoH turned off by a managed policy.
// With no `dns_resolvers` declared, internal resolvers are accepted but the verdict is at best
// `warn` ("declare them"); a resolver outside the internal ranges fails either way.

export const Net04Parameters = Type.Object(
  {
    /** The establishment's resolvers, IPs or CIDRs. Empty: not declared (warn). */
    dns_resolvers: AddressList,
    public_doh_resolvers: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 64 }),
          addresses: AddressList,
          hosts: Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { maxItems: 64 }),
        },
        strict,
      ),
      { maxItems: 64 },
    ),
    min_window_hours: WINDOW_HOURS,
  },
  strict,
);

/** The public DoH resolvers with their addresses compiled and host names normalised, per parameters. */
const publicDohResolvers = derivedFrom((resolvers: Static<typeof Net04Parameters>['public_doh_resolvers']) =>
  resolvers.map((r) => ({
    name: r.name,
    addresses: addressSet(r.addresses),
    hosts: new Set(r.hosts.map((h) => h.toLowerCase().replace(/\.$/, ''))),
  })),
);

export const net04 = defineRule({
  id: 'NET-04',
  section: 'network',
  parameters: Net04Parameters,
  extraParameterErrors: (p) => [
    ...addressListErrors('dns_resolvers', p.dns_resolvers),
    ...p.public_doh_resolvers.flatMap((r) => addressListErrors(`public_doh_resolvers ${r.name}`, r.addresses)),
  ],
  check(report, parameters, context): RuleOutcome {
    const network = report.network;
    if (isUnavailable(network)) throw new Error('NET-04 reached with an unavailable network section');
    const declared = addressSet(parameters.dns_resolvers);
    const threshold =
      (declared.size > 0 ? `DNS (53, DoT 853) only to the declared resolvers ${parameters.dns_resolvers.join(', ')}` : 'DNS only to declared resolvers (none declared: internal resolvers give warn)') +
      `; no DoH to public resolvers; browser DoH off by policy; observation window >= ${parameters.min_window_hours} h`;
    const findings: Finding[] = [];

    /** A resolver address judged: declared, or (none declared) internal = warn, else fail. */
    const judgeResolver = (ip: Ip | null, pointer: string, what: { fr: string; en: string }): Finding | null => {
      if (ip === null) return { status: 'unknown', pointer, fr: `${what.fr} : adresse illisible`, en: `${what.en}: unreadable address` };
      if (isLoopbackIp(ip)) return null;
      if (declared.contains(ip)) return { status: 'pass', pointer, fr: `${what.fr} : résolveur déclaré`, en: `${what.en}: declared resolver` };
      if (declared.size === 0 && isInternal(ip, context)) {
        return {
          status: 'warn',
          pointer,
          fr: `${what.fr} : résolveur interne, mais aucun résolveur n'est déclaré (dns_resolvers)`,
          en: `${what.en}: internal resolver, but no resolver is declared (dns_resolvers)`,
        };
      }
      return { status: 'fail', pointer, fr: `${what.fr} : pas un résolveur de l'établissement`, en: `${what.en}: not an establishment resolver` };
    };

    // 1. Configured resolvers.
    const proxyDns = network.proxy_dns;
    if (isUnavailable(proxyDns)) {
      findings.push(missingEvidence('/network/proxy_dns', { fr: 'Résolveurs configurés', en: 'Configured resolvers' }, proxyDns));
    } else if (proxyDns.resolvers.length === 0) {
      findings.push({ status: 'unknown', pointer: '/network/proxy_dns/resolvers', fr: 'aucun résolveur configuré n\'a été remonté', en: 'no configured resolver was reported' });
    } else {
      proxyDns.resolvers.forEach((resolver, i) => {
        const finding = judgeResolver(parseAddress(resolver), `/network/proxy_dns/resolvers/${i}`, { fr: `résolveur configuré ${resolver}`, en: `configured resolver ${resolver}` });
        if (finding) findings.push(finding);
      });
    }

    // 2. Observed DNS, DoT and DoH flows.
    const outbound = network.outbound;
    if (isUnavailable(outbound)) {
      findings.push(missingEvidence('/network/outbound', { fr: 'Flux sortants', en: 'Outbound flows' }, outbound));
    } else {
      const short = shortWindow(outbound, parameters.min_window_hours);
      if (short) findings.push(short);
      const doh = publicDohResolvers(parameters.public_doh_resolvers);
      for (const endpoint of distinctEndpoints(outbound.flows, context)) {
        const { flow, index, ip } = endpoint;
        const isDns = flow.remote_port === 53 || (flow.remote_port === 853 && flow.protocol === 'tcp');
        if (!isDns && flow.remote_port !== 443) continue;
        const pointer = `/network/outbound/flows/${index}`;
        const text = describeEndpoint(endpoint);
        if (isDns) {
          const kind = flow.remote_port === 853 ? { fr: 'DNS sur TLS', en: 'DNS over TLS' } : { fr: 'DNS', en: 'DNS' };
          const finding = judgeResolver(ip, pointer, { fr: `${text} (${kind.fr})`, en: `${text} (${kind.en})` });
          if (finding && finding.status !== 'pass') findings.push(finding);
          continue;
        }
        const fqdn = flow.remote_fqdn?.toLowerCase().replace(/\.$/, '') ?? null;
        const resolver = doh.find((r) => (ip !== null && r.addresses.contains(ip)) || (fqdn !== null && r.hosts.has(fqdn)));
        if (resolver) {
          findings.push({
            status: 'fail',
            pointer,
            fr: `${text} : DNS sur HTTPS vers le résolveur public ${resolver.name}`,
            en: `${text}: DNS over HTTPS to the public resolver ${resolver.name}`,
          });
        }
      }
    }

    // 3. Browser DoH policy.
    const browsers = network.browser_doh;
    if (browsers === undefined || isUnavailable(browsers)) {
      findings.push(missingEvidence('/network/browser_doh', { fr: 'Stratégie DoH des navigateurs', en: 'Browser DoH policy' }, browsers));
    } else {
      browsers.forEach((b, i) => {
        const pointer = `/network/browser_doh/${i}`;
        if (b.policy_mode === 'off') {
          findings.push({ status: 'pass', pointer, fr: `${b.browser} : DoH désactivé par stratégie`, en: `${b.browser}: DoH turned off by policy` });
        } else {
          const mode = b.policy_mode ?? { fr: 'aucune stratégie', en: 'no policy' };
          findings.push({
            status: 'fail',
            pointer,
            fr: `${b.browser} : DoH non désactivé par stratégie (${typeof mode === 'string' ? mode : mode.fr})`,
            en: `${b.browser}: DoH not turned off by policy (${typeof mode === 'string' ? mode : mode.en})`,
          });
        }
      });
    }
    return outcomeOf(
      findings,
      threshold,
      { fr: 'Toute la résolution DNS passe par les résolveurs de l\'établissement :', en: 'All DNS goes through the establishment resolvers:' },
      ['/network/proxy_dns/resolvers', '/network/outbound', '/network/browser_doh'],
    );
  },
});

// ================================================================ NET-06: no legacy cleartext protocols
// - A non-loopback listener on a cleartext port (FTP, Telnet, TFTP, POP3, IMAP, r-services by
//   default) fails unless `legacy_listeners` names it with a justification.
// - An outbound flow to such a port fails unless an egress allowlist entry covers it AND that
//   entry is an exception (`exception: true`) with a justification (legacy medical device).
// - SMBv1 enabled (server or client side) fails; unobserved = unknown.
// HTTP admin interfaces are not in the evidence (no HTTP probing), so they are not judged here.

const Proto = Type.Union([Type.Literal('tcp'), Type.Literal('udp')]);

export const Net06Parameters = Type.Object(
  {
    cleartext_ports: Type.Array(
      Type.Object(
        { name: Type.String({ minLength: 1, maxLength: 64 }), protocol: Proto, ports: Type.Array(Port, { minItems: 1, maxItems: 64 }) },
        strict,
      ),
      { maxItems: 64 },
    ),
    legacy_listeners: Type.Array(
      Type.Object(
        {
          port: Port,
          protocol: Proto,
          bind: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          justification: Type.String({ minLength: 10, maxLength: 500 }),
        },
        strict,
      ),
      { maxItems: 100 },
    ),
  },
  strict,
);

/** NET-06's port/protocol -> service name table and threshold, per parameters. */
const net06Tables = derivedFrom((parameters: Static<typeof Net06Parameters>) => {
  const cleartext = new Map<string, string>();
  for (const c of parameters.cleartext_ports) for (const port of c.ports) cleartext.set(`${port}/${c.protocol}`, c.name);
  const threshold =
    `no listener or outbound flow on ${[...cleartext.keys()].join(', ')} unless allowlisted as a justified exception; SMBv1 disabled (server and client)`;
  return { cleartext, threshold };
});

export const net06 = defineRule({
  id: 'NET-06',
  section: 'network',
  parameters: Net06Parameters,
  extraParameterErrors(p) {
    const bad = p.legacy_listeners.flatMap((l) => (l.bind !== undefined && canonicalListenerAddress(l.bind) === null ? [l.bind] : []));
    return bad.length > 0 ? [`legacy_listeners: not an IP address: ${bad.join(', ')}`] : [];
  },
  check(report, parameters, context): RuleOutcome {
    const network = report.network;
    if (isUnavailable(network)) throw new Error('NET-06 reached with an unavailable network section');
    const { cleartext, threshold } = net06Tables(parameters);
    const findings: Finding[] = [];

    if (isUnavailable(network.listeners)) {
      findings.push(missingEvidence('/network/listeners', { fr: 'Ports en écoute', en: 'Listening sockets' }, network.listeners));
    } else {
      network.listeners.forEach((l, i) => {
        const name = cleartext.get(`${l.port}/${l.protocol}`);
        if (name === undefined || isLoopback(l.address)) return;
        const pointer = `/network/listeners/${i}`;
        const address = canonicalListenerAddress(l.address);
        const exception = parameters.legacy_listeners.find(
          (e) => e.port === l.port && e.protocol === l.protocol && (e.bind === undefined || canonicalListenerAddress(e.bind) === address),
        );
        findings.push(
          exception
            ? { status: 'pass', pointer, fr: `${describe(l)} (${name}) : exception déclarée (${exception.justification})`, en: `${describe(l)} (${name}): declared exception (${exception.justification})` }
            : { status: 'fail', pointer, fr: `${describe(l)} : service en clair ${name} en écoute`, en: `${describe(l)}: cleartext ${name} service listening` },
        );
      });
    }

    if (isUnavailable(network.outbound)) {
      findings.push(missingEvidence('/network/outbound', { fr: 'Flux sortants', en: 'Outbound flows' }, network.outbound));
    } else {
      for (const endpoint of distinctEndpoints(network.outbound.flows, context)) {
        const { flow, index } = endpoint;
        const name = cleartext.get(`${flow.remote_port}/${flow.protocol}`);
        if (name === undefined || isLoopback(flow.remote_address)) continue;
        const pointer = `/network/outbound/flows/${index}`;
        const text = describeEndpoint(endpoint);
        const byHost = flow.remote_fqdn ? context.allowlist.matchEndpoint(flowQuery(flow, flow.remote_fqdn, undefined)) : null;
        const match = byHost?.entry ? byHost : context.allowlist.matchEndpoint(flowQuery(flow, undefined, flow.remote_address));
        const entry = match.entry;
        if (entry && entry.exception === true && entry.justification) {
          findings.push({
            status: 'pass',
            pointer,
            fr: `${text} (${name}) : exception ${entry.id} (${entry.justification})`,
            en: `${text} (${name}): exception ${entry.id} (${entry.justification})`,
          });
        } else if (entry) {
          findings.push({
            status: 'fail',
            pointer,
            fr: `${text} : flux en clair ${name} couvert par l'entrée ${entry.id}, qui n'est pas une exception justifiée (exception: true + justification)`,
            en: `${text}: cleartext ${name} flow covered by entry ${entry.id}, which is not a justified exception (exception: true + justification)`,
          });
        } else {
          findings.push({ status: 'fail', pointer, fr: `${text} : flux en clair ${name} (${match.reason})`, en: `${text}: cleartext ${name} flow (${match.reason})` });
        }
      }
    }

    const smb1 = network.smb1;
    if (smb1 === undefined || isUnavailable(smb1)) {
      findings.push(missingEvidence('/network/smb1', { fr: 'État de SMBv1', en: 'SMBv1 state' }, smb1));
    } else {
      for (const side of ['server', 'client'] as const) {
        const value = smb1[`${side}_enabled`];
        const pointer = `/network/smb1/${side}_enabled`;
        const fr = side === 'server' ? 'serveur' : 'client';
        if (value === true) findings.push({ status: 'fail', pointer, fr: `SMBv1 activé côté ${fr} (${smb1.source})`, en: `SMBv1 enabled on the ${side} side (${smb1.source})` });
        else if (value === null) findings.push({ status: 'unknown', pointer, fr: `état de SMBv1 côté ${fr} non observable (${smb1.source})`, en: `SMBv1 ${side} side not observable (${smb1.source})` });
      }
    }
    return outcomeOf(
      findings,
      threshold,
      { fr: 'Aucun protocole en clair hérité et SMBv1 désactivé.', en: 'No legacy cleartext protocol and SMBv1 disabled.' },
      ['/network/listeners', '/network/outbound', '/network/smb1'],
    );
  },
});

// ================================================================ NET-07: host firewall on, default-deny inbound
// Every active profile: enabled and default inbound = block. Logging of blocked inbound traffic:
// off = `missing_logging` (warn by default), unknown = unknown. Inactive profiles are listed
// but not judged (the catalogue asks for "all active profiles").

export const Net07Parameters = Type.Object(
  { missing_logging: Type.Union([Type.Literal('warn'), Type.Literal('fail')]) },
  strict,
);

export const net07 = defineRule({
  id: 'NET-07',
  section: 'network',
  parameters: Net07Parameters,
  check(report, parameters): RuleOutcome {
    const network = report.network;
    if (isUnavailable(network)) throw new Error('NET-07 reached with an unavailable network section');
    const threshold = `firewall enabled on every active profile with default inbound = block; blocked-traffic logging on (${parameters.missing_logging} if not)`;
    const firewall = network.firewall;
    if (firewall === undefined || isUnavailable(firewall)) {
      return outcomeOf([missingEvidence('/network/firewall', { fr: 'État du pare-feu local', en: 'Host firewall state' }, firewall)], threshold, { fr: '', en: '' }, ['/network/firewall']);
    }
    const active = firewall.profiles.map((p, i) => ({ p, i })).filter(({ p }) => p.active);
    if (active.length === 0) {
      return {
        status: 'unknown',
        explanation: {
          fr: `Aucun profil de pare-feu actif n'a été remonté (${firewall.source}).`,
          en: `No active firewall profile was reported (${firewall.source}).`,
        },
        evidence: ['/network/firewall/profiles'],
        threshold,
      };
    }
    const findings: Finding[] = [];
    for (const { p, i } of active) {
      const pointer = `/network/firewall/profiles/${i}`;
      if (!p.enabled) {
        findings.push({ status: 'fail', pointer: `${pointer}/enabled`, fr: `profil ${p.name} : pare-feu désactivé`, en: `profile ${p.name}: firewall disabled` });
        continue;
      }
      if (p.default_inbound === 'allow') {
        findings.push({ status: 'fail', pointer: `${pointer}/default_inbound`, fr: `profil ${p.name} : entrant autorisé par défaut`, en: `profile ${p.name}: inbound allowed by default` });
        continue;
      }
      if (p.default_inbound === null) {
        findings.push({ status: 'unknown', pointer: `${pointer}/default_inbound`, fr: `profil ${p.name} : politique entrante par défaut inconnue`, en: `profile ${p.name}: default inbound policy unknown` });
        continue;
      }
      if (p.logs_blocked === false) {
        findings.push({
          status: parameters.missing_logging,
          pointer: `${pointer}/logs_blocked`,
          fr: `profil ${p.name} : refus par défaut, mais les flux bloqués ne sont pas journalisés`,
          en: `profile ${p.name}: default deny, but blocked traffic is not logged`,
        });
      } else if (p.logs_blocked === null) {
        findings.push({ status: 'unknown', pointer: `${pointer}/logs_blocked`, fr: `profil ${p.name} : journalisation des refus inconnue`, en: `profile ${p.name}: logging of blocked traffic unknown` });
      } else {
        findings.push({ status: 'pass', pointer, fr: `profil ${p.name} : actif, refus par défaut, refus journalisés`, en: `profile ${p.name}: enabled, default deny, blocked traffic logged` });
      }
    }
    return outcomeOf(
      findings,
      threshold,
      { fr: `Pare-feu actif en refus par défaut sur tous les profils actifs (${firewall.source}) :`, en: `Firewall on with default deny on every active profile (${firewall.source}):` },
      active.map(({ i }) => `/network/firewall/profiles/${i}`),
    );
  },
});

// ================================================================ NET-01: egress destinations allowlisted
// Every distinct remote endpoint outside the internal ranges must match an unexpired egress
// allowlist entry for the host's role: by its FQDN (DNS/SNI/proxy log) when the agent saw one,
// else (or failing that) by its IP (CIDR containment), plus port and protocol. Any unmatched
// endpoint fails and is listed with the matcher's reason (expired entry, wrong port...). With
// no unmatched endpoint, a window shorter than `min_window_hours` (inclusive) gives unknown.

export const Net01Parameters = Type.Object({ min_window_hours: WINDOW_HOURS }, strict);

/**
 * The egress allowlist query for a flow, by host name or by IP. One literal shape rather than a
 * spread (`{ ...query, host }`): V8 gives every spread copy a hidden class of its own, which
 * makes the matcher's reads of the query several times slower.
 */
function flowQuery(flow: OutboundFlow, host: string | undefined, ip: string | undefined): HostEndpointQuery {
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

export const net01 = defineRule({
  id: 'NET-01',
  section: 'network',
  parameters: Net01Parameters,
  check(report, parameters, context): RuleOutcome {
    const network = report.network;
    if (isUnavailable(network)) throw new Error('NET-01 reached with an unavailable network section');
    const threshold =
      `every remote endpoint outside ${context.internalNetworks.networks.join(', ')} matches an unexpired egress allowlist entry for role ${context.role} ` +
      `(FQDN or CIDR, port, protocol); observation window >= ${parameters.min_window_hours} h`;
    const outbound = network.outbound;
    if (isUnavailable(outbound)) {
      return outcomeOf([missingEvidence('/network/outbound', { fr: 'Flux sortants', en: 'Outbound flows' }, outbound)], threshold, { fr: '', en: '' }, ['/network/outbound']);
    }
    const findings: Finding[] = [];
    const short = shortWindow(outbound, parameters.min_window_hours);
    if (short) findings.push(short);
    let internalCount = 0;
    const matched = new Map<string, number>();
    for (const endpoint of distinctEndpoints(outbound.flows, context)) {
      const { flow, index, ip } = endpoint;
      const pointer = `/network/outbound/flows/${index}`;
      if (ip === null) {
        const text = describeEndpoint(endpoint);
        findings.push({ status: 'unknown', pointer, fr: `${text} : adresse distante illisible`, en: `${text}: unreadable remote address` });
        continue;
      }
      if (isInternal(ip, context)) {
        internalCount += 1;
        continue;
      }
      const match = matchFlow(flow, context);
      if (match.entry) {
        matched.set(match.entry, (matched.get(match.entry) ?? 0) + 1);
        continue;
      }
      const text = describeEndpoint(endpoint);
      findings.push({
        status: 'fail',
        pointer,
        fr: `${text} : destination hors liste blanche (${match.reason})`,
        en: `${text}: destination not allowlisted (${match.reason})`,
      });
    }
    const entries = [...matched.entries()].map(([id, n]) => `${id} ×${n}`).join(', ') || '-';
    findings.push({
      status: 'pass',
      pointer: '/network/outbound/flows',
      fr: `${outbound.flows.length} flux observés (${outbound.method}), ${internalCount} destination(s) interne(s), destinations externes autorisées par : ${entries}`,
      en: `${outbound.flows.length} flows observed (${outbound.method}), ${internalCount} internal destination(s), external destinations allowed by: ${entries}`,
    });
    return outcomeOf(
      findings,
      threshold,
      { fr: 'Toutes les destinations externes sont en liste blanche :', en: 'Every external destination is allowlisted:' },
      ['/network/outbound/window_start', '/network/outbound/window_end', '/network/outbound/flows'],
    );
  },
});
