// Allowlist entries (NET-01 egress, NET-05 ingress) and the matcher that judges an endpoint.
//
// Canonicalisation is done by the WHATWG URL parser (node:url), the same one browsers use, so
// the host we judge is the host a client would connect to:
// - lower case, IDN -> punycode, percent-decoding in hosts, IPv4 in decimal/octal/hex forms
//   (2130706433, 0x7f.1, 0177.0.0.1) -> dotted quad, one trailing dot removed;
// - userinfo, query and fragment never take part in a match; a URL with userinfo is refused
//   (`https://portal.fr@evil.com/` is a classic confusion);
// - backslashes count as slashes, dot segments are resolved (also %2e forms) before prefix
//   matching; an encoded slash, backslash or percent (%2F, %5C, %25) in a path is refused;
// - IPv4-mapped IPv6 (::ffff:a.b.c.d) is judged as the IPv4 address (ipaddr.js);
// - a label mixing scripts (Latin + Cyrillic "exаmple") is refused as a homograph; a punycode
//   host never equals an ASCII entry anyway, because lookups use the ASCII (punycode) form.
// Matching: FQDN entries are exact (hash map); `*.zone` entries match hosts strictly under the
// zone (hash map walked label by label); CIDR entries sit in a binary trie per address family;
// URL prefixes are grouped by origin, then compared on path-segment boundaries (/api matches
// /api and /api/x, never /apix). Entries outside [approved_at, expires_at] (inclusive) never
// match, and the reason says so. Compile again for another `now`.
import { readFileSync } from 'node:fs';
import { domainToUnicode } from 'node:url';
import ipaddr from 'ipaddr.js';
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { parse as parseYaml } from 'yaml';
import { HOST_ROLES, type HostRole } from './evidence.js';

const strict = { additionalProperties: false } as const;
const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength });
const Timestamp = Type.String({ format: 'date-time', maxLength: 40 });

export const AllowlistMatchSchema = Type.Union([
  Type.Object({ fqdn: Text(253) }, strict),
  Type.Object({ cidr: Text(64) }, strict),
  Type.Object({ url_prefix: Text(2048) }, strict),
]);

export const AllowlistEntrySchema = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:-]+$' }),
    match: AllowlistMatchSchema,
    ports: Type.Array(Type.Integer({ minimum: 1, maximum: 65535 }), { minItems: 1, maxItems: 64 }),
    proto: Type.Enum(['tcp', 'udp'] as const),
    direction: Type.Enum(['egress', 'ingress'] as const),
    roles: Type.Array(Type.Enum(HOST_ROLES), { minItems: 1, maxItems: HOST_ROLES.length, uniqueItems: true }),
    purpose: Text(500),
    owner: Text(128),
    approved_at: Timestamp,
    expires_at: Timestamp,
    ticket: Text(128),
    exception: Type.Optional(Type.Boolean()),
    justification: Type.Optional(Text(2000)),
    /** Restricts the entry to these hosts (host_id or host name, e.g. one telemaintenance gateway). */
    hosts: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9._:-]+$' }), {
        minItems: 1,
        maxItems: 256,
        uniqueItems: true,
      }),
    ),
  },
  strict,
);
export type AllowlistEntry = Static<typeof AllowlistEntrySchema>;

export const AllowlistFileSchema = Type.Object(
  { entries: Type.Array(AllowlistEntrySchema, { maxItems: 100_000 }) },
  strict,
);

/** A bad allowlist file: names the file and says what is wrong. */
export class AllowlistError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'AllowlistError';
  }
}

const fileValidator = Compile(AllowlistFileSchema);
export const ALLOWLIST_MAX_BYTES = 16 * 1024 * 1024;

