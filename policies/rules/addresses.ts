// IP addresses as reports carry them (as the kernel and tools print them) and the address lists of
// rule parameters and packs: parsing, loopback, membership in a list of networks, "internal".
// Shared by the listener and flow rules (NET-*, ADM-01).
import ipaddr from 'ipaddr.js';
import { Type } from 'typebox';
import { parseCidr } from '../allowlist.js';
import type { RuleContext } from './rule.js';

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

/** A list of IP addresses or CIDRs in rule parameters (bounded). */
export const AddressList = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 1000 });

export type Ip = ipaddr.IPv4 | ipaddr.IPv6;
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
