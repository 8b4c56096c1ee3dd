// Windows Defender Firewall profiles (NET-07) from
//   @{ Profiles = Get-NetFirewallProfile -PolicyStore ActiveStore | Select Name,Enabled,DefaultInboundAction,LogBlocked;
//      Connected = Get-NetConnectionProfile | Select NetworkCategory } | ConvertTo-Json -Depth 3
// ActiveStore gives the effective values (GPO merged with local). Enums come as numbers in 5.1
// (GpoBoolean 0/1/2; Action NotConfigured 0, Allow 2, Block 4; NetworkCategory Public 0, Private 1,
// DomainAuthenticated 2) and as names when the script converts them: both are read. Profile names
// are identifiers, not translated. Privilege: none (read-only cmdlets).
import type { HostFirewall } from '../../policies/evidence.js';
import { asList, asRecord, gpoBoolean, parsePowerShellJson } from './powershell-json.js';

export const WINDOWS_FIREWALL_SCRIPT =
  "@{ Profiles = @(Get-NetFirewallProfile -PolicyStore ActiveStore | Select-Object Name,Enabled,DefaultInboundAction,LogBlocked); Connected = @(Get-NetConnectionProfile -ErrorAction SilentlyContinue | Select-Object NetworkCategory) } | ConvertTo-Json -Depth 3 -Compress";

const CATEGORY_PROFILE: Record<string, string> = { '0': 'Public', '1': 'Private', '2': 'Domain', Public: 'Public', Private: 'Private', DomainAuthenticated: 'Domain' };

function inbound(value: unknown, profile: string): 'block' | 'allow' | null {
  if (value === 4 || value === 'Block') return 'block';
  if (value === 2 || value === 'Allow') return 'allow';
  // NotConfigured in the active store: the effective default cannot be stated from this output.
  if (value === 0 || value === 'NotConfigured') return null;
  throw new Error(`Get-NetFirewallProfile ${profile}: unexpected DefaultInboundAction ${JSON.stringify(value)}`);
}

export function parseWindowsFirewall(json: string): HostFirewall {
  const root = asRecord(parsePowerShellJson(json, 'Get-NetFirewallProfile'), 'Get-NetFirewallProfile');
  const profiles = asList(root.Profiles);
  if (profiles.length === 0) throw new Error('Get-NetFirewallProfile returned no profile');
  const connected = new Set(asList(root.Connected).map((c) => CATEGORY_PROFILE[String(asRecord(c, 'Get-NetConnectionProfile').NetworkCategory)]));
  return {
    source: 'Get-NetFirewallProfile -PolicyStore ActiveStore',
    profiles: profiles.slice(0, 16).map((p) => {
      const row = asRecord(p, 'Get-NetFirewallProfile');
      const name = typeof row.Name === 'string' ? row.Name : String(row.Name);
      const enabled = gpoBoolean(row.Enabled, `Get-NetFirewallProfile ${name} Enabled`);
      if (enabled === null) throw new Error(`Get-NetFirewallProfile ${name}: Enabled is NotConfigured in the active store`);
      return {
        name,
        // No connection profile read (no network, or the cmdlet refused): every profile is judged.
        active: connected.size === 0 ? true : connected.has(name),
        enabled,
        default_inbound: inbound(row.DefaultInboundAction, name),
        logs_blocked: gpoBoolean(row.LogBlocked, `Get-NetFirewallProfile ${name} LogBlocked`),
      };
    }),
  };
}
