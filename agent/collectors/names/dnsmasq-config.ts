// Where dnsmasq writes its query log, from its configuration (/etc/dnsmasq.conf and the
// conf-dir drop-ins Debian ships): the log is usable only with `log-queries` and a
// `log-facility` that is a file. Otherwise the reason, with the lines that would enable it.
import { readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

export type DnsmasqLogLocation = { path: string } | { unavailable: string };

const ENABLE = 'add `log-queries` and `log-facility=/var/log/dnsmasq.log` to /etc/dnsmasq.conf and restart dnsmasq';

function readConfig(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').slice(0, 1024 * 1024);
  } catch {
    return null;
  }
}

/** Reads dnsmasq's configuration under `fsRoot` and says where its query log is. */
export function findDnsmasqLog(fsRoot = '/'): DnsmasqLogLocation {
  const main = readConfig(join(fsRoot, 'etc/dnsmasq.conf'));
  const texts: string[] = main === null ? [] : [main];
  let dropIns: string[] = [];
  try {
    dropIns = readdirSync(join(fsRoot, 'etc/dnsmasq.d')).filter((n) => !n.startsWith('.') && !n.endsWith('~') && !n.endsWith('.dpkg-dist')).sort().slice(0, 64);
  } catch {
    // no drop-in directory
  }
  for (const name of dropIns) {
    const text = readConfig(join(fsRoot, 'etc/dnsmasq.d', name));
    if (text !== null) texts.push(text);
  }
  if (texts.length === 0) return { unavailable: 'dnsmasq is not configured on this host (no /etc/dnsmasq.conf or /etc/dnsmasq.d/)' };
  let logQueries = false;
  let facility: string | null = null;
  for (const text of texts) {
    for (const raw of text.split('\n')) {
      const line = raw.replace(/#.*$/, '').trim();
      if (line === 'log-queries' || line.startsWith('log-queries=')) logQueries = true;
      const f = /^log-facility=(.+)$/.exec(line);
      if (f) facility = f[1]!.trim();
    }
  }
  if (!logQueries) return { unavailable: `dnsmasq does not log its queries: ${ENABLE}` };
  if (facility === null || !isAbsolute(facility)) {
    return { unavailable: `dnsmasq logs its queries to syslog${facility ? ` (${facility})` : ''}, which the agent does not read: ${ENABLE}` };
  }
  return { path: join(fsRoot, facility) };
}
