// Windows local password policy (AUTH-08) from one PowerShell object:
//   NetAccounts = the lines of `net accounts` (local SAM policy: minimum length, maximum age,
//                 history; TRANSLATED, read by parse-net-accounts.ts in English and French),
//   NetExit     = its exit code (2 with "System error 5" when refused),
//   AdminSids   = SIDs of the local Administrators members (S-1-5-32-544, found by SID),
//   Users       = the enabled local accounts: Name, SID, PasswordExpires (null when the password
//                 never expires for this account or the policy has no maximum age).
// An account's forced expiry is the policy's maximum age unless its own password never expires.
// Domain accounts follow the domain's policy (`net accounts /domain`, the Default Domain Policy),
// not this one: the source says so. Windows takes passwords up to 256 characters through its API
// and has no policy for a shorter maximum: max_length is null ("no limit the tool knows of").
// Privilege: none (net accounts and Get-LocalUser work as a standard user).
import type { PasswordPolicy } from '../../policies/evidence.js';
import { readNetAccounts } from './parse-net-accounts.js';
import { asList, asRecord, parsePowerShellJson, powerShellDate } from './powershell-json.js';

export const WINDOWS_PASSWORD_POLICY_SCRIPT = [
  '[Console]::OutputEncoding = [Text.Encoding]::UTF8;',
  '$n = @(net accounts 2>&1 | ForEach-Object { [string]$_ }); $x = $LASTEXITCODE;',
  '$a = @(Get-LocalGroupMember -SID S-1-5-32-544 -ErrorAction SilentlyContinue | ForEach-Object { [string]$_.SID });',
  "$u = @(Get-LocalUser | Where-Object { $_.Enabled } | Select-Object Name, @{n='SID';e={[string]$_.SID}}, PasswordExpires);",
  '@{ NetAccounts = $n; NetExit = $x; AdminSids = $a; Users = $u } | ConvertTo-Json -Depth 3 -Compress',
].join(' ');

const MAX_ACCOUNTS = 256;

export function parseWindowsPasswordPolicy(json: string): PasswordPolicy {
  const root = asRecord(parsePowerShellJson(json, 'net accounts / Get-LocalUser'), 'net accounts / Get-LocalUser');
  const lines = asList(root.NetAccounts).map((l) => (typeof l === 'string' ? l : ''));
  if (root.NetExit !== 0) {
    const said = lines.map((l) => l.trim()).filter(Boolean).join(' | ').slice(0, 200);
    throw new Error(`net accounts failed (exit ${JSON.stringify(root.NetExit ?? null)}): ${said || 'no message'}`);
  }
  const policy = readNetAccounts(lines.join('\r\n'));
  if (!Array.isArray(root.AdminSids) && root.AdminSids !== null && root.AdminSids !== undefined && typeof root.AdminSids !== 'string') {
    throw new Error('Get-LocalGroupMember: unexpected SID list');
  }
  const admins = new Set(asList(root.AdminSids).filter((s): s is string => typeof s === 'string'));
  const users = asList(root.Users);
  if (users.length > MAX_ACCOUNTS) throw new Error(`Get-LocalUser: more than ${MAX_ACCOUNTS} enabled local accounts`);
  const accounts = users.map((raw) => {
    const u = asRecord(raw, 'Get-LocalUser');
    if (typeof u.Name !== 'string' || typeof u.SID !== 'string' || !/^S-1-5-/.test(u.SID)) throw new Error(`Get-LocalUser: unexpected account ${JSON.stringify(raw).slice(0, 80)}`);
    const expires = powerShellDate(u.PasswordExpires, 'Get-LocalUser PasswordExpires');
    return { name: u.Name.slice(0, 64), privileged: admins.has(u.SID), max_age_days: expires === null ? null : policy.max_age_days };
  });
  return {
    source: `net accounts (local SAM policy${policy.language === 'fr' ? ', French' : ''}; domain accounts follow the domain policy); Get-LocalUser`,
    min_length: policy.min_length ?? 0,
    max_length: null,
    max_age_days: policy.max_age_days,
    history: policy.history ?? 0,
    accounts,
  };
}
