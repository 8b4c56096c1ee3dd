// Allowlist lookups/s with 10,000 entries: the indexed matcher (hash maps per FQDN and per IPv4
// prefix length, fast path for canonical inputs, each query read in one pass, mismatch reasons
// worded only when no entry fits) against a linear scan over the same pre-canonicalised entries
// (same canonicalisation of the query, then every entry compared), measured in the
// same run. Issue 5 target: >= 1,000,000 lookups/s and >= 50x the scan.
// Bounded: fixed entry/query counts, each measurement stops at its count or its time budget.
// The machine is shared: figures are noisy; the best of a few rounds is reported.
// Run: npx tsx bench/allowlist.bench.ts
import {
  canonicalHost,
  canonicalIp,
  compileAllowlistIndex,
  parseCidr,
  type AllowlistEntry,
  type EndpointQuery,
} from '../policies/allowlist.js';

const ENTRIES = 10_000;
const QUERIES = 20_000;
const ROUNDS = 3;
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
// Half hits, half misses, hosts and IPs alternating; a few unusual spellings take the full parser.
const queries: EndpointQuery[] = Array.from({ length: QUERIES }, (_, q) => {
  const i = (q * 7919) % ENTRIES;
  const base = { port: 443, proto: 'tcp', direction: 'egress', role: 'server' } as const;
  if (q % 1000 === 0) return { ...base, host: `SVC${i - (i % 2)}.Vendor${(i - (i % 2)) % 97}.FR.` };
  if (q % 2 === 0) return { ...base, host: q % 4 === 0 ? `svc${i - (i % 2)}.vendor${(i - (i % 2)) % 97}.fr` : `miss${q}.example.fr` };
  return { ...base, ip: q % 4 === 1 ? `10.${(i >> 8) & 255}.${i & 255}.9` : `172.16.${q & 255}.1` };
});

/** Baseline: the same canonical forms (entries and query), but every query scans every entry. */
function linearMatcher(list: AllowlistEntry[]) {
  const nowMs = now.getTime();
  const compiled = list.map((e) => {
    const window = { from: Date.parse(e.approved_at), to: Date.parse(e.expires_at) };
    if ('fqdn' in e.match) {
      const h = canonicalHost(e.match.fqdn);
      return { e, window, host: h.ok ? h.value.host : null, network: -1, prefix: -1 };
    }
    const c = 'cidr' in e.match ? parseCidr(e.match.cidr) : null;
    if (!c?.ok || c.value.ip.kind() !== 'ipv4') return { e, window, host: null, network: -1, prefix: -1 };
    const int = toInt(c.value.ip.toString());
    return { e, window, host: null, network: c.value.prefix === 0 ? 0 : int >>> (32 - c.value.prefix), prefix: c.value.prefix };
  });
  return (q: EndpointQuery): AllowlistEntry | null => {
    const host = q.host !== undefined ? canonicalHost(q.host) : null;
    const ip = q.ip !== undefined ? canonicalIp(q.ip) : null;
    const name = host?.ok && host.value.ip === null ? host.value.host : null;
    const address = ip?.ok && ip.value.kind() === 'ipv4' ? toInt(ip.value.toString()) : -1;
    for (const c of compiled) {
      const hit = (name !== null && c.host === name) || (address >= 0 && c.prefix >= 0 && (c.prefix === 0 ? 0 : address >>> (32 - c.prefix)) === c.network);
      if (
        hit && nowMs >= c.window.from && nowMs <= c.window.to && c.e.ports.includes(q.port) &&
        c.e.proto === q.proto && c.e.direction === q.direction && c.e.roles.includes(q.role)
      ) return c.e;
    }
    return null;
  };
}

function toInt(dotted: string): number {
  return dotted.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

interface Rate {
  /** Lookups per wall-clock second. */
  perSecond: number;
  /** Lookups per second of CPU time used by this process (steadier on a shared machine). */
  perCpuSecond: number;
  done: number;
}

/** Lookups per second over at most `count` lookups or `budgetMs` milliseconds, whichever comes first. */
function measure(lookup: (q: EndpointQuery) => unknown, count: number, budgetMs: number): Rate {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(budgetMs) * 1_000_000n;
  let done = 0;
  let sink = 0;
  while (done < count) {
    // Check the clock every 256 lookups only, so timing does not dominate the loop.
    for (let k = 0; k < 256 && done < count; k++, done++) if (lookup(queries[done % QUERIES]!)) sink++;
    if (process.hrtime.bigint() > deadline) break;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  if (sink < 0) console.log(sink); // keep the results alive
  return { perSecond: done / seconds, perCpuSecond: done / ((used.user + used.system) / 1e6), done };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en');

const t0 = process.hrtime.bigint();
const index = compileAllowlistIndex(entries);
const indexed = index.at(now);
console.log(`compile ${ENTRIES} entries: ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(1)} ms (${index.rejected.length} rejected)`);
const linear = linearMatcher(entries);

const check = queries.slice(0, 2_000).every((q) => (indexed.matchEndpoint(q).entry?.id ?? null) === (linear(q)?.id ?? null));
console.log(`same answers on a 2,000-query sample: ${check}`);

let best = { indexed: 0, linear: 0, indexedCpu: 0, linearCpu: 0 };
for (let round = 1; round <= ROUNDS; round++) {
  const fast = measure((q) => indexed.matchEndpoint(q).entry, 3_000_000, 2_000);
  const slow = measure(linear, 20_000, 1_500);
  best = {
    indexed: Math.max(best.indexed, fast.perSecond),
    linear: Math.max(best.linear, slow.perSecond),
    indexedCpu: Math.max(best.indexedCpu, fast.perCpuSecond),
    linearCpu: Math.max(best.linearCpu, slow.perCpuSecond),
  };
  console.log(
    `round ${round}: indexed ${fmt(fast.perSecond)} lookups/s (${fmt(fast.perCpuSecond)} per CPU-second, ${fast.done} lookups); ` +
      `linear ${fmt(slow.perSecond)} lookups/s (${fmt(slow.perCpuSecond)} per CPU-second, ${slow.done} lookups); ` +
      `ratio ${(fast.perSecond / slow.perSecond).toFixed(1)}x`,
  );
}
const ratio = best.indexed / best.linear;
console.log(
  `best wall-clock: indexed ${fmt(best.indexed)} lookups/s, linear ${fmt(best.linear)} lookups/s, ratio ${ratio.toFixed(1)}x`,
);
console.log(
  `best CPU-time:   indexed ${fmt(best.indexedCpu)} lookups/s, linear ${fmt(best.linearCpu)} lookups/s, ratio ${(best.indexedCpu / best.linearCpu).toFixed(1)}x`,
);
console.log(
  `target (issue 5, wall-clock): >= 1,000,000 lookups/s: ${best.indexed >= 1_000_000 ? 'met' : 'NOT met'}; ` +
    `>= 50x the scan: ${ratio >= 50 ? 'met' : 'NOT met'}`,
);
if (!check) process.exitCode = 1;
