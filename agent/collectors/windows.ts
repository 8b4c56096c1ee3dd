// Windows collectors: each runs one built-in tool through runCommand and hands its output to a
// pure parser. Outputs are expected in English; any other layout gives `unavailable`.
import type { LockoutPolicy, Unavailable, WifiEvidence, WifiProfile, WindowsLogon, WindowsLogonPolicy } from '../../policies/evidence.js';
import { runCommand, stderrSummary } from '../run-command.js';
import { parseDsregcmdStatus } from './parse-dsregcmd.js';
import { parseNetAccounts } from './parse-net-accounts.js';
import { parseNetshInterfaces, parseNetshProfile, parseNetshProfileNames } from './parse-netsh-wlan.js';
import { dwordFlag, parseRegQueryValue, type RegValue } from './parse-reg-query.js';
import { bounded } from './redact.js';

const TIMEOUT_MS = 10_000;
const MAX_OUTPUT = 1024 * 1024;
const MAX_PROFILES = 64;

/** Runs a tool and returns its stdout; throws with a reason on any failure. */
export async function runTool(file: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = TIMEOUT_MS): Promise<string> {
  const result = await runCommand(file, args, { timeoutMs, maxOutputBytes: MAX_OUTPUT, env });
  if (!result.ok) throw new Error(result.reason);
  // netsh and net print their errors on stdout; keep both for the reason.
  if (result.code !== 0) throw new Error(`${file} ${args.join(' ').slice(0, 60)} failed (exit ${result.code}): ${stderrSummary(`${result.stderr}\n${result.stdout}`) || 'no message'}`);
  return result.stdout;
}

function unavailable(error: unknown): Unavailable {
  return { unavailable: bounded((error as Error).message || 'unknown error', 500) };
}

export async function collectWindowsWifi(env: NodeJS.ProcessEnv = process.env): Promise<WifiEvidence | Unavailable> {
  let view;
  try {
    view = parseNetshInterfaces(await runTool('netsh', ['wlan', 'show', 'interfaces'], env));
  } catch (error) {
    return unavailable(error);
  }
  if (!view.hardware_present) return { source: 'netsh wlan show interfaces: no wireless interface on the system', hardware_present: false, interfaces: [] };
  let profiles: WifiProfile[] | Unavailable;
  try {
    const names = parseNetshProfileNames(await runTool('netsh', ['wlan', 'show', 'profiles'], env));
    if (names.length > MAX_PROFILES) throw new Error(`more than ${MAX_PROFILES} saved Wi-Fi profiles`);
    profiles = [];
    // Never `key=clear`: the key would be printed.
    for (const name of names) profiles.push(parseNetshProfile(await runTool('netsh', ['wlan', 'show', 'profile', `name=${name}`], env)));
  } catch (error) {
    profiles = unavailable(error);
  }
  return {
    source: bounded(`netsh wlan show interfaces/profiles; hosted network: ${view.hosted_network ?? 'not reported'}`, 200),
    hardware_present: true,
    interfaces: view.interfaces.slice(0, 32),
    profiles,
    // The legacy hosted network is visible here; Mobile Hotspot is not: only "Started" is a fact.
    hotspot: { hotspot_active: view.hosted_network === 'Started' ? true : null, ap_daemon_running: null },
  };
}

export async function collectWindowsLogon(env: NodeJS.ProcessEnv = process.env): Promise<WindowsLogon | Unavailable> {
  try {
    return parseDsregcmdStatus(await runTool('dsregcmd', ['/status'], env));
  } catch (error) {
    return unavailable(error);
  }
}

const POLICIES_SYSTEM = 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System';
const PASSPORT_FOR_WORK = 'HKLM\\SOFTWARE\\Policies\\Microsoft\\PassportForWork';

/** One registry value; `reg` exits 1 when it is not set, which parseRegQueryValue reads as null. */
async function regValue(key: string, name: string, env: NodeJS.ProcessEnv): Promise<RegValue> {
  const result = await runCommand('reg', ['query', key, '/v', name], { timeoutMs: TIMEOUT_MS, maxOutputBytes: 64 * 1024, env });
  if (!result.ok) throw new Error(result.reason);
  const text = `${result.stdout}\n${result.stderr}`;
  if (result.code !== 0 && !/unable to find/i.test(text)) throw new Error(`reg query ${name} failed (exit ${result.code}): ${stderrSummary(text) || 'no message'}`);
  return parseRegQueryValue(text, name);
}

/**
 * Smart-card enforcement and the Windows Hello for Business group policy. `scforceoption` not
 * set is Windows' default: not enforced (false). PassportForWork not set by group policy may
 * still be set by MDM: null (unknown). Logon events are not read here: `logons` is null.
 */
export async function collectWindowsLogonPolicy(env: NodeJS.ProcessEnv = process.env): Promise<WindowsLogonPolicy | Unavailable> {
  try {
    const sc = await regValue(POLICIES_SYSTEM, 'scforceoption', env);
    const enabled = await regValue(PASSPORT_FOR_WORK, 'Enabled', env);
    const device = await regValue(PASSPORT_FOR_WORK, 'RequireSecurityDevice', env);
    return {
      passport_for_work_enabled: dwordFlag(enabled, 'PassportForWork Enabled'),
      require_security_device: dwordFlag(device, 'PassportForWork RequireSecurityDevice'),
      scforceoption: dwordFlag(sc, 'scforceoption') ?? false,
      logons: null,
    };
  } catch (error) {
    return unavailable(error);
  }
}

export async function collectWindowsLockout(env: NodeJS.ProcessEnv = process.env): Promise<LockoutPolicy | Unavailable> {
  try {
    return parseNetAccounts(await runTool('net', ['accounts'], env));
  } catch (error) {
    return unavailable(error);
  }
}
