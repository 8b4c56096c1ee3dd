// Pure parser of Windows `dsregcmd /status`: "            Key : VALUE" lines grouped in
// "| Section |" boxes. Only device-join and Windows Hello for Business facts are kept.
import type { WindowsLogon } from '../../policies/evidence.js';

export function parseDsregcmdStatus(text: string): WindowsLogon {
  if (!/\|\s*Device State\s*\|/.test(text)) throw new Error('not dsregcmd /status output (no Device State section)');
  const values = new Map<string, string>();
  for (const line of text.split(/\r?\n/).slice(0, 2000)) {
    const match = /^\s*([A-Za-z][A-Za-z ]*?)\s*:\s*(.*)$/.exec(line);
    if (match?.[1] && !values.has(match[1])) values.set(match[1], (match[2] ?? '').trim());
  }
  const flag = (key: string): boolean | null => {
    const value = values.get(key)?.toUpperCase();
    return value === 'YES' ? true : value === 'NO' ? false : null;
  };
  const joinedAzure = flag('AzureAdJoined');
  const joinedDomain = flag('DomainJoined');
  // Both are always printed in the Device State box; missing means a cut output.
  if (joinedAzure === null || joinedDomain === null) throw new Error('truncated dsregcmd /status output (no AzureAdJoined/DomainJoined)');
  const domain = values.get('DomainName');
  return {
    azure_ad_joined: joinedAzure,
    domain_joined: joinedDomain,
    domain_name: domain ? domain.slice(0, 128) : null,
    ngc_set: flag('NgcSet'),
    whfb_policy_enabled: flag('PolicyEnabled'),
  };
}
