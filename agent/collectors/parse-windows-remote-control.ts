// Remote-control products on Windows (NET-08) from one PowerShell object:
//   Programs      = DisplayName and Publisher of the machine-wide uninstall keys (64- and 32-bit);
//   Services      = Win32_Service Name, DisplayName, State ("Running"...) and ProcessId;
//   Processes     = Get-Process Name and Id (a portable AnyDesk runs without being installed);
//   ConnectedPids = owners of the established TCP connections (Get-NetTCPConnection); null when
//                   the cmdlet failed, so `connected` is then null, not false.
// Products are matched here, not in the script, so the list lives in one place. Per-user installs
// (HKCU) are not visible to the agent's service account; their running processes are.
// Privilege: none for the keys, services and processes; Get-NetTCPConnection's owners need none.
import type { RemoteControlTool } from '../../policies/evidence.js';
import { asList, asRecord, parsePowerShellJson } from './powershell-json.js';

export const WINDOWS_REMOTE_CONTROL_SCRIPT = [
  '[Console]::OutputEncoding = [Text.Encoding]::UTF8;',
  "$k = 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*', 'HKLM:\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*';",
  '$p = @(Get-ItemProperty $k -ErrorAction SilentlyContinue | Where-Object { $_.DisplayName } | Select-Object DisplayName, Publisher);',
  '$s = @(Get-CimInstance Win32_Service | Select-Object Name, DisplayName, State, ProcessId);',
  '$r = @(Get-Process | Select-Object Name, Id);',
  // Filtering by -State errors out when nothing matches: filter after; a failed cmdlet is null.
  "$c = try { @(Get-NetTCPConnection -ErrorAction Stop | Where-Object { $_.State -eq 'Established' } | Select-Object -ExpandProperty OwningProcess -Unique) } catch { $null };",
  '@{ Programs = $p; Services = $s; Processes = $r; ConnectedPids = $c } | ConvertTo-Json -Depth 3 -Compress',
].join(' ');

/** Product -> installed program (DisplayName), service (Name) and process (Name, without ".exe"). */
export const WINDOWS_REMOTE_CONTROL_PRODUCTS: readonly { product: string; programs: RegExp; services: RegExp; processes: RegExp }[] = [
  { product: 'teamviewer', programs: /^TeamViewer\b/i, services: /^TeamViewer/i, processes: /^TeamViewer(_Service)?$/i },
  { product: 'anydesk', programs: /^AnyDesk\b/i, services: /^AnyDesk/i, processes: /^AnyDesk$/i },
  { product: 'rustdesk', programs: /^RustDesk\b/i, services: /^RustDesk$/i, processes: /^RustDesk$/i },
  { product: 'vnc', programs: /^(RealVNC|VNC Server|TightVNC|UltraVNC|TigerVNC)\b/i, services: /^(vncserver|tvnserver|uvnc_service|TigerVNC)$/i, processes: /^(vncserver|tvnserver|winvnc|winvnc4)$/i },
  { product: 'chrome-remote-desktop', programs: /^Chrome Remote Desktop Host\b/i, services: /^chromoting$/i, processes: /^remoting_host$/i },
  { product: 'splashtop', programs: /^Splashtop Streamer\b/i, services: /^SplashtopRemoteService$/i, processes: /^(SRService|SRServer|SRManager)$/i },
  { product: 'screenconnect', programs: /^(ScreenConnect|ConnectWise Control) Client\b/i, services: /^ScreenConnect Client/i, processes: /^ScreenConnect\.(ClientService|WindowsClient)$/i },
  { product: 'logmein', programs: /^LogMeIn\b/i, services: /^(LogMeIn|LMIGuardianSvc)$/i, processes: /^(LogMeIn|LMIGuardianSvc)$/i },
  { product: 'beyondtrust', programs: /^(BeyondTrust Remote Support|Bomgar)\b/i, services: /^bomgar-(ps|scc)/i, processes: /^bomgar-(scc|pac)$/i },
  { product: 'meshcentral', programs: /^Mesh Agent\b/i, services: /^Mesh Agent$/i, processes: /^MeshAgent$/i },
  { product: 'dwservice', programs: /^DWAgent\b/i, services: /^DWAgent$/i, processes: /^(dwagsvc|dwagent)$/i },
  { product: 'nomachine', programs: /^NoMachine\b/i, services: /^nxservice$/i, processes: /^(nxservice|nxnode|nxd)$/i },
  { product: 'netsupport', programs: /^NetSupport Manager\b/i, services: /^Client32$/i, processes: /^client32$/i },
  { product: 'radmin', programs: /^Radmin Server\b/i, services: /^RServer3$/i, processes: /^rserver3$/i },
  { product: 'supremo', programs: /^Supremo\b/i, services: /^SupremoService$/i, processes: /^Supremo(Service)?$/i },
];

const MAX_ENTRIES = 20_000;

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function parseWindowsRemoteControl(json: string): RemoteControlTool[] {
  const root = asRecord(parsePowerShellJson(json, 'remote-control inventory'), 'remote-control inventory');
  if (root.Services === undefined || root.Processes === undefined) throw new Error('remote-control inventory: services or processes missing (truncated output?)');
  const list = (value: unknown, what: string) => {
    const items = asList(value);
    if (items.length > MAX_ENTRIES) throw new Error(`${what}: more than ${MAX_ENTRIES} entries`);
    return items.map((raw) => asRecord(raw, what));
  };
  const programs = list(root.Programs, 'uninstall keys').map((p) => text(p.DisplayName));
  const services = list(root.Services, 'Win32_Service').map((s) => ({ name: text(s.Name), display: text(s.DisplayName), state: text(s.State), pid: typeof s.ProcessId === 'number' ? s.ProcessId : 0 }));
  if (services.some((s) => s.name === '')) throw new Error('Win32_Service: a service without a name');
  const processes = list(root.Processes, 'Get-Process').map((p) => ({ name: text(p.Name), pid: typeof p.Id === 'number' ? p.Id : -1 }));
  const connected = new Set(asList(root.ConnectedPids).filter((p): p is number => typeof p === 'number' && p > 0));
  const found: RemoteControlTool[] = [];
  for (const product of WINDOWS_REMOTE_CONTROL_PRODUCTS) {
    const program = programs.find((p) => product.programs.test(p));
    const svcs = services.filter((s) => product.services.test(s.name));
    const procs = processes.filter((p) => product.processes.test(p.name));
    if (!program && svcs.length === 0 && procs.length === 0) continue;
    const pids = [...procs.map((p) => p.pid), ...svcs.filter((s) => s.state === 'Running' && s.pid > 0).map((s) => s.pid)];
    const isRunning = procs.length > 0 || svcs.some((s) => s.state === 'Running');
    const found_by: RemoteControlTool['found_by'] = [];
    if (program) found_by.push('package');
    if (svcs.length > 0) found_by.push('service');
    if (procs.length > 0) found_by.push('process');
    found.push({
      product: product.product,
      found_by,
      name: (program ?? svcs[0]?.display ?? procs[0]?.name ?? product.product).slice(0, 128),
      running: isRunning,
      // No established connection list (the cmdlet failed) is not "not connected".
      connected: !isRunning ? false : root.ConnectedPids === null || root.ConnectedPids === undefined ? null : pids.some((p) => connected.has(p)),
    });
  }
  return found;
}
