// Wi-Fi exposure. The kernel (sysfs) says whether WLAN hardware exists and its rfkill/oper
// state; `iw dev` adds each interface's mode and SSID. A missing tool never turns into an
// empty, "safe" list: whatever sysfs shows is reported, and `source` says what was missing.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Unavailable, WifiEvidence, WifiInterface } from '../../policies/evidence.js';
import { runCommand, stderrSummary } from '../run-command.js';
import { kernelShowsWlan, operStateOf, radioOf, readKernelWlan, type KernelWlanView } from './kernel-wlan.js';
import { parseIwDev, type IwInterface } from './parse-iw.js';
import { readBridges, readIpForwarding } from './forwarding.js';
import { collectNetworkManager, type NetworkManagerView } from './networkmanager.js';
import { bounded } from './redact.js';
import { collectWindowsWifi } from './windows.js';
import { apDaemonRunning, readWiredInterfaces } from './wired.js';

export interface WifiCollectOptions {
  sysRoot?: string;
  procRoot?: string;
  platform?: NodeJS.Platform;
  /** Environment of the tools (tests put fake `iw` on PATH). */
  env?: NodeJS.ProcessEnv;
}

const TOOL_TIMEOUT_MS = 5000;
const TOOL_MAX_OUTPUT = 1024 * 1024;

export async function collectWifi(options: WifiCollectOptions = {}): Promise<WifiEvidence | Unavailable> {
  const platform = options.platform ?? process.platform;
  if (platform === 'win32') return collectWindowsWifi(options.env ?? process.env);
  if (platform !== 'linux') return { unavailable: `Wi-Fi collection is implemented for Linux and Windows only (this host: ${platform})` };
  const sysRoot = options.sysRoot ?? '/sys';
  if (!sysfsUsable(sysRoot)) return { unavailable: `sysfs not readable at ${join(sysRoot, 'class/net')}: cannot tell whether WLAN hardware exists` };

  const procRoot = options.procRoot ?? '/proc';
  const routing = { ip_forwarding: readIpForwarding(procRoot), bridges: readBridges(sysRoot), wired_interfaces: readWiredInterfaces(sysRoot) };
  const view = readKernelWlan(sysRoot);
  if (!kernelShowsWlan(view)) {
    return {
      source: 'kernel sysfs: no ieee80211 phy, no wireless interface in class/net, no wlan rfkill switch',
      hardware_present: false,
      interfaces: [],
      ...routing,
    };
  }
  const env = options.env ?? process.env;
  const [iw, nm] = await Promise.all([runIwDev(env), collectNetworkManager(env)]);
  const merged = mergeWifiViews(view, iw);
  applyNetworkManager(merged, nm);
  const hotspot = {
    // An AP-mode profile active on a device is a NetworkManager hotspot; unknown without nmcli.
    hotspot_active: 'unavailable' in nm.profiles ? null : [...nm.active.values()].some((p) => p.mode === 'ap'),
    ap_daemon_running: apDaemonRunning(procRoot),
  };
  return { ...merged, profiles: nm.profiles, visible_networks: nm.visible, hotspot, ...routing };
}

type IwResult = { interfaces: IwInterface[] } | { missing: string };

async function runIwDev(env: NodeJS.ProcessEnv): Promise<IwResult> {
  const run = await runCommand('iw', ['dev'], { timeoutMs: TOOL_TIMEOUT_MS, maxOutputBytes: TOOL_MAX_OUTPUT, env: { ...env, LC_ALL: 'C' } });
  if (!run.ok) return { missing: run.reason };
  if (run.code !== 0) return { missing: `iw dev failed: ${stderrSummary(run.stderr) || `exit ${run.code}`}` };
  try {
    return { interfaces: parseIwDev(run.stdout) };
  } catch (error) {
    return { missing: `iw dev output not understood: ${(error as Error).message}` };
  }
}

/** Kernel interfaces, enriched by iw where iw knows them. Pure. */
export function mergeWifiViews(view: KernelWlanView, iw: IwResult): WifiEvidence {
  const byName = new Map<string, IwInterface>('interfaces' in iw ? iw.interfaces.map((i) => [i.name, i]) : []);
  const interfaces: WifiInterface[] = view.interfaces.map((kernel) => {
    const seen = byName.get(kernel.name);
    return {
      name: bounded(kernel.name, 64),
      driver: kernel.driver ? bounded(kernel.driver, 128) : null,
      radio: radioOf(kernel, view),
      oper_state: operStateOf(kernel.operstate),
      mode: seen?.mode ?? 'unknown',
      connection: seen?.ssid ? { ssid: seen.ssid, key_management: null, cipher: null } : null,
    };
  });
  // iw may know interfaces sysfs did not list (e.g. a P2P device): report them too.
  for (const extra of 'interfaces' in iw ? iw.interfaces : []) {
    if (interfaces.some((i) => i.name === extra.name) || interfaces.length >= 32) continue;
    interfaces.push({
      name: extra.name,
      driver: null,
      radio: radioOf({ name: extra.name, phy: extra.phy, driver: null, operstate: null }, view),
      oper_state: 'unknown',
      mode: extra.mode,
      connection: extra.ssid ? { ssid: extra.ssid, key_management: null, cipher: null } : null,
    });
  }
  const kernelPart = `kernel sysfs: ${view.phys.length} phy, ${view.interfaces.length} WLAN interface(s), ${view.rfkill.length} wlan rfkill`;
  const toolPart = 'interfaces' in iw ? 'iw dev: mode and SSID' : `iw unusable (${iw.missing}): mode and association unknown`;
  return { source: bounded(`${kernelPart}; ${toolPart}`, 200), hardware_present: true, interfaces: interfaces.slice(0, 32) };
}

function sysfsUsable(sysRoot: string): boolean {
  try {
    return existsSync(join(sysRoot, 'class/net')) && readdirSync(join(sysRoot, 'class/net')).length > 0;
  } catch {
    return false;
  }
}

/** Fills what iw cannot say from NetworkManager: mode of AP/ad-hoc profiles, key management. Pure. */
export function applyNetworkManager(evidence: WifiEvidence, nm: NetworkManagerView): void {
  for (const iface of evidence.interfaces) {
    const active = nm.active.get(iface.name);
    if (!active) continue;
    if (iface.mode === 'unknown') iface.mode = active.mode;
    if (active.mode === 'managed' && iface.connection === null) {
      iface.connection = { ssid: active.ssid, key_management: active.key_management, cipher: active.cipher };
    } else if (iface.connection && iface.connection.ssid === active.ssid) {
      iface.connection.key_management = active.key_management;
      iface.connection.cipher = active.cipher;
    }
  }
  evidence.source = bounded(`${evidence.source}; ${nm.summary}`, 200);
}