/** Reads and validates an allowlist YAML file (`entries: [...]`). Hygiene is lint.ts's job. */
export function loadAllowlistFile(path: string): AllowlistEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new AllowlistError(path, `cannot read file: ${(error as Error).message}`);
  }
  if (text.length > ALLOWLIST_MAX_BYTES) throw new AllowlistError(path, `file larger than ${ALLOWLIST_MAX_BYTES} bytes`);
  let data: unknown;
  try {
    data = parseYaml(text, { maxAliasCount: 100, uniqueKeys: true });
  } catch (error) {
    throw new AllowlistError(path, `invalid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!fileValidator.Check(data)) {
    const first = fileValidator.Errors(data)[0];
    throw new AllowlistError(path, `${first?.instancePath || '/'}: ${first?.message ?? 'invalid'}`);
  }
  return data.entries;
}

// ---------------------------------------------------------------- canonicalisation

export type Canonical<T> = { ok: true; value: T } | { ok: false; reason: string };

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

/** Script of a letter, for homograph detection; digits, hyphens and marks have none. */
function scriptOf(ch: string): string | null {
  if (/\p{Script=Latin}/u.test(ch)) return 'Latin';
  if (/\p{Script=Cyrillic}/u.test(ch)) return 'Cyrillic';
  if (/\p{Script=Greek}/u.test(ch)) return 'Greek';
  if (/\p{Script=Armenian}/u.test(ch)) return 'Armenian';
  if (/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u.test(ch)) return 'CJK';
  if (/\p{L}/u.test(ch)) return 'Other';
  return null;
}

/** True when a (Unicode) label mixes letters of several scripts. */
export function isMixedScript(label: string): boolean {
  const scripts = new Set<string>();
  for (const ch of label) {
    const s = scriptOf(ch);
    if (s) scripts.add(s);
    if (scripts.size > 1) return true;
  }
  return false;
}

// ipaddr.js's own test, run first: IPv4.isValidFourPartDecimal throws and catches an exception
// for every string that is not an address, which costs microseconds per host name.
const FOUR_PART_DECIMAL = /^(0|[1-9]\d*)(\.(0|[1-9]\d*)){3}$/;

/** ipaddr.IPv4.isValidFourPartDecimal, without its exception on non-addresses. */
export function isFourPartDecimal(text: string): boolean {
  return FOUR_PART_DECIMAL.test(text) && ipaddr.IPv4.isValidFourPartDecimal(text);
}

/** Checks a WHATWG-parsed hostname: IP literal, or LDH labels without homographs. */
function checkHostname(hostname: string): Canonical<{ host: string; ip: ipaddr.IPv4 | ipaddr.IPv6 | null }> {
  let host = hostname;
  if (host.startsWith('[') && host.endsWith(']')) {
    const inner = host.slice(1, -1);
    if (!ipaddr.IPv6.isValid(inner)) return { ok: false, reason: `invalid IPv6 literal ${hostname}` };
    const ip = ipaddr.process(inner);
    return { ok: true, value: { host: ip.toString(), ip } };
  }
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (isFourPartDecimal(host)) {
    const ip = ipaddr.IPv4.parse(host);
    return { ok: true, value: { host: ip.toString(), ip } };
  }
  if (host.length === 0 || host.length > 253) return { ok: false, reason: 'host name empty or longer than 253 characters' };
  const labels = host.split('.');
  for (const label of labels) {
    if (!LABEL.test(label)) return { ok: false, reason: `invalid host label "${label}" in ${host}` };
    if (label.startsWith('xn--')) {
      const unicode = domainToUnicode(label);
      if (unicode === '' || isMixedScript(unicode)) {
        return { ok: false, reason: `mixed-script or invalid IDN label "${unicode || label}" (possible homograph) in ${host}` };
      }
    }
  }
  if (labels.every((l) => /^\d+$/.test(l))) return { ok: false, reason: `numeric host ${host} is not an IPv4 address` };
  return { ok: true, value: { host, ip: null } };
}

/** Canonical form of a bare host name or IP (no scheme, port, path or userinfo allowed). */
export function canonicalHost(input: string): Canonical<{ host: string; ip: ipaddr.IPv4 | ipaddr.IPv6 | null }> {
  const fast = fastCanonical(input);
  if (typeof fast === 'string') return { ok: true, value: { host: fast, ip: null } };
  if (typeof fast === 'number') {
    const ip = new ipaddr.IPv4([fast >>> 24, (fast >>> 16) & 255, (fast >>> 8) & 255, fast & 255]);
    return { ok: true, value: { host: ip.toString(), ip } };
  }
  return canonicalHostStrict(input);
}

/** canonicalHost always through the WHATWG URL parser (the reference the fast path is tested against). */
export function canonicalHostStrict(input: string): Canonical<{ host: string; ip: ipaddr.IPv4 | ipaddr.IPv6 | null }> {
  const raw = input.trim();
  if (raw.length === 0 || raw.length > 1024) return { ok: false, reason: 'empty or oversized host' };
  // A bare IPv6 address needs brackets to go through the URL parser.
  const bracketed = ipaddr.IPv6.isValid(raw.split('%')[0] ?? '') ? `[${raw.split('%')[0]}]` : raw;
  let url: URL;
  try {
    url = new URL(`http://${bracketed}/`);
  } catch {
    return { ok: false, reason: `not a valid host: ${JSON.stringify(raw)}` };
  }
  if (url.username || url.password || url.port || url.pathname !== '/' || url.search || url.hash) {
    return { ok: false, reason: `not a bare host (userinfo, port, path, query or fragment): ${JSON.stringify(raw)}` };
  }
  return checkHostname(url.hostname);
}

/** Canonical form of an IP address; IPv4-mapped IPv6 becomes IPv4; shorthand IPv4 forms are expanded. */
export function canonicalIp(input: string): Canonical<ipaddr.IPv4 | ipaddr.IPv6> {
  const host = canonicalHost(input);
  if (!host.ok) return host;
  if (host.value.ip === null) return { ok: false, reason: `not an IP address: ${input}` };
  return { ok: true, value: host.value.ip };
}

