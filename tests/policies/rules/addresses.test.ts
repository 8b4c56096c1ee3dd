// The hand-written address fast paths of policies/rules/network.ts against the ipaddr.js-only
// code they replaced (kept here as the reference): same answers on random and tricky inputs.
import ipaddr from 'ipaddr.js';
import t from 'tap';
import { parseCidr } from '../../../policies/allowlist.js';
import {
  addressSet,
  canonicalListenerAddress,
  dottedQuadOctets,
  isLoopback,
  isLoopbackIp,
  parseAddress,
} from '../../../policies/rules/addresses.js';
import { seededRandom } from '../../helpers/seeded-random.js';

// ---- the reference: the code before the fast paths, verbatim.
const DOTTED_QUAD = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function referenceCanonical(raw: string): string | null {
  let text = raw.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  if (text === '*') return '*';
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  if (DOTTED_QUAD.test(text)) return text;
  if (ipaddr.IPv4.isValid(text) && !ipaddr.IPv4.isValidFourPartDecimal(text)) return null;
  if (!ipaddr.isValid(text)) return null;
  return ipaddr.process(text).toString();
}

function referenceIsLoopback(raw: string): boolean {
  const canonical = referenceCanonical(raw);
  if (canonical === null || canonical === '*') return false;
  return ipaddr.parse(canonical).range() === 'loopback';
}

function referenceParse(raw: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const canonical = referenceCanonical(raw);
  if (canonical === null || canonical === '*') return null;
  if (DOTTED_QUAD.test(canonical)) return new ipaddr.IPv4(canonical.split('.').map(Number));
  const ip = ipaddr.IPv6.parse(canonical);
  return ip.isIPv4MappedAddress() ? ip.toIPv4Address() : ip;
}

// ---- inputs: hand-picked boundaries, then random ones in the same neighbourhood.
const TRICKY = [
  '0.0.0.0', '255.255.255.255', '256.0.0.0', '1.2.3.256', '127.0.0.1', '127.255.255.255', '126.255.255.255', '128.0.0.0',
  '01.2.3.4', '1.02.3.4', '1.2.3.00', '1.2.3.0', '00.0.0.0', '0177.0.0.1', '0x7f.0.0.1', '127.1', '2130706433', '1.2.3',
  '1.2.3.4.5', '1..2.3', '.1.2.3', '1.2.3.', '1.2.3.4 ', ' 1.2.3.4', '1.2.3.4\n', '1.2.3.-4', '+1.2.3.4', '1.2.3.4%eth0',
  '[1.2.3.4]', '1000.2.3.4', '249.250.251.252', '199.200.209.210', '١.٢.٣.٤', '1.2.3.４', '', '.', '...', '*', '[*]',
  '::', '::1', '[::1]', '::2', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::FFFF:127.0.0.1', '::ffff:10.1.2.3',
  '::127.0.0.1', 'fe80::1%eth0', '[fe80::1%eth0]', '2001:db8::1', '2001:DB8:0:0:0:0:0:1', '64:ff9b::808:808', ':::1', 'not-an-ip',
];

function randomAddress(random: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const part = () => pick([String(Math.floor(random() * 300)), String(Math.floor(random() * 256)), `0${Math.floor(random() * 10)}`, '127', '0', '255', '256', '']);
  switch (Math.floor(random() * 5)) {
    case 0:
      return [part(), part(), part(), part()].join('.');
    case 1:
      return Array.from({ length: 1 + Math.floor(random() * 6) }, part).join('.');
    case 2:
      return `::ffff:${[part(), part(), part(), part()].join('.')}`;
    case 3: {
      const alphabet = '0123456789.:abcdefx%[]* ';
      return Array.from({ length: Math.floor(random() * 16) }, () => pick([...alphabet])).join('');
    }
    default:
      return `${pick(['', '[', ' '])}${[part(), part(), part(), part()].join('.')}${pick(['', ']', '%lo', ' '])}`;
  }
}

const random = seededRandom(20261122);
const inputs = [...TRICKY, ...Array.from({ length: 20_000 }, () => randomAddress(random))];

t.test('dottedQuadOctets accepts exactly what the kernel-format regex accepts', async (t) => {
  let mismatches = 0;
  for (const text of inputs) {
    const octets = dottedQuadOctets(text);
    const expected = DOTTED_QUAD.test(text) ? text.split('.').map(Number) : null;
    if (JSON.stringify(octets) !== JSON.stringify(expected)) {
      mismatches += 1;
      t.same(octets, expected, JSON.stringify(text));
    }
  }
  t.equal(mismatches, 0);
  t.same(dottedQuadOctets('10.0.0.5'), [10, 0, 0, 5]);
  t.equal(dottedQuadOctets('10.0.0.05'), null, 'leading zero');
  t.equal(dottedQuadOctets('10.0.0.256'), null, 'octet > 255');
  t.equal(dottedQuadOctets('10.0.0'), null, 'three parts');
});

