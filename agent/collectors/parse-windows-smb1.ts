// SMBv1 on Windows (NET-06) from
//   @{ Server = Get-SmbServerConfiguration | Select EnableSMB1Protocol;
//      Client = Get-WindowsOptionalFeature -Online -FeatureName SMB1Protocol-Client | Select @{n='State';e={[string]$_.State}} } | ConvertTo-Json
// Get-WindowsOptionalFeature needs an elevated session: refused, the client side is null with the
// server side still read. Feature states are identifiers ("Enabled", "Disabled",
// "DisabledWithPayloadRemoved", "EnablePending", "DisablePending"), not translated.
import type { Smb1State } from '../../policies/evidence.js';
import { asRecord, parsePowerShellJson } from './powershell-json.js';

export const WINDOWS_SMB1_SCRIPT =
  "$c = $null; try { $c = Get-WindowsOptionalFeature -Online -FeatureName SMB1Protocol-Client -ErrorAction Stop | Select-Object @{n='State';e={[string]$_.State}} } catch { }; @{ Server = (Get-SmbServerConfiguration | Select-Object EnableSMB1Protocol); Client = $c } | ConvertTo-Json -Compress";

export function parseWindowsSmb1(json: string): Smb1State {
  const root = asRecord(parsePowerShellJson(json, 'Get-SmbServerConfiguration'), 'Get-SmbServerConfiguration');
  const server = root.Server === null || root.Server === undefined ? null : asRecord(root.Server, 'Get-SmbServerConfiguration').EnableSMB1Protocol;
  if (server !== null && typeof server !== 'boolean') throw new Error(`Get-SmbServerConfiguration: unexpected EnableSMB1Protocol ${JSON.stringify(server)}`);
  let client: boolean | null = null;
  if (root.Client !== null && root.Client !== undefined) {
    const state = asRecord(root.Client, 'Get-WindowsOptionalFeature').State;
    if (state === 'Enabled' || state === 'EnablePending') client = true;
    else if (state === 'Disabled' || state === 'DisabledWithPayloadRemoved' || state === 'DisablePending') client = false;
    else throw new Error(`Get-WindowsOptionalFeature SMB1Protocol-Client: unexpected State ${JSON.stringify(state)}`);
  }
  return { source: 'Get-SmbServerConfiguration; Get-WindowsOptionalFeature SMB1Protocol-Client', server_enabled: server, client_enabled: client };
}
