// BitLocker on the fixed volumes (ENC-01) from one PowerShell object:
//   Volumes = Get-BitLockerVolume | MountPoint, VolumeType, ProtectionStatus, EncryptionMethod,
//             VolumeStatus, and the key protector types as names;
//   Fixed   = the drive letters of fixed disks (Win32_LogicalDisk DriveType 3): removable drives
//             (BitLocker To Go, BKP-08) are not the host's volumes;
//   RequireAdBackup = HKLM\SOFTWARE\Policies\Microsoft\FVE OSRequireActiveDirectoryBackup: 1 means
//             BitLocker refused to turn on until the recovery password was stored in AD, so a
//             recovery-password protector on such a host is escrowed. Without that policy the escrow
//             is not observable from the host (null), never assumed.
// Enums come as numbers from Windows PowerShell 5.1 (ProtectionStatus Off 0 / On 1 / Unknown 2;
// EncryptionMethod None 0, Aes128Diffuser 1, Aes256Diffuser 2, Aes128 3, Aes256 4, Hardware 5,
// XtsAes128 6, XtsAes256 7; VolumeStatus FullyDecrypted 0, FullyEncrypted 1, EncryptionInProgress 2,
// DecryptionInProgress 3, EncryptionPaused 4, DecryptionPaused 5) and as names when converted.
// Privilege: administrator (Get-BitLockerVolume is refused otherwise: `unavailable`). Never a key.
import type { EncryptedVolume } from '../../policies/evidence.js';
import { asList, asRecord, parsePowerShellJson } from './powershell-json.js';

export const WINDOWS_BITLOCKER_SCRIPT = [
  "$v = @(Get-BitLockerVolume -ErrorAction Stop | Select-Object MountPoint,VolumeType,ProtectionStatus,EncryptionMethod,VolumeStatus,@{n='Protectors';e={@($_.KeyProtector | ForEach-Object { [string]$_.KeyProtectorType })}});",
  "$d = @(Get-CimInstance Win32_LogicalDisk -Filter 'DriveType=3' | ForEach-Object { $_.DeviceID });",
  "$f = Get-ItemProperty 'HKLM:\\SOFTWARE\\Policies\\Microsoft\\FVE' -ErrorAction SilentlyContinue;",
  '@{ Volumes = $v; Fixed = $d; RequireAdBackup = $f.OSRequireActiveDirectoryBackup } | ConvertTo-Json -Depth 4 -Compress',
].join(' ');

const METHODS = ['None', 'Aes128Diffuser', 'Aes256Diffuser', 'Aes128', 'Aes256', 'Hardware', 'XtsAes128', 'XtsAes256'];
const STATUSES = ['FullyDecrypted', 'FullyEncrypted', 'EncryptionInProgress', 'DecryptionInProgress', 'EncryptionPaused', 'DecryptionPaused'];

function enumName(value: unknown, names: readonly string[], what: string): string {
  if (typeof value === 'number' && Number.isInteger(value) && names[value] !== undefined) return names[value] as string;
  if (typeof value === 'string' && names.includes(value)) return value;
  throw new Error(`Get-BitLockerVolume: unexpected ${what} ${JSON.stringify(value)?.slice(0, 40)}`);
}

function protection(value: unknown): boolean | null {
  if (value === 1 || value === 'On') return true;
  if (value === 0 || value === 'Off') return false;
  if (value === 2 || value === 'Unknown') return null;
  throw new Error(`Get-BitLockerVolume: unexpected ProtectionStatus ${JSON.stringify(value)?.slice(0, 40)}`);
}

export function parseWindowsBitLocker(json: string): EncryptedVolume[] {
  const root = asRecord(parsePowerShellJson(json, 'Get-BitLockerVolume'), 'Get-BitLockerVolume');
  if (!Array.isArray(root.Volumes) && (typeof root.Volumes !== 'object' || root.Volumes === null)) throw new Error('Get-BitLockerVolume: no volume list in the output');
  const fixed = new Set(asList(root.Fixed).filter((d): d is string => typeof d === 'string').map((d) => d.toUpperCase()));
  const adBackup = root.RequireAdBackup === 1;
  const out: EncryptedVolume[] = [];
  for (const item of asList(root.Volumes)) {
    const v = asRecord(item, 'Get-BitLockerVolume volume');
    const mount = typeof v.MountPoint === 'string' ? v.MountPoint.trim() : '';
    if (mount === '') throw new Error('Get-BitLockerVolume: a volume without MountPoint');
    // Volumes mounted without a letter (\\?\Volume{...}) are recovery/system partitions.
    if (!/^[A-Za-z]:\\?$/.test(mount)) continue;
    if (fixed.size > 0 && !fixed.has(mount.slice(0, 2).toUpperCase())) continue;
    const method = enumName(v.EncryptionMethod, METHODS, 'EncryptionMethod');
    const status = enumName(v.VolumeStatus, STATUSES, 'VolumeStatus');
    const protectors = asList(v.Protectors).filter((p): p is string => typeof p === 'string');
    const clear = status === 'FullyDecrypted' && method === 'None';
    const recovery = protectors.includes('RecoveryPassword') || protectors.includes('3');
    out.push({
      mount: mount.slice(0, 2).toUpperCase(),
      scheme: clear ? 'none' : 'bitlocker',
      protection_on: clear ? false : protection(v.ProtectionStatus),
      cipher: clear || method === 'None' ? null : method,
      key_bits: /256/.test(method) ? 256 : /128/.test(method) ? 128 : null,
      // No recovery password at all: nothing could be escrowed. With one, only the AD-backup-required policy proves it.
      recovery_escrowed: clear ? null : !recovery ? false : adBackup ? true : null,
      // Get-BitLockerVolume does not say since when protection is suspended.
      suspended_since: null,
    });
  }
  return out.slice(0, 32);
}
