// Remote entry points of a Windows host (AUTH-04, AUTH-05) from one PowerShell object:
//   DenyTS / PolicyDenyTS = fDenyTSConnections (HKLM\SYSTEM\...\Terminal Server, and the group
//                           policy key HKLM\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services,
//                           which wins when set): 0 = Remote Desktop accepts connections;
//   Nla / PolicyNla       = UserAuthentication of the RDP-Tcp listener / policy: 1 = NLA required;
//   RdpPort               = its PortNumber;
//   Services              = TermService, WinRM, sshd (OpenSSH server) and TSGateway (RD Gateway):
//                           Name, Status and StartType as names;
//   WinRmListeners        = the subkeys of HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\WSMAN\Listener
//                           ("*+HTTP", "IP:10.20.0.5+HTTPS": address + transport);
//   WinRmAllowBasic       = the WinRM service policy AllowBasic (Basic authentication).
// Factors: RDP takes the account's password (NLA/CredSSP) unless smart-card logon is enforced on
// the host (scforceoption, read by collectWindowsLogonPolicy; it governs interactive logons, RDP
// included): then the smart card is the way in. WinRM is a network logon (Negotiate, Kerberos,
// Basic), which scforceoption does not govern: the account's password. An RD Gateway's MFA lives
// on its NPS server: not visible from here, its factors stay empty (AUTH-04 says unknown).
// Privilege: none (these keys and services are readable by a standard user).
import type { RemoteEntryPoint } from '../../policies/evidence.js';
import { asList, asRecord, parsePowerShellJson } from './powershell-json.js';
import { inNetworks } from './networks.js';

export const WINDOWS_ENTRY_POINTS_SCRIPT = [
  '[Console]::OutputEncoding = [Text.Encoding]::UTF8;',
  "$ts = Get-ItemProperty 'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server' -ErrorAction SilentlyContinue;",
  "$tp = Get-ItemProperty 'HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services' -ErrorAction SilentlyContinue;",
  "$rdp = Get-ItemProperty 'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\WinStations\\RDP-Tcp' -ErrorAction SilentlyContinue;",
  "$s = @(Get-Service TermService, WinRM, sshd, TSGateway -ErrorAction SilentlyContinue | Select-Object Name, @{n='Status';e={[string]$_.Status}}, @{n='StartType';e={[string]$_.StartType}});",
  "$l = @(Get-ChildItem 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WSMAN\\Listener' -ErrorAction SilentlyContinue | ForEach-Object { $_.PSChildName });",
  "$wp = Get-ItemProperty 'HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service' -ErrorAction SilentlyContinue;",
  '@{ DenyTS = $ts.fDenyTSConnections; PolicyDenyTS = $tp.fDenyTSConnections; Nla = $rdp.UserAuthentication; PolicyNla = $tp.UserAuthentication; RdpPort = $rdp.PortNumber; Services = $s; WinRmListeners = $l; WinRmAllowBasic = $wp.AllowBasic } | ConvertTo-Json -Depth 3 -Compress',
].join(' ');

export interface WindowsService {
  name: string;
  /** "Running", "Stopped"... */
  status: string;
  /** "Automatic", "Manual", "Disabled"... */
  start_type: string;
}

/** What the script read, before the factors are known. */
export interface WindowsEntryPoints {
  rdp: { enabled: boolean; nla: boolean; port: number } | null;
  winrm_listeners: { address: string; transport: 'HTTP' | 'HTTPS' }[];
  winrm_basic: boolean;
  services: WindowsService[];
}

/** 5.1 prints a DWORD as a number; absent values are null. */
function dword(value: unknown, what: string): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  throw new Error(`${what}: unexpected value ${JSON.stringify(value).slice(0, 40)}`);
}

