// Pure parser of macOS `tmutil listbackups`: one backup path per line whose last component
// is the backup's LOCAL start time, "YYYY-MM-DD-HHMMSS" (HFS+ destinations) or
// "YYYY-MM-DD-HHMMSS.backup" (APFS, macOS 11+). The caller gives the host's zone rule.
import { assertNotInFuture, newestIso, type BackupSummary } from './parse-backup-time.js';

/** Wall-clock time in the host's zone -> instant. The collector passes the host's own rule. */
export type LocalTime = (year: number, month: number, day: number, hour: number, minute: number, second: number) => Date;

export const hostLocalTime: LocalTime = (y, mo, d, h, mi, s) => new Date(y, mo - 1, d, h, mi, s);

export function parseTmutilListBackups(text: string, now: Date, localTime: LocalTime = hostLocalTime): BackupSummary {
  if (/No machine directory found|Failed to mount backup destination|requires Full Disk Access/i.test(text)) {
    throw new Error(`tmutil: ${text.trim().split('\n')[0]?.slice(0, 200) ?? ''}`);
  }
  const dates: Date[] = [];
  for (const raw of text.split('\n').slice(0, 100_000)) {
    const line = raw.trim();
    if (line === '') continue;
    const match = /\/(\d{4})-(\d{2})-(\d{2})-(\d{2})(\d{2})(\d{2})(?:\.backup)?\/?$/.exec(line);
    if (!match) throw new Error(`unexpected tmutil line: ${line.slice(0, 120)}`);
    const [, y, mo, d, h, mi, s] = match.map(Number);
    const date = localTime(y ?? 0, mo ?? 0, d ?? 0, h ?? 0, mi ?? 0, s ?? 0);
    if (Number.isNaN(date.getTime())) throw new Error(`tmutil backup name is not a date: ${line.slice(0, 120)}`);
    dates.push(date);
  }
  const last = newestIso(dates);
  assertNotInFuture(last, now, 'newest Time Machine backup');
  return { last_success_at: last, snapshot_count: dates.length };
}
