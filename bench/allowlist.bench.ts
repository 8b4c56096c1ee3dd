// Allowlist lookups/s: the indexed matcher (hash maps + CIDR trie) against a linear scan over
// the same pre-canonicalised entries, measured in the same run. Bounded: fixed entry and query
// counts, no timers. Run: npx tsx bench/allowlist.bench.ts
import ipaddr from 'ipaddr.js';
import {
  canonicalHost,
  canonicalIp,
  compileAllowlist,
  parseCidr,
  type AllowlistEntry,
  type EndpointQuery,
} from '../policies/allowlist.js';

const ENTRIES = 10_000;
const QUERIES = 20_000;
const now = new Date('2025-06-01T00:00:00Z');

function entry(i: number): AllowlistEntry {
  const match: AllowlistEntry['match'] =
    i % 2 === 0 ? { fqdn: `svc${i}.vendor${i % 97}.fr` } : { cidr: `10.${(i >> 8) & 255}.${i & 255}.0/24` };
  return {
    id: `e${i}`, match, ports: [443], proto: 'tcp', direction: 'egress', roles: ['server'],
    purpose: 'bench', owner: 'bench', approved_at: '2025-01-01T00:00:00Z', expires_at: '2025-12-31T00:00:00Z', ticket: 'B',
  };
}
const entries = Array.from({ length: ENTRIES }, (_, i) => entry(i));
// Half hits, half misses, hosts and IPs alternating.
const queries: EndpointQuery[] = Array.from({ length: QUERIES }, (_, q) => {
  const i = (q * 7919) % ENTRIES;
  const base = { port: 443, proto: 'tcp', direction: 'egress', role: 'server' } as const;
  if (q % 2 === 0) return { ...base, host: q % 4 === 0 ? `svc${i - (i % 2)}.vendor${(i - (i % 2)) % 97}.fr` : `miss${q}.example.fr` };
  return { ...base, ip: q % 4 === 1 ? `10.${(i >> 8) & 255}.${i & 255}.9` : `172.16.${q & 255}.1` };
});

/** Baseline: the same canonical forms, but every query scans every entry. */
function linearMatcher(list: AllowlistEntry[]) {
  const compiled = list.map((e) => {
    if ('fqdn' in e.match) {
      const h = canonicalHost(e.match.fqdn);
      return { e, host: h.ok ? h.value.host : null, net: null };
    }
    const c = 'cidr' in e.match ? parseCidr(e.match.cidr) : null;
    return { e, host: null, net: c?.ok ? c.value : null };
  });
  return (q: EndpointQuery): AllowlistEntry | null => {
    const host = q.host !== undefined ? canonicalHost(q.host) : null;
    const ip = q.ip !== undefined ? canonicalIp(q.ip) : null;
    for (const c of compiled) {
      const hit =
        (host?.ok && c.host === host.value.host) ||
        (ip?.ok && c.net && ip.value.kind() === c.net.ip.kind() && (ip.value as ipaddr.IPv4).match(c.net.ip as ipaddr.IPv4, c.net.prefix));
      if (hit && c.e.ports.includes(q.port) && c.e.proto === q.proto && c.e.direction === q.direction && c.e.roles.includes(q.role)) return c.e;
    }
    return null;
  };
}

function measure(name: string, lookup: (q: EndpointQuery) => unknown, count: number): { perSecond: number; hits: number } {
  let hits = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) if (lookup(queries[i % queries.length]!)) hits++;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const perSecond = count / seconds;
  console.log(`${name}: ${count} lookups in ${seconds.toFixed(3)} s = ${Math.round(perSecond)} lookups/s (${hits} hits)`);
  return { perSecond, hits };
}

const t0 = process.hrtime.bigint();
const indexed = compileAllowlist(entries, now);
console.log(`compile ${ENTRIES} entries: ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(1)} ms`);
const linear = linearMatcher(entries);

const fast = measure('indexed', (q) => indexed.matchEndpoint(q).entry, QUERIES);
// The scan is ~1000x slower: a bounded sample keeps the run within seconds.
const slow = measure('linear ', linear, 1_000);
const check = queries.slice(0, 1_000).every((q) => (indexed.matchEndpoint(q).entry?.id ?? null) === (linear(q)?.id ?? null));
console.log(`same answers on the sample: ${check}`);
console.log(`ratio indexed/linear: ${(fast.perSecond / slow.perSecond).toFixed(1)}x`);
if (!check) process.exitCode = 1;
