// Squid's native access.log format (logformat squid):
//   %ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt
//   1733560800.123    245 10.20.3.14 TCP_TUNNEL/200 5120 CONNECT dmp.sante.fr:443 - HIER_DIRECT/192.0.2.45 -
// and the same with the TLS SNI appended (logformat vigie ... %ssl::>sni), which names a CONNECT
// to a bare address. Only the host and port of %ru are kept: the path, the query and %un (the
// user) are never read into anything that is stored.
//
// This runs once per log line (tens of millions a day at a large site), so the fields are found
// by scanning character codes instead of `trim().split(/\s+/)` (same whitespace set, same
// fields), and the host:port of a request target is memoised by its scheme and authority (a log
// names a few thousand hosts, never with the path or query in the key).
import type { ProxyLine } from './proxy-line.js';

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, ftp: 21, ws: 80, wss: 443 };

/** host and port of a CONNECT target (`host:port`, `[v6]:port`) or of an absolute URL. */
export function hostPortOf(method: string, target: string): { host: string; port: number } | null {
  if (method === 'CONNECT') {
    const m = /^(\[[0-9a-fA-F:.]+\]|[^:/\s]+):(\d{1,5})$/.exec(target);
    if (!m) return null;
    const port = Number(m[2]);
    return port >= 1 && port <= 65535 ? { host: m[1]!.replace(/^\[|\]$/g, ''), port } : null;
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(target);
  if (!scheme) return null;
  const rest = target.slice(scheme[0].length);
  const end = rest.search(/[/?#]/);
  let authority = end < 0 ? rest : rest.slice(0, end);
  const at = authority.lastIndexOf('@');
  if (at >= 0) authority = authority.slice(at + 1); // userinfo is dropped, never kept
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(authority);
  if (!m) return null;
  const port = m[2] !== undefined ? Number(m[2]) : DEFAULT_PORTS[scheme[1]!.toLowerCase()];
  if (port === undefined || port < 1 || port > 65535) return null;
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

const IP_LITERAL = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]+)$/i;

/** JavaScript's `\s` (what trim() and split(/\s+/) use). */
function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/**
 * Start and end of the first 11 fields of the line last scanned, as offsets in the text it was
 * scanned in; reused (scanning is synchronous).
 */
export const squidFields = new Int32Array(22);

/**
 * Finds the first 11 whitespace-separated fields of `text` from `start` to `end` (a line, or a
 * line inside a larger text: the importer scans a decoded window without cutting each line out)
 * into squidFields; returns how many it found.
 */
export function scanSquidFields(text: string, start: number, end: number): number {
  let fields = 0;
  let i = start;
  while (fields < 11) {
    while (i < end && isSpace(text.charCodeAt(i))) i++;
    if (i >= end) break;
    const from = i;
    while (i < end && !isSpace(text.charCodeAt(i))) i++;
    squidFields[2 * fields] = from;
    squidFields[2 * fields + 1] = i;
    fields++;
  }
  return fields;
}

/**
 * %ts.%03tu in ms: read digit by digit when it has Squid's form (seconds, a dot, 3 digits), which
 * gives exactly Math.round(Number(field) * 1000); any other form goes through Number. NaN, 0 or
 * less when it is no time.
 */
export function squidTime(text: string, start: number, end: number): number {
  const dot = end - 4;
  if (dot > start && dot - start <= 12 && text.charCodeAt(dot) === 46 /* . */) {
    let seconds = 0;
    let i = start;
    for (; i < dot; i++) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      seconds = seconds * 10 + d;
    }
    const a = text.charCodeAt(dot + 1) - 48;
    const b = text.charCodeAt(dot + 2) - 48;
    const c = text.charCodeAt(dot + 3) - 48;
    if (i === dot && a >= 0 && a <= 9 && b >= 0 && b <= 9 && c >= 0 && c <= 9) return seconds * 1000 + a * 100 + b * 10 + c;
  }
  return Math.round(Number(text.slice(start, end)) * 1000);
}

/**
 * The request target's cache key: CONNECT's whole target, or a URL up to the end of its
 * authority; null when hostPortOf's answer is null for certain (a URL without "://").
 */
function targetKey(method: string, target: string): string | null {
  if (method === 'CONNECT') return `C${target}`;
  const sep = target.indexOf('://');
  if (sep < 0) return null;
  let end = target.length;
  for (let i = sep + 3; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */) {
      end = i;
      break;
    }
  }
  return `U${target.slice(0, end)}`;
}

/** Most request targets remembered; cleared when full. Longer keys are not kept. */
const TARGETS_KEPT = 50_000;
const TARGET_KEY_MAX = 300;
const targets = new Map<string, { host: string; port: number } | null>();

/** hostPortOf, memoised: the answer depends only on whether the method is CONNECT and on the target's scheme and authority. */
function cachedHostPort(method: string, target: string): { host: string; port: number } | null {
  const key = targetKey(method, target);
  if (key === null) return null;
  let known = targets.get(key);
  if (known === undefined) {
    known = hostPortOf(method, key.slice(1));
    if (key.length > TARGET_KEY_MAX) return known;
    if (targets.size >= TARGETS_KEPT) targets.clear();
    targets.set(key, known);
  }
  return known;
}

/**
 * Field k of the line last scanned. A module function, not a closure made per line: tsx (which
 * runs the server) keeps function names by wrapping every closure it creates in a defineProperty
 * call, which cost more than the rest of the parse.
 */
function field(line: string, k: number): string {
  return line.slice(squidFields[2 * k]!, squidFields[2 * k + 1]!);
}

export function parseSquidLine(line: string): ProxyLine | null | 'invalid' {
  if (line.length === 0 || line.charCodeAt(0) === 35 /* # */) return null;
  const fields = scanSquidFields(line, 0, line.length);
  // A whitespace-only line splits into one empty field: invalid, as fewer than 10 fields.
  if (fields < 10) return 'invalid';
  const at = squidTime(line, squidFields[0]!, squidFields[1]!);
  if (!Number.isFinite(at) || at <= 0) return 'invalid';
  const status = field(line, 3);
  const method = field(line, 5);
  const url = field(line, 6);
  const target = cachedHostPort(method, url);
  if (target === null) return method === 'NONE' || url === 'error:transaction-end-before-headers' ? null : 'invalid';
  let { host } = target;
  let sni = false;
  if (fields > 10) {
    const sniField = field(line, 10);
    if (sniField !== '-' && IP_LITERAL.test(host) && !IP_LITERAL.test(sniField)) {
      host = sniField;
      sni = true;
    }
  }
  return { at, client: field(line, 2), host, port: target.port, denied: status.includes('DENIED'), sni };
}
