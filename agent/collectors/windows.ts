// Windows collectors: each runs one built-in tool through runCommand and hands its output to a
// pure parser. Outputs are expected in English; any other layout gives `unavailable`.
import type { LockoutPolicy, Unavailable, WifiEvidence, WifiProfile, WindowsLogon } from '../../policies/evidence.js';
import { runCommand, stderrSummary } from '../run-command.js';
import { parseDsregcmdStatus } from './parse-dsregcmd.js';
import { parseNetAccounts } from './parse-net-accounts.js';
import { parseNetshInterfaces, parseNetshProfile, parseNetshProfileNames } from './parse-netsh-wlan.js';
import { bounded } from './redact.js';

const TIMEOUT_MS = 10_000;
const MAX_OUTPUT = 1024 * 1024;
const MAX_PROFILES = 64;

/** Runs a tool and returns its stdout; throws with a reason on any failure. */
export async function runTool(file: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const result = await runCommand(file, args, { timeoutMs: TIMEOUT_MS, maxOutputBytes: MAX_OUTPUT, env });
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

export async function collectWindowsLockout(env: NodeJS.ProcessEnv = process.env): Promise<LockoutPolicy | Unavailable> {
  try {
    return parseNetAccounts(await runTool('net', ['accounts'], env));
  } catch (error) {
    return unavailable(error);
  }
}
