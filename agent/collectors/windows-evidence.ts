// The Windows collectors of issue 19, run together and merged into the sections they fill, as
// linux-evidence.ts does for Linux: network (DNS servers, firewall, SMBv1, proxy policy, browser
// DoH), wifi (IP forwarding, bridges, wired links, ICS), mfa (local administrators) and system
// (OS build, time service, pending updates, BitLocker).
// Each is one PowerShell script (its constant lives beside its parser) run through `runner`;
// a failed, refused or unreadable one becomes `{unavailable: reason}` for its own field only.
// What the Windows agent does not read yet is said so, field by field, never left to look like
// an older agent: remote-control inventory, log forwarding (Windows Event Forwarding), VPN profiles.
import type { Evidence, MfaEvidence, NetworkEvidence, ProxyDns, SystemEvidence, Unavailable, WifiEvidence } from '../../policies/evidence.js';
import { isUnavailable } from '../../policies/evidence.js';
import { NOT_READ_ON_WINDOWS } from '../../policies/agent-coverage.js';
import { parseWindowsAdmins, WINDOWS_ADMINS_SCRIPT } from './parse-windows-admins.js';
import { parseWindowsBitLocker, WINDOWS_BITLOCKER_SCRIPT } from './parse-windows-bitlocker.js';
import { parseWindowsFirewall, WINDOWS_FIREWALL_SCRIPT } from './parse-windows-firewall.js';
import { parseWindowsOs, WINDOWS_OS_SCRIPT } from './parse-windows-os.js';
import { parseWindowsProxy, WINDOWS_PROXY_SCRIPT, type WindowsProxy } from './parse-windows-proxy.js';
import { parseWindowsRouting, WINDOWS_ROUTING_SCRIPT, type WindowsRouting } from './parse-windows-routing.js';
import { parseWindowsSmb1, WINDOWS_SMB1_SCRIPT } from './parse-windows-smb1.js';
import { parseWindowsTime, WINDOWS_TIME_SCRIPT } from './parse-windows-time.js';
import { parseWindowsUpdates, WINDOWS_UPDATES_SCRIPT } from './parse-windows-updates.js';
import { bounded, stripProxyCredentials } from './redact.js';
import { runTool } from './windows.js';

/** Runs one PowerShell script and returns its standard output; throws with a reason on failure. */
export type PowerShellRunner = (script: string) => Promise<string>;

/** The Windows Update search asks the update service (WSUS or Microsoft): it takes longer than a cmdlet. */
const UPDATE_SEARCH_TIMEOUT_MS = 180_000;

