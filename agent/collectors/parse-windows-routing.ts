// Routing between interfaces and the DNS client on Windows (WIFI-06, ADM-02, NET-04) from one
// PowerShell object, identifiers and numbers only (nothing translated):
//   Router    = HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters IPEnableRouter (1 = routing);
//   Forwarding = Get-NetIPInterface AddressFamily (2 IPv4, 23 IPv6) and Forwarding (0 Disabled, 1 Enabled;
//               or their names from PowerShell 7) per interface;
//   Adapters  = Get-NetAdapter: Name, InterfaceDescription, MediaType ("802.3" wired, "Native 802.11"
//               Wi-Fi), Status ("Up", "Disconnected", "Disabled", "Not Present");
//   Sharing   = Internet Connection Sharing turned on for some connection (HNetCfg.HNetShare COM
//               SharingEnabled), null when the COM object could not be read;
//   Dns       = Get-DnsClientServerAddress ServerAddresses, every interface.
// Privilege: none.
import type { BridgeInterface, WiredInterface } from '../../policies/evidence.js';
import { asList, asRecord, parsePowerShellJson } from './powershell-json.js';

export const WINDOWS_ROUTING_SCRIPT = [
  '[Console]::OutputEncoding = [Text.Encoding]::UTF8;',
  "$r = (Get-ItemProperty 'HKLM:\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters' -ErrorAction SilentlyContinue).IPEnableRouter;",
  '$f = @(Get-NetIPInterface -ErrorAction Stop | Select-Object InterfaceAlias,AddressFamily,Forwarding);',
  '$a = @(Get-NetAdapter -ErrorAction Stop | Select-Object Name,InterfaceDescription,MediaType,Status);',
  '$s = $null; try { $h = New-Object -ComObject HNetCfg.HNetShare; $s = $false; foreach ($c in $h.EnumEveryConnection) { if ($h.INetSharingConfigurationForINetConnection.Invoke($c).SharingEnabled) { $s = $true } } } catch { };',
  '$d = @(Get-DnsClientServerAddress -ErrorAction SilentlyContinue | ForEach-Object { $_.ServerAddresses });',
  '@{ Router = $r; Forwarding = $f; Adapters = $a; Sharing = $s; Dns = $d } | ConvertTo-Json -Depth 3 -Compress',
].join(' ');

export interface WindowsRouting {
  ip_forwarding: { ipv4: boolean; ipv6: boolean | null };
  bridges: BridgeInterface[];
  wired_interfaces: WiredInterface[];
  connection_sharing: { enabled: boolean } | null;
  resolvers: string[];
  /** Wi-Fi adapters Get-NetAdapter lists (MediaType "Native 802.11"), present or not. */
  wlan_adapters: number;
}

function family(value: unknown): 'ipv4' | 'ipv6' | null {
  if (value === 2 || value === 'IPv4') return 'ipv4';
  if (value === 23 || value === 'IPv6') return 'ipv6';
  return null;
}

function forwarding(value: unknown, alias: string): boolean {
  if (value === 1 || value === 'Enabled') return true;
  if (value === 0 || value === 'Disabled') return false;
  throw new Error(`Get-NetIPInterface ${alias}: unexpected Forwarding ${JSON.stringify(value)?.slice(0, 30)}`);
}

const ADDRESS = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]*:[0-9a-f:.]*)$/i;

export function parseWindowsRouting(json: string): WindowsRouting {
  const root = asRecord(parsePowerShellJson(json, 'Get-NetIPInterface/Get-NetAdapter'), 'Get-NetIPInterface/Get-NetAdapter');
  if (!('Forwarding' in root) || !('Adapters' in root)) throw new Error('Get-NetIPInterface/Get-NetAdapter: interface lists missing (truncated output?)');
  const forwarded = { ipv4: root.Router === 1, ipv6: false };
  const interfaces = asList(root.Forwarding);
  if (interfaces.length === 0) throw new Error('Get-NetIPInterface: no interface listed');
  for (const raw of interfaces) {
    const i = asRecord(raw, 'Get-NetIPInterface');
    const alias = typeof i.InterfaceAlias === 'string' ? i.InterfaceAlias : '?';
    // The loopback pseudo-interface never forwards anything off the host.
    if (/^Loopback Pseudo-Interface/i.test(alias)) continue;
    const f = family(i.AddressFamily);
    if (f !== null && forwarding(i.Forwarding, alias)) forwarded[f] = true;
  }
  const wired: WiredInterface[] = [];
  const bridges: BridgeInterface[] = [];
  let wlanAdapters = 0;
  for (const raw of asList(root.Adapters)) {
    const a = asRecord(raw, 'Get-NetAdapter');
    const name = typeof a.Name === 'string' ? a.Name.slice(0, 64) : null;
    if (name === null) throw new Error('Get-NetAdapter: an adapter without a name');
    const description = typeof a.InterfaceDescription === 'string' ? a.InterfaceDescription : '';
    if (a.MediaType === 'Native 802.11') wlanAdapters += 1;
    if (/MAC Bridge Miniport/i.test(description)) bridges.push({ name, members: [] });
    else if (a.MediaType === '802.3' && !/Hyper-V|Virtual|VPN|TAP-Windows|WireGuard/i.test(description)) {
      wired.push({ name, oper_state: a.Status === 'Up' ? 'up' : a.Status === 'Disconnected' || a.Status === 'Disabled' || a.Status === 'Not Present' ? 'down' : 'unknown' });
    }
  }
  const sharing = root.Sharing === true || root.Sharing === false ? { enabled: root.Sharing } : null;
  const resolvers = [...new Set(asList(root.Dns).filter((d): d is string => typeof d === 'string' && ADDRESS.test(d)))].slice(0, 32);
  return { ip_forwarding: forwarded, bridges: bridges.slice(0, 32), wired_interfaces: wired.slice(0, 64), connection_sharing: sharing, resolvers, wlan_adapters: wlanAdapters };
}
