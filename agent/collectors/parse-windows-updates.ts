// Pending Windows updates (INV-03) from one PowerShell object:
//   Updates = the Windows Update Agent search "IsInstalled=0 and IsHidden=0 and Type='Software'"
//             (Microsoft.Update.Session COM: against WSUS when the host is managed by one): Title
//             (TRANSLATED), KBArticleIDs, MsrcSeverity, category GUIDs, LastDeploymentChangeTime
//             (when the update was published to the service the host asks);
//   ResultCode = the search's OperationResultCode (2 succeeded, 3 succeeded with errors);
//   LastInstall = the newest Get-HotFix InstalledOn.
// Security is read from the "Security Updates" category GUID or an MSRC severity, never from the
// translated title or category names. Privilege: none for the search (it reads the local WUA
// cache refreshed by the service; offline it fails, and the caller says `unavailable`).
import type { PendingUpdate, UpdateState } from '../../policies/evidence.js';
import { asList, asRecord, parsePowerShellJson, powerShellDate } from './powershell-json.js';

export const WINDOWS_UPDATES_SCRIPT = [
  '[Console]::OutputEncoding = [Text.Encoding]::UTF8; $ErrorActionPreference = "Stop";',
  "$r = (New-Object -ComObject Microsoft.Update.Session).CreateUpdateSearcher().Search(\"IsInstalled=0 and IsHidden=0 and Type='Software'\");",
  '$u = @($r.Updates | ForEach-Object { @{ Title = $_.Title; KB = @($_.KBArticleIDs); Severity = $_.MsrcSeverity; Categories = @($_.Categories | ForEach-Object { $_.CategoryID }); Published = $_.LastDeploymentChangeTime } });',
  '$h = Get-HotFix | Where-Object { $_.InstalledOn } | Sort-Object InstalledOn -Descending | Select-Object -First 1;',
  '@{ ResultCode = [int]$r.ResultCode; Updates = $u; LastInstall = $h.InstalledOn } | ConvertTo-Json -Depth 4 -Compress',
].join(' ');

/** Windows Update classification "Security Updates" (the GUID is the same in every language). */
export const SECURITY_UPDATES_CATEGORY = '0fa1201d-4330-4fa8-8ae9-b877473b6441';
const MSRC_SEVERITIES = new Set(['Critical', 'Important', 'Moderate', 'Low']);
const MAX_PENDING = 2000;

export function parseWindowsUpdates(json: string): UpdateState {
  const root = asRecord(parsePowerShellJson(json, 'Windows Update search'), 'Windows Update search');
  if (root.ResultCode !== 2 && root.ResultCode !== 3) throw new Error(`Windows Update search did not succeed (OperationResultCode ${JSON.stringify(root.ResultCode)?.slice(0, 20)})`);
  const items = asList(root.Updates);
  const pending: PendingUpdate[] = items.slice(0, MAX_PENDING).map((item) => {
    const u = asRecord(item, 'Windows Update');
    const title = typeof u.Title === 'string' && u.Title.trim() !== '' ? u.Title.trim() : null;
    if (title === null) throw new Error('Windows Update search: an update without a title');
    const kbs = asList(u.KB).map(String).filter((k) => /^\d{5,8}$/.test(k));
    const categories = asList(u.Categories).map((c) => String(c).toLowerCase());
    const severity = typeof u.Severity === 'string' ? u.Severity : '';
    return {
      package: kbs.length > 0 ? `KB${kbs[0]}` : title.slice(0, 128),
      version: title.slice(0, 128),
      security: categories.includes(SECURITY_UPDATES_CATEGORY) || MSRC_SEVERITIES.has(severity),
      published_at: powerShellDate(u.Published, 'LastDeploymentChangeTime'),
      first_seen_at: null,
    };
  });
  return {
    manager: 'Windows Update',
    pending,
    complete: items.length <= MAX_PENDING,
    last_install_at: powerShellDate(root.LastInstall, 'Get-HotFix InstalledOn'),
    index_date: null,
  };
}
