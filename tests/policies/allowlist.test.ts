import t from 'tap';
import { join } from 'node:path';
import ipaddr from 'ipaddr.js';
import {
  AllowlistError,
  canonicalHost,
  canonicalHostStrict,
  canonicalIp,
  fastCanonical,
  compileAllowlist,
  loadAllowlistFile,
  pathHasPrefix,
} from '../../policies/allowlist.js';
import { entry, NOW, QUERY } from './allowlist-fixtures.js';
import { packDir } from './pack-fixtures.js';
import { seededRandom } from '../helpers/seeded-random.js';

const ROUNDS = 300;

t.test('property: case, trailing dot and percent-encoding never change a host', async (t) => {
  const random = seededRandom(42);
  const pick = (s: string) => s[Math.floor(random() * s.length)]!;
  for (let i = 0; i < ROUNDS; i++) {
    const labels = Array.from({ length: 1 + Math.floor(random() * 4) }, () =>
      Array.from({ length: 1 + Math.floor(random() * 10) }, () => pick('abcdefghijklmnopqrstuvwxyz0123456789')).join(''),
    );
    labels.push(pick('abcdefghijklmnopqrstuvwxyz') + 'r');
    const host = labels.join('.');
    const base = canonicalHost(host);
    if (!base.ok || base.value.ip !== null) continue; // all-numeric spellings are IPs, judged elsewhere
    const variant = [...host]
      .map((c) => (random() < 0.3 ? c.toUpperCase() : random() < 0.2 && c !== '.' ? `%${c.charCodeAt(0).toString(16)}` : c))
      .join('') + (random() < 0.5 ? '.' : '');
    const other = canonicalHost(variant);
    t.ok(other.ok && other.value.host === base.value.host, `${variant} -> ${base.value.host}`);
  }
});

t.test('property: the fast path agrees with the WHATWG parser on random inputs', async (t) => {
  const random = seededRandom(7);
  const ALPHABET = 'abcxnz019-_.'.repeat(4) + 'AZ%@:/\\ \u0430\u00e9\uff0e\u3002';
  const TOKENS = ['xn--', 'xn--80ak6aa92e', '0x', '0x7f', '255', '256', '010', '0', '..', '.', '-', 'www', 'fr', '1e3', '٣'];
  let fastTaken = 0;
  let checked = 0;
  for (let i = 0; i < 4000; i++) {
    const parts = Array.from({ length: 1 + Math.floor(random() * 8) }, () =>
      random() < 0.3 ? TOKENS[Math.floor(random() * TOKENS.length)]! : ALPHABET[Math.floor(random() * ALPHABET.length)]!,
    );
    const input = parts.join('');
    const fast = fastCanonical(input);
    const strict = canonicalHostStrict(input);
    const full = canonicalHost(input);
    checked++;
    // canonicalHost (fast path first) and the strict parser always agree.
    if (full.ok !== strict.ok || (full.ok && strict.ok && full.value.host !== strict.value.host)) {
      t.fail(`canonicalHost and canonicalHostStrict disagree on ${JSON.stringify(input)}`);
    }
    if (fast === undefined) continue;
    fastTaken++;
    if (!strict.ok) {
      t.fail(`fast path accepted ${JSON.stringify(input)} which the parser refuses: ${strict.reason}`);
      continue;
    }
    if (typeof fast === 'string') {
      if (strict.value.host !== fast || strict.value.ip !== null) t.fail(`${JSON.stringify(input)}: fast ${fast} vs ${strict.value.host}`);
    } else if (strict.value.ip?.kind() !== 'ipv4' || strict.value.host !== [fast >>> 24, (fast >>> 16) & 255, (fast >>> 8) & 255, fast & 255].join('.')) {
      t.fail(`${JSON.stringify(input)}: fast ${fast} vs ${strict.value.host}`);
    }
  }
  // Structured inputs: plain names and quads the fast path must take.
  for (const input of ['a.fr', 'svc1.vendor2.fr.', 'a_b.c-d.example', '10.0.0.1', '255.255.255.255', '0.0.0.0']) {
    t.not(fastCanonical(input), undefined, `fast path takes ${input}`);
  }
  for (const input of ['A.fr', 'xn--80ak6aa92e.com', '010.0.0.1', '1.2.3', 'a.0x10', 'a.123', '1.2.3.4.', ' a.fr', 'a..fr', '-a.fr', 'a-.fr', `${'a'.repeat(64)}.fr`]) {
    t.equal(fastCanonical(input), undefined, `full parser for ${JSON.stringify(input)}`);
  }
  t.ok(fastTaken > 100, `fast path exercised (${fastTaken} of ${checked})`);
});

t.test('property: every IPv4 spelling canonicalises to the dotted quad', async (t) => {
  const random = seededRandom(7);
  for (let i = 0; i < ROUNDS; i++) {
    const n = Math.floor(random() * 2 ** 32);
    const octets = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
    const dotted = octets.join('.');
    const spellings = [
      String(n),
      `0x${n.toString(16)}`,
      octets.map((o) => `0x${o.toString(16)}`).join('.'),
      octets.map((o) => `0${o.toString(8)}`).join('.'),
      `::ffff:${dotted}`,
      `[::ffff:${dotted}]`,
    ];
    for (const s of spellings) {
      const c = canonicalIp(s);
      t.ok(c.ok && c.value.toString() === dotted, `${s} -> ${dotted}`);
    }
  }
});

