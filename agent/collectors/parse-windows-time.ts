// Windows Time service (LOG-01) from one PowerShell object:
//   Service   = (Get-Service W32Time).Status as a name ("Running", "Stopped"), null when absent;
//   Type, NtpServer = HKLM\SYSTEM\CurrentControlSet\Services\W32Time\Parameters (NT5DS = domain
//               hierarchy, NTP = the NtpServer list, "name,0x9" flags stripped);
//   Status    = the lines of `w32tm /query /status /verbose`, which Windows TRANSLATES ("Source:" /
//               "Source :", "Phase Offset:" / "Décalage de phase :").
// Labels are read in English and French; a layout in neither language is an error (the caller
// says `unavailable`), never a guessed state. Decimal commas (French locale) are read too.
// Privilege: none (w32tm /query works as a standard user).
import type { TimeSync } from '../../policies/evidence.js';
import { asList, asRecord, parsePowerShellJson } from './powershell-json.js';

export const WINDOWS_TIME_SCRIPT = [
  '[Console]::OutputEncoding = [Text.Encoding]::UTF8;',
  '$s = Get-Service W32Time -ErrorAction SilentlyContinue;',
  "$p = Get-ItemProperty 'HKLM:\\SYSTEM\\CurrentControlSet\\Services\\W32Time\\Parameters' -ErrorAction SilentlyContinue;",
  '$q = @(w32tm /query /status /verbose 2>&1 | ForEach-Object { [string]$_ });',
  '@{ Service = $(if ($s) { [string]$s.Status } else { $null }); Type = $p.Type; NtpServer = $p.NtpServer; Status = $q } | ConvertTo-Json -Compress',
].join(' ');

/** Label of each field in the languages read (lower case, accents kept). */
const LABELS = {
  leap: ['leap indicator', 'indicateur de saut'],
  stratum: ['stratum', 'strate'],
  source: ['source'],
  offset: ['phase offset', 'décalage de phase'],
} as const;

type Field = keyof typeof LABELS;

function fieldsOf(lines: readonly string[]): Partial<Record<Field, string>> {
  const out: Partial<Record<Field, string>> = {};
  for (const line of lines) {
    // "Label: value" (English) or "Label : value" (French, with a (narrow) no-break space too).
    const m = /^\s*([^:]+?)[\s\u00a0\u202f]*:\s*(.*)$/.exec(line);
    if (!m) continue;
    const label = (m[1] ?? '').toLowerCase().replace(/[\u2019]/g, "'");
    for (const [field, names] of Object.entries(LABELS) as [Field, readonly string[]][]) {
      if (out[field] === undefined && names.includes(label)) out[field] = (m[2] ?? '').trim();
    }
  }
  return out;
}

/** "0.0001342s", "-0,0312500s" -> absolute seconds. */
function seconds(value: string): number | null {
  const m = /^([+-]?\d+(?:[.,]\d+)?)\s*s$/.exec(value.trim());
  return m ? Math.abs(Number((m[1] ?? '').replace(',', '.'))) : null;
}

/** "dc1.ght.local,0x9" or "ntp1.chu.local 0x8" -> host names; "" -> []. */
function ntpServers(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  return value
    .split(/\s+/)
    .map((s) => s.replace(/,0x[0-9a-f]+$/i, '').trim())
    .filter((s) => s !== '')
    .slice(0, 32);
}

/** The free-running or CMOS clock named as a source: no time source is followed. */
const LOCAL_CLOCK = /local cmos clock|free-running system clock|horloge cmos locale|horloge système|vm ic time synchronization provider/i;

export function parseWindowsTime(json: string): TimeSync {
  const root = asRecord(parsePowerShellJson(json, 'W32Time'), 'W32Time');
  if (root.Service === null || root.Service === undefined) throw new Error('W32Time: the Windows Time service is not installed');
  if (typeof root.Service !== 'string') throw new Error(`W32Time: unexpected service status ${JSON.stringify(root.Service).slice(0, 40)}`);
  const type = typeof root.Type === 'string' ? root.Type : null;
  const configured = type === 'NT5DS' || type === 'AllSync' ? ['domain hierarchy (NT5DS)', ...ntpServers(root.NtpServer)].slice(0, 32) : type === 'NoSync' ? [] : ntpServers(root.NtpServer);
  const base = { daemon: 'w32time', configured_sources: configured };
  if (root.Service !== 'Running') return { ...base, synchronized: false, current_source: null, offset_seconds: null };
  const lines = asList(root.Status).map((l) => (typeof l === 'string' ? l : ''));
  const f = fieldsOf(lines);
  if (f.leap === undefined || f.stratum === undefined || f.source === undefined) {
    throw new Error(`w32tm /query /status: unrecognised output (neither English nor French, or an error): ${lines.find((l) => l.trim() !== '')?.slice(0, 120) ?? 'empty'}`);
  }
  const leap = /^(\d)/.exec(f.leap)?.[1];
  const stratum = Number(/^(\d+)/.exec(f.stratum)?.[1] ?? NaN);
  if (leap === undefined || !Number.isInteger(stratum)) throw new Error(`w32tm /query /status: unreadable leap indicator or stratum (${f.leap.slice(0, 40)}; ${f.stratum.slice(0, 40)})`);
  const source = f.source.replace(/,0x[0-9a-f]+$/i, '').trim();
  // Leap 3 = alarm (not synchronised); stratum 0 = unspecified; a local clock is no source.
  const synchronized = leap !== '3' && stratum >= 1 && stratum <= 15 && source !== '' && !LOCAL_CLOCK.test(source);
  return {
    ...base,
    synchronized,
    current_source: synchronized ? source.slice(0, 253) : null,
    offset_seconds: synchronized && f.offset !== undefined ? seconds(f.offset) : null,
  };
}
