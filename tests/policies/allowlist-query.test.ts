// How the matcher reads queries and words its answers: the bound matcher (role and host resolved
// once), queries read in one pass whatever their construction, exact reason texts, and a property
// check that every answer is sound and complete against a plain linear reference.
import t from 'tap';
import ipaddr from 'ipaddr.js';
import {
  BoundAllowlist,
  bindAllowlist,
  canonicalHostStrict,
  compileAllowlist,
  compileAllowlistIndex,
  isFourPartDecimal,
  type AllowlistEntry,
  type EndpointQuery,
  type HostEndpointQuery,
  type MatchResult,
} from '../../policies/allowlist.js';
import { HOST_ROLES } from '../../policies/evidence.js';
import { entry, NOW, QUERY } from './allowlist-fixtures.js';
import { seededRandom } from '../helpers/seeded-random.js';

const pickFrom = <T>(random: () => number, list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
const plain = (r: MatchResult) => ({ entry: r.entry?.id ?? null, reason: r.reason, canonical: r.canonical });
const LOCAL = { host_id: 'srv-01', hostname: 'srv-01.chu.fr' };

t.test('property: isFourPartDecimal is ipaddr.IPv4.isValidFourPartDecimal', async (t) => {
  const random = seededRandom(4);
  const alphabet = ['0', '1', '2', '5', '9', '.', '.', 'x', 'a', ' ', '-', '255', '256', '00'];
  for (let i = 0; i < 3000; i++) {
    const text = Array.from({ length: 1 + Math.floor(random() * 12) }, () => pickFrom(random, alphabet)).join('');
    if (isFourPartDecimal(text) !== ipaddr.IPv4.isValidFourPartDecimal(text)) t.fail(`disagree on ${JSON.stringify(text)}`);
  }
  for (const text of ['1.2.3.4', '0.0.0.0', '255.255.255.255', '01.2.3.4', '256.1.1.1', '1.2.3', '1.2.3.4.', '0x1.2.3.4', '']) {
    t.equal(isFourPartDecimal(text), ipaddr.IPv4.isValidFourPartDecimal(text), JSON.stringify(text));
  }
});

const entries: AllowlistEntry[] = [
  entry('fqdn', { fqdn: 'example.fr' }),
  entry('udp', { fqdn: 'ntp.example.fr' }, { proto: 'udp', ports: [123] }),
  entry('ingress', { fqdn: 'in.example.fr' }, { direction: 'ingress' }),
  entry('ws', { fqdn: 'ws.example.fr' }, { roles: ['workstation'] }),
  entry('gw', { cidr: '192.0.2.0/24' }, { hosts: ['gw-7'] }),
  entry('ports', { cidr: '10.20.0.0/16' }, { ports: [80, 8080] }),
  entry('w', { fqdn: 'win.example.fr' }, { approved_at: '2025-06-01T00:00:00Z', expires_at: '2025-06-30T00:00:00Z' }),
  ...Array.from({ length: 6 }, (_, i) => entry(`many${i}`, { fqdn: 'many.example.fr' }, { ports: [1000 + i] })),
];

t.test('reasons are worded exactly as auditors read them', async (t) => {
  const m = compileAllowlist(entries, NOW);
  const reason = (x: Partial<EndpointQuery>) => m.matchEndpoint({ ...QUERY, ...x }).reason;
  t.equal(reason({ host: 'Example.FR.' }), 'matched entry fqdn');
  t.equal(reason({ host: 'nowhere.fr' }), 'no allowlist entry for nowhere.fr');
  t.equal(reason({ ip: '198.51.100.1' }), 'no allowlist entry for 198.51.100.1');
  t.equal(reason({ ip: '0xc6.51.100.1' }), 'no allowlist entry for 198.51.100.1', 'canonical form, not the spelling');
  t.equal(reason({ host: 'example.fr', port: 80 }), 'entry fqdn does not allow port 80');
  t.equal(reason({ host: 'ntp.example.fr', port: 123 }), 'entry udp is for udp');
  t.equal(reason({ host: 'in.example.fr' }), 'entry ingress is for ingress');
  t.equal(reason({ host: 'ws.example.fr' }), 'entry ws does not cover role server');
  t.equal(reason({ ip: '192.0.2.9' }), 'entry gw is restricted to other hosts');
  t.equal(reason({ ip: '192.0.2.9', local: { host_id: 'GW-7', hostname: 'x' } }), 'matched entry gw');
  t.equal(reason({ ip: '10.20.1.1' }), 'entry ports does not allow port 443');
  t.equal(reason({ ip: '10.20.1.1', port: 8080 }), 'matched entry ports');
  t.equal(
    reason({ host: 'many.example.fr' }),
    'entry many0 does not allow port 443; entry many1 does not allow port 443; entry many2 does not allow port 443; ' +
      'entry many3 does not allow port 443; entry many4 does not allow port 443',
    'at most five reasons',
  );
  t.equal(reason({ host: 'many.example.fr', port: 1005 }), 'matched entry many5', 'a valid entry past five invalid ones');
  t.equal(reason({ host: 'example.fr', ip: undefined, url: undefined }), 'matched entry fqdn', 'explicit undefined is absent');
  t.equal(reason({ host: undefined }), 'give exactly one of host, ip or url');
  t.equal(reason({ host: 'example.fr', port: 1.5 }), 'invalid port 1.5');
  t.equal(reason({ host: 'example.fr', port: -1 }), 'invalid port -1');
});

t.test('validity windows: boundaries through the bound matcher, same words as unbound', async (t) => {
  const index = compileAllowlistIndex(entries);
  const at = (iso: string) => {
    const matcher = index.at(new Date(iso));
    const bound = plain(matcher.bind('server', LOCAL).matchEndpoint({ host: 'win.example.fr', port: 443, proto: 'tcp', direction: 'egress' }));
    t.same(bound, plain(matcher.matchEndpoint({ ...QUERY, host: 'win.example.fr', local: LOCAL })), `${iso}: bound = unbound`);
    return bound;
  };
  t.equal(at('2025-06-01T00:00:00.000Z').entry, 'w', 'at approved_at exactly');
  t.equal(at('2025-06-30T00:00:00.000Z').entry, 'w', 'at expires_at exactly');
  t.equal(at('2025-06-30T00:00:00.001Z').reason, 'entry w expired at 2025-06-30T00:00:00Z', '1 ms after expires_at');
  t.equal(at('2025-05-31T23:59:59.999Z').reason, 'entry w is approved only from 2025-06-01T00:00:00Z', '1 ms before approved_at');
});

t.test('the bound matcher judges its own host: role and identity in the query are ignored', async (t) => {
  const matcher = compileAllowlist(entries, NOW);
  const server = matcher.bind('server', LOCAL);
  const gateway = matcher.bind('server', { host_id: 'gw-7', hostname: 'gw-7.chu.fr' });
  const workstation = matcher.bind('workstation', LOCAL);
  // A caller passing extra fields at run time (the type forbids them) gains nothing.
  const sneaky = { host: 'ws.example.fr', port: 443, proto: 'tcp', direction: 'egress', role: 'workstation' } as HostEndpointQuery;
  t.equal(server.matchEndpoint(sneaky).reason, 'entry ws does not cover role server');
  t.equal(workstation.matchEndpoint(sneaky).entry?.id, 'ws');
  const spoofed = { ip: '192.0.2.9', port: 443, proto: 'tcp', direction: 'egress', local: { host_id: 'gw-7', hostname: 'gw-7' } } as HostEndpointQuery;
  t.equal(server.matchEndpoint(spoofed).reason, 'entry gw is restricted to other hosts');
  t.equal(gateway.matchEndpoint(spoofed).entry?.id, 'gw');
  t.equal(server.size, matcher.size);
  // BoundAllowlist and bindAllowlist are the same binding.
  const viaClass = new BoundAllowlist(matcher, 'server', LOCAL);
  const viaFunction = bindAllowlist(matcher, 'server', LOCAL);
  for (const host of ['example.fr', 'ws.example.fr', 'nowhere.fr']) {
    const q = { host, port: 443, proto: 'tcp', direction: 'egress' } as const;
    t.same(plain(viaClass.matchEndpoint(q)), plain(server.matchEndpoint(q)), host);
    t.same(plain(viaFunction.matchEndpoint(q)), plain(server.matchEndpoint(q)), host);
  }
  t.equal(viaClass.size, matcher.size);
});

/** Canonical host of a query or entry through the full parser only (the reference). */
function strictHost(text: string): { name: string | null; ip: ipaddr.IPv4 | ipaddr.IPv6 | null } | null {
  const c = canonicalHostStrict(text);
  if (!c.ok) return null;
  return c.value.ip ? { name: null, ip: c.value.ip } : { name: c.value.host, ip: null };
}

/** Plain linear reference: does entry `e` cover the query at `nowMs`? Written independently of the matcher. */
function covers(e: AllowlistEntry, q: EndpointQuery, nowMs: number): boolean {
  if (nowMs < Date.parse(e.approved_at) || nowMs > Date.parse(e.expires_at)) return false;
  if (!e.ports.includes(q.port) || e.proto !== q.proto || e.direction !== q.direction || !e.roles.includes(q.role)) return false;
  if (e.hosts) {
    const listed = new Set(e.hosts.map((h) => h.toLowerCase()));
    if (!q.local || !(listed.has(q.local.host_id.toLowerCase()) || (q.local.hostname !== undefined && listed.has(q.local.hostname.toLowerCase().replace(/\.$/, ''))))) return false;
  }
  const target = strictHost(q.host ?? q.ip ?? '');
  if (!target) return false;
  if ('fqdn' in e.match) {
    const wildcard = e.match.fqdn.startsWith('*.');
    const own = strictHost(wildcard ? e.match.fqdn.slice(2) : e.match.fqdn);
    if (!own) return false;
    if (own.ip) return target.ip !== null && target.ip.kind() === own.ip.kind() && target.ip.toString() === own.ip.toString();
    if (target.name === null) return false;
    return wildcard ? target.name.endsWith(`.${own.name}`) : target.name === own.name;
  }
  if ('cidr' in e.match) {
    if (!target.ip) return false;
    const [network, prefix] = ipaddr.parseCIDR(e.match.cidr);
    const ip = target.ip.kind() === 'ipv6' && (target.ip as ipaddr.IPv6).isIPv4MappedAddress() ? (target.ip as ipaddr.IPv6).toIPv4Address() : target.ip;
    return ip.kind() === network.kind() && ip.match(network, prefix);
  }
  return false;
}

t.test('property: answers are sound and complete against a linear reference (bound and unbound alike)', async (t) => {
  const random = seededRandom(5);
  const zones = ['a.fr', 'b.a.fr', 'c.fr', 'xn--bcher-kva.fr'];
  const pool: AllowlistEntry[] = Array.from({ length: 60 }, (_, i) => {
    const kind = random();
    const match: AllowlistEntry['match'] =
      kind < 0.4
        ? { fqdn: `${pickFrom(random, ['h1', 'h2', 'www'])}.${pickFrom(random, zones)}` }
        : kind < 0.55
          ? { fqdn: `*.${pickFrom(random, zones)}` }
          : kind < 0.65
            ? { fqdn: `10.0.${Math.floor(random() * 4)}.${Math.floor(random() * 4)}` }
            : { cidr: `10.${Math.floor(random() * 2)}.${Math.floor(random() * 4)}.0/${pickFrom(random, [8, 16, 24, 30])}` };
    return entry(`p${i}`, match, {
      ports: random() < 0.7 ? [443] : [443, 8443],
      proto: random() < 0.8 ? 'tcp' : 'udp',
      direction: random() < 0.8 ? 'egress' : 'ingress',
      roles: random() < 0.7 ? ['server'] : ['workstation', 'server'].slice(Math.floor(random() * 2)) as AllowlistEntry['roles'],
      approved_at: pickFrom(random, ['2025-01-01T00:00:00Z', '2025-06-01T00:00:00Z', '2025-06-02T00:00:00Z']),
      expires_at: pickFrom(random, ['2025-12-31T00:00:00Z', '2025-06-01T00:00:00Z', '2025-05-31T00:00:00Z']),
      ...(random() < 0.1 ? { hosts: ['srv-01'] } : {}),
    });
  });
  const matcher = compileAllowlist(pool, NOW);
  t.equal(matcher.rejected.length, 0);
  const nowMs = NOW.getTime();
  for (let i = 0; i < 2000; i++) {
    const hostish = random() < 0.5;
    const name = `${pickFrom(random, ['h1', 'h2', 'www', 'x.h1'])}.${pickFrom(random, zones)}`;
    const target = hostish
      ? { host: random() < 0.2 ? `${name.toUpperCase()}.` : name }
      : { ip: pickFrom(random, [`10.${Math.floor(random() * 2)}.${Math.floor(random() * 4)}.${Math.floor(random() * 4)}`, `::ffff:10.0.1.2`, '0xa.0.1.1', '192.0.2.1']) };
    const query: EndpointQuery = {
      ...target,
      port: random() < 0.8 ? 443 : 8443,
      proto: random() < 0.9 ? 'tcp' : 'udp',
      direction: random() < 0.9 ? 'egress' : 'ingress',
      role: pickFrom(random, HOST_ROLES),
      ...(random() < 0.5 ? { local: LOCAL } : {}),
    };
    const result = matcher.matchEndpoint(query);
    const expected = pool.some((e) => covers(e, query, nowMs));
    if ((result.entry !== null) !== expected) t.fail(`${JSON.stringify(query)}: matched ${result.entry?.id ?? 'none'}, a covering entry ${expected ? 'exists' : 'does not exist'}`);
    if (result.entry && !covers(result.entry, query, nowMs)) t.fail(`${JSON.stringify(query)}: ${result.entry.id} does not cover it`);
    const { role, local, ...rest } = query;
    const bound = matcher.bind(role, local).matchEndpoint(rest);
    if (JSON.stringify(plain(bound)) !== JSON.stringify(plain(result))) t.fail(`${JSON.stringify(query)}: bound and unbound differ`);
  }
  t.pass('2000 random queries checked');
});

t.test('queries are read the same whatever their construction', async (t) => {
  const matcher = compileAllowlist(entries, NOW);
  const base = { port: 443, proto: 'tcp', direction: 'egress', role: 'server' } as const;
  for (const host of ['example.fr', 'EXAMPLE.fr.', 'ws.example.fr', 'nowhere.fr']) {
    const literal: EndpointQuery = { host, port: 443, proto: 'tcp', direction: 'egress', role: 'server' };
    const reordered: EndpointQuery = { role: 'server', direction: 'egress', proto: 'tcp', port: 443, host };
    const spread: EndpointQuery = { ...base, host };
    const assigned: EndpointQuery = Object.assign({}, base, { host, ip: undefined });
    const expected = plain(matcher.matchEndpoint(literal));
    for (const q of [reordered, spread, assigned]) t.same(plain(matcher.matchEndpoint(q)), expected, host);
  }
});
