// Pure parser of `borg list --json REPO` (borg 1.2): {archives: [{name, start, time, ...}], ...};
// with `--format '{hostname}'` each archive also carries the host name it was made on.
// borg 1.x prints archive times WITHOUT a zone, in the local time of the process that runs it.
// The collector forces TZ=UTC on that process, so a zone-less time here is UTC and gets a "Z".
import { assertNotInFuture, newestIso, parseZonedTime, tallyHost, type BackupSummary } from './parse-backup-time.js';

const MAX_ARCHIVES = 10_000_000;

export function parseBorgList(json: string, now: Date): BackupSummary {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    throw new Error('borg list output is not JSON');
  }
  const archives = typeof data === 'object' && data !== null ? (data as { archives?: unknown }).archives : undefined;
  if (!Array.isArray(archives)) throw new Error('borg list output has no "archives" array');
  if (archives.length > MAX_ARCHIVES) throw new Error(`more than ${MAX_ARCHIVES} archives`);
  const times: Date[] = [];
  // `hostname` is there when the collector asked for it (--format '{hostname}', backup servers).
  const hosts: NonNullable<BackupSummary['hosts']> = new Map();
  archives.forEach((archive: unknown, index) => {
    const { name, start, time, hostname } = (typeof archive === 'object' && archive !== null ? archive : {}) as Record<string, unknown>;
    // A checkpoint archive is an interrupted backup, not a successful one.
    if (typeof name === 'string' && /\.checkpoint(\.\d+)?$/.test(name)) return;
    const text = typeof start === 'string' ? start : typeof time === 'string' ? time : null;
    const date = text === null ? null : parseZonedTime(/(Z|[+-]\d{2}:\d{2})$/i.test(text) ? text : `${text}Z`);
    if (!date) throw new Error(`borg archive #${index} has no valid "start" time`);
    times.push(date);
    tallyHost(hosts, hostname, date);
  });
  const last = newestIso(times);
  assertNotInFuture(last, now, 'newest borg archive');
  return { last_success_at: last, snapshot_count: times.length, hosts };
}
