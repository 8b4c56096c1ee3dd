// Pure reading of pending updates: `apt-get -s upgrade` (simulation, no lock) and, on RPM hosts,
// `dnf updateinfo list --security --updates` + `dnf updateinfo info` for the advisories' dates.

export interface AptPending {
  package: string;
  version: string;
  security: boolean;
}

/** `Inst pkg [old] (new Origin:suite/codename-security [arch])` lines. */
export function parseAptSimulate(text: string): AptPending[] {
  const pending: AptPending[] = [];
  for (const line of text.split('\n').slice(0, 100_000)) {
    const m = /^Inst\s+(\S+)\s+(?:\[[^\]]*\]\s+)?\((\S+)\s+([^)]*)\)/.exec(line);
    if (!m?.[1] || !m[2]) continue;
    pending.push({ package: m[1], version: m[2], security: /-security\b|Security/i.test(m[3] ?? '') });
  }
  return pending;
}

/** The newest `Date:` of apt's Release files (index age). */
export function parseReleaseDate(text: string): Date | null {
  const m = /^Date:\s*(.+)$/m.exec(text);
  if (!m?.[1]) return null;
  const d = new Date(m[1].trim());
  return Number.isNaN(d.getTime()) ? null : d;
}

export interface DnfAdvisory {
  id: string;
  /** The advisory's "Updated" time (dnf 4 prints the repository's date in the host's local time). */
  issued: Date | null;
}

/**
 * `dnf updateinfo info --security --updates` (dnf 4, dnf/cli/commands/updateinfo.py display_info):
 * per advisory a title between lines of 79 "=", then `label : value` lines with the labels
 * right-aligned ("  Update ID : RHSA-2024:3339", "    Updated : 2024-05-23 06:23:21"). Older yum
 * and some repositories say "Issued" instead of "Updated": both are read.
 */
export function parseDnfUpdateinfoInfo(text: string): DnfAdvisory[] {
  const advisories: DnfAdvisory[] = [];
  let current: DnfAdvisory | null = null;
  for (const line of text.split('\n').slice(0, 500_000)) {
    const m = /^\s*(Update ID|Updated|Issued)\s*:\s*(.+?)\s*$/.exec(line);
    if (!m) continue;
    if (m[1] === 'Update ID') {
      current = { id: m[2]!, issued: null };
      advisories.push(current);
    } else if (current !== null && current.issued === null) {
      current.issued = parseDnfTime(m[2]!);
    }
  }
  return advisories;
}

/** "2024-05-23 06:23:21" (local time of the host, as Python prints a naive datetime) or with a zone. */
function parseDnfTime(text: string): Date | null {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(text);
  if (!m) return null;
  const d = new Date(`${m[1]}T${m[2]}${m[4] ?? ''}`);
  return Number.isNaN(d.getTime()) ? null : d;
}

export interface DnfPending {
  advisory: string;
  /** "Important/Sec.", "Moderate/Sec."... */
  severity: string;
  /** Package name and version-release.arch split from the NEVRA dnf prints. */
  package: string;
  version: string;
}

/**
 * `dnf updateinfo list --security --updates` (dnf 4 display_list): `ID  Severity/Sec.  name-[epoch:]version-release.arch`
 * per line, columns padded with spaces. Other lines ("Last metadata expiration check: ...") are skipped.
 */
export function parseDnfUpdateinfoList(text: string): DnfPending[] {
  const out: DnfPending[] = [];
  for (const line of text.split('\n').slice(0, 100_000)) {
    const f = line.trim().split(/\s+/);
    if (f.length !== 3 || !/\/Sec\.$/.test(f[1]!)) continue;
    const nevra = /^(.+)-([^-]+-[^-]+)$/.exec(f[2]!);
    if (!nevra) continue;
    out.push({ advisory: f[0]!, severity: f[1]!, package: nevra[1]!, version: nevra[2]! });
  }
  return out;
}

