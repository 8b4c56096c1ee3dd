// VPN profiles of a Windows host (NET-09) from one PowerShell object:
//   Connections = Get-VpnConnection -AllUserConnection: Name, ServerAddress, TunnelType and
//                 AuthenticationMethod as names, and the EAP method types of EapConfigXmlStream
//                 (13 EAP-TLS, 25 PEAP, 26 EAP-MSCHAPv2, 21 EAP-TTLS) and EapSmartCard: EAP-TLS
//                 takes its certificate from a smart card (<CredentialsSource><SmartCard/>: a CPS
//                 card, or a Windows Hello for Business key, both unlocked by a PIN);
//   Mdm         = the Always On VPN profiles of the VPNv2 CSP through the MDM WMI bridge
//                 (root\cimv2\mdm\dmmap MDM_VPNv2_01: InstanceID, AlwaysOn, DeviceTunnel), null
//                 when the bridge could not be read (it needs the SYSTEM account);
//   AutoTrigger = RasMan\Config AutoTriggerProfileEntryName (the user tunnel Windows brings up by
//                 itself) and AutoTriggerDisabledProfilesList (profiles the user switched off).
//   Vendors     = the services of third-party VPN clients installed (GlobalProtect, AnyConnect /
//                 Secure Client, FortiClient, Ivanti/Pulse, OpenVPN, WireGuard): their profiles live
//                 in their own configuration, not read here; each is reported with nothing
//                 established, so NET-09 says unknown for it rather than "no VPN profile".
// Per-user connections of other accounts are not visible to the agent's service account.
// always_on: the CSP's AlwaysOn, or the auto-trigger profile; else null (not established).
// user_can_disable: true when the user switched it off; false for a device tunnel (it runs
// before logon, outside the user's reach); else null.
import type { FactorType, VpnProfile } from '../../policies/evidence.js';
import { asList, asRecord, parsePowerShellJson } from './powershell-json.js';

export const WINDOWS_VPN_SCRIPT = [
  '[Console]::OutputEncoding = [Text.Encoding]::UTF8;',
  "$v = @(Get-VpnConnection -AllUserConnection -ErrorAction SilentlyContinue | Select-Object Name, ServerAddress, @{n='TunnelType';e={[string]$_.TunnelType}}, @{n='AuthenticationMethod';e={@($_.AuthenticationMethod | ForEach-Object { [string]$_ })}}, @{n='EapTypes';e={ if ($_.EapConfigXmlStream) { @($_.EapConfigXmlStream.SelectNodes(\"//*[local-name()='Type']\") | ForEach-Object { [int]$_.InnerText }) } else { @() } }}, @{n='EapSmartCard';e={ [bool]($_.EapConfigXmlStream -and $_.EapConfigXmlStream.SelectSingleNode(\"//*[local-name()='SmartCard']\")) }});",
  "$m = try { @(Get-CimInstance -Namespace 'root\\cimv2\\mdm\\dmmap' -ClassName MDM_VPNv2_01 -ErrorAction Stop | Select-Object InstanceID, AlwaysOn, DeviceTunnel) } catch { $null };",
  "$r = Get-ItemProperty 'HKLM:\\SYSTEM\\CurrentControlSet\\Services\\RasMan\\Config' -ErrorAction SilentlyContinue;",
  "$s = @(Get-Service PanGPS, vpnagent, csc_vpnagent, FA_Scheduler, PulseSecureService, OpenVPNService, 'WireGuardTunnel$*' -ErrorAction SilentlyContinue | Select-Object Name, @{n='Status';e={[string]$_.Status}}, @{n='StartType';e={[string]$_.StartType}});",
  '@{ Connections = $v; Mdm = $m; AutoTrigger = $r.AutoTriggerProfileEntryName; AutoTriggerDisabled = @($r.AutoTriggerDisabledProfilesList); Vendors = $s } | ConvertTo-Json -Depth 4 -Compress',
].join(' ');

/** EAP method types (IANA) and the factor each stands for. */
const EAP_FACTORS: Readonly<Record<number, FactorType>> = { 13: 'client-certificate', 26: 'password', 21: 'password', 4: 'password', 6: 'other' };

function factorsOf(methods: readonly string[], eapTypes: readonly number[], smartCard: boolean): FactorType[] {
  const factors = new Set<FactorType>();
  for (const m of methods) {
    const method = m.toLowerCase();
    if (method === 'machinecertificate') factors.add('client-certificate');
    else if (method === 'mschapv2' || method === 'pap' || method === 'chap') factors.add('password');
    else if (method === 'eap') {
      // PEAP (25) and TTLS (21) are tunnels: the inner method is the factor.
      const inner = eapTypes.filter((t) => t !== 25);
      if (inner.length === 0) factors.add('other');
      for (const t of inner) factors.add(t === 13 && smartCard ? 'smartcard' : (EAP_FACTORS[t] ?? 'other'));
    } else factors.add('other');
  }
  return [...factors].slice(0, 8);
}