export interface CanonicalUrl {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  /** Path with dot segments resolved and unreserved percent-escapes decoded; no query, no fragment. */
  path: string;
  /** scheme://host:port, the index key of URL prefixes. */
  origin: string;
}

const UNRESERVED = /%(4[1-9A-F]|5[0-9A]|6[1-9A-F]|7[0-9A]|3[0-9]|2D|2E|5F|7E)/gi;

/** Canonical form of an http(s) URL for prefix matching. */
export function canonicalUrl(input: string): Canonical<CanonicalUrl> {
  const raw = input.trim();
  if (raw.length === 0 || raw.length > 4096) return { ok: false, reason: 'empty or oversized URL' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: `not a valid URL: ${JSON.stringify(raw.slice(0, 200))}` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: `unsupported scheme ${url.protocol}` };
  if (url.username || url.password) return { ok: false, reason: 'URL carries userinfo (user@host): refused' };
  const host = checkHostname(url.hostname);
  if (!host.ok) return host;
  const scheme = url.protocol === 'https:' ? 'https' : 'http';
  const port = url.port ? Number(url.port) : scheme === 'https' ? 443 : 80;
  if (/%(2f|5c|25)/i.test(url.pathname)) {
    return { ok: false, reason: 'encoded slash, backslash or percent in the path: ambiguous, refused' };
  }
  const path = url.pathname.replace(UNRESERVED, (escape) => String.fromCharCode(parseInt(escape.slice(1), 16)));
  const hostText = host.value.ip?.kind() === 'ipv6' ? `[${host.value.host}]` : host.value.host;
  return { ok: true, value: { scheme, host: host.value.host, port, path, origin: `${scheme}://${hostText}:${port}` } };
}

/** True when `path` is `prefix` or lies under it on a segment boundary. */
export function pathHasPrefix(path: string, prefix: string): boolean {
  if (prefix === '/' || path === prefix) return true;
  if (!path.startsWith(prefix)) return false;
  return prefix.endsWith('/') || path.charAt(prefix.length) === '/';
}

// ---------------------------------------------------------------- matcher

/** A plain data object: the matcher reads its own enumerable fields, in one for-in pass. */
export interface EndpointQuery {
  /** A host name (or IP literal) as seen in DNS/SNI/proxy logs. */
  host?: string;
  /** A remote IP address. */
  ip?: string;
  /** A full URL (matches url_prefix entries, and fqdn/cidr entries on its host). */
  url?: string;
  port: number;
  proto: 'tcp' | 'udp';
  direction: 'egress' | 'ingress';
  role: HostRole;
  /** The judged host; entries with `hosts` match only when it is listed (by host_id or enrolled name). */
  local?: LocalHost;
}

/**
 * The host whose evidence is judged, as the server enrolled it: a report's own host name is the
 * agent's claim, and a host renaming itself must not take an exemption meant for another host.
 */
export interface LocalHost {
  host_id: string;
  /** The name the host enrolled with; undefined when unknown (entries then match the host_id only). */
  hostname: string | undefined;
  /** The name the report gives, shown beside the enrolled one when they differ (never matched). */
  reported_hostname?: string;
}

export interface MatchResult {
  entry: AllowlistEntry | null;
  /** Why it matched or why not, in words an auditor can check. */
  reason: string;
  /** The canonical form that was looked up, when canonicalisation succeeded. */
  canonical: string | null;
}

export interface AllowlistMatcher {
  matchEndpoint(query: EndpointQuery): MatchResult;
  /**
   * This matcher bound to one host: role (and its bit) resolved once, and the query is read in
   * place instead of being copied with the role added. What BoundAllowlist uses.
   */
  bind(role: HostRole, local?: LocalHost): HostAllowlist;
  /** Entries that could not be compiled (bad host, bad CIDR...), with the reason. */
  readonly rejected: readonly { id: string; reason: string }[];
  readonly size: number;
}

/** The compiled, time-independent index; `at(now)` gives the matcher judged at that instant. */
export interface AllowlistIndex {
  at(now: Date): AllowlistMatcher;
  readonly rejected: readonly { id: string; reason: string }[];
  readonly size: number;
}

/** What a rule asks: the host's role and identity are filled in by the binding. */
export type HostEndpointQuery = Omit<EndpointQuery, 'role' | 'local'>;

/** A matcher bound to one host (role + identity) at one instant: what RuleContext.allowlist is. */
export interface HostAllowlist {
  matchEndpoint(query: HostEndpointQuery): MatchResult;
  /** Compiled entries of the pack (active or not at `now`). */
  readonly size: number;
}

