// Learning-mode proposals over random observations (fast-check): every proposal is a complete
// entry that passes lint, never broader than the evidence (exact names with exactly the ports
// seen, `hosts:` only naming hosts seen, a wildcard only under a zone below the registrable
// domain with enough names seen in it), never port-only or 0/0, never a CIDR for an address also
// seen with a name, never a name only an untrusted source (PTR, unknown) gave, never what the
// allowlist already covers; and the entry, once approved, allows every observation behind it.
import fc from 'fast-check';
import t from 'tap';
import { getDomain } from 'tldts';
import { compileAllowlist, parseCidr } from '../../../../policies/allowlist.js';
import { observationKey, proposeDestinations, trustedNameSource, WILDCARD_MIN_NAMES, MIN_DAYS, entryLints, type ObservedDestination } from '../../../../server/inventory/learning/propose.js';

const NOW = new Date('2026-03-02T03:00:00.000Z');
const ZONES = ['cdn.vendor-pacs.fr', 'api.editeur.com', 'sante.fr', 'updates.microsoft.com', 'blob.core.windows.net', 'vendor-pacs.fr'];
const ADDRESSES = ['192.0.2.10', '192.0.2.11', '198.51.100.7', '203.0.113.8', '2001:db8::5', '203.0.113.99'];
const SOURCES = ['agent:dnsmasq-log/exact', 'agent:dns-client-event/exact', 'agent:dns-client-cache/cache', 'proxy:squid', 'agent:unknown/unknown', 'agent:reverse-ptr/exact', 'agent'];
const HOSTS = ['h-1', 'h-2', 'h-3', 'h-4', 'h-5', 'unmapped:10.9.9.9'];
const PROCESSES = ['java', 'svchost.exe', 'chrome.exe', 'firefox', 'curl', 'PacsAgent.exe'];
const VERDICTS = ['unlisted', 'name_unknown', 'allowed', 'expiring', 'internal'];

const label = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'img1', 'img2', 'eu-west');
const nameRow = fc.record({
  destination: fc.tuple(label, fc.constantFrom(...ZONES)).map(([l, z]) => `${l}.${z}`),
  kind: fc.constant('name'),
  addresses: fc.uniqueArray(fc.constantFrom(...ADDRESSES), { maxLength: 3 }),
  sources: fc.uniqueArray(fc.constantFrom(...SOURCES.filter((s) => s !== 'agent')), { minLength: 1, maxLength: 3 }),
});
const addressRow = fc.record({
  destination: fc.constantFrom(...ADDRESSES),
  kind: fc.constant('address'),
  addresses: fc.constant([] as string[]),
  sources: fc.constant(['agent']),
});
const observation = fc
  .tuple(
    fc.oneof(nameRow, addressRow),
    fc.constantFrom(443, 80, 8443, 53, 104),
    fc.constantFrom('tcp', 'udp'),
    fc.uniqueArray(fc.constantFrom(...HOSTS), { minLength: 1, maxLength: 5 }),
    fc.integer({ min: 0, max: 3 }),
    fc.uniqueArray(fc.constantFrom(...PROCESSES), { maxLength: 2 }),
    fc.integer({ min: 1, max: 20 }),
    fc.constantFrom(...VERDICTS),
    fc.constantFrom('egress', 'ingress'),
  )
  .map(([d, port, protocol, hosts, extraHosts, processes, days, verdict, direction]): ObservedDestination => ({
    destination: d.destination,
    kind: d.kind,
    domain: d.kind === 'name' ? getDomain(d.destination, { allowPrivateDomains: true }) : null,
    port,
    protocol,
    direction,
    hosts_count: hosts.length + extraHosts,
    hosts_sample: hosts,
    processes: Object.fromEntries(processes.map((p) => [p, 1])),
    sources: Object.fromEntries(d.sources.map((s) => [s, 1])),
    addresses: d.addresses,
    days_seen: days,
    first_seen: '2026-02-10T08:00:00.000Z',
    last_seen: '2026-03-01T08:00:00.000Z',
    verdict,
  }));

