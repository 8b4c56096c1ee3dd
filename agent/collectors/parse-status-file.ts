// The Vigie backup status file: a small JSON document any backup script can write after each
// run, for tools the agent cannot query itself (vendor software, rsync, pg_dump scripts...).
//
// ---- README: "Backup status file" (for the README) -------------------------------------------
// Declare it in the agent config as `{ "tool": "status-file", "path": "/var/lib/backup/vigie-status.json" }`.
// The file (UTF-8 JSON, at most 64 KiB, unknown fields refused) looks like:
//
//   {
//     "format": "vigie-backup-status/1",
//     "tool_name": "pg_dump to nas01",          // what makes the backup (1..128 chars)
//     "target": "nas01:/backups/dpi",           // where it goes (1..512 chars); a password in a URL is removed
//     "last_success_at": "2026-11-22T02:00:00Z", // end of the last successful run, RFC 3339 with
//                                                // a zone (Z or +01:00); null if none yet
//     "snapshot_count": 14,                     // optional: restore points kept
//     "last_attempt_at": "2026-11-22T02:00:00Z", // optional: end of the last run, successful or not
//     "last_attempt_ok": true,                  // optional: whether that last run succeeded
//     "offline_copies": [                       // optional (BKP-02), at most 16
//       { "kind": "offline", "target": "LTO tape set B", "location": "Bâtiment C",
//         "last_copy_at": "2026-11-20T18:00:00+01:00", "media_connected": false, "retention_days": null }
//     ],                                        // kind: offline | immutable; retention_days for immutable
//     "restore_tests": [                        // optional (BKP-04), at most 64; no operator names
//       { "tested_at": "2026-10-02T10:00:00Z", "scope": "DPI database", "result": "success", "record": "TICKET-4521" }
//     ]                                         // result: success | partial | failure
//   }
//
// Write it atomically (write a temp file, then rename). Times without a zone, times more than
// 5 minutes in the future, a malformed or oversized file: the agent
// reports the source as unavailable, never as a recent backup.
// ------------------------------------------------------------------------------------------------
import { Type, type Static } from 'typebox';
import { BackupConsoleAccess, BackupDestination, BackupMonitoring, BackupRepository, OfflineCopy, RemovableBackupTarget, RestoreTest } from '../../policies/evidence.js';
import { Value } from 'typebox/value';
import { assertNotInFuture, parseZonedTime } from './parse-backup-time.js';
import { stripUrlCredentials } from './redact.js';

export const STATUS_FILE_FORMAT = 'vigie-backup-status/1';
export const STATUS_FILE_MAX_BYTES = 64 * 1024;

// Zone presence is checked by parseZonedTime, for a clearer message than a length error.
const ZonedTime = Type.String({ minLength: 1, maxLength: 40 });

export const BackupStatusFile = Type.Object(
  {
    format: Type.Literal(STATUS_FILE_FORMAT),
    tool_name: Type.String({ minLength: 1, maxLength: 128 }),
    target: Type.String({ minLength: 1, maxLength: 512 }),
    last_success_at: Type.Union([ZonedTime, Type.Null()]),
    snapshot_count: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000 })),
    last_attempt_at: Type.Optional(ZonedTime),
    last_attempt_ok: Type.Optional(Type.Boolean()),
    offline_copies: Type.Optional(Type.Array(OfflineCopy, { maxItems: 16 })),
    restore_tests: Type.Optional(Type.Array(RestoreTest, { maxItems: 64 })),
    /** Added by evidence (issue 19): BKP-03 inventory, BKP-05 console, BKP-06..08 declarations. */
    repositories: Type.Optional(Type.Array(BackupRepository, { maxItems: 32 })),
    console: Type.Optional(BackupConsoleAccess),
    monitoring: Type.Optional(BackupMonitoring),
    destinations: Type.Optional(Type.Array(BackupDestination, { maxItems: 32 })),
    removable_targets: Type.Optional(Type.Array(RemovableBackupTarget, { maxItems: 32 })),
  },
  { additionalProperties: false },
);
export type BackupStatusFile = Static<typeof BackupStatusFile>;

