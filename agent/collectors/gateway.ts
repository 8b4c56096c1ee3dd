// Telemaintenance gateway evidence on Linux (TMA-01..05): vendor accounts (members of the vendor
// groups: locked or not, expiry, last password change, last login), the tunnels the gateway
// terminates and their state, ingress accept rules (nftables), inbound connections accepted
// now, log forwarding and vendor sessions from wtmp. Privilege: /etc/shadow (CAP_DAC_READ_SEARCH),
// the nftables ruleset (CAP_NET_ADMIN), socket owners (CAP_SYS_PTRACE).
import { join } from 'node:path';
import type { InboundConnection, IngressRule, LogForwardTarget, SessionRecord, TelemaintenanceEvidence, Tunnel, Unavailable, VendorAccount } from '../../policies/evidence.js';
import { isUnavailable } from '../../policies/evidence.js';
import { runCommand } from '../run-command.js';
import { nftIngressAccepts } from './parse-nft.js';
import { isLocalOnlyAddress, STATE_ESTABLISHED, STATE_LISTEN } from './parse-proc-net.js';
import { groupMembers, parsePasswd, parseShadow } from './parse-shadow.js';
import { readSocketTable } from './socket-table.js';
import { messageOf, readOptional, runTool } from './tool.js';
import type { VpnState } from './vpn.js';

export const DEFAULT_VENDOR_GROUPS = ['vendors', 'telemaintenance'] as const;

export interface GatewayOptions {
  fsRoot?: string;
  procRoot?: string;
  vendorGroups?: readonly string[];
  nftBinary?: string;
  lastBinary?: string;
  now?: () => Date;
}

export async function collectGateway(vpns: VpnState[] | Unavailable, logs: LogForwardTarget[] | Unavailable, options: GatewayOptions = {}): Promise<TelemaintenanceEvidence> {
  const now = (options.now ?? (() => new Date()))();
  const accounts = await vendorAccounts(options, now);
  const vendorNames = isUnavailable(accounts) ? [] : accounts.map((a) => a.account);
  return {
    inbound: inboundNow(options.procRoot ?? '/proc', now),
    ingress_rules: await ingressRules(options),
    vendor_accounts: accounts,
    tunnels: tunnels(vpns),
    device_accounts: { unavailable: 'per-device access accounts are kept by the vendor access product, not in the gateway OS accounts: not observable by the agent' },
    log_forwarding: logForwarding(logs),
    sessions: await sessions(options, vendorNames),
  };
}

async function vendorAccounts(options: GatewayOptions, now: Date): Promise<VendorAccount[] | Unavailable> {
  const root = options.fsRoot ?? '/';
  try {
    const [passwdText, groupText] = await Promise.all([readOptional(root, 'etc/passwd'), readOptional(root, 'etc/group')]);
    if (passwdText === null || groupText === null) return { unavailable: 'no /etc/passwd or /etc/group' };
    const passwd = parsePasswd(passwdText);
    const groups = options.vendorGroups ?? DEFAULT_VENDOR_GROUPS;
    const members = new Set([...groupMembers(groupText, passwd, groups).values()].flat());
    if (members.size === 0) return [];
    const shadowText = await readOptional(root, 'etc/shadow');
    if (shadowText === null) return { unavailable: 'no /etc/shadow' };
    const shadow = new Map(parseShadow(shadowText).map((s) => [s.name, s]));
    const logons = await lastLogons(options, [...members]);
    return [...members].sort().slice(0, 256).map((name) => {
      const s = shadow.get(name);
      const expired = s?.expires_at ? s.expires_at.getTime() <= now.getTime() : false;
      const shell = passwd.find((p) => p.name === name)?.shell ?? '';
      const noShell = /\/(nologin|false)$/.test(shell);
      const enabled = s !== undefined && s.password !== 'locked' && s.password !== 'none' && !expired && !noShell;
      return {
        account: name,
        enabled,
        // Linux records no enable/disable time: the rules judge what they can from the rest.
        enabled_at: null,
        disabled_at: null,
        expires_at: s?.expires_at ? s.expires_at.toISOString() : null,
        password_changed_at: s?.last_change ? s.last_change.toISOString() : null,
        last_login_at: logons.get(name)?.[0]?.started_at ?? null,
      };
    });
  } catch (error) {
    return { unavailable: `vendor accounts unreadable (needs CAP_DAC_READ_SEARCH for /etc/shadow): ${messageOf(error)}` };
  }
}

interface Logon {
  started_at: string;
  ended_at: string | null;
  source: string;
}

