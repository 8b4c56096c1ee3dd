// Windows sockets and processes through PowerShell JSON, one invocation (see WINDOWS_SOCKETS_SCRIPT):
//   {"tcp":[{"LocalAddress":"0.0.0.0","LocalPort":135,"RemoteAddress":"0.0.0.0","RemotePort":0,"State":"Listen","OwningProcess":1044}],
//    "udp":[{"LocalAddress":"0.0.0.0","LocalPort":5353,"OwningProcess":2216}],
//    "proc":[{"Id":1044,"ProcessName":"svchost"}]}
// Property names do not change with the display language (netstat/tasklist text does, and goes
// through the OEM code page). State comes as a name (the script converts it) or, from an older
// script, as the MSFT_NetTCPConnection enum number (2 = Listen, 5 = Established).
import type { Listener, OutboundFlow } from '../../policies/evidence.js';

/** UTF-8 out, arrays always, enums as names: what parseWindowsSockets reads. */
export const WINDOWS_SOCKETS_SCRIPT = [
  '[Console]::OutputEncoding = [Text.Encoding]::UTF8;',
  "$tcp = @(Get-NetTCPConnection -ErrorAction Stop | Select-Object LocalAddress,LocalPort,RemoteAddress,RemotePort,@{n='State';e={$_.State.ToString()}},OwningProcess);",
  '$udp = @(Get-NetUDPEndpoint -ErrorAction Stop | Select-Object LocalAddress,LocalPort,OwningProcess);',
  '$proc = @(Get-Process | Select-Object Id,ProcessName);',
  '@{tcp=$tcp; udp=$udp; proc=$proc} | ConvertTo-Json -Depth 3 -Compress',
].join(' ');

const TCP_STATES: Record<number, string> = { 1: 'Closed', 2: 'Listen', 3: 'SynSent', 4: 'SynReceived', 5: 'Established', 6: 'FinWait1', 7: 'FinWait2', 8: 'CloseWait', 9: 'Closing', 10: 'LastAck', 11: 'TimeWait', 12: 'DeleteTCB', 100: 'Bound' };

export interface WindowsSockets {
  listeners: Listener[];
  /** Established TCP connections to non-loopback addresses (Get-NetUDPEndpoint has no remote side). */
  flows: Omit<OutboundFlow, 'first_seen' | 'last_seen'>[];
}

interface Row {
  LocalAddress?: unknown;
  LocalPort?: unknown;
  RemoteAddress?: unknown;
  RemotePort?: unknown;
  State?: unknown;
  OwningProcess?: unknown;
}

function list(value: unknown, what: string): Row[] {
  if (value === undefined || value === null) return [];
  const rows = Array.isArray(value) ? value : [value]; // ConvertTo-Json unwraps a one-item array
  if (!rows.every((r) => typeof r === 'object' && r !== null)) throw new Error(`PowerShell JSON: ${what} entries are not objects`);
  return rows as Row[];
}

function port(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65535 ? value : null;
}

function pidOf(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 2 ** 31 ? value : null;
}

function stateOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return TCP_STATES[value] ?? null;
  return null;
}

function isLocalOnly(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address === '0.0.0.0' || address === '::' || address.startsWith('::ffff:127.');
}

/** Throws with a reason on text that is not the script's JSON. */
export function parseWindowsSockets(json: string): WindowsSockets {
  let data: unknown;
  try {
    data = JSON.parse(json.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new Error(`PowerShell output is not JSON (${(error as Error).message.slice(0, 100)})`);
  }
  if (typeof data !== 'object' || data === null || !('tcp' in data)) throw new Error('PowerShell JSON has no "tcp" list');
  const d = data as { tcp?: unknown; udp?: unknown; proc?: unknown };
  const names = new Map<number, string>();
  for (const p of list(d.proc, 'process') as { Id?: unknown; ProcessName?: unknown }[]) {
    const id = pidOf(p.Id);
    if (id !== null && typeof p.ProcessName === 'string' && p.ProcessName !== '') names.set(id, p.ProcessName.slice(0, 128));
  }
  const listeners = new Map<string, Listener>();
  const flows = new Map<string, WindowsSockets['flows'][number]>();
  for (const row of list(d.tcp, 'tcp')) {
    const local = typeof row.LocalAddress === 'string' ? row.LocalAddress : null;
    const localPort = port(row.LocalPort);
    const pid = pidOf(row.OwningProcess);
    const state = stateOf(row.State);
    if (local === null || localPort === null) continue;
    if (state === 'Listen') {
      const l: Listener = { protocol: 'tcp', address: local, port: localPort, process: pid === null ? null : (names.get(pid) ?? null), pid };
      listeners.set(`tcp|${local}|${localPort}|${pid ?? '-'}`, l);
    } else if (state === 'Established') {
      const remote = typeof row.RemoteAddress === 'string' ? row.RemoteAddress : null;
      const remotePort = port(row.RemotePort);
      if (remote === null || remotePort === null || remotePort === 0 || isLocalOnly(remote)) continue;
      const f = { protocol: 'tcp' as const, remote_address: remote, remote_port: remotePort, remote_fqdn: null, process: pid === null ? null : (names.get(pid) ?? null), pid };
      flows.set(`${remote}|${remotePort}|${pid ?? '-'}`, f);
    }
  }
  for (const row of list(d.udp, 'udp')) {
    const local = typeof row.LocalAddress === 'string' ? row.LocalAddress : null;
    const localPort = port(row.LocalPort);
    const pid = pidOf(row.OwningProcess);
    if (local === null || localPort === null || localPort === 0) continue;
    listeners.set(`udp|${local}|${localPort}|${pid ?? '-'}`, { protocol: 'udp', address: local, port: localPort, process: pid === null ? null : (names.get(pid) ?? null), pid });
  }
  const sorted = [...listeners.values()].sort((a, b) => a.protocol.localeCompare(b.protocol) || a.port - b.port || a.address.localeCompare(b.address));
  return { listeners: sorted, flows: [...flows.values()] };
}
