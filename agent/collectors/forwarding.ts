// Routing between interfaces: IP forwarding switches (procfs) and bridge devices (sysfs).
// A host that forwards or bridges can join a Wi-Fi network to the internal LAN (WIFI-06, ADM-02).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Unavailable, WifiEvidence } from '../../policies/evidence.js';

type Forwarding = Exclude<NonNullable<WifiEvidence['ip_forwarding']>, Unavailable>;
type Bridges = Exclude<NonNullable<WifiEvidence['bridges']>, Unavailable>;

export function readIpForwarding(procRoot: string): Forwarding | Unavailable {
  const flag = (path: string): boolean | null => {
    try {
      const value = readFileSync(join(procRoot, path), 'utf8').trim();
      if (value !== '0' && value !== '1') throw new Error(`unexpected value "${value.slice(0, 20)}" in ${path}`);
      return value === '1';
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  };
  try {
    const ipv4 = flag('sys/net/ipv4/ip_forward');
    if (ipv4 === null) return { unavailable: `${join(procRoot, 'sys/net/ipv4/ip_forward')} not found` };
    // Absent when IPv6 is disabled in the kernel: then nothing is forwarded over IPv6 either, but say null.
    return { ipv4, ipv6: flag('sys/net/ipv6/conf/all/forwarding') };
  } catch (error) {
    return { unavailable: `cannot read IP forwarding: ${(error as Error).message}`.slice(0, 500) };
  }
}

export function readBridges(sysRoot: string): Bridges | Unavailable {
  let names: string[];
  try {
    names = readdirSync(join(sysRoot, 'class/net')).sort();
  } catch (error) {
    return { unavailable: `cannot list network interfaces: ${(error as Error).message}`.slice(0, 500) };
  }
  const bridges: Bridges = [];
  for (const name of names) {
    if (!existsSync(join(sysRoot, 'class/net', name, 'bridge'))) continue;
    let members: string[] = [];
    try {
      members = readdirSync(join(sysRoot, 'class/net', name, 'brif')).sort().slice(0, 64);
    } catch {
      members = [];
    }
    if (bridges.length >= 32) return { unavailable: 'more than 32 bridge interfaces' };
    bridges.push({ name: name.slice(0, 64), members: members.map((m) => m.slice(0, 64)) });
  }
  return bridges;
}
