// Pure reading of log forwarding configurations: rsyslog (legacy @/@@ selectors and omfwd /
// omrelp actions), syslog-ng network destinations, and systemd-journal-upload's URL.
import type { LogForwardTarget } from '../../policies/evidence.js';
import { stripUrlCredentials } from './redact.js';

type Target = Pick<LogForwardTarget, 'daemon' | 'target' | 'protocol'>;

export function parseRsyslogConf(text: string): Target[] {
  const targets: Target[] = [];
  const body = text.split('\n').filter((l) => !l.trim().startsWith('#')).join('\n');
  // selector  @host[:port] (UDP), @@host[:port] (TCP), :omrelp:host:port; @@(o)host = octet framing.
  for (const m of body.matchAll(/^\s*[^\s#]+\s+(@@?|:omrelp:)(?:\([^)]*\))?(\[[^\]]+\]|[A-Za-z0-9._-]+)(?::(\d+))?\s*(;\S+)?\s*$/gm)) {
    const kind = m[1];
    const host = m[2];
    if (!host) continue;
    const protocol = kind === '@' ? 'udp' : kind === '@@' ? 'tcp' : 'relp';
    targets.push({ daemon: 'rsyslog', target: `${host}:${m[3] ?? (protocol === 'relp' ? '2514' : '514')}`, protocol });
  }
  for (const m of body.matchAll(/action\s*\(([^)]*)\)/gis)) {
    const params = new Map<string, string>();
    for (const p of (m[1] ?? '').matchAll(/([A-Za-z.]+)\s*=\s*"([^"]*)"/g)) if (p[1] && p[2] !== undefined) params.set(p[1].toLowerCase(), p[2]);
    const type = params.get('type');
    if (type !== 'omfwd' && type !== 'omrelp') continue;
    const host = params.get('target');
    if (!host) continue;
    const tls = params.get('streamdrivermode') === '1' || params.get('tls') === 'on';
    const proto = type === 'omrelp' ? (tls ? 'tls' : 'relp') : tls ? 'tls' : (params.get('protocol') ?? 'udp').toLowerCase() === 'tcp' ? 'tcp' : 'udp';
    targets.push({ daemon: 'rsyslog', target: `${host}:${params.get('port') ?? (type === 'omrelp' ? '2514' : '514')}`, protocol: proto });
  }
  return targets;
}

export function parseSyslogNgConf(text: string): Target[] {
  const targets: Target[] = [];
  const body = text.replace(/#.*$/gm, '');
  for (const dest of body.matchAll(/destination\s+[\w-]+\s*\{([\s\S]*?)\};/g)) {
    for (const d of (dest[1] ?? '').matchAll(/\b(network|syslog|tcp|udp|tcp6|udp6)\s*\(\s*"([^"]+)"([\s\S]*?)\)\s*;/g)) {
      const driver = d[1] ?? '';
      const options = d[3] ?? '';
      const transport = /transport\s*\(\s*"?(\w+)"?\s*\)/.exec(options)?.[1]?.toLowerCase();
      const port = /port\s*\(\s*(\d+)\s*\)/.exec(options)?.[1] ?? '514';
      const protocol = transport === 'tls' ? 'tls' : transport === 'tcp' || driver.startsWith('tcp') ? 'tcp' : driver === 'syslog' && !transport ? 'tcp' : 'udp';
      targets.push({ daemon: 'syslog-ng', target: `${d[2]}:${port}`, protocol });
    }
  }
  return targets;
}

export function parseJournalUploadConf(text: string): Target | null {
  const url = /^\s*URL\s*=\s*(\S+)\s*$/m.exec(text)?.[1];
  if (!url) return null;
  const protocol = url.startsWith('https:') ? 'https' : 'http';
  return { daemon: 'systemd-journal-upload', target: stripUrlCredentials(url), protocol };
}

/** systemd-journal-upload's --save-state file: LAST_CURSOR=... */
export function parseJournalUploadState(text: string): string | null {
  return /^LAST_CURSOR=(.+)$/m.exec(text)?.[1]?.trim() ?? null;
}
