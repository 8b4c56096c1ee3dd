// NET-01 (egress allowlist), NET-03 (no proxy bypass), NET-04 (DNS via enterprise resolvers).
import t from 'tap';
import { evaluate } from '../../../policies/evaluate.js';
import type { Report } from '../../../policies/evidence.js';
import type { Pack } from '../../../policies/pack.js';
import { RULE_REGISTRY } from '../../../policies/rules/registry.js';
import { BUILDER_COLLECTED_AT, buildReport, hoursBefore, withUnavailable } from '../../helpers/report-builder.js';
import { allowEntry, flow, packWithAllowlist, withFlows, withNetwork } from '../../helpers/report-builder-net.js';
import { shippedWith, verdictOf } from '../pack-fixtures.js';

const AT = new Date(BUILDER_COLLECTED_AT);
const server = buildReport();
const gateway = buildReport({ host: { role: 'telemaintenance-gateway' } });
const verdict = (id: string, report: Report, pack: Pack) => verdictOf(evaluate(report, pack, AT), id);

// ---------------------------------------------------------------- NET-01

const net01Pack = shippedWith('server', 'NET-01', {});
const net01 = (report: Report, pack: Pack = net01Pack) => verdict('NET-01', report, pack);
const EXT = '93.184.216.34';

t.test('NET-01: window exactly 24 h is judged, 24 h - 1 s is unknown (never pass)', async (t) => {
  t.equal(net01(withFlows(server, [], 24)).status, 'pass');
  t.equal(net01(withFlows(server, [], 24, 1)).status, 'pass', '24 h + 1 s');
  const short = net01(withFlows(server, [], 24, -1));
  t.equal(short.status, 'unknown');
  t.match(short.explanation.en, /window of 23 h 59 min 59 s .* shorter than 24 h/);
  t.match(short.explanation.fr, /plus courte que 24 h/);
  t.same(short.evidence, ['/network/outbound/window_start']);
  t.match(short.threshold, /observation window >= 24 h/);
  t.equal(net01(withFlows(server, [], 12), shippedWith('server', 'NET-01', { min_window_hours: 12 })).status, 'pass', 'configurable');
});

t.test('NET-01: internal destinations need no entry; an external one must be allowlisted', async (t) => {
  const internal = [flow('10.1.2.3', 443), flow('192.168.0.9', 8080), flow('fd00::9', 443), flow('::ffff:172.16.0.1', 22)];
  const ok = net01(withFlows(server, internal));
  t.equal(ok.status, 'pass');
  t.match(ok.explanation.en, /4 internal destination\(s\)/);
  const v = net01(withFlows(server, [...internal, flow(EXT, 443, { fqdn: 'example.com', process: 'curl' })]));
  t.equal(v.status, 'fail');
  t.match(v.explanation.en, /example\.com 93\.184\.216\.34:443\/tcp \(curl\): destination not allowlisted \(no allowlist entry for example\.com; no allowlist entry for 93\.184\.216\.34\)/);
  t.match(v.explanation.fr, /destination hors liste blanche/);
  t.same(v.evidence, ['/network/outbound/flows/4']);
  t.equal(v.severity, 'high');
  const twice = net01(withFlows(server, [flow(EXT, 443), flow(EXT, 443)]));
  t.match(twice.explanation.en, /\(×2\)/, 'one finding per distinct endpoint, with a count');
});

t.test('NET-01: FQDN or CIDR entries match, with port and protocol', async (t) => {
  const byName = packWithAllowlist(net01Pack, [allowEntry({ fqdn: 'updates.vendor.fr' })]);
  const named = withFlows(server, [flow(EXT, 443, { fqdn: 'updates.vendor.fr' })]);
  const v = net01(named, byName);
  t.equal(v.status, 'pass');
  t.match(v.explanation.en, /allowed by: e-updates\.vendor\.fr ×1/);
  const wrongPort = net01(withFlows(server, [flow(EXT, 8443, { fqdn: 'updates.vendor.fr' })]), byName);
  t.equal(wrongPort.status, 'fail');
  t.match(wrongPort.explanation.en, /does not allow port 8443/);
  t.equal(net01(withFlows(server, [flow(EXT, 443, { protocol: 'udp', fqdn: 'updates.vendor.fr' })]), byName).status, 'fail', 'udp is not the tcp entry');
  t.equal(net01(withFlows(server, [flow(EXT, 443, { fqdn: 'evil.updates.vendor.fr.attacker.io' })]), byName).status, 'fail');
  const byCidr = packWithAllowlist(net01Pack, [allowEntry({ cidr: '93.184.216.0/24' })]);
  t.equal(net01(withFlows(server, [flow(EXT, 443)]), byCidr).status, 'pass', 'CIDR containment');
  t.equal(net01(withFlows(server, [flow('93.184.217.1', 443)]), byCidr).status, 'fail', 'outside the /24');
  t.equal(net01(withFlows(server, [flow(EXT, 443, { fqdn: 'unlisted.example' })]), byCidr).status, 'pass', 'FQDN miss falls back to the IP');
});

