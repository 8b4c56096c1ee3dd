// Local administrators on Windows (AUTH-06), found by SID so a French host's "Administrateurs"
// group and "Administrateur" account are found as on an English one:
//   Get-LocalGroupMember -SID S-1-5-32-544 (Name, ObjectClass, SID), the built-in account
//   (SID ending in -500: Name, Enabled, LastLogon), and LAPS: Windows LAPS policy
//   (HKLM\Software\Microsoft\Policies\LAPS BackupDirectory: 1 Entra ID, 2 AD) or legacy
//   Microsoft LAPS (HKLM\Software\Policies\Microsoft Services\AdmPwd AdmPwdEnabled).
// ObjectClass is TRANSLATED ("Utilisateur"/"Groupe" on a French host). LastLogon is "\/Date(ms)\/"
// in Windows PowerShell 5.1. Privilege: none for the group and the account; reading the LAPS
// policy keys needs none either.
import type { LocalAdmins } from '../../policies/evidence.js';
import { asList, asRecord, parsePowerShellJson, powerShellDate } from './powershell-json.js';

export const WINDOWS_ADMINS_SCRIPT = [
  "$m = @(Get-LocalGroupMember -SID S-1-5-32-544 | Select-Object Name, @{n='ObjectClass';e={[string]$_.ObjectClass}}, @{n='SID';e={[string]$_.SID}})",
  "$b = Get-LocalUser | Where-Object { $_.SID.Value -like 'S-1-5-21-*-500' } | Select-Object Name, Enabled, LastLogon",
  "$w = (Get-ItemProperty 'HKLM:\\Software\\Microsoft\\Policies\\LAPS' -ErrorAction SilentlyContinue).BackupDirectory",
  "$l = (Get-ItemProperty 'HKLM:\\Software\\Policies\\Microsoft Services\\AdmPwd' -ErrorAction SilentlyContinue).AdmPwdEnabled",
  '@{ Group = (Get-LocalGroup -SID S-1-5-32-544).Name; Members = $m; Builtin = $b; LapsBackupDirectory = $w; LegacyAdmPwdEnabled = $l } | ConvertTo-Json -Depth 3 -Compress',
].join('; ');

const USER_CLASSES = /^(user|utilisateur|benutzer|usuario|utente)$/i;
const GROUP_CLASSES = /^(group|groupe|gruppe|grupo|gruppo)$/i;

export function parseWindowsAdmins(json: string): LocalAdmins {
  const root = asRecord(parsePowerShellJson(json, 'Get-LocalGroupMember'), 'Get-LocalGroupMember');
  if (typeof root.Group !== 'string') throw new Error('Get-LocalGroupMember: the Administrators group (S-1-5-32-544) was not found');
  const members = asList(root.Members).slice(0, 64).map((raw) => {
    const m = asRecord(raw, 'Get-LocalGroupMember');
    const cls = String(m.ObjectClass ?? '');
    const kind = USER_CLASSES.test(cls) ? 'user' : GROUP_CLASSES.test(cls) ? 'group' : null;
    if (kind === null) throw new Error(`Get-LocalGroupMember: unknown ObjectClass ${JSON.stringify(cls).slice(0, 40)}`);
    return { name: String(m.Name ?? '').slice(0, 128), kind, last_interactive_logon_at: null } as const;
  });
  const builtin = root.Builtin === null || root.Builtin === undefined ? null : asRecord(root.Builtin, 'Get-LocalUser');
  const laps = root.LapsBackupDirectory === 1 || root.LapsBackupDirectory === 2 ? true : root.LegacyAdmPwdEnabled === 1 ? true : root.LapsBackupDirectory === 0 || root.LegacyAdmPwdEnabled === 0 ? false : null;
  return {
    members,
    builtin_admin: {
      // Renamed (a common hardening step) or absent: the name says what was found.
      name: builtin ? String(builtin.Name ?? '').slice(0, 64) : 'S-1-5-21-*-500 (not found)',
      enabled: builtin ? (typeof builtin.Enabled === 'boolean' ? builtin.Enabled : null) : null,
      // No LAPS policy key at all: LAPS is not configured by policy on this host.
      laps_managed: laps === null ? false : laps,
      last_interactive_logon_at: builtin ? powerShellDate(builtin.LastLogon, 'Get-LocalUser LastLogon') : null,
    },
    // Who uses the workstation day to day is not in this output.
    daily_user_is_admin: null,
    logon_history_since: null,
  };
}
