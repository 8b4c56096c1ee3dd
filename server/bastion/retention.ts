// Recording retention. A recording is evidence of the access request it was made under, so it is
// kept at least as long as that request's own retention, whatever its session's retain_until says:
//  - never while its request is still open (pending, approved, active: more sessions may come, and
//    reviewers and the nightly audit read the request with all its recordings);
//  - never while an emergency (bris de glace) request waits for its countersignature (the
//    countersigner reviews what was done; unsigned, it is an audit finding);
//  - never when the request cannot be found (nothing ties the recording to a decision: keep it);
//  - otherwise deleted once both the session's retain_until (its end + VIGIE_RECORDING_RETENTION_DAYS)
//    and the request's end + that same retention have passed.
// What is deleted is the files; the session row, its signed hash and the audit-log entries stay
// (requests are permanent records). Run at the bastion's start and hourly.
import { rmSync } from 'node:fs';
import { appendAuditEvent } from '../auditlog/auditlog.js';
import { FINAL_STATES } from '../access/model.js';
import { expiredRecordings, markRecordingDeleted, requestRetentionFacts, type BastionSessionRecord, type RequestRetentionFacts } from '../db/bastion-sessions.js';
import type { Database } from '../db/schema.js';
import { recordingDir } from './recordings.js';

export const RETENTION_SWEEP_MS = 3600_000;
const DAY_MS = 86_400_000;

export type RetentionHold = 'session_live' | 'request_missing' | 'request_open' | 'emergency_not_countersigned';

export interface RecordingRetention {
  /** When the files may go (ISO-8601), or null while something holds them. */
  deletableAfter: string | null;
  heldBy: RetentionHold | null;
}

/** The retention of one session's recording, from its row and its request's (see the file comment). */
export function recordingRetentionOf(
  session: Pick<BastionSessionRecord, 'ended_at' | 'retain_until'>,
  request: RequestRetentionFacts | undefined,
  retentionDays: number,
): RecordingRetention {
  const held = (heldBy: RetentionHold): RecordingRetention => ({ deletableAfter: null, heldBy });
  if (session.ended_at === null) return held('session_live');
  if (request === undefined) return held('request_missing');
  if (!(FINAL_STATES as ReadonlySet<string>).has(request.state) || request.ended_at === null) return held('request_open');
  if (request.emergency && request.countersigned_at === null) return held('emergency_not_countersigned');
  const sessionUntil = session.retain_until !== null ? Date.parse(session.retain_until) : Date.parse(session.ended_at) + retentionDays * DAY_MS;
  const requestUntil = Date.parse(request.ended_at) + retentionDays * DAY_MS;
  return { deletableAfter: new Date(Math.max(sessionUntil, requestUntil)).toISOString(), heldBy: null };
}

export async function applyRecordingRetention(db: Database, recordingsDir: string, now: Date, retentionDays: number): Promise<number> {
  let deleted = 0;
  // The query narrows to candidates (retain_until passed, request over for the retention); the rule above decides.
  for (const session of await expiredRecordings(db, now, new Date(now.getTime() - retentionDays * DAY_MS))) {
    const request = (await requestRetentionFacts(db, [session.request_id])).get(session.request_id);
    const retention = recordingRetentionOf(session, request, retentionDays);
    if (retention.deletableAfter === null || Date.parse(retention.deletableAfter) >= now.getTime()) continue;
    rmSync(recordingDir(recordingsDir, session), { recursive: true, force: true });
    await markRecordingDeleted(db, session.session_id, now);
    await appendAuditEvent(db, {
      actor: { type: 'system', id: 'bastion' },
      action: 'bastion.recording_deleted',
      target: `bastion_session:${session.session_id}`,
      details: {
        retain_until: session.retain_until,
        request_id: session.request_id,
        request_ended_at: request?.ended_at ?? null,
        retention_days: retentionDays,
        signed_manifest_sha256: session.signed_sha256,
      },
      at: now,
    });
    deleted += 1;
  }
  return deleted;
}
