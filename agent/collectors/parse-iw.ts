// Pure parser of `iw dev`: which WLAN interfaces exist, their mode ("type") and, when
// associated, the SSID. Example:
//   phy#0
//   	Interface wlp2s0
//   		ifindex 3
//   		addr 12:34:56:78:9a:bc
//   		ssid Hopital-Pro
//   		type managed
//   		channel 36 (5180 MHz), width: 80 MHz, center1: 5210 MHz
import type { WifiInterface } from '../../policies/evidence.js';

export interface IwInterface {
  name: string;
  phy: string | null;
  mode: WifiInterface['mode'];
  ssid: string | null;
}

const MODES: Record<string, WifiInterface['mode']> = {
  managed: 'managed',
  ap: 'ap',
  'ap/vlan': 'ap',
  ibss: 'ibss',
  'p2p-go': 'p2p-go',
  'p2p-client': 'p2p-client',
  'p2p-device': 'other',
  monitor: 'monitor',
  mesh: 'other',
  'mesh point': 'other',
  ocb: 'other',
  nan: 'other',
};

const MAX_LINES = 20_000;

export function parseIwDev(text: string): IwInterface[] {
  const lines = text.split('\n');
  if (lines.length > MAX_LINES) throw new Error('iw dev output too long');
  const interfaces: IwInterface[] = [];
  let phy: string | null = null;
  let current: IwInterface | null = null;
  for (const raw of lines) {
    const line = raw.trim();
    const phyMatch = /^phy#(\d+)$/.exec(line);
    if (phyMatch) {
      phy = `phy${phyMatch[1]}`;
      current = null;
      continue;
    }
    const ifaceMatch = /^Interface\s+(\S+)$/.exec(line);
    if (ifaceMatch?.[1]) {
      current = { name: ifaceMatch[1].slice(0, 64), phy, mode: 'unknown', ssid: null };
      interfaces.push(current);
      continue;
    }
    if (!current) continue;
    const ssidMatch = /^ssid\s+(.+)$/.exec(line);
    if (ssidMatch?.[1]) current.ssid = ssidMatch[1].slice(0, 64);
    const typeMatch = /^type\s+(.+)$/.exec(line);
    if (typeMatch?.[1]) current.mode = MODES[typeMatch[1].toLowerCase()] ?? 'other';
  }
  if (interfaces.length > 32) throw new Error(`iw dev lists ${interfaces.length} interfaces (more than 32)`);
  return interfaces;
}