t.test('NET-01: entry validity is inclusive; expired, future and other-role entries never match', async (t) => {
  const report = withFlows(server, [flow(EXT, 443)]);
  const at = (overrides: Parameters<typeof allowEntry>[1]) => net01(report, packWithAllowlist(net01Pack, [allowEntry({ cidr: `${EXT}/32` }, overrides)]));
  t.equal(at({ expires_at: BUILDER_COLLECTED_AT }).status, 'pass', 'expires exactly now: still valid');
  const expired = at({ expires_at: hoursBefore(0, 1) });
  t.equal(expired.status, 'fail');
  t.match(expired.explanation.en, /expired at/);
  t.equal(at({ approved_at: BUILDER_COLLECTED_AT }).status, 'pass', 'approved exactly now');
  t.match(at({ approved_at: hoursBefore(0, -1) }).explanation.en, /approved only from/);
  t.match(at({ roles: ['workstation'] }).explanation.en, /does not cover role server/);
  t.equal(at({ direction: 'ingress' }).status, 'fail', 'an ingress entry does not allow egress');
});

t.test('NET-01: a failure found in a short window is still a failure; gateway escalates', async (t) => {
  t.equal(net01(withFlows(server, [flow(EXT, 443)], 1)).status, 'fail');
  const gw = verdict('NET-01', withFlows(gateway, [flow(EXT, 443)]), shippedWith('telemaintenance-gateway', 'NET-01', {}));
  t.equal(gw.status, 'fail');
  t.equal(gw.severity, 'critical', 'high escalated on the gateway');
  t.equal(net01(withFlows(server, [flow('not-an-ip', 443)])).status, 'unknown', 'unreadable remote address');
});

t.test('NET-01: site internal_networks replace the defaults; unavailable flows are unknown', async (t) => {
  const narrow = structuredClone(net01Pack);
  narrow.parameters.internal_networks = ['10.0.0.0/8'];
  t.equal(net01(withFlows(server, [flow('192.168.1.1', 443)]), narrow).status, 'fail', '192.168/16 no longer internal');
  const v = net01(withNetwork(server, { outbound: { unavailable: 'ss not found' } }));
  t.equal(v.status, 'unknown');
  t.match(v.explanation.en, /Outbound flows unavailable: ss not found/);
  t.equal(net01(withUnavailable(server, 'network', 'collector crashed')).status, 'unknown');
  t.equal(verdict('NET-01', buildReport({ host: { role: 'backup-server' } }), shippedWith('backup-server', 'NET-01', {})).status, 'not_applicable');
});

// ---------------------------------------------------------------- NET-03

const net03Pack = shippedWith('server', 'NET-03', { proxy_addresses: ['185.46.212.88'], vpn_concentrators: ['203.0.113.0/28'] });
const net03 = (report: Report, pack: Pack = net03Pack) => verdict('NET-03', report, pack);
const proxied = withNetwork(server, {
  proxy_policy: { source: 'dconf org.gnome.system.proxy (locked)', system_proxy: 'http://proxy.ch-demo.local:3128', pac_url: null, enforced_by_policy: true },
});

t.test('NET-03: proxy enforced by policy and no direct web flow in >= 24 h passes', async (t) => {
  const v = net03(proxied);
  t.equal(v.status, 'pass');
  t.match(v.explanation.en, /proxy http:\/\/proxy\.ch-demo\.local:3128 enforced by policy/);
  t.match(v.threshold, /proxy set explicitly and by policy/);
  const short = net03(withFlows(proxied, [], 24, -1));
  t.equal(short.status, 'unknown', '24 h - 1 s window');
});

