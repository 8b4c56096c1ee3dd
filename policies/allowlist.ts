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
  if (ipaddr.IPv4.isValidFourPartDecimal(host)) {
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
  const raw = input.trim();
  if (raw.length === 0 || raw.length > 1024) return { ok: false, reason: 'empty or oversized host' };
  // Fast path: lower-case LDH names whose last label cannot be read as an IPv4 number are
  // returned unchanged by the WHATWG parser, so they skip it (checkHostname still validates).
  if (/^[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?$/.test(raw) && !/(^|\.)(\d+|0x[0-9a-f]*)\.?$/.test(raw)) return checkHostname(raw);
  // Fast path: a plain dotted quad without leading zeros is already canonical.
  if (/^(0|[1-9]\d{0,2})(\.(0|[1-9]\d{0,2})){3}$/.test(raw) && ipaddr.IPv4.isValidFourPartDecimal(raw)) return checkHostname(raw);
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
  /** Entries that could not be compiled (bad host, bad CIDR...), with the reason. */
  readonly rejected: readonly { id: string; reason: string }[];
  readonly size: number;
}

interface TrieNode {
  zero?: TrieNode;
  one?: TrieNode;
  entries?: AllowlistEntry[];
}

function bitsOf(ip: ipaddr.IPv4 | ipaddr.IPv6): number[] {
  return ip.toByteArray();
}

function trieInsert(root: TrieNode, bytes: number[], prefix: number, entry: AllowlistEntry): void {
  let node = root;
  for (let i = 0; i < prefix; i++) {
    const bit = ((bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1;
    node = bit ? (node.one ??= {}) : (node.zero ??= {});
  }
  (node.entries ??= []).push(entry);
}

/** Entries on the path to the address, most specific prefix first. */
function trieLookup(root: TrieNode, bytes: number[]): AllowlistEntry[] {
  const found: AllowlistEntry[][] = [];
  let node: TrieNode | undefined = root;
  const bits = bytes.length * 8;
  for (let i = 0; node && i <= bits; i++) {
    if (node.entries) found.push(node.entries);
    if (i === bits) break;
    const bit = ((bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1;
    node = bit ? node.one : node.zero;
  }
  return found.reverse().flat();
}

/** Parses "a.b.c.d/n" or "x::/n" strictly (dotted-quad IPv4 only); the network is masked. */
export function parseCidr(text: string): Canonical<{ ip: ipaddr.IPv4 | ipaddr.IPv6; prefix: number }> {
  const [address, prefixText, extra] = text.trim().split('/');
  if (address === undefined || prefixText === undefined || extra !== undefined || !/^\d{1,3}$/.test(prefixText)) {
    return { ok: false, reason: `not a CIDR: ${text}` };
  }
  const prefix = Number(prefixText);
  if (ipaddr.IPv4.isValidFourPartDecimal(address)) {
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

function entryWindow(entry: AllowlistEntry, now: number): string | null {
  const approved = Date.parse(entry.approved_at);
  const expires = Date.parse(entry.expires_at);
  if (now > expires) return `entry ${entry.id} expired at ${entry.expires_at}`;
  if (now < approved) return `entry ${entry.id} is approved only from ${entry.approved_at}`;
  return null;
}

/** Compiles entries into indexed lookups, judged at `now` (validity windows are inclusive). */
export function compileAllowlist(entries: readonly AllowlistEntry[], now: Date): AllowlistMatcher {
  const nowMs = now.getTime();
  const exact = new Map<string, AllowlistEntry[]>();
  const wildcard = new Map<string, AllowlistEntry[]>();
  const v4: TrieNode = {};
  const v6: TrieNode = {};
  const prefixes = new Map<string, { path: string; entry: AllowlistEntry }[]>();
  const rejected: { id: string; reason: string }[] = [];
  const push = <K, V>(map: Map<K, V[]>, key: K, value: V) => {
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
  };

  for (const entry of entries) {
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
        trieInsert(ip.kind() === 'ipv4' ? v4 : v6, bitsOf(ip), ip.kind() === 'ipv4' ? 32 : 128, entry);
        continue;
      }
      push(isWildcard ? wildcard : exact, host.value.host, entry);
    } else if ('cidr' in m) {
      const cidr = parseCidr(m.cidr);
      if (!cidr.ok) {
        rejected.push({ id: entry.id, reason: cidr.reason });
        continue;
      }
      trieInsert(cidr.value.ip.kind() === 'ipv4' ? v4 : v6, bitsOf(cidr.value.ip), cidr.value.prefix, entry);
    } else {
      const url = canonicalUrl(m.url_prefix);
      if (!url.ok) {
        rejected.push({ id: entry.id, reason: url.reason });
        continue;
      }
      push(prefixes, url.value.origin, { path: url.value.path, entry });
    }
  }

  /** First candidate valid for the query, or the reason none is. */
  function pick(candidates: readonly AllowlistEntry[], q: EndpointQuery, canonical: string): MatchResult {
    if (candidates.length === 0) return { entry: null, reason: `no allowlist entry for ${canonical}`, canonical };
    const reasons: string[] = [];
    for (const entry of candidates) {
      const window = entryWindow(entry, nowMs);
      if (window) reasons.push(window);
      else if (!entry.ports.includes(q.port)) reasons.push(`entry ${entry.id} does not allow port ${q.port}`);
      else if (entry.proto !== q.proto) reasons.push(`entry ${entry.id} is for ${entry.proto}`);
      else if (entry.direction !== q.direction) reasons.push(`entry ${entry.id} is for ${entry.direction}`);
      else if (!entry.roles.includes(q.role)) reasons.push(`entry ${entry.id} does not cover role ${q.role}`);
      else return { entry, reason: `matched entry ${entry.id}`, canonical };
    }
    return { entry: null, reason: reasons.slice(0, 5).join('; '), canonical };
  }

  function hostCandidates(host: string): AllowlistEntry[] {
    const found = [...(exact.get(host) ?? [])];
    // Walk up the labels: a.b.example.fr -> b.example.fr -> example.fr -> fr (bounded by 127 labels).
    let dot = host.indexOf('.');
    while (dot >= 0) {
      found.push(...(wildcard.get(host.slice(dot + 1)) ?? []));
      dot = host.indexOf('.', dot + 1);
    }
    return found;
  }

  function ipCandidates(ip: ipaddr.IPv4 | ipaddr.IPv6): AllowlistEntry[] {
    return trieLookup(ip.kind() === 'ipv4' ? v4 : v6, bitsOf(ip));
  }

  function matchEndpoint(q: EndpointQuery): MatchResult {
    const given = [q.host, q.ip, q.url].filter((x) => x !== undefined).length;
    if (given !== 1) return { entry: null, reason: 'give exactly one of host, ip or url', canonical: null };
    if (!Number.isInteger(q.port) || q.port < 0 || q.port > 65535) return { entry: null, reason: `invalid port ${q.port}`, canonical: null };
    if (q.url !== undefined) {
      const url = canonicalUrl(q.url);
      if (!url.ok) return { entry: null, reason: url.reason, canonical: null };
      const u = url.value;
      const canonical = `${u.origin}${u.path}`;
      if (u.port !== q.port) return { entry: null, reason: `URL port ${u.port} differs from the connection port ${q.port}`, canonical };
      const byPrefix = (prefixes.get(u.origin) ?? []).filter((p) => pathHasPrefix(u.path, p.path)).map((p) => p.entry);
      const ip = canonicalHost(u.host);
      const byHost = ip.ok && ip.value.ip ? ipCandidates(ip.value.ip) : hostCandidates(u.host);
      return pick([...byPrefix, ...byHost], q, canonical);
    }
    if (q.ip !== undefined) {
      const ip = canonicalIp(q.ip);
      if (!ip.ok) return { entry: null, reason: ip.reason, canonical: null };
      return pick(ipCandidates(ip.value), q, ip.value.toString());
    }
    const host = canonicalHost(q.host ?? '');
    if (!host.ok) return { entry: null, reason: host.reason, canonical: null };
    if (host.value.ip) return pick(ipCandidates(host.value.ip), q, host.value.host);
    return pick(hostCandidates(host.value.host), q, host.value.host);
  }

  return { matchEndpoint, rejected, size: entries.length - rejected.length };
}