t.test('canonical form, loopback and parsed address match the ipaddr.js-only code', async (t) => {
  let mismatches = 0;
  for (const text of inputs) {
    const label = JSON.stringify(text);
    const canonical = canonicalListenerAddress(text);
    const loopback = isLoopback(text);
    const parsed = parseAddress(text);
    const expected = referenceParse(text);
    const same =
      canonical === referenceCanonical(text) &&
      loopback === referenceIsLoopback(text) &&
      (parsed === null) === (expected === null) &&
      (parsed === null || expected === null || (parsed.kind() === expected.kind() && parsed.toNormalizedString() === expected.toNormalizedString()));
    if (!same) {
      mismatches += 1;
      t.equal(canonical, referenceCanonical(text), `canonical ${label}`);
      t.equal(loopback, referenceIsLoopback(text), `loopback ${label}`);
      t.equal(parsed?.toNormalizedString() ?? null, expected?.toNormalizedString() ?? null, `parsed ${label}`);
    }
    if (parsed !== null && isLoopbackIp(parsed) !== (parsed.range() === 'loopback')) {
      mismatches += 1;
      t.fail(`isLoopbackIp ${label}`);
    }
  }
  t.equal(mismatches, 0);
});

t.test('isLoopbackIp matches range() on every first octet and on IPv6', async (t) => {
  for (let first = 0; first < 256; first++) {
    for (const rest of [[0, 0, 0], [255, 255, 255], [0, 0, 1]]) {
      const ip = new ipaddr.IPv4([first, ...rest]);
      t.equal(isLoopbackIp(ip), ip.range() === 'loopback', ip.toString());
    }
  }
  for (const text of ['::1', '::', '::2', 'fe80::1', '::ffff:7f00:1']) {
    const ip = ipaddr.IPv6.parse(text);
    t.equal(isLoopbackIp(ip), ip.range() === 'loopback', text);
  }
});

t.test('addressSet.contains matches ipaddr.js match() on random networks and addresses', async (t) => {
  const octet = () => [0, 1, 10, 127, 128, 172, 192, 255][Math.floor(random() * 8)]! ^ Math.floor(random() * 4);
  const ipv4 = () => [octet(), octet(), octet(), octet()].join('.');
  const ipv6 = () => ['fd00::1', 'fe80::9', '2001:db8::5', '::1', '2001:db8:ffff::1'][Math.floor(random() * 5)]!;
  const network = (): string => {
    const kind = random();
    if (kind < 0.6) return `${ipv4()}/${Math.floor(random() * 33)}`;
    if (kind < 0.7) return ipv4();
    if (kind < 0.8) return `::ffff:${ipv4()}/${96 + Math.floor(random() * 33)}`;
    if (kind < 0.9) return `${ipv6()}/${Math.floor(random() * 129)}`;
    return ipv6();
  };
  /** The set as it was: every network, compared by ipaddr.js. */
  const reference = (list: readonly string[]) => {
    const networks = list.flatMap((text) => {
      if (text.includes('/')) {
        const cidr = parseCidr(text);
        return cidr.ok ? [cidr.value] : [];
      }
      const ip = parseAddress(text);
      return ip ? [{ ip, prefix: ip.kind() === 'ipv4' ? 32 : 128 }] : [];
    });
    return (ip: ipaddr.IPv4 | ipaddr.IPv6) => networks.some((n) => n.ip.kind() === ip.kind() && ip.match(n.ip, n.prefix));
  };
  let checked = 0;
  let inside = 0;
  let mismatches = 0;
  for (let i = 0; i < 300; i++) {
    const list = Array.from({ length: 1 + Math.floor(random() * 6) }, network);
    const fast = addressSet(list);
    const slow = reference(list);
    for (let j = 0; j < 60; j++) {
      const ip = parseAddress(random() < 0.85 ? ipv4() : random() < 0.5 ? ipv6() : `::ffff:${ipv4()}`)!;
      const expected = slow(ip);
      checked += 1;
      if (expected) inside += 1;
      if (fast.contains(ip) !== expected) {
        mismatches += 1;
        t.fail(`${ip.toString()} in ${list.join(', ')}: expected ${expected}`);
      }
    }
  }
  t.equal(mismatches, 0, `${checked} addresses checked`);
  t.ok(inside > checked / 10 && inside < checked - checked / 10, 'both answers are well represented');
  const boundaries = addressSet(['10.0.0.0/8', '192.168.1.128/25', '0.0.0.0/0']);
  t.ok(boundaries.contains(parseAddress('255.255.255.255')!), '/0 contains everything IPv4');
  t.notOk(addressSet(['192.168.1.128/25']).contains(parseAddress('192.168.1.127')!), 'just below a /25');
  t.ok(addressSet(['192.168.1.128/25']).contains(parseAddress('192.168.1.255')!), 'top of a /25');
  t.ok(addressSet(['10.1.2.3']).contains(parseAddress('::ffff:10.1.2.3')!), 'a single address, mapped form');
  t.notOk(addressSet(['10.1.2.3/32']).contains(parseAddress('10.1.2.2')!), '/32 is one address');
});
