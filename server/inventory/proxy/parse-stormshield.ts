// Stormshield Network Security (SNS) web logs (l_web / syslog, logtype="web"), key=value pairs:
//   id=firewall time="2026-12-07 09:15:02" fw="SN310A" tz=+0100 startime="2026-12-07 09:15:01"
//   pri=5 confid=01 slotlevel=2 ruleid=12 srcif="Ethernet1" src=10.20.3.14 srcport=50122
//   dstif="Ethernet0" dst=192.0.2.45 dstport=443 dstportname=https dstname=dmp.sante.fr
//   proto=https op="CONNECT" result=0 arg="dmp.sante.fr:443" user="jdupont" domain="chu"
//   action=pass logtype="web"
// (SNS log format reference, "Logs - web traffic"). `time` is local with `tz`; `action=block`
// is a refusal. Kept: time, src, dstname (else dst), dstport. Never user, arg, domain.
import type { ProxyLine } from './proxy-line.js';

const PAIR = /([a-z_]+)=("(?:[^"\\]|\\.)*"|\S*)/gi;

function fields(line: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of line.matchAll(PAIR)) {
    const raw = m[2] ?? '';
    out.set(m[1]!.toLowerCase(), raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw);
  }
  return out;
}

export function parseStormshieldLine(line: string): ProxyLine | null | 'invalid' {
  if (!line.includes('logtype=')) return line.trim() === '' ? null : 'invalid';
  const f = fields(line);
  if (f.get('logtype') !== 'web') return null;
  const time = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(f.get('time') ?? '');
  const tz = /^([+-])(\d{2})(\d{2})$/.exec(f.get('tz') ?? '+0000');
  if (!time || !tz) return 'invalid';
  const at = Date.parse(`${time[1]}T${time[2]}${tz[1]}${tz[2]}:${tz[3]}`);
  const client = f.get('src');
  const host = f.get('dstname') || f.get('dst');
  const port = Number(f.get('dstport'));
  if (Number.isNaN(at) || !client || !host || !Number.isInteger(port) || port < 1 || port > 65535) return 'invalid';
  return { at, client, host, port, denied: f.get('action') === 'block', sni: false };
}