/** `rpm -qa --qf '%{INSTALLTIME}\n'`: the newest install time (epoch seconds), or null. */
export function parseRpmInstallTimes(text: string): Date | null {
  let newest = 0;
  for (const line of text.split('\n').slice(0, 200_000)) {
    const n = /^\d{1,12}$/.test(line.trim()) ? Number(line.trim()) : 0;
    if (n > newest) newest = n;
  }
  return newest > 0 ? new Date(newest * 1000) : null;
}

/** Last `Start-Date:` of /var/log/apt/history.log with an Upgrade or Install line. */
export function parseAptHistoryLastInstall(text: string): Date | null {
  let last: Date | null = null;
  for (const block of text.split(/\n\s*\n/)) {
    if (!/^(Upgrade|Install):/m.test(block)) continue;
    const m = /^Start-Date:\s*(\d{4}-\d{2}-\d{2})\s+(\d{2}:\d{2}:\d{2})/m.exec(block);
    if (!m) continue;
    // apt writes local time without a zone; the agent runs with TZ of the host: read as local.
    const d = new Date(`${m[1]}T${m[2]}`);
    if (!Number.isNaN(d.getTime()) && (!last || d > last)) last = d;
  }
  return last;
}

/**
 * dnf5 `advisory list --security --updates --json` (libdnf5-cli/output/advisorylist.cpp,
 * print_advisorylist_json): an array of {name, type, severity, nevra, buildtime}. Read in the
 * dnf5 source (rpm-software-management/dnf5), the date has had two shapes:
 * - dnf5 5.2.4 to 5.2.x: a string, common/utils/string.hpp `format_epoch`, i.e.
 *   fmt::format("{:%F %X}", system_clock::from_time_t(epoch)) -> "2026-11-18 14:02:31". fmt >= 10.0
 *   formats a system_clock time point in UTC (fmt ChangeLog 10.0.0, fmt#3199); older fmt used local
 *   time, which is UTC too because the agent runs its tools with TZ=UTC. Read as UTC.
 * - dnf5 >= 5.3.0 (commit 6168b1de9, "standardize timestamps"): an integer, UNIX time
 *   (json_object_new_int64; doc/commands/advisory.8.rst "buildtime (integer) - Advisory build
 *   time, UNIX time").
 * A date in neither shape, or 0 (no date in the repository's updateinfo), is null: INV-03 then says
 * unknown for it. Anything else not of this shape is refused (truncated or foreign output).
 */
export function parseDnf5AdvisoryList(text: string): (DnfPending & { issued: Date | null })[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`dnf5 advisory list: not JSON (truncated output?): ${text.slice(0, 60)}`);
  }
  if (!Array.isArray(parsed)) throw new Error('dnf5 advisory list: not a JSON array');
  const out: (DnfPending & { issued: Date | null })[] = [];
  for (const item of parsed.slice(0, 100_000)) {
    const a = item as Record<string, unknown>;
    if (typeof a !== 'object' || a === null || typeof a.name !== 'string' || typeof a.type !== 'string' || typeof a.nevra !== 'string') {
      throw new Error(`dnf5 advisory list: unexpected entry ${JSON.stringify(item)?.slice(0, 80)}`);
    }
    if (a.type !== 'security') continue;
    const nevra = /^(.+)-([^-]+-[^-]+)$/.exec(a.nevra);
    if (!nevra) throw new Error(`dnf5 advisory list: unreadable NEVRA ${a.nevra.slice(0, 80)}`);
    const issued = dnf5Buildtime(a.buildtime);
    out.push({ advisory: a.name, severity: typeof a.severity === 'string' && a.severity !== '' ? a.severity : 'None', package: nevra[1]!, version: nevra[2]!, issued });
  }
  return out;
}

/** dnf5's `buildtime`: "YYYY-MM-DD HH:MM:SS" in UTC (5.2.x) or UNIX seconds (>= 5.3.0); else null. */
function dnf5Buildtime(value: unknown): Date | null {
  let date: Date | null = null;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) date = new Date(value * 1000);
  if (typeof value === 'string') {
    const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(value);
    if (m) date = new Date(`${m[1]}T${m[2]}Z`);
  }
  return date && !Number.isNaN(date.getTime()) && date.getUTCFullYear() > 1970 ? date : null;
}
