// Pure parsers of the host's DNS configuration: /etc/resolv.conf and systemd-resolved's
// resolved.conf (+ drop-ins).

const MAX_RESOLVERS = 32;

/** `nameserver` addresses, in order, as the resolver library would try them. */
export function parseResolvConf(text: string): string[] {
  const resolvers: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const match = /^nameserver\s+(\S+)/.exec(line);
    if (!match?.[1]) continue;
    // glibc ignores a zone suffix only for display here; keep the address as written, bounded.
    const address = match[1].slice(0, 64);
    if (!resolvers.includes(address)) resolvers.push(address);
    if (resolvers.length >= MAX_RESOLVERS) break;
  }
  return resolvers;
}

/**
 * `DNSOverTLS=` from resolved.conf texts given in the order systemd reads them (main file
 * first, then drop-ins sorted); the last assignment in a [Resolve] section wins.
 * Only `yes` (strict) counts as DNS-over-TLS: `opportunistic` falls back to cleartext.
 * Returns false when the setting is absent (systemd's default is `no`).
 */
export function parseResolvedDnsOverTls(texts: readonly string[]): boolean {
  let value = 'no';
  for (const text of texts) {
    let inResolve = false;
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (line.startsWith('#') || line.startsWith(';') || line === '') continue;
      const section = /^\[(.+)\]$/.exec(line);
      if (section) {
        inResolve = section[1] === 'Resolve';
        continue;
      }
      const setting = /^DNSOverTLS\s*=\s*(.*)$/.exec(line);
      if (inResolve && setting) value = (setting[1] ?? '').trim().toLowerCase() || 'no';
    }
  }
  return value === 'yes' || value === 'true' || value === '1';
}
