// Squid's native access.log format (logformat squid):
//   %ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt
//   1733560800.123    245 10.20.3.14 TCP_TUNNEL/200 5120 CONNECT dmp.sante.fr:443 - HIER_DIRECT/192.0.2.45 -
// and the same with the TLS SNI appended (logformat vigie ... %ssl::>sni), which names a CONNECT
// to a bare address. Only the host and port of %ru are kept: the path, the query and %un (the
// user) are never read into anything that is stored.
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

export function parseSquidLine(line: string): ProxyLine | null | 'invalid' {
  if (line.length === 0 || line.charCodeAt(0) === 35 /* # */) return null;
  const f = line.trim().split(/\s+/);
  if (f.length < 10) return 'invalid';
  const at = Math.round(Number(f[0]) * 1000);
  if (!Number.isFinite(at) || at <= 0) return 'invalid';
  const status = f[3]!;
  const method = f[5]!;
  const target = hostPortOf(method, f[6]!);
  if (target === null) return method === 'NONE' || f[6] === 'error:transaction-end-before-headers' ? null : 'invalid';
  let { host } = target;
  let sni = false;
  const sniField = f[10];
  if (sniField !== undefined && sniField !== '-' && IP_LITERAL.test(host) && !IP_LITERAL.test(sniField)) {
    host = sniField;
    sni = true;
  }
  return { at, client: f[2]!, host, port: target.port, denied: status.includes('DENIED'), sni };
}
