// Pure parser of Windows Server Backup's `wbadmin get versions` (English). Each version block
// has "Backup time" (LOCAL time, no zone) and "Version identifier" (MM/DD/YYYY-HH:MM in UTC):
// the identifier is used, so the host's zone never matters.
import { assertNotInFuture, newestIso, type BackupSummary } from './parse-backup-time.js';

export interface WbadminVersions extends BackupSummary {
  /** "Backup location" of the newest version, e.g. "Network Share labeled \\nas01\wsb". */
  location: string | null;
}

export function parseWbadminVersions(text: string, now: Date): WbadminVersions {
  if (!/wbadmin \d+\.\d+ - Backup command-line tool/.test(text)) throw new Error('not wbadmin output (no banner)');
  if (/No backup was found|There are no backups|No backups were found/i.test(text)) return { last_success_at: null, snapshot_count: 0, location: null };
  if (/^ERROR - /m.test(text)) throw new Error(`wbadmin error: ${/^ERROR - (.*)$/m.exec(text)?.[1]?.slice(0, 200) ?? ''}`);
  const versions: Array<{ at: Date; location: string | null }> = [];
  const blocks = text.split(/\r?\n(?=Backup time:)/).slice(1);
  for (const block of blocks) {
    const id = /^Version identifier:\s*(\d{2})\/(\d{2})\/(\d{4})-(\d{2}):(\d{2})\s*$/m.exec(block);
    if (!id) throw new Error('wbadmin version without a valid "Version identifier" (truncated output?)');
    const [, month, day, year, hour, minute] = id.map(Number);
    const at = new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day, hour, minute));
    if (Number.isNaN(at.getTime()) || at.getUTCDate() !== day) throw new Error(`wbadmin version identifier is not a date: ${id[0]}`);
    versions.push({ at, location: /^Backup location:\s*(.+?)\s*$/m.exec(block)?.[1] ?? null });
  }
  if (versions.length === 0) throw new Error('wbadmin output lists no version and does not say there is none');
  const last = newestIso(versions.map((v) => v.at));
  assertNotInFuture(last, now, 'newest wbadmin version');
  const newest = versions.reduce((a, b) => (b.at > a.at ? b : a));
  return { last_success_at: last, snapshot_count: versions.length, location: newest.location?.slice(0, 400) ?? null };
}