t.test('NET-03: the proxy setting must be explicit and enforced; unreported = unknown', async (t) => {
  const unreported = net03(server);
  t.equal(unreported.status, 'unknown');
  t.match(unreported.explanation.en, /System proxy settings not reported by this agent/);
  t.match(unreported.explanation.fr, /non remonté\(e\) par cet agent/);
  const none = net03(withNetwork(server, { proxy_policy: { source: 'registry', system_proxy: null, pac_url: null, enforced_by_policy: false } }));
  t.equal(none.status, 'fail');
  t.match(none.explanation.en, /no explicit proxy/);
  const userSet = net03(withNetwork(server, { proxy_policy: { source: 'registry', system_proxy: null, pac_url: 'http://wpad.ch-demo.local/proxy.pac', enforced_by_policy: false } }));
  t.equal(userSet.status, 'fail');
  t.match(userSet.explanation.en, /not enforced by policy/);
  t.same(userSet.evidence, ['/network/proxy_policy/enforced_by_policy']);
  t.equal(net03(withNetwork(server, { proxy_policy: { source: 'registry', system_proxy: 'proxy:3128', pac_url: null, enforced_by_policy: null } })).status, 'unknown');
  t.equal(net03(withNetwork(server, { proxy_policy: { unavailable: 'registry unreadable' } })).status, 'unknown');
});

t.test('NET-03: direct web flows to the Internet fail; proxy, VPN, internal and other ports do not', async (t) => {
  const direct = net03(withFlows(proxied, [flow(EXT, 443, { process: 'chrome' })]));
  t.equal(direct.status, 'fail');
  t.match(direct.explanation.en, /93\.184\.216\.34:443\/tcp \(chrome\): direct web flow to the Internet/);
  t.same(direct.evidence, ['/network/outbound/flows/0']);
  t.equal(net03(withFlows(proxied, [flow(EXT, 80)])).status, 'fail', 'port 80 too');
  t.equal(net03(withFlows(proxied, [flow(EXT, 443)], 1)).status, 'fail', 'a direct flow fails even in a short window');
  const allowed = [
    flow('10.0.0.10', 3128),
    flow('10.20.0.1', 443),
    flow('185.46.212.88', 443),
    flow('203.0.113.14', 443),
    flow('198.51.100.7', 443, { fqdn: 'proxy.ch-demo.local.' }),
    flow(EXT, 8443),
    flow(EXT, 443, { protocol: 'udp' }),
  ];
  t.equal(net03(withFlows(proxied, allowed)).status, 'pass');
  t.equal(net03(withFlows(proxied, [flow('203.0.113.16', 443)])).status, 'fail', 'just outside the VPN /28');
  t.equal(verdict('NET-03', gateway, shippedWith('telemaintenance-gateway', 'NET-03', {})).status, 'not_applicable', 'not a TMG rule');
});

// ---------------------------------------------------------------- NET-04

const net04Pack = shippedWith('server', 'NET-04', { dns_resolvers: ['10.0.0.53', '10.0.1.53'] });
const net04 = (report: Report, pack: Pack = net04Pack) => verdict('NET-04', report, pack);
const dohOff = withNetwork(server, { browser_doh: [{ browser: 'chrome', policy_mode: 'off' }, { browser: 'firefox', policy_mode: 'off' }] });

t.test('NET-04: declared resolvers, DoH off by policy, clean flows: pass', async (t) => {
  const v = net04(withFlows(dohOff, [flow('10.0.0.53', 53, { protocol: 'udp', process: 'systemd-resolved' }), flow(EXT, 443)]));
  t.equal(v.status, 'pass');
  t.match(v.explanation.en, /configured resolver 10\.0\.0\.53: declared resolver/);
  t.match(v.explanation.en, /chrome: DoH turned off by policy/);
  t.equal(net04(withFlows(dohOff, [], 24, -1)).status, 'unknown', 'window 24 h - 1 s');
});