export function parseWindowsEntryPoints(json: string): WindowsEntryPoints {
  const root = asRecord(parsePowerShellJson(json, 'remote entry points'), 'remote entry points');
  const services = asList(root.Services).slice(0, 16).map((raw) => {
    const s = asRecord(raw, 'Get-Service');
    if (typeof s.Name !== 'string' || typeof s.Status !== 'string' || typeof s.StartType !== 'string') throw new Error(`Get-Service: unexpected entry ${JSON.stringify(raw).slice(0, 80)}`);
    return { name: s.Name, status: s.Status, start_type: s.StartType };
  });
  const termService = services.find((s) => s.name.toLowerCase() === 'termservice');
  const deny = dword(root.PolicyDenyTS, 'fDenyTSConnections (policy)') ?? dword(root.DenyTS, 'fDenyTSConnections');
  // The Terminal Server key exists on every Windows: its absence means the read failed.
  if (deny === null) throw new Error('Remote Desktop state unreadable (fDenyTSConnections not found)');
  const nla = dword(root.PolicyNla, 'UserAuthentication (policy)') ?? dword(root.Nla, 'UserAuthentication');
  const port = dword(root.RdpPort, 'RDP PortNumber') ?? 3389;
  const rdpOn = deny === 0 && termService !== undefined && termService.start_type !== 'Disabled';
  const listeners = asList(root.WinRmListeners).slice(0, 16).map((raw) => {
    const m = typeof raw === 'string' ? /^(.+)\+(HTTPS?)$/i.exec(raw) : null;
    if (!m) throw new Error(`WinRM listener: unexpected key ${JSON.stringify(raw).slice(0, 60)}`);
    return { address: m[1] ?? '*', transport: (m[2] ?? '').toUpperCase() as 'HTTP' | 'HTTPS' };
  });
  return {
    rdp: rdpOn ? { enabled: true, nla: nla !== 0, port } : null,
    winrm_listeners: listeners,
    winrm_basic: dword(root.WinRmAllowBasic, 'WinRM AllowBasic') === 1,
    services,
  };
}

function running(services: readonly WindowsService[], name: string): boolean {
  const s = services.find((x) => x.name.toLowerCase() === name.toLowerCase());
  return s !== undefined && (s.status === 'Running' || s.start_type === 'Automatic');
}

/**
 * The entry points, given whether smart-card logon is enforced (null: not known). A WinRM
 * listener bound to an address inside the admin networks is on the admin network.
 */
export function windowsEntryPoints(read: WindowsEntryPoints, smartCardEnforced: boolean | null, adminNetworks: readonly string[]): RemoteEntryPoint[] {
  const out: RemoteEntryPoint[] = [];
  if (read.rdp) {
    const factors: RemoteEntryPoint['factors'] = smartCardEnforced === true ? ['smartcard'] : smartCardEnforced === false ? ['password'] : [];
    out.push({ kind: 'other', name: `Remote Desktop (RDP) port ${read.rdp.port}, NLA ${read.rdp.nla ? 'required' : 'not required'}`, exposure: 'internal', factors });
  }
  if (running(read.services, 'WinRM')) {
    for (const l of read.winrm_listeners) {
      const ip = /^IP:(.+)$/i.exec(l.address)?.[1];
      const exposure = ip && adminNetworks.length > 0 && inNetworks(ip, adminNetworks) ? 'admin-network' : 'internal';
      out.push({ kind: 'other', name: `WinRM ${l.transport} listener on ${l.address}${read.winrm_basic ? ' (Basic allowed)' : ''}`, exposure, factors: ['password'] });
    }
  }
  if (running(read.services, 'TSGateway')) {
    out.push({ kind: 'rdp-gateway', name: 'RD Gateway (TSGateway): its second factor is set on its NPS server, not visible from this host', exposure: 'internet', factors: [] });
  }
  return out;
}

/** The OpenSSH server counts only when its service runs or starts by itself. */
export function sshdServiceActive(read: WindowsEntryPoints): boolean {
  return running(read.services, 'sshd');
}
