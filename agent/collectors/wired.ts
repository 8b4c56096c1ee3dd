// Wired links from sysfs: physical (has a `device`), Ethernet type (1), not wireless. With a
// Wi-Fi association, a wired link that is up is what could bridge Wi-Fi to the LAN (WIFI-06).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Unavailable, WiredInterface } from '../../policies/evidence.js';
import { operStateOf } from './kernel-wlan.js';

export function readWiredInterfaces(sysRoot: string): WiredInterface[] | Unavailable {
  let names: string[];
  try {
    names = readdirSync(join(sysRoot, 'class/net')).sort();
  } catch (error) {
    return { unavailable: `cannot list network interfaces: ${(error as Error).message}`.slice(0, 500) };
  }
  const wired: WiredInterface[] = [];
  for (const name of names) {
    const dir = join(sysRoot, 'class/net', name);
    if (!existsSync(join(dir, 'device')) || existsSync(join(dir, 'wireless')) || existsSync(join(dir, 'phy80211'))) continue;
    if (read(join(dir, 'type')) !== '1') continue;
    if (wired.length >= 64) return { unavailable: 'more than 64 wired interfaces' };
    wired.push({ name: name.slice(0, 64), oper_state: operStateOf(read(join(dir, 'operstate'))) });
  }
  return wired;
}

/** Whether an access-point daemon runs (hostapd, create_ap), from /proc/<pid>/comm. */
export function apDaemonRunning(procRoot: string): boolean | null {
  let entries: string[];
  try {
    entries = readdirSync(procRoot);
  } catch {
    return null;
  }
  for (const pid of entries.filter((e) => /^\d+$/.test(e)).slice(0, 100_000)) {
    const comm = read(join(procRoot, pid, 'comm'));
    if (comm === 'hostapd' || comm === 'create_ap') return true;
  }
  return false;
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}
