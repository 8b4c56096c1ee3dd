// The Windows collectors of issue 19, run together and merged into the sections they fill, as
// linux-evidence.ts does for Linux: network (DNS servers, firewall, SMBv1, proxy policy, browser
// DoH, remote-control tools), wifi (IP forwarding, bridges, wired links, ICS), mfa (local
// administrators, password policy, remote entry points, second factors) and system (OS build, time
// service, log forwarding, pending updates, BitLocker, VPN profiles).
// Each is one PowerShell script (its constant lives beside its parser) run through `runner`;
// a failed, refused or unreadable one becomes `{unavailable: reason}` for its own field only.
import type { Evidence, MfaEvidence, NetworkEvidence, ProxyDns, RemoteEntryPoint, SecondFactorPolicy, SystemEvidence, Unavailable, WifiEvidence, WindowsLogonPolicy } from '../../policies/evidence.js';
import { isUnavailable } from '../../policies/evidence.js';
import { sshEntryPoints } from './access-paths.js';
import { parseWindowsEntryPoints, sshdServiceActive, windowsEntryPoints, WINDOWS_ENTRY_POINTS_SCRIPT, type WindowsEntryPoints } from './parse-windows-entry-points.js';
import { parseWindowsLogForwarding, WINDOWS_LOG_FORWARDING_SCRIPT } from './parse-windows-log-forwarding.js';
import { parseWindowsPasswordPolicy, WINDOWS_PASSWORD_POLICY_SCRIPT } from './parse-windows-password-policy.js';
import { parseWindowsRemoteControl, WINDOWS_REMOTE_CONTROL_SCRIPT } from './parse-windows-remote-control.js';
import { parseWindowsVpn, WINDOWS_VPN_SCRIPT } from './parse-windows-vpn.js';
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
  passwordPolicy: WINDOWS_PASSWORD_POLICY_SCRIPT,
  entryPoints: WINDOWS_ENTRY_POINTS_SCRIPT,
  remoteControl: WINDOWS_REMOTE_CONTROL_SCRIPT,
  logForwarding: WINDOWS_LOG_FORWARDING_SCRIPT,
  vpn: WINDOWS_VPN_SCRIPT,
} as const;

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

/** Second factors the host's logon policy enforces (AUTH-05): smart card, Windows Hello for Business. */
function windowsSecondFactors(policy: WindowsLogonPolicy | Unavailable | undefined): SecondFactorPolicy[] | Unavailable {
  if (policy === undefined) return { unavailable: 'Windows logon policy not collected' };
  if (isUnavailable(policy)) return { unavailable: bounded(`Windows logon policy unreadable: ${policy.unavailable}`, 500) };
  const out: SecondFactorPolicy[] = [];
  if (policy.scforceoption === true) out.push({ population: 'users', context: 'Windows logon: smart card required (scforceoption)', factors: ['smartcard'] });
  if (policy.passport_for_work_enabled === true) out.push({ population: 'users', context: `Windows Hello for Business (PassportForWork policy${policy.require_security_device ? ', TPM required' : ''})`, factors: ['whfb'] });
  return out;
}

/** RDP, WinRM, RD Gateway and a running OpenSSH server (sshd -T, as on Linux). */
function remoteAccess(read: WindowsEntryPoints | Unavailable, mfa: MfaEvidence, adminNetworks: readonly string[]): RemoteEntryPoint[] | Unavailable {
  if (isUnavailable(read)) return read;
  const policy = mfa.windows_logon_policy;
  const smartCard = policy === undefined || isUnavailable(policy) ? null : policy.scforceoption;
  const entries = windowsEntryPoints(read, smartCard, adminNetworks);
  if (!sshdServiceActive(read)) return entries;
  const ssh = sshEntryPoints(mfa.sshd, undefined, adminNetworks);
  return isUnavailable(ssh) ? ssh : [...entries, ...ssh].slice(0, 64);
}

export interface WindowsEvidenceOptions {
  /** Admin networks (CIDRs): a WinRM or sshd listener bound only inside them is not a remote entry point. */
  adminNetworks?: readonly string[];
}

export async function addWindowsEvidence(evidence: Evidence, runner: PowerShellRunner, env: NodeJS.ProcessEnv = process.env, options: WindowsEvidenceOptions = {}): Promise<Evidence> {
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
  const password_policy = await read(runner, WINDOWS_SCRIPTS.passwordPolicy, parseWindowsPasswordPolicy);
  const entryPoints = await read(runner, WINDOWS_SCRIPTS.entryPoints, parseWindowsEntryPoints);
  const remote_control = await read(runner, WINDOWS_SCRIPTS.remoteControl, parseWindowsRemoteControl);
  const log_forwarding = await read(runner, WINDOWS_SCRIPTS.logForwarding, parseWindowsLogForwarding);
  const vpn_profiles = await read(runner, WINDOWS_SCRIPTS.vpn, parseWindowsVpn);

  const network: NetworkEvidence | Unavailable = isUnavailable(evidence.network)
    ? evidence.network
    : {
        ...evidence.network,
        proxy_dns: isUnavailable(routing) ? routing : proxyDns(env, routing),
        firewall,
        smb1,
        proxy_policy: isUnavailable(proxy) ? proxy : proxy.proxy_policy,
        browser_doh: isUnavailable(proxy) ? proxy : proxy.browser_doh,
        remote_control,
      };
  const wifi = withRouting(evidence.wifi, routing);
  const mfa: MfaEvidence | Unavailable = isUnavailable(evidence.mfa)
    ? evidence.mfa
    : {
        ...evidence.mfa,
        local_admins,
        password_policy,
        remote_access: remoteAccess(entryPoints, evidence.mfa, options.adminNetworks ?? []),
        second_factors: windowsSecondFactors(evidence.mfa.windows_logon_policy),
      };
  const system: SystemEvidence = {
    os,
    time_sync,
    log_forwarding,
    updates,
    disk_encryption,
    vpn_profiles,
  };
  return { ...evidence, network, wifi, mfa, system };
}