// Many names under one zone (a CDN's shards), so wildcards get a chance.
const cluster = fc
  .tuple(fc.constantFrom(...ZONES), fc.uniqueArray(label, { minLength: 3, maxLength: 8 }), observation)
  .map(([zone, labels, template]) =>
    labels.map((l): ObservedDestination => ({ ...template, destination: `${l}.${zone}`, kind: 'name', domain: getDomain(zone, { allowPrivateDomains: true }), addresses: ['203.0.113.8'], sources: { 'agent:sysmon-dns/exact': 1 } })),
  );

const dedupe = (rows: ObservedDestination[]) => {
  const seen = new Map<string, ObservedDestination>();
  for (const r of rows) seen.set(`${r.destination}|${r.port}|${r.protocol}|${r.direction}`, r);
  return [...seen.values()];
};

t.test('proposals are never broader than the evidence and always pass lint', async (t) => {
  // What the runs produced: the property must have met every kind of proposal, not held vacuously.
  const met = { wildcard: 0, cidr: 0, hosts: 0, exact: 0, viaProxy: 0 };
  fc.assert(
    fc.property(fc.tuple(fc.array(observation, { minLength: 5, maxLength: 60 }), fc.array(cluster, { maxLength: 2 })).map(([rows, clusters]) => dedupe([...rows, ...clusters.flat()])), fc.integer({ min: 0, max: 12 }), (rows, roleHosts) => {
      const drafts = proposeDestinations(rows, { site: 'ch-test', role: 'workstation', roleHosts, owner: 'rssi', now: NOW, alreadyProposed: new Set() });
      const namedAddresses = new Set(rows.filter((r) => r.kind === 'name').flatMap((r) => r.addresses));
      const ids = new Set<string>();
      for (const d of drafts) {
        const e = d.entry;
        if (!entryLints(e)) throw new Error(`lint refused ${e.id}`);
        if (d.kind === 'via-proxy') met.viaProxy += 1;
        if ('cidr' in e.match) met.cidr += 1;
        else if ('fqdn' in e.match && e.match.fqdn.startsWith('*.')) met.wildcard += 1;
        else met.exact += 1;
        if (e.hosts !== undefined) met.hosts += 1;
        if (ids.has(d.proposal_id)) throw new Error(`duplicate proposal ${d.proposal_id}`);
        ids.add(d.proposal_id);
        if (e.direction !== 'egress' || e.roles.join() !== 'workstation') throw new Error('wrong scope');
        const m = e.match;
        if ('url_prefix' in m) throw new Error('neither a name nor an address');
        const matchText = 'fqdn' in m ? `fqdn:${m.fqdn}` : `cidr:${m.cidr}`;
        const behind = rows.filter((r) => d.evidence.keys.includes(observationKey(matchText, r.port, r.protocol)) && r.protocol === e.proto && r.direction === 'egress');
        // The observations the proposal was built from: those its evidence names (a wildcard also
        // covers names under its zone seen too briefly to count, which are not behind it).
        const used = behind.filter((r) => d.evidence.destinations.includes(r.destination) && ('fqdn' in m ? (m.fqdn.startsWith('*.') ? r.destination.endsWith(m.fqdn.slice(1)) : r.destination === m.fqdn) && r.kind === 'name' : `${r.destination}/${r.destination.includes(':') ? 128 : 32}` === m.cidr && r.kind === 'address'));
        if (used.length === 0) throw new Error(`${e.id}: no observation behind it`);
        for (const r of used) {
          if (r.verdict !== 'unlisted' && r.verdict !== 'name_unknown') throw new Error(`${e.id}: proposes what the allowlist already covers (${r.verdict})`);
          if (r.days_seen < MIN_DAYS) throw new Error(`${e.id}: seen on ${r.days_seen} day(s) only`);
        }
        // Ports: exactly those seen, never a port that was not.
        const seenPorts = new Set(used.map((r) => r.port));
        if (!e.ports.every((p) => seenPorts.has(p))) throw new Error(`${e.id}: port not observed`);
        if ('cidr' in m) {
          const cidr = parseCidr(m.cidr);
          if (!cidr.ok || cidr.value.prefix !== (cidr.value.ip.kind() === 'ipv4' ? 32 : 128)) throw new Error(`${e.id}: CIDR wider than one address`);
          if (namedAddresses.has(cidr.value.ip.toString())) throw new Error(`${e.id}: CIDR for an address also seen with a name`);
        } else {
          for (const r of used) if (!Object.keys(r.sources).some(trustedNameSource)) throw new Error(`${e.id}: name from an untrusted source`);
          if (m.fqdn.startsWith('*.')) {
            const zone = m.fqdn.slice(2);
            const registrable = getDomain(zone, { allowPrivateDomains: true });
            if (registrable === null || zone === registrable) throw new Error(`${e.id}: wildcard at the registrable domain`);
            const names = new Set(rows.filter((r) => r.kind === 'name' && r.destination.slice(r.destination.indexOf('.') + 1) === zone && r.port === e.ports[0]).map((r) => r.destination));
            if (names.size < WILDCARD_MIN_NAMES) throw new Error(`${e.id}: wildcard over ${names.size} names`);
          }
        }
        if (e.hosts !== undefined) {
          const sampled = new Set(used.flatMap((r) => r.hosts_sample));
          if (!e.hosts.every((h) => sampled.has(h) && !h.startsWith('unmapped:'))) throw new Error(`${e.id}: hosts not observed`);
        }
        // Approved as is, the entry allows every observation behind it.
        if (d.kind === 'allow') {
          const matcher = compileAllowlist([e], NOW);
          for (const r of used) {
            const hosts = e.hosts ?? ['any-host'];
            for (const host of hosts) {
              const bound = matcher.bind('workstation', { host_id: host, hostname: host });
              const q = r.kind === 'name' ? { host: r.destination } : { ip: r.destination };
              const m = bound.matchEndpoint({ ...q, port: r.port, proto: r.protocol as 'tcp' | 'udp', direction: 'egress' });
              if (m.entry === null) throw new Error(`${e.id} does not allow ${r.destination}:${r.port}: ${m.reason}`);
            }
          }
        }
      }
    }),
    { numRuns: 150 },
  );
  for (const [kind, n] of Object.entries(met)) t.ok(n > 0, `runs produced ${kind} proposals (${n})`);
});