/** A matcher bound to the judged host: rules cannot pass the wrong role by mistake. */
export class BoundAllowlist implements HostAllowlist {
  private readonly bound: HostAllowlist;

  constructor(matcher: AllowlistMatcher, role: HostRole, local: LocalHost) {
    this.bound = matcher.bind(role, local);
  }

  matchEndpoint(query: HostEndpointQuery): MatchResult {
    return this.bound.matchEndpoint(query);
  }

  get size(): number {
    return this.bound.size;
  }
}

/** Binds a matcher to the judged host (same as `new BoundAllowlist`). */
export function bindAllowlist(matcher: AllowlistMatcher, role: HostRole, local: LocalHost): HostAllowlist {
  return matcher.bind(role, local);
}

/** An entry with its checks precompiled for the hot path. */
interface CompiledEntry {
  entry: AllowlistEntry;
  approvedMs: number;
  expiresMs: number;
  ports: readonly number[];
  /** The port when the entry allows exactly one (the common case), else -1: no array walk. */
  onlyPort: number;
  proto: 'tcp' | 'udp';
  direction: 'egress' | 'ingress';
  /** Bit i set when the entry covers HOST_ROLES[i]. */
  roleMask: number;
  /** Lower-cased host ids / names the entry is restricted to, or null for every host. */
  hosts: ReadonlySet<string> | null;
  /** "matched entry X", built once. */
  matched: string;
}

const ROLE_BIT = new Map<string, number>(HOST_ROLES.map((role, i) => [role, 1 << i]));

interface TrieNode {
  zero?: TrieNode;
  one?: TrieNode;
  entries?: CompiledEntry[];
}

