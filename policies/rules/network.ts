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
import { Type, type Static } from 'typebox';
import { isUnavailable, type Listener } from '../evidence.js';
import { defineRule, derivedFrom, listFindings, worstStatus, type Finding, type RuleOutcome } from './rule.js';
import { defineFindingsRule } from './findings-rule.js';
import { AddressList, addressListErrors, addressSet, canonicalListenerAddress, type Ip, isInternal, isLoopback, isLoopbackIp, parseAddress } from './addresses.js';
import { unavailableFinding } from './evidence-gaps.js';
import { describeEndpoint, describeFlow, distinctEndpoints, flowQuery, judgeExternalEndpoints, observedOutbound, shortWindow } from './flows.js';
import { outcomeOf, passOutcome } from './outcomes.js';

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
  check(report, parameters, context): RuleOutcome {
    void context;
    const threshold =
      'every non-loopback listener is in the role allowlist; remote-control ports only if allowlisted; ' +
      `SSH (${parameters.ssh_port}/tcp) on Unix bound only to admin addresses`;
    const network = report.network;
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
      return passOutcome({ fr: `Toutes les écoutes hors boucle locale sont autorisées pour le rôle : ${counts.fr}.`, en: `Every non-loopback listener is allowed for the role: ${counts.en}.` }, ['/network/listeners'], threshold);
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

export const net03 = defineFindingsRule({
  id: 'NET-03',
  section: 'network',
  parameters: Net03Parameters,
  extraParameterErrors: (p) => [
    ...addressListErrors('proxy_addresses', p.proxy_addresses),
    ...addressListErrors('vpn_concentrators', p.vpn_concentrators),
  ],
  threshold: (parameters) =>
    `proxy set explicitly and by policy; no direct TCP ${parameters.web_ports.join('/')} flow to an Internet address ` +
    `(outside internal ranges, not a proxy or VPN concentrator) in an observation window >= ${parameters.min_window_hours} h`,
  passed: {
    text: { fr: 'Le proxy est imposé et aucun flux ne le contourne :', en: 'The proxy is enforced and no flow bypasses it:' },
    evidence: ['/network/proxy_policy', '/network/proxy_dns/env_proxy', '/network/outbound'],
  },
  check(report, parameters, context) {
    const network = report.network;
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
        if (!policyKnown) findings.push(unavailableFinding('/network/proxy_policy', { fr: 'Configuration du proxy système', en: 'System proxy settings' }, policy));
        if (isUnavailable(proxyDns)) findings.push(unavailableFinding('/network/proxy_dns', { fr: 'Proxy d\'environnement', en: 'Environment proxy' }, proxyDns));
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
        findings.push(unavailableFinding('/network/proxy_policy', { fr: `Application par stratégie du proxy (${shown})`, en: `Policy enforcement of the proxy (${shown})` }, policy));
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
    const outbound = observedOutbound(network.outbound, parameters.min_window_hours, findings);
    if (outbound !== null) {
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
      // A pass only where the window is long enough for an absence of direct flows to mean something.
      if (direct === 0 && shortWindow(outbound, parameters.min_window_hours) === null) {
        findings.push({ status: 'pass', pointer: '/network/outbound', fr: `aucun flux web direct vers Internet sur ${outbound.flows.length} flux observés`, en: `no direct web flow to the Internet among ${outbound.flows.length} observed flows` });
      }
    }
    return findings;
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
      findings.push(unavailableFinding('/network/proxy_dns', { fr: 'Résolveurs configurés', en: 'Configured resolvers' }, proxyDns));
    } else if (proxyDns.resolvers.length === 0) {
      findings.push({ status: 'unknown', pointer: '/network/proxy_dns/resolvers', fr: 'aucun résolveur configuré n\'a été remonté', en: 'no configured resolver was reported' });
    } else {
      proxyDns.resolvers.forEach((resolver, i) => {
        const finding = judgeResolver(parseAddress(resolver), `/network/proxy_dns/resolvers/${i}`, { fr: `résolveur configuré ${resolver}`, en: `configured resolver ${resolver}` });
        if (finding) findings.push(finding);
      });
    }

    // 2. Observed DNS, DoT and DoH flows.
    const outbound = observedOutbound(network.outbound, parameters.min_window_hours, findings);
    if (outbound !== null) {
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
      findings.push(unavailableFinding('/network/browser_doh', { fr: 'Stratégie DoH des navigateurs', en: 'Browser DoH policy' }, browsers));
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
    const { cleartext, threshold } = net06Tables(parameters);
    const findings: Finding[] = [];

    if (isUnavailable(network.listeners)) {
      findings.push(unavailableFinding('/network/listeners', { fr: 'Ports en écoute', en: 'Listening sockets' }, network.listeners));
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
      findings.push(unavailableFinding('/network/outbound', { fr: 'Flux sortants', en: 'Outbound flows' }, network.outbound));
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
      findings.push(unavailableFinding('/network/smb1', { fr: 'État de SMBv1', en: 'SMBv1 state' }, smb1));
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
    const threshold = `firewall enabled on every active profile with default inbound = block; blocked-traffic logging on (${parameters.missing_logging} if not)`;
    const firewall = network.firewall;
    if (firewall === undefined || isUnavailable(firewall)) {
      return outcomeOf([unavailableFinding('/network/firewall', { fr: 'État du pare-feu local', en: 'Host firewall state' }, firewall)], threshold, { fr: '', en: '' }, ['/network/firewall']);
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

export const net01 = defineFindingsRule({
  id: 'NET-01',
  section: 'network',
  parameters: Net01Parameters,
  threshold: (parameters, context) =>
    `every remote endpoint outside ${context.internalNetworks.networks.join(', ')} matches an unexpired egress allowlist entry for role ${context.role} ` +
    `(FQDN or CIDR, port, protocol); observation window >= ${parameters.min_window_hours} h`,
  passed: {
    text: { fr: 'Toutes les destinations externes sont en liste blanche :', en: 'Every external destination is allowlisted:' },
    evidence: ['/network/outbound/window_start', '/network/outbound/window_end', '/network/outbound/flows'],
  },
  check(report, parameters, context) {
    const findings: Finding[] = [];
    const outbound = observedOutbound(report.network.outbound, parameters.min_window_hours, findings);
    if (outbound === null) return findings;
    const endpoints = judgeExternalEndpoints(outbound.flows, context, (text, reason) => ({
      fr: `${text} : destination hors liste blanche (${reason})`,
      en: `${text}: destination not allowlisted (${reason})`,
    }));
    findings.push(...endpoints.findings);
    const internalCount = endpoints.internal;
    const matched = endpoints.allowedBy;
    const entries = [...matched.entries()].map(([id, n]) => `${id} ×${n}`).join(', ') || '-';
    findings.push({
      status: 'pass',
      pointer: '/network/outbound/flows',
      fr: `${outbound.flows.length} flux observés (${outbound.method}), ${internalCount} destination(s) interne(s), destinations externes autorisées par : ${entries}`,
      en: `${outbound.flows.length} flows observed (${outbound.method}), ${internalCount} internal destination(s), external destinations allowed by: ${entries}`,
    });
    return findings;
  },
});
