// NetworkManager's view of Wi-Fi through nmcli: saved profiles (security, auto-connect, AP
// mode), the last scan, and which profile each device uses. Every call through runCommand.
import type { Unavailable, VisibleNetwork, WifiProfile } from '../../policies/evidence.js';
import { runCommand, stderrSummary } from '../run-command.js';
import {
  isWifiConnectionType,
  parseNmcliConnections,
  parseNmcliDevices,
  parseNmcliProperties,
  parseNmcliWifiList,
  wifiProfileFrom,
} from './parse-nmcli.js';
import { bounded } from './redact.js';

export interface NetworkManagerView {
  profiles: WifiProfile[] | Unavailable;
  visible: VisibleNetwork[] | Unavailable;
  /** Device name -> the Wi-Fi profile active on it. */
  active: Map<string, WifiProfile>;
  /** For the evidence's `source`. */
  summary: string;
}

const TIMEOUT_MS = 5000;
const MAX_OUTPUT = 1024 * 1024;
const MAX_PROFILES = 64;

export async function collectNetworkManager(env: NodeJS.ProcessEnv): Promise<NetworkManagerView> {
  const run = async (args: string[]): Promise<string> => {
    const result = await runCommand('nmcli', args, { timeoutMs: TIMEOUT_MS, maxOutputBytes: MAX_OUTPUT, env: { ...env, LC_ALL: 'C' } });
    if (!result.ok) throw new Error(result.reason);
    if (result.code !== 0) throw new Error(`nmcli ${args.slice(-2).join(' ')} failed: ${stderrSummary(result.stderr) || `exit ${result.code}`}`);
    return result.stdout;
  };
  const unavailable = (error: unknown): Unavailable => ({ unavailable: bounded((error as Error).message, 500) });

  let profiles: WifiProfile[] | Unavailable;
  const byName = new Map<string, WifiProfile>();
  try {
    const wifi = parseNmcliConnections(await run(['-t', '-e', 'yes', '-f', 'NAME,UUID,TYPE,AUTOCONNECT', 'connection', 'show'])).filter((c) => isWifiConnectionType(c.type));
    if (wifi.length > MAX_PROFILES) throw new Error(`more than ${MAX_PROFILES} saved Wi-Fi profiles`);
    profiles = [];
    for (const connection of wifi) {
      // No --show-secrets: nmcli prints keys as hidden, and wifiProfileFrom reads none anyway.
      const profile = wifiProfileFrom(parseNmcliProperties(await run(['-t', '-e', 'yes', 'connection', 'show', connection.uuid])));
      profiles.push(profile);
      if (!byName.has(connection.name)) byName.set(connection.name, profile);
    }
  } catch (error) {
    profiles = unavailable(error);
  }

  let visible: VisibleNetwork[] | Unavailable;
  try {
    // --rescan no: report the last scan; never make the radio scan on the agent's behalf.
    visible = parseNmcliWifiList(await run(['-t', '-e', 'yes', '-f', 'IN-USE,SSID,SECURITY', 'device', 'wifi', 'list', '--rescan', 'no']));
  } catch (error) {
    visible = unavailable(error);
  }

  const active = new Map<string, WifiProfile>();
  try {
    for (const device of parseNmcliDevices(await run(['-t', '-e', 'yes', '-f', 'DEVICE,TYPE,STATE,CONNECTION', 'device']))) {
      const profile = device.connection ? byName.get(device.connection) : undefined;
      if (device.type === 'wifi' && profile && /^connected/.test(device.state)) active.set(device.device, profile);
    }
  } catch {
    // Without the device list, interfaces keep what iw and sysfs said.
  }

  const summary = 'unavailable' in profiles ? `nmcli unusable (${profiles.unavailable.slice(0, 60)})` : `nmcli: ${profiles.length} Wi-Fi profile(s)`;
  return { profiles, visible, active, summary };
}
