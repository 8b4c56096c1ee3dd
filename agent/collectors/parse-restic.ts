// Pure parser of `restic snapshots --json`: an array of snapshots, each with an RFC 3339 `time`
// carrying its zone offset (e.g. "2026-11-22T14:09:25.467254877+01:00"). Other fields ignored.
import { assertNotInFuture, newestIso, parseZonedTime, tallyHost, type BackupSummary } from './parse-backup-time.js';

const MAX_SNAPSHOTS = 10_000_000;

export function parseResticSnapshots(json: string, now: Date): BackupSummary {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    throw new Error('restic snapshots output is not JSON');
  }
  // restic prints `null` for an empty repository in some versions, `[]` in others.
  if (data === null) return { last_success_at: null, snapshot_count: 0 };
  if (!Array.isArray(data)) throw new Error('restic snapshots output is not a JSON array');
  if (data.length > MAX_SNAPSHOTS) throw new Error(`more than ${MAX_SNAPSHOTS} snapshots`);
  const hosts: NonNullable<BackupSummary['hosts']> = new Map();
  const times = data.map((snapshot, index) => {
    const fields = (typeof snapshot === 'object' && snapshot !== null ? snapshot : {}) as { time?: unknown; hostname?: unknown };
    const date = typeof fields.time === 'string' ? parseZonedTime(fields.time) : null;
    if (!date) throw new Error(`restic snapshot #${index} has no valid zoned "time"`);
    tallyHost(hosts, fields.hostname, date);
    return date;
  });
  const last = newestIso(times);
  assertNotInFuture(last, now, 'newest restic snapshot');
  return { last_success_at: last, snapshot_count: times.length, hosts };
}