export interface ParsedStatusFile {
  tool_name: string;
  target: string;
  last_success_at: string | null;
  /** The declared count, or 1/0 from whether a success is declared. */
  snapshot_count: number;
  /** Declared copies and restore tests, times normalised to UTC; undefined when not declared. */
  offline_copies?: Static<typeof OfflineCopy>[];
  restore_tests?: Static<typeof RestoreTest>[];
  /** Revision-2 declarations, passed through as declared (times checked like the others). */
  extra?: Pick<BackupStatusFile, 'repositories' | 'console' | 'monitoring' | 'destinations' | 'removable_targets'>;
}

/** A declared time: RFC 3339 with a zone, not in the future, returned as UTC ISO. */
function declaredTime(text: string, now: Date, what: string): string {
  const date = parseZonedTime(text);
  if (!date) throw new Error(`status file ${what} is not an RFC 3339 time with a zone`);
  const iso = date.toISOString();
  assertNotInFuture(iso, now, `status file ${what}`);
  return iso;
}

export function parseStatusFile(text: string, now: Date): ParsedStatusFile {
  if (Buffer.byteLength(text, 'utf8') > STATUS_FILE_MAX_BYTES) {
    throw new Error(`status file larger than ${STATUS_FILE_MAX_BYTES} bytes`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error('status file is not valid JSON');
  }
  if (!Value.Check(BackupStatusFile, data)) {
    const first = [...Value.Errors(BackupStatusFile, data)][0];
    const where = first ? `${first.instancePath || '/'}: ${first.message}` : 'schema mismatch';
    throw new Error(`status file does not match ${STATUS_FILE_FORMAT} (${where})`);
  }
  let last: string | null = null;
  if (data.last_success_at !== null) {
    const date = parseZonedTime(data.last_success_at);
    if (!date) throw new Error('status file last_success_at is not an RFC 3339 time with a zone');
    last = date.toISOString();
  }
  if (data.last_attempt_at !== undefined && !parseZonedTime(data.last_attempt_at)) {
    throw new Error('status file last_attempt_at is not an RFC 3339 time with a zone');
  }
  assertNotInFuture(last, now, 'status file last_success_at');
  const offline_copies = data.offline_copies?.map((copy, i) => ({
    ...copy,
    target: stripUrlCredentials(copy.target, true),
    last_copy_at: copy.last_copy_at === null ? null : declaredTime(copy.last_copy_at, now, `offline_copies[${i}].last_copy_at`),
  }));
  const restore_tests = data.restore_tests?.map((test, i) => ({ ...test, tested_at: declaredTime(test.tested_at, now, `restore_tests[${i}].tested_at`) }));
  const extra: NonNullable<ParsedStatusFile['extra']> = {};
  if (data.repositories) extra.repositories = data.repositories;
  if (data.console) extra.console = data.console;
  if (data.monitoring) {
    extra.monitoring = { ...data.monitoring, failed_jobs: data.monitoring.failed_jobs.map((j, i) => ({ ...j, failed_at: declaredTime(j.failed_at, now, `monitoring.failed_jobs[${i}].failed_at`) })) };
  }
  if (data.destinations) extra.destinations = data.destinations;
  if (data.removable_targets) extra.removable_targets = data.removable_targets;
  return {
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
    ...(offline_copies ? { offline_copies } : {}),
    ...(restore_tests ? { restore_tests } : {}),
    tool_name: data.tool_name,
    // A script may paste a repository URL with its password: keep the evidence free of it.
    target: stripUrlCredentials(data.target, true),
    last_success_at: last,
    snapshot_count: data.snapshot_count ?? (last === null ? 0 : 1),
  };
}
