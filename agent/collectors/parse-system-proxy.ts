// Pure reading of Linux system proxy settings: /etc/environment, apt's Acquire::*::Proxy, and
// the GNOME system proxy in dconf keyfiles (/etc/dconf/db/*.d) with their locks.
import { stripProxyCredentials } from './redact.js';

/** `http_proxy=...` / `https_proxy=...` from /etc/environment (KEY=VALUE, optional quotes). */
export function parseEnvironmentFile(text: string): { http: string | null; https: string | null } {
  const values = new Map<string, string>();
  for (const raw of text.split('\n').slice(0, 10_000)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_]+)\s*=\s*(.*?)\s*$/.exec(raw);
    if (!m?.[1] || m[2] === undefined || raw.trim().startsWith('#')) continue;
    values.set(m[1].toLowerCase(), m[2].replace(/^(['"])(.*)\1$/, '$2'));
  }
  const pick = (k: string) => {
    const v = values.get(k);
    return v ? stripProxyCredentials(v) : null;
  };
  return { http: pick('http_proxy'), https: pick('https_proxy') };
}

/** apt.conf snippets: `Acquire::http::Proxy "http://proxy:3128/";` (also the nested block form). */
export function parseAptProxy(text: string): string | null {
  const flat = /Acquire::https?::Proxy\s+"([^"]+)"\s*;/i.exec(text);
  if (flat?.[1] && flat[1] !== 'DIRECT' && flat[1] !== 'false') return stripProxyCredentials(flat[1]);
  const nested = /Acquire\s*\{[^}]*?https?\s*\{[^}]*?Proxy\s+"([^"]+)"/is.exec(text) ?? /Acquire\s*\{[^}]*?https?::Proxy\s+"([^"]+)"/is.exec(text);
  if (nested?.[1] && nested[1] !== 'DIRECT' && nested[1] !== 'false') return stripProxyCredentials(nested[1]);
  return null;
}

export interface DconfProxy {
  mode: string | null;
  server: string | null;
  pac_url: string | null;
}

/** A dconf keyfile: [system/proxy] mode, autoconfig-url; [system/proxy/http] host, port. */
export function parseDconfKeyfile(text: string): DconfProxy {
  let section = '';
  const values = new Map<string, string>();
  for (const raw of text.split('\n').slice(0, 10_000)) {
    const line = raw.trim();
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header?.[1]) {
      section = header[1].replace(/^\/|\/$/g, '');
      continue;
    }
    const kv = /^([A-Za-z0-9-]+)\s*=\s*(.*)$/.exec(line);
    if (kv?.[1] && kv[2] !== undefined) values.set(`${section}/${kv[1]}`, kv[2].replace(/^'(.*)'$/, '$1'));
  }
  const host = values.get('system/proxy/http/host') ?? values.get('system/proxy/https/host') ?? null;
  const port = values.get('system/proxy/http/port') ?? values.get('system/proxy/https/port') ?? null;
  return {
    mode: values.get('system/proxy/mode') ?? null,
    server: host ? `${host}${port ? `:${port}` : ''}` : null,
    pac_url: values.get('system/proxy/autoconfig-url') || null,
  };
}

/** dconf lock files list keys, one per line: `/system/proxy/mode`. */
export function dconfLocksProxy(text: string): boolean {
  return text.split('\n').some((l) => /^\s*\/system\/proxy\/(mode|http\/host|autoconfig-url)\s*$/.test(l));
}