t.test('NET-04: resolvers outside the declared list fail; none declared gives warn at best', async (t) => {
  const pub = net04(withNetwork(dohOff, { proxy_dns: { env_proxy: { http: null, https: null, no_proxy: null }, resolvers: ['8.8.8.8'], dns_over_tls: false } }));
  t.equal(pub.status, 'fail');
  t.match(pub.explanation.en, /configured resolver 8\.8\.8\.8: not an establishment resolver/);
  t.same(pub.evidence, ['/network/proxy_dns/resolvers/0']);
  const stub = withNetwork(dohOff, { proxy_dns: { env_proxy: { http: null, https: null, no_proxy: null }, resolvers: ['127.0.0.53'], dns_over_tls: false } });
  t.equal(net04(stub).status, 'pass', 'a loopback stub: its upstream is judged from the flows');
  t.equal(net04(withFlows(stub, [flow('1.1.1.1', 53, { protocol: 'udp', process: 'systemd-resolved' })])).status, 'fail', 'stub forwarding to a public resolver');
  const undeclared = net04(dohOff, shippedWith('server', 'NET-04', {}));
  t.equal(undeclared.status, 'warn');
  t.match(undeclared.explanation.en, /internal resolver, but no resolver is declared \(dns_resolvers\)/);
  t.equal(net04(withNetwork(dohOff, { proxy_dns: { unavailable: 'resolv.conf unreadable' } })).status, 'unknown');
});

t.test('NET-04: DNS, DoT and DoH to public resolvers fail', async (t) => {
  const dns = net04(withFlows(dohOff, [flow('9.9.9.9', 53, { protocol: 'udp' })]));
  t.equal(dns.status, 'fail');
  t.match(dns.explanation.en, /9\.9\.9\.9:53\/udp \(firefox\) \(DNS\): not an establishment resolver/);
  t.match(net04(withFlows(dohOff, [flow('9.9.9.9', 853)])).explanation.en, /\(DNS over TLS\): not an establishment resolver/);
  t.equal(net04(withFlows(dohOff, [flow('10.0.1.53', 853)])).status, 'pass', 'DoT to a declared resolver is fine');
  const doh = net04(withFlows(dohOff, [flow('1.1.1.1', 443)]));
  t.equal(doh.status, 'fail');
  t.match(doh.explanation.en, /DNS over HTTPS to the public resolver Cloudflare/);
  t.match(net04(withFlows(dohOff, [flow('142.250.1.1', 443, { fqdn: 'DNS.Google.' })])).explanation.en, /public resolver Google/);
  t.match(net04(withFlows(dohOff, [flow('2620:fe::fe', 443, { protocol: 'udp' })])).explanation.en, /public resolver Quad9/, 'HTTP/3');
});

t.test('NET-04: browsers without a DoH-off policy fail; unreported policy is unknown', async (t) => {
  const noPolicy = net04(withNetwork(server, { browser_doh: [{ browser: 'edge', policy_mode: null }] }));
  t.equal(noPolicy.status, 'fail');
  t.match(noPolicy.explanation.en, /edge: DoH not turned off by policy \(no policy\)/);
  t.match(net04(withNetwork(server, { browser_doh: [{ browser: 'chrome', policy_mode: 'automatic' }] })).explanation.fr, /DoH non désactivé par stratégie \(automatic\)/);
  const unreported = net04(server);
  t.equal(unreported.status, 'unknown');
  t.match(unreported.explanation.en, /Browser DoH policy not reported by this agent/);
  t.equal(net04(withNetwork(server, { browser_doh: [] })).status, 'pass', 'no browser installed');
});

t.test('NET-01/03/04 parameters are checked at load', async (t) => {
  t.match(RULE_REGISTRY.get('NET-04')?.parameterErrors({ ...net04Pack.rules.find((r) => r.id === 'NET-04')?.parameters, dns_resolvers: ['10.0.0.0/33'] }), [/dns_resolvers: not an IP address or CIDR: 10\.0\.0\.0\/33/]);
  t.match(RULE_REGISTRY.get('NET-03')?.parameterErrors({ ...net03Pack.rules.find((r) => r.id === 'NET-03')?.parameters, vpn_concentrators: ['vpn.example'] }), [/vpn_concentrators/]);
  t.not(RULE_REGISTRY.get('NET-01')?.parameterErrors({ min_window_hours: -1 }).length, 0);
  t.not(RULE_REGISTRY.get('NET-01')?.parameterErrors({ min_window_hours: 24, extra: 1 }).length, 0);
});
