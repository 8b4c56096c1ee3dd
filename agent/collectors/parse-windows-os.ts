// Windows product, version and build for the end-of-support check (INV-02) from
//   Get-CimInstance Win32_OperatingSystem | Select Caption, Version, BuildNumber, ProductType, plus
//   HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion DisplayVersion and UBR, as one ConvertTo-Json object.
// Caption is TRANSLATED ("Microsoft Windows 11 Professionnel", "... Entreprise LTSC"): the version
// comes from the build number, the edition from words in either language. Privilege: none.
import type { OsProduct } from '../../policies/evidence.js';
import { asRecord, parsePowerShellJson } from './powershell-json.js';

export const WINDOWS_OS_SCRIPT =
  "$o = Get-CimInstance Win32_OperatingSystem; $r = Get-ItemProperty 'HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion'; @{ Caption = $o.Caption; Version = $o.Version; BuildNumber = $o.BuildNumber; ProductType = $o.ProductType; DisplayVersion = $r.DisplayVersion; UBR = $r.UBR } | ConvertTo-Json -Compress";

/** Server releases by build number (the caption's year is used when the build is unknown). */
const SERVER_BUILDS: [number, string][] = [
  [26100, '2025'],
  [20348, '2022'],
  [17763, '2019'],
  [14393, '2016'],
  [9600, '2012 R2'],
  [9200, '2012'],
];

export function parseWindowsOs(json: string): OsProduct {
  const o = asRecord(parsePowerShellJson(json, 'Win32_OperatingSystem'), 'Win32_OperatingSystem');
  const caption = typeof o.Caption === 'string' ? o.Caption : '';
  const build = Number(o.BuildNumber);
  if (!Number.isInteger(build) || build <= 0) throw new Error(`Win32_OperatingSystem: unreadable BuildNumber ${JSON.stringify(o.BuildNumber)}`);
  // ProductType: 1 workstation, 2 domain controller, 3 server.
  const server = o.ProductType === 2 || o.ProductType === 3;
  let version: string;
  if (server) {
    version = SERVER_BUILDS.find(([b]) => build >= b && build < b + 100)?.[1] ?? /\b(20\d\d( R2)?)\b/.exec(caption)?.[1] ?? String(build);
  } else {
    version = build >= 22000 ? '11' : build >= 10240 ? '10' : build === 9600 ? '8.1' : build === 7601 ? '7' : String(build);
  }
  const displayVersion = typeof o.DisplayVersion === 'string' && /^\d{2}H\d$/i.test(o.DisplayVersion) ? o.DisplayVersion.toUpperCase() : null;
  const ubr = typeof o.UBR === 'number' ? `.${o.UBR}` : '';
  const edition = /\bLTS[BC]\b/i.test(caption)
    ? 'LTSC'
    : /\b(Enterprise|Entreprise)\b/i.test(caption)
      ? 'Enterprise'
      : /\b(Education|Éducation)\b/i.test(caption)
        ? 'Education'
        : null;
  return {
    product: server ? 'windows-server' : 'windows',
    version,
    build: displayVersion ?? `${build}${ubr}`,
    edition,
    source: 'Get-CimInstance Win32_OperatingSystem; CurrentVersion DisplayVersion/UBR',
  };
}