/** `last -i -w --time-format iso -f wtmp USERS...`: each user's logons, newest first. */
async function lastLogons(options: GatewayOptions, users: string[]): Promise<Map<string, Logon[]>> {
  const result = new Map<string, Logon[]>();
  if (users.length === 0) return result;
  const run = await runCommand(options.lastBinary ?? 'last', ['-i', '-w', '--time-format', 'iso', '-f', join(options.fsRoot ?? '/', 'var/log/wtmp'), ...users.slice(0, 64)], {
    timeoutMs: 10_000,
    maxOutputBytes: 8 * 1024 * 1024,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', TZ: 'UTC' },
  });
  if (!run.ok || run.code !== 0) return result;
  const iso = '(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}[+-]\\d{2}:\\d{2})';
  const re = new RegExp(`^(\\S+)\\s+\\S+\\s+(\\S+)\\s+${iso}(?:\\s+-\\s+${iso})?`);
  for (const line of run.stdout.split('\n')) {
    const m = re.exec(line);
    if (!m?.[1] || !m[3]) continue;
    const list = result.get(m[1]) ?? [];
    list.push({ started_at: new Date(m[3]).toISOString(), ended_at: m[4] ? new Date(m[4]).toISOString() : null, source: m[2] ?? '0.0.0.0' });
    result.set(m[1], list);
  }
  return result;
}

async function sessions(options: GatewayOptions, vendors: string[]): Promise<SessionRecord[] | Unavailable> {
  const logons = await lastLogons(options, vendors);
  const records: SessionRecord[] = [];
  for (const [account, list] of logons) {
    for (const l of list) {
      records.push({
        session_id: `wtmp:${account}:${l.started_at}`.slice(0, 128),
        account,
        source_address: l.source,
        device: null,
        started_at: l.started_at,
        ended_at: l.ended_at,
        // wtmp records the session, not what was done in it.
        actions_recorded: false,
        report_id: null,
      });
    }
  }
  return records.slice(0, 1000);
}

async function ingressRules(options: GatewayOptions): Promise<IngressRule[] | Unavailable> {
  const run = await runTool(options.nftBinary ?? 'nft', ['-j', 'list', 'ruleset']);
  if (!('stdout' in run)) return { unavailable: `nft -j list ruleset: ${'error' in run ? run.error : run.reason}` };
  try {
    return nftIngressAccepts(run.stdout).slice(0, 500).map((r) => ({ source: r.source, port: r.port, protocol: r.protocol, description: null }));
  } catch (error) {
    return { unavailable: messageOf(error) };
  }
}

/** Established connections to a local listening port, from non-loopback peers: accepted inbound now. */
function inboundNow(procRoot: string, now: Date): TelemaintenanceEvidence['inbound'] {
  try {
    const table = readSocketTable(procRoot, () => false);
    const listening = new Set(table.sockets.filter((s) => s.protocol === 'tcp' && s.state === STATE_LISTEN).map((s) => s.local_port));
    const at = now.toISOString();
    const connections: InboundConnection[] = table.sockets
      .filter((s) => s.protocol === 'tcp' && s.state === STATE_ESTABLISHED && listening.has(s.local_port) && !isLocalOnlyAddress(s.remote_address))
      .slice(0, 2000)
      .map((s) => ({ protocol: 'tcp', source_address: s.remote_address, local_port: s.local_port, first_seen: at, last_seen: at }));
    return { window_start: at, window_end: at, connections };
  } catch (error) {
    return { unavailable: `socket table unreadable: ${messageOf(error)}` };
  }
}

function tunnels(vpns: VpnState[] | Unavailable): Tunnel[] | Unavailable {
  if (isUnavailable(vpns)) return vpns;
  return vpns.slice(0, 32).map((v) => ({
    name: v.name,
    type: v.type,
    authentication: v.authentication,
    tls_version: v.tls_version,
    ciphers: v.ciphers.map((c) => c.slice(0, 64)).slice(0, 16),
    state: v.up === true ? 'up' : 'down',
    events: [],
  }));
}

function logForwarding(logs: LogForwardTarget[] | Unavailable): TelemaintenanceEvidence['log_forwarding'] {
  if (isUnavailable(logs)) return logs;
  if (logs.length === 0) return { unavailable: 'no log forwarding configured (rsyslog, syslog-ng, journal-upload)' };
  const shipped = logs.find((l) => l.last_shipped_at !== null) ?? logs[0];
  if (!shipped) return { unavailable: 'no log forwarding configured' };
  if (shipped.last_shipped_at === null) return { unavailable: `${shipped.daemon} to ${shipped.target}: ${shipped.last_shipped_unavailable ?? 'last shipped event unknown'}`.slice(0, 500) };
  return { target: shipped.target.slice(0, 256), last_shipped_at: shipped.last_shipped_at };
}