t.test('nothing already proposed is proposed again; browsers are told to use the proxy', async (t) => {
  const base: ObservedDestination = {
    destination: 'portail.editeur.com', kind: 'name', domain: 'editeur.com', port: 443, protocol: 'tcp', direction: 'egress', hosts_count: 8, hosts_sample: ['h-1', 'h-2'],
    processes: { 'PacsAgent.exe': 3 }, sources: { 'agent:dns-client-event/exact': 3 }, addresses: ['192.0.2.10'], days_seen: 4, first_seen: '2026-02-20T08:00:00.000Z', last_seen: '2026-03-01T08:00:00.000Z', verdict: 'unlisted',
  };
  const scope = { site: 'ch-test', role: 'workstation' as const, roleHosts: 40, owner: 'rssi', now: NOW, alreadyProposed: new Set<string>() };
  const [first] = proposeDestinations([base], scope);
  t.match(first, { kind: 'allow', subject: 'fqdn:portail.editeur.com|tcp|443', entry: { match: { fqdn: 'portail.editeur.com' }, ports: [443], owner: 'rssi' } });
  t.notOk(first!.entry.hosts, 'eight hosts use it: not restricted');
  t.same(proposeDestinations([base], { ...scope, alreadyProposed: new Set(first!.evidence.keys) }), []);
  const browser = proposeDestinations([{ ...base, destination: 'www.meteo.fr', domain: 'meteo.fr', processes: { 'msedge.exe': 9 } }], scope);
  t.match(browser, [{ kind: 'via-proxy', entry: { purpose: /should go through the proxy/ } }]);
  const few = proposeDestinations([{ ...base, hosts_count: 1, hosts_sample: ['h-7'] }], scope);
  t.same(few[0]!.entry.hosts, ['h-7'], 'one host of forty: the entry names it');
  t.same(proposeDestinations([{ ...base, days_seen: 1 }], scope), [], 'seen on one day only');
  t.same(proposeDestinations([{ ...base, sources: { 'agent:unknown/unknown': 2 } }], scope), [], 'a name no resolver gave is not proposed');
  const cdn = proposeDestinations([{ ...base, destination: '192.0.2.10', kind: 'address', domain: null, addresses: [], sources: { agent: 2 } }, base], scope);
  t.same(cdn.map((d) => d.subject), ['fqdn:portail.editeur.com|tcp|443'], 'the address seen with a name is not proposed as a CIDR');
});