function trieInsert(root: TrieNode, bytes: number[], prefix: number, entry: CompiledEntry): void {
  let node = root;
  for (let i = 0; i < prefix; i++) {
    const bit = ((bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1;
    node = bit ? (node.one ??= {}) : (node.zero ??= {});
  }
  (node.entries ??= []).push(entry);
}

/** Entry groups on the path to the address, most specific prefix first. */
function trieLookup(root: TrieNode, bytes: number[]): CompiledEntry[][] {
  const found: CompiledEntry[][] = [];
  let node: TrieNode | undefined = root;
  const bits = bytes.length * 8;
  for (let i = 0; node && i <= bits; i++) {
    if (node.entries) found.push(node.entries);
    if (i === bits) break;
    const bit = ((bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1;
    node = bit ? node.one : node.zero;
  }
  return found.reverse();
}

// ---------------------------------------------------------------- fast canonicalisation
//
// Most lookups are already canonical: a lower-case LDH host name or a plain dotted quad. For those
// the WHATWG parser returns its input unchanged (only lower-case [a-z0-9_-] labels, no `xn--`
// label that would need IDN checks, and a last label that cannot be read as an IPv4 number), so
// the hot path skips it. Anything else (upper case, percent signs, IDN, numeric shorthands,
// brackets, spaces...) goes through the full parser. tests/policies/allowlist.test.ts checks the
// two paths agree on random inputs.
/**
 * The canonical form of an already-canonical input without the full parser: a host name (string,
 * trailing dot removed), an IPv4 address as an unsigned 32-bit number, or undefined when the
 * input needs canonicalHost. One pass over the characters, no allocation on the common path.
 */
export function fastCanonical(input: string): string | number | undefined {
  let end = input.length;
  if (end === 0 || end > 254) return undefined;
  const trailingDot = input.charCodeAt(end - 1) === 46;
  if (trailingDot) end--;
  if (end === 0 || end > 253) return undefined;
  let labels = 0;
  let start = 0;
  let quad = 0;
  let quadValid = true;
  let lastNumeric = false;
  // Per label: all digits so far, its decimal value (capped), and 0x-hex state (1: "0", 2: "0x" + hex digits).
  let digits = true;
  let value = 0;
  let hex = 0;
  for (let i = 0; i <= end; i++) {
    const c = i < end ? input.charCodeAt(i) : 46;
    if (c !== 46) {
      const pos = i - start;
      if (c >= 48 && c <= 57) {
        if (value < 1000) value = value * 10 + (c - 48);
        if (pos === 0) hex = c === 48 ? 1 : 0;
        else if (pos === 1) hex = 0;
      } else if ((c >= 97 && c <= 122) || c === 45 || c === 95) {
        // Lower-case letters, digits, hyphen and underscore only; anything else takes the full parser.
        digits = false;
        if (pos === 1 && hex === 1 && c === 120) hex = 2;
        else if (hex === 2 && !(c >= 97 && c <= 102)) hex = 0;
        else if (pos < 2) hex = 0;
      } else return undefined;
      continue;
    }
    const len = i - start;
    if (len === 0 || len > 63) return undefined;
    const first = input.charCodeAt(start);
    if (first === 45 || input.charCodeAt(i - 1) === 45) return undefined;
    // An IDN (punycode) label needs the homograph checks of the full path.
    if (len >= 4 && first === 120 && input.charCodeAt(start + 1) === 110 && input.charCodeAt(start + 2) === 45 && input.charCodeAt(start + 3) === 45) {
      return undefined;
    }
    labels++;
    if (digits && value <= 255 && !(len > 1 && first === 48)) quad = quad * 256 + value;
    else quadValid = false;
    // "0x..." (hex digits, possibly none) is a number to the WHATWG IPv4 parser, like all digits.
    lastNumeric = digits || (hex === 2 && len >= 2);
    start = i + 1;
    digits = true;
    value = 0;
    hex = 0;
  }
  // A host whose last label is a number is an IPv4 address (or invalid) to the WHATWG parser.
  if (lastNumeric) return !trailingDot && labels === 4 && quadValid ? quad : undefined;
  return trailingDot ? input.slice(0, end) : input;
}

/** An IPv4 address as an unsigned 32-bit number. */
function ipv4ToInt(ip: ipaddr.IPv4): number {
  const [a = 0, b = 0, c = 0, d = 0] = ip.octets;
  return ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
}

/** Parses "a.b.c.d/n" or "x::/n" strictly (dotted-quad IPv4 only); the network is masked. */
export function parseCidr(text: string): Canonical<{ ip: ipaddr.IPv4 | ipaddr.IPv6; prefix: number }> {
  const [address, prefixText, extra] = text.trim().split('/');
  if (address === undefined || prefixText === undefined || extra !== undefined || !/^\d{1,3}$/.test(prefixText)) {
    return { ok: false, reason: `not a CIDR: ${text}` };
  }
  const prefix = Number(prefixText);
  if (isFourPartDecimal(address)) {
    if (prefix > 32) return { ok: false, reason: `IPv4 prefix /${prefix} > 32` };
    return { ok: true, value: { ip: ipaddr.IPv4.parse(address), prefix } };
  }
  if (ipaddr.IPv6.isValid(address) && !address.includes('%')) {
    const ip = ipaddr.IPv6.parse(address);
    if (prefix > 128) return { ok: false, reason: `IPv6 prefix /${prefix} > 128` };
    // ::ffff:a.b.c.d/n with n >= 96 is an IPv4 network: index it as such.
    if (ip.isIPv4MappedAddress() && prefix >= 96) return { ok: true, value: { ip: ip.toIPv4Address(), prefix: prefix - 96 } };
    return { ok: true, value: { ip, prefix } };
  }
  return { ok: false, reason: `not a CIDR address (dotted-quad IPv4 or IPv6 expected): ${text}` };
}

/** A set of networks (e.g. a pack's internal_networks). */
export interface NetworkSet {
  /** True when the address lies in one of the networks; null when it is not an IP address. */
  contains(address: string): boolean | null;
  readonly networks: readonly string[];
}

/** Compiles CIDRs (unparsable ones are skipped: packs validate them at load). */
export function compileNetworks(cidrs: readonly string[]): NetworkSet {
  const parsed = cidrs.map((c) => parseCidr(c)).flatMap((c) => (c.ok ? [c.value] : []));
  return {
    networks: [...cidrs],
    contains(address: string): boolean | null {
      const ip = canonicalIp(address);
      if (!ip.ok) return null;
      const kind = ip.value.kind();
      return parsed.some((n) => n.ip.kind() === kind && (ip.value as ipaddr.IPv4).match(n.ip as ipaddr.IPv4, n.prefix));
    },
  };
}

/**
 * The role and identity of the host a matcher is bound to (see AllowlistMatcher.bind), with the
 * role's bit resolved once.
 */
interface Binding {
  role: HostRole;
  bit: number;
  local: LocalHost | undefined;
}

/** What a candidate entry is checked against: the query's fields, the role also as a bit. */
interface Facts {
  port: number;
  proto: string | undefined;
  direction: string | undefined;
  role: string | undefined;
  bit: number;
  local: LocalHost | undefined;
}

/** What lookups read: a bound matcher's query, or a full query (role and local) when unbound. */
type AnyQuery = HostEndpointQuery & Partial<Pick<EndpointQuery, 'role' | 'local'>>;

// Role bit of the last role asked, so unbound lookups do not hash the role string every time.
let lastRole: string | undefined;
let lastRoleBit = 0;
function roleBitOf(role: string | undefined): number {
  if (role !== lastRole) {
    lastRoleBit = role === undefined ? 0 : (ROLE_BIT.get(role) ?? 0);
    lastRole = role;
  }
  return lastRoleBit;
}

// Why a candidate does not fit, as a code: the hot path builds no string (see mismatchText).
const FITS = 0;
const WINDOW = 1;
const PORT = 2;
const PROTO = 3;
const DIRECTION = 4;
const ROLE = 5;
const HOSTS = 6;

/** FITS when a candidate fits the query at `nowMs`, else the first check that fails. */
function mismatch(c: CompiledEntry, f: Facts, nowMs: number): number {
  if (nowMs > c.expiresMs || nowMs < c.approvedMs) return WINDOW;
  if (c.onlyPort !== f.port && (c.onlyPort >= 0 || !c.ports.includes(f.port))) return PORT;
  if (c.proto !== f.proto) return PROTO;
  if (c.direction !== f.direction) return DIRECTION;
  if ((f.bit & c.roleMask) === 0) return ROLE;
  if (c.hosts !== null && !hostListed(c.hosts, f.local)) return HOSTS;
  return FITS;
}

/** The auditor's wording of a mismatch code. */
function mismatchText(why: number, c: CompiledEntry, f: Facts, nowMs: number): string {
  const id = c.entry.id;
  switch (why) {
    case WINDOW:
      return nowMs > c.expiresMs ? `entry ${id} expired at ${c.entry.expires_at}` : `entry ${id} is approved only from ${c.entry.approved_at}`;
    case PORT:
      return `entry ${id} does not allow port ${f.port}`;
    case PROTO:
      return `entry ${id} is for ${c.proto}`;
    case DIRECTION:
      return `entry ${id} is for ${c.direction}`;
    case ROLE:
      return `entry ${id} does not cover role ${f.role}`;
    default:
      return `entry ${id} is restricted to other hosts${renamedText(f.local)}`;
  }
}

const hostKey = (name: string) => name.toLowerCase().replace(/\.$/, '');

/** ` (enrolled as A, reports itself as B)` when a host's report names it otherwise; else ''. */
function renamedText(local: LocalHost | undefined): string {
  if (local?.reported_hostname === undefined) return '';
  const enrolled = local.hostname ?? local.host_id;
  if (hostKey(local.reported_hostname) === hostKey(enrolled)) return '';
  return ` (host enrolled as ${enrolled}, reporting itself as ${local.reported_hostname})`;
}

function hostListed(hosts: ReadonlySet<string>, local: LocalHost | undefined): boolean {
  if (!local) return false;
  if (hosts.has(local.host_id.toLowerCase())) return true;
  return local.hostname !== undefined && hosts.has(hostKey(local.hostname));
}

/** Compiles entries into indexed lookups, judged at `now` (validity windows are inclusive). */
export function compileAllowlist(entries: readonly AllowlistEntry[], now: Date): AllowlistMatcher {
  return compileAllowlistIndex(entries).at(now);
}

const NO_GROUPS: readonly (readonly CompiledEntry[])[] = [];

/**
 * Compiles entries into indexed lookups once; validity windows are judged by `at(now)`.
 * Exact FQDNs: hash map. `*.zone`: hash map walked label by label. IPv4 CIDRs: one hash map per
 * prefix length present, keyed by the network number, probed longest prefix first. IPv6: binary
 * trie. URL prefixes: grouped by origin. Ports, protocol, direction, roles and validity are
 * precompiled per entry.
 */
export function compileAllowlistIndex(entries: readonly AllowlistEntry[]): AllowlistIndex {
  const exact = new Map<string, CompiledEntry[]>();
  const wildcard = new Map<string, CompiledEntry[]>();
  const v4ByPrefix = new Map<number, Map<number, CompiledEntry[]>>();
  const v6: TrieNode = {};
  const prefixes = new Map<string, { path: string; entry: CompiledEntry }[]>();
  const rejected: { id: string; reason: string }[] = [];
  const push = <K, V>(map: Map<K, V[]>, key: K, value: V) => {
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
  };
  const insertIp = (ip: ipaddr.IPv4 | ipaddr.IPv6, prefix: number, c: CompiledEntry) => {
    if (ip.kind() === 'ipv6') {
      trieInsert(v6, ip.toByteArray(), prefix, c);
      return;
    }
    let byNetwork = v4ByPrefix.get(prefix);
    if (!byNetwork) v4ByPrefix.set(prefix, (byNetwork = new Map()));
    // `x >>> 32` is `x >>> 0` in JavaScript: /0 gets the single key 0.
    push(byNetwork, prefix === 0 ? 0 : ipv4ToInt(ip as ipaddr.IPv4) >>> (32 - prefix), c);
  };

  for (const entry of entries) {
    const c: CompiledEntry = {
      entry,
      approvedMs: Date.parse(entry.approved_at),
      expiresMs: Date.parse(entry.expires_at),
      ports: [...entry.ports],
      onlyPort: entry.ports.length === 1 ? (entry.ports[0] ?? -1) : -1,
      proto: entry.proto,
      direction: entry.direction,
      roleMask: entry.roles.reduce((mask, role) => mask | (ROLE_BIT.get(role) ?? 0), 0),
      hosts: entry.hosts ? new Set(entry.hosts.map((h) => h.toLowerCase().replace(/\.$/, ''))) : null,
      matched: `matched entry ${entry.id}`,
    };
    if (Number.isNaN(c.approvedMs) || Number.isNaN(c.expiresMs)) {
      rejected.push({ id: entry.id, reason: 'unreadable approved_at or expires_at' });
      continue;
    }
    const m = entry.match;
    if ('fqdn' in m) {
      const isWildcard = m.fqdn.startsWith('*.');
      const host = canonicalHost(isWildcard ? m.fqdn.slice(2) : m.fqdn);
      if (!host.ok) {
        rejected.push({ id: entry.id, reason: host.reason });
        continue;
      }
      if (host.value.ip !== null) {
        if (isWildcard) {
          rejected.push({ id: entry.id, reason: 'wildcard over an IP address' });
          continue;
        }
        const ip = host.value.ip;
        insertIp(ip, ip.kind() === 'ipv4' ? 32 : 128, c);
        continue;
      }
      push(isWildcard ? wildcard : exact, host.value.host, c);
    } else if ('cidr' in m) {
      const cidr = parseCidr(m.cidr);
      if (!cidr.ok) {
        rejected.push({ id: entry.id, reason: cidr.reason });
        continue;
      }
      insertIp(cidr.value.ip, cidr.value.prefix, c);
    } else {
      const url = canonicalUrl(m.url_prefix);
      if (!url.ok) {
        rejected.push({ id: entry.id, reason: url.reason });
        continue;
      }
      push(prefixes, url.value.origin, { path: url.value.path, entry: c });
    }
  }
  // Longest prefix first, so the most specific network is tried first.
  const v4Tables = [...v4ByPrefix.entries()].sort((a, b) => b[0] - a[0]);
  // With a single prefix length (the common case), one table probe and no list of groups.
  const [onlyV4Prefix, onlyV4Table] = v4Tables.length === 1 ? v4Tables[0]! : [0, null];

  /** First candidate valid for the query, or the reasons none is. */
  function pick(groups: readonly (readonly CompiledEntry[])[], f: Facts, canonical: string, nowMs: number): MatchResult {
    let reasons: string[] | null = null;
    for (const group of groups) {
      for (const c of group) {
        const why = mismatch(c, f, nowMs);
        if (why === FITS) return { entry: c.entry, reason: c.matched, canonical };
        (reasons ??= []).push(mismatchText(why, c, f, nowMs));
      }
    }
    if (reasons === null) return { entry: null, reason: `no allowlist entry for ${canonical}`, canonical };
    return { entry: null, reason: reasons.slice(0, 5).join('; '), canonical };
  }

  /** pick() over one group, without building a list of groups (the common exact-match case). */
  function pickOne(group: readonly CompiledEntry[] | undefined, f: Facts, canonical: string, nowMs: number): MatchResult {
    if (group === undefined) return { entry: null, reason: `no allowlist entry for ${canonical}`, canonical };
    for (const c of group) if (mismatch(c, f, nowMs) === FITS) return { entry: c.entry, reason: c.matched, canonical };
    return pick([group], f, canonical, nowMs);
  }

  function matchHost(host: string, f: Facts, nowMs: number): MatchResult {
    return wildcard.size === 0 ? pickOne(exact.get(host), f, host, nowMs) : pick(hostGroups(host), f, host, nowMs);
  }

  function matchV4(ip: number, f: Facts, canonical: string, nowMs: number): MatchResult {
    if (onlyV4Table !== null) return pickOne(onlyV4Table.get(onlyV4Prefix === 0 ? 0 : ip >>> (32 - onlyV4Prefix)), f, canonical, nowMs);
    return pick(v4Groups(ip), f, canonical, nowMs);
  }

  function hostGroups(host: string): (readonly CompiledEntry[])[] {
    const groups: (readonly CompiledEntry[])[] = [];
    const own = exact.get(host);
    if (own) groups.push(own);
    if (wildcard.size > 0) {
      // Walk up the labels: a.b.example.fr -> b.example.fr -> example.fr -> fr (at most 127 labels).
      let dot = host.indexOf('.');
      while (dot >= 0) {
        const zone = wildcard.get(host.slice(dot + 1));
        if (zone) groups.push(zone);
        dot = host.indexOf('.', dot + 1);
      }
    }
    return groups;
  }

  function v4Groups(ip: number): readonly (readonly CompiledEntry[])[] {
    let groups: (readonly CompiledEntry[])[] | null = null;
    for (const [prefix, table] of v4Tables) {
      const hit = table.get(prefix === 0 ? 0 : ip >>> (32 - prefix));
      if (hit) (groups ??= []).push(hit);
    }
    return groups ?? NO_GROUPS;
  }

  function ipGroups(ip: ipaddr.IPv4 | ipaddr.IPv6): readonly (readonly CompiledEntry[])[] {
    return ip.kind() === 'ipv4' ? v4Groups(ipv4ToInt(ip as ipaddr.IPv4)) : trieLookup(v6, ip.toByteArray());
  }

  /** One lookup; `b` is the host the matcher is bound to, or null to take role and local from the query. */
  function lookup(q: AnyQuery, b: Binding | null, nowMs: number): MatchResult {
    let host: string | undefined;
    let ip: string | undefined;
    let url: string | undefined;
    let port: number | undefined;
    let proto: string | undefined;
    let direction: string | undefined;
    let role: string | undefined;
    let local: LocalHost | undefined;
    // One for-in pass instead of reads by name. Queries built by spreading (`{ ...base, host }`)
    // each get a hidden class of their own in V8 (Node 20), so every read by name is a megamorphic
    // inline-cache miss (~70 ns each, 7 per lookup); keyed reads of the for-in key go through the
    // class's enum cache instead (~30 ns for all fields). Queries are plain data (EndpointQuery).
    for (const key in q) {
      switch (key) {
        case 'host':
          host = q[key];
          break;
        case 'ip':
          ip = q[key];
          break;
        case 'url':
          url = q[key];
          break;
        case 'port':
          port = q[key];
          break;
        case 'proto':
          proto = q[key];
          break;
        case 'direction':
          direction = q[key];
          break;
        case 'role':
          role = q[key];
          break;
        case 'local':
          local = q[key];
          break;
      }
    }
    const given = (host !== undefined ? 1 : 0) + (ip !== undefined ? 1 : 0) + (url !== undefined ? 1 : 0);
    if (given !== 1) return { entry: null, reason: 'give exactly one of host, ip or url', canonical: null };
    if (port === undefined || !Number.isInteger(port) || port < 0 || port > 65535) return { entry: null, reason: `invalid port ${port}`, canonical: null };
    // A bound matcher judges its own host: role and identity in the query are ignored.
    const f: Facts =
      b !== null
        ? { port, proto, direction, role: b.role, bit: b.bit, local: b.local }
        : { port, proto, direction, role, bit: roleBitOf(role), local };
    if (ip !== undefined) {
      const fast = fastCanonical(ip);
      if (typeof fast === 'number') return matchV4(fast, f, ip, nowMs);
      const parsed = canonicalIp(ip);
      if (!parsed.ok) return { entry: null, reason: parsed.reason, canonical: null };
      return pick(ipGroups(parsed.value), f, parsed.value.toString(), nowMs);
    }
    if (host !== undefined) {
      const fast = fastCanonical(host);
      if (typeof fast === 'string') return matchHost(fast, f, nowMs);
      if (typeof fast === 'number') return matchV4(fast, f, host, nowMs);
      const parsed = canonicalHost(host);
      if (!parsed.ok) return { entry: null, reason: parsed.reason, canonical: null };
      if (parsed.value.ip) return pick(ipGroups(parsed.value.ip), f, parsed.value.host, nowMs);
      return matchHost(parsed.value.host, f, nowMs);
    }
    const parsed = canonicalUrl(url ?? '');
    if (!parsed.ok) return { entry: null, reason: parsed.reason, canonical: null };
    const u = parsed.value;
    const canonical = `${u.origin}${u.path}`;
    if (u.port !== port) return { entry: null, reason: `URL port ${u.port} differs from the connection port ${port}`, canonical };
    const byPrefix = (prefixes.get(u.origin) ?? []).filter((p) => pathHasPrefix(u.path, p.path)).map((p) => p.entry);
    const hostIp = canonicalHost(u.host);
    const byHost = hostIp.ok && hostIp.value.ip ? ipGroups(hostIp.value.ip) : hostGroups(u.host);
    return pick([byPrefix, ...byHost], f, canonical, nowMs);
  }

  const size = entries.length - rejected.length;
  // The last matcher handed out: a batch of evaluations at one `now` shares it.
  let last: { nowMs: number; matcher: AllowlistMatcher } | null = null;
  return {
    at(now: Date): AllowlistMatcher {
      const nowMs = now.getTime();
      if (last?.nowMs !== nowMs) {
        last = {
          nowMs,
          matcher: {
            matchEndpoint: (q) => lookup(q, null, nowMs),
            bind(role: HostRole, local?: LocalHost): HostAllowlist {
              const b: Binding = { role, bit: ROLE_BIT.get(role) ?? 0, local };
              return { matchEndpoint: (q) => lookup(q, b, nowMs), size };
            },
            rejected,
            size,
          },
        };
      }
      return last.matcher;
    },
    rejected,
    size,
  };
}
