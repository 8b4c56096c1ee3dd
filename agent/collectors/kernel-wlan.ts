// The kernel's own view of WLAN hardware, read from sysfs: it needs no tool (iw, nmcli) and
// cannot be fooled by a missing one. The sysfs root is a parameter so tests can build a fake one.
//   /sys/class/ieee80211/<phy>/              one per WLAN radio (phy0...), with rfkill<N>/ inside
//   /sys/class/net/<if>/wireless|phy80211    marks a WLAN network interface
//   /sys/class/net/<if>/operstate            up | down | dormant | lowerlayerdown | unknown ...
//   /sys/class/net/<if>/device/driver        symlink to the driver (its basename is the name)
//   /sys/class/rfkill/rfkill<N>/{type,soft,hard,name}   type "wlan"; soft/hard "1" = blocked
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';

export interface KernelRfkill {
  id: string;
  /** The phy this switch belongs to, when sysfs links it (ieee80211/<phy>/rfkill<N>). */
  phy: string | null;
  soft_blocked: boolean;
  hard_blocked: boolean;
}

export interface KernelWlanInterface {
  name: string;
  phy: string | null;
  driver: string | null;
  operstate: string | null;
}

export interface KernelWlanView {
  phys: string[];
  interfaces: KernelWlanInterface[];
  rfkill: KernelRfkill[];
}

const MAX_ENTRIES = 256;

export function readKernelWlan(sysRoot: string): KernelWlanView {
  const phys = list(join(sysRoot, 'class/ieee80211'));
  const phyOfRfkill = new Map<string, string>();
  for (const phy of phys) {
    for (const entry of list(join(sysRoot, 'class/ieee80211', phy))) {
      if (/^rfkill\d+$/.test(entry)) phyOfRfkill.set(entry, phy);
    }
  }
  const rfkill: KernelRfkill[] = [];
  for (const id of list(join(sysRoot, 'class/rfkill'))) {
    const dir = join(sysRoot, 'class/rfkill', id);
    if (read(join(dir, 'type')) !== 'wlan') continue;
    rfkill.push({
      id,
      phy: phyOfRfkill.get(id) ?? linkBase(join(dir, 'device')),
      soft_blocked: read(join(dir, 'soft')) === '1',
      hard_blocked: read(join(dir, 'hard')) === '1',
    });
  }
  const interfaces: KernelWlanInterface[] = [];
  for (const name of list(join(sysRoot, 'class/net'))) {
    const dir = join(sysRoot, 'class/net', name);
    const isWlan = existsSync(join(dir, 'wireless')) || existsSync(join(dir, 'phy80211'));
    if (!isWlan) continue;
    interfaces.push({
      name,
      phy: linkBase(join(dir, 'phy80211')),
      driver: linkBase(join(dir, 'device/driver')),
      operstate: read(join(dir, 'operstate')),
    });
  }
  return { phys, interfaces, rfkill };
}

export function kernelShowsWlan(view: KernelWlanView): boolean {
  return view.phys.length > 0 || view.interfaces.length > 0 || view.rfkill.length > 0;
}

/** Radio state of one interface: off if any of its phy's rfkill switches blocks it. */
export function radioOf(iface: KernelWlanInterface, view: KernelWlanView): 'on' | 'off' | 'unknown' {
  // Without a phy link, a single radio on the host is unambiguous; several are not.
  const phy = iface.phy ?? (view.phys.length === 1 ? (view.phys[0] ?? null) : null);
  const switches = view.rfkill.filter((r) => r.phy !== null && r.phy === phy);
  const relevant = switches.length > 0 ? switches : view.rfkill.length === 1 && view.interfaces.length === 1 ? view.rfkill : [];
  if (relevant.length === 0) return 'unknown';
  return relevant.some((r) => r.soft_blocked || r.hard_blocked) ? 'off' : 'on';
}

export function operStateOf(operstate: string | null): 'up' | 'down' | 'unknown' {
  if (operstate === 'up') return 'up';
  // dormant: administratively up but not associated; the link carries no traffic.
  if (operstate === 'down' || operstate === 'dormant' || operstate === 'lowerlayerdown' || operstate === 'notpresent') return 'down';
  return 'unknown';
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir).sort().slice(0, MAX_ENTRIES);
  } catch {
    return [];
  }
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim().slice(0, 128);
  } catch {
    return null;
  }
}

function linkBase(path: string): string | null {
  try {
    return basename(readlinkSync(path));
  } catch {
    return null;
  }
}