t.test('property: the CIDR trie agrees with a linear containment check', async (t) => {
  const random = seededRandom(2025);
  const entries = Array.from({ length: 200 }, (_, i) => {
    const prefix = 8 + Math.floor(random() * 25);
    const base = ipaddr.IPv4.parse([10, Math.floor(random() * 4), Math.floor(random() * 256), 0].join('.'));
    return entry(`c${i}`, { cidr: `${base.toString()}/${prefix}` });
  });
  const matcher = compileAllowlist(entries, NOW);
  for (let i = 0; i < ROUNDS; i++) {
    const ip = ipaddr.IPv4.parse([10, Math.floor(random() * 5), Math.floor(random() * 256), Math.floor(random() * 256)].join('.'));
    const expected = entries.some((e) => {
      const [a, p] = ipaddr.parseCIDR('cidr' in e.match ? e.match.cidr : '');
      return ip.match(a as ipaddr.IPv4, p);
    });
    t.equal(matcher.matchEndpoint({ ...QUERY, ip: ip.toString() }).entry !== null, expected, ip.toString());
  }
});

t.test('property: URL prefixes match on segment boundaries only', async (t) => {
  const random = seededRandom(99);
  const seg = () => ['api', 'apix', 'v1', 'a', 'ap'][Math.floor(random() * 5)]!;
  for (let i = 0; i < ROUNDS; i++) {
    const prefix = '/' + Array.from({ length: 1 + Math.floor(random() * 2) }, seg).join('/');
    const path = '/' + Array.from({ length: 1 + Math.floor(random() * 3) }, seg).join('/');
    const p = prefix.split('/');
    const expected = path.split('/').slice(0, p.length).join('/') === prefix;
    t.equal(pathHasPrefix(path, prefix), expected, `${path} under ${prefix}`);
  }
  t.ok(pathHasPrefix('/api/x', '/api/'));
  t.notOk(pathHasPrefix('/api', '/api/'));
  t.ok(pathHasPrefix('/anything', '/'));
});

t.test('validity windows are inclusive at both ends', async (t) => {
  const e = entry('w', { fqdn: 'a.fr' }, { approved_at: '2025-06-01T00:00:00Z', expires_at: '2025-06-30T00:00:00Z' });
  const at = (iso: string) => compileAllowlist([e], new Date(iso)).matchEndpoint({ ...QUERY, host: 'a.fr' });
  t.equal(at('2025-06-01T00:00:00Z').entry?.id, 'w', 'approved_at exactly');
  t.equal(at('2025-06-30T00:00:00Z').entry?.id, 'w', 'expires_at exactly');
  t.match(at('2025-06-30T00:00:01Z').reason, /expired/);
  t.match(at('2025-05-31T23:59:59Z').reason, /approved only from/);
});

t.test('the most specific CIDR wins and a valid entry is found past an invalid one', async (t) => {
  const m = compileAllowlist(
    [
      entry('wide', { cidr: '10.0.0.0/8' }),
      entry('narrow', { cidr: '10.1.2.0/24' }),
      entry('v6', { cidr: '2001:db8::/48' }),
      entry('narrow-udp', { cidr: '10.1.2.0/28' }, { proto: 'udp' }),
    ],
    NOW,
  );
  t.equal(m.matchEndpoint({ ...QUERY, ip: '10.1.2.3' }).entry?.id, 'narrow');
  t.equal(m.matchEndpoint({ ...QUERY, ip: '10.9.9.9' }).entry?.id, 'wide');
  t.equal(m.matchEndpoint({ ...QUERY, ip: '2001:db8:0:ffff::1' }).entry?.id, 'v6');
  t.equal(m.matchEndpoint({ ...QUERY, ip: '2001:db8:1::1' }).entry, null);
});

t.test('loadAllowlistFile validates the file', async (t) => {
  const dir = packDir({
    'ok.yaml': `entries:\n  - id: a\n    match: { fqdn: a.fr }\n    ports: [443]\n    proto: tcp\n    direction: egress\n    roles: [server]\n    purpose: p\n    owner: o\n    approved_at: 2025-01-01T00:00:00Z\n    expires_at: 2025-06-01T00:00:00Z\n    ticket: T-1\n`,
    'bad.yaml': 'entries:\n  - id: a\n    match: { fqdn: a.fr, cidr: 10.0.0.0/24 }\n',
    'broken.yaml': 'entries: [\n',
  });
  t.equal(loadAllowlistFile(join(dir, 'ok.yaml'))[0]?.id, 'a');
  t.throws(() => loadAllowlistFile(join(dir, 'bad.yaml')), AllowlistError);
  t.throws(() => loadAllowlistFile(join(dir, 'broken.yaml')), /invalid YAML/);
  t.throws(() => loadAllowlistFile(join(dir, 'none.yaml')), /cannot read file/);
});
