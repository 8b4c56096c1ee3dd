// Shared helpers of the backup parsers: timestamps normalised to UTC ISO, sanity bounds.

/** Parses an RFC 3339 time that carries its zone (Z or ±hh:mm) into a Date; null if not one. */
export function parseZonedTime(text: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(text)) return null;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Newest of the dates as a UTC ISO string, or null when there are none. */
export function newestIso(dates: readonly Date[]): string | null {
  let newest: Date | null = null;
  for (const date of dates) if (!newest || date.getTime() > newest.getTime()) newest = date;
  return newest ? newest.toISOString() : null;
}

/** Clock skew tolerated before a backup time "in the future" is refused as untrustworthy. */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

export function assertNotInFuture(iso: string | null, now: Date, what: string): void {
  if (iso !== null && new Date(iso).getTime() > now.getTime() + FUTURE_TOLERANCE_MS) {
    throw new Error(`${what} ${iso} is in the future (host clock is ${now.toISOString()})`);
  }
}

export interface BackupSummary {
  last_success_at: string | null;
  snapshot_count: number;
  /** Per host name the tool recorded (restic `hostname`, borg `{hostname}`): newest snapshot and count. */
  hosts?: Map<string, { last_snapshot_at: string; snapshot_count: number }>;
}

/** Adds one snapshot of `hostname` taken at `date` to the per-host tally. */
export function tallyHost(hosts: Map<string, { last_snapshot_at: string; snapshot_count: number }>, hostname: unknown, date: Date): void {
  if (typeof hostname !== 'string' || hostname.trim() === '') return;
  const name = hostname.trim().slice(0, 253);
  const iso = date.toISOString();
  const entry = hosts.get(name);
  if (entry === undefined) hosts.set(name, { last_snapshot_at: iso, snapshot_count: 1 });
  else {
    entry.snapshot_count += 1;
    if (iso > entry.last_snapshot_at) entry.last_snapshot_at = iso;
  }
}