export function powerShellRunner(env: NodeJS.ProcessEnv = process.env): PowerShellRunner {
  return (script) =>
    runTool('powershell', ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', script], env, script === WINDOWS_UPDATES_SCRIPT ? UPDATE_SEARCH_TIMEOUT_MS : undefined);
}

/** The scripts the Windows agent runs, by what they read (tests replay fixtures by script). */
export const WINDOWS_SCRIPTS = {
  firewall: WINDOWS_FIREWALL_SCRIPT,
  smb1: WINDOWS_SMB1_SCRIPT,
  proxy: WINDOWS_PROXY_SCRIPT,
  admins: WINDOWS_ADMINS_SCRIPT,
  os: WINDOWS_OS_SCRIPT,
  time: WINDOWS_TIME_SCRIPT,
  updates: WINDOWS_UPDATES_SCRIPT,
  bitlocker: WINDOWS_BITLOCKER_SCRIPT,
  routing: WINDOWS_ROUTING_SCRIPT,
} as const;

export { NOT_READ_ON_WINDOWS } from '../../policies/agent-coverage.js';

async function read<T>(runner: PowerShellRunner, script: string, parse: (text: string) => T): Promise<T | Unavailable> {
  try {
    return parse(await runner(script));
  } catch (error) {
    return { unavailable: bounded((error as Error).message || 'unknown error', 500) };
  }
}

/** The agent's own proxy environment (a service rarely has one) and the DNS client's servers. */
function proxyDns(env: NodeJS.ProcessEnv, routing: WindowsRouting): ProxyDns {
  const proxy = (name: string): string | null => {
    const value = env[name] ?? env[name.toLowerCase()];
    return value ? stripProxyCredentials(value).slice(0, 512) : null;
  };
  // The Windows DNS client speaks DNS-over-HTTPS (Windows 11) but has no DNS-over-TLS.
  return { env_proxy: { http: proxy('HTTP_PROXY'), https: proxy('HTTPS_PROXY'), no_proxy: proxy('NO_PROXY') }, resolvers: routing.resolvers, dns_over_tls: false };
}

/**
 * Routing fields join the Wi-Fi section. netsh fails where the WLAN AutoConfig service is not
 * running (the default on Windows Server): when Get-NetAdapter lists no 802.11 adapter at all,
 * that is itself the proof of no Wi-Fi hardware, and the routing facts are kept with it.
 */
function withRouting(wifi: WifiEvidence | Unavailable, routing: WindowsRouting | Unavailable): WifiEvidence | Unavailable {
  if (isUnavailable(routing)) return isUnavailable(wifi) ? wifi : { ...wifi, ip_forwarding: routing, bridges: routing, wired_interfaces: routing, connection_sharing: routing };
  const facts = {
    ip_forwarding: routing.ip_forwarding,
    bridges: routing.bridges,
    wired_interfaces: routing.wired_interfaces,
    connection_sharing: routing.connection_sharing ?? { unavailable: 'Internet Connection Sharing state unreadable (HNetCfg.HNetShare)' },
  };
  if (!isUnavailable(wifi)) return { ...wifi, ...facts };
  if (routing.wlan_adapters > 0) return wifi;
  return { source: bounded(`Get-NetAdapter: no 802.11 adapter (netsh: ${wifi.unavailable})`, 200), hardware_present: false, interfaces: [], ...facts };
}

export async function addWindowsEvidence(evidence: Evidence, runner: PowerShellRunner, env: NodeJS.ProcessEnv = process.env): Promise<Evidence> {
  // One after the other: each starts a PowerShell process, and a workstation must stay usable.
  const firewall = await read(runner, WINDOWS_SCRIPTS.firewall, parseWindowsFirewall);
  const smb1 = await read(runner, WINDOWS_SCRIPTS.smb1, parseWindowsSmb1);
  const proxy: WindowsProxy | Unavailable = await read(runner, WINDOWS_SCRIPTS.proxy, parseWindowsProxy);
  const local_admins = await read(runner, WINDOWS_SCRIPTS.admins, parseWindowsAdmins);
  const os = await read(runner, WINDOWS_SCRIPTS.os, parseWindowsOs);
  const time_sync = await read(runner, WINDOWS_SCRIPTS.time, parseWindowsTime);
  const updates = await read(runner, WINDOWS_SCRIPTS.updates, parseWindowsUpdates);
  const disk_encryption = await read(runner, WINDOWS_SCRIPTS.bitlocker, parseWindowsBitLocker);
  const routing = await read(runner, WINDOWS_SCRIPTS.routing, parseWindowsRouting);

  const network: NetworkEvidence | Unavailable = isUnavailable(evidence.network)
    ? evidence.network
    : {
        ...evidence.network,
        proxy_dns: isUnavailable(routing) ? routing : proxyDns(env, routing),
        firewall,
        smb1,
        proxy_policy: isUnavailable(proxy) ? proxy : proxy.proxy_policy,
        browser_doh: isUnavailable(proxy) ? proxy : proxy.browser_doh,
        remote_control: { unavailable: NOT_READ_ON_WINDOWS.remote_control },
      };
  const wifi = withRouting(evidence.wifi, routing);
  const mfa: MfaEvidence | Unavailable = isUnavailable(evidence.mfa) ? evidence.mfa : { ...evidence.mfa, local_admins };
  const system: SystemEvidence = {
    os,
    time_sync,
    log_forwarding: { unavailable: NOT_READ_ON_WINDOWS.log_forwarding },
    updates,
    disk_encryption,
    vpn_profiles: { unavailable: NOT_READ_ON_WINDOWS.vpn_profiles },
  };
  return { ...evidence, network, wifi, mfa, system };
}