function kindOf(tunnel: string): string {
  const t = tunnel.toLowerCase();
  if (t === 'ikev2' || t === 'l2tp') return 'ipsec';
  if (t === 'sstp') return 'sstp';
  if (t === 'pptp') return 'pptp';
  return 'windows-vpn';
}

/** Third-party VPN client services, by service name. */
const VENDOR_CLIENTS: readonly { service: RegExp; product: string }[] = [
  { service: /^PanGPS$/i, product: 'Palo Alto GlobalProtect' },
  { service: /^(vpnagent|csc_vpnagent)$/i, product: 'Cisco AnyConnect / Secure Client' },
  { service: /^FA_Scheduler$/i, product: 'FortiClient' },
  { service: /^PulseSecureService$/i, product: 'Ivanti Secure Access (Pulse)' },
  { service: /^OpenVPNService$/i, product: 'OpenVPN' },
  { service: /^WireGuardTunnel\$.+$/i, product: 'WireGuard' },
];

function strings(value: unknown, what: string): string[] {
  const items = asList(value);
  if (items.some((x) => typeof x !== 'string')) throw new Error(`${what}: not a list of names`);
  return items as string[];
}

export function parseWindowsVpn(json: string): VpnProfile[] {
  const root = asRecord(parsePowerShellJson(json, 'Get-VpnConnection'), 'Get-VpnConnection');
  if (!('Mdm' in root) || !('Connections' in root)) throw new Error('Get-VpnConnection: output incomplete (truncated?)');
  const autoTrigger = typeof root.AutoTrigger === 'string' ? root.AutoTrigger : null;
  const disabled = new Set(strings(root.AutoTriggerDisabled, 'AutoTriggerDisabledProfilesList'));
  // The bridge names a profile by its InstanceID, spaces escaped as "%20".
  const mdm = new Map<string, { always_on: boolean | null; device_tunnel: boolean | null }>();
  for (const raw of asList(root.Mdm).slice(0, 32)) {
    const p = asRecord(raw, 'MDM_VPNv2_01');
    if (typeof p.InstanceID !== 'string') throw new Error('MDM_VPNv2_01: a profile without InstanceID');
    let name: string;
    try {
      name = decodeURIComponent(p.InstanceID);
    } catch {
      name = p.InstanceID;
    }
    mdm.set(name, { always_on: typeof p.AlwaysOn === 'boolean' ? p.AlwaysOn : null, device_tunnel: typeof p.DeviceTunnel === 'boolean' ? p.DeviceTunnel : null });
  }
  const vendors: VpnProfile[] = asList(root.Vendors)
    .slice(0, 8)
    .map((raw) => {
      const v = asRecord(raw, 'Get-Service');
      const name = typeof v.Name === 'string' ? v.Name : '';
      const client = VENDOR_CLIENTS.find((c) => c.service.test(name));
      if (!client) throw new Error(`VPN clients: unexpected service ${JSON.stringify(raw).slice(0, 60)}`);
      const state = `${typeof v.Status === 'string' ? v.Status : '?'}, ${typeof v.StartType === 'string' ? v.StartType : '?'}`;
      return { name: `${client.product} (service ${name}, ${state}; its profiles are in its own configuration)`.slice(0, 128), kind: 'vendor', always_on: null, user_can_disable: null, factors: [], endpoint: null };
    });
  const windows = asList(root.Connections)
    .slice(0, 16)
    .map((raw) => {
      const c = asRecord(raw, 'Get-VpnConnection');
      if (typeof c.Name !== 'string' || typeof c.TunnelType !== 'string') throw new Error(`Get-VpnConnection: unexpected profile ${JSON.stringify(raw).slice(0, 80)}`);
      const eap = asList(c.EapTypes).filter((x): x is number => typeof x === 'number');
      const csp = mdm.get(c.Name);
      const alwaysOn = csp?.always_on === true || autoTrigger === c.Name ? true : csp?.always_on === false ? false : null;
      const userCanDisable = disabled.has(c.Name) ? true : csp?.device_tunnel === true ? false : null;
      return {
        name: c.Name.slice(0, 128),
        kind: csp ? 'always-on-vpn' : kindOf(c.TunnelType),
        always_on: alwaysOn,
        user_can_disable: userCanDisable,
        factors: factorsOf(strings(c.AuthenticationMethod, 'AuthenticationMethod'), eap, c.EapSmartCard === true),
        endpoint: typeof c.ServerAddress === 'string' && c.ServerAddress !== '' ? c.ServerAddress.slice(0, 253) : null,
      };
    });
  return [...windows, ...vendors].slice(0, 16);
}
