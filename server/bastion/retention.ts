// Recording retention: a sealed recording's files are deleted once its retain_until (session end +
// VIGIE_RECORDING_RETENTION_DAYS) has passed; the session row, its hashes and the audit-log entries
// stay (requests are permanent records). Run at the bastion's start and hourly.
import { rmSync } from 'node:fs';
import { appendAuditEvent } from '../auditlog.js';
import { expiredRecordings, markRecordingDeleted } from '../db/bastion-sessions.js';
import type { Database } from '../db/schema.js';
import { recordingDir } from './recordings.js';

export const RETENTION_SWEEP_MS = 3600_000;

export async function applyRecordingRetention(db: Database, recordingsDir: string, now: Date): Promise<number> {
  let deleted = 0;
  for (const session of await expiredRecordings(db, now)) {
    rmSync(recordingDir(recordingsDir, session), { recursive: true, force: true });
    await markRecordingDeleted(db, session.session_id, now);
    await appendAuditEvent(db, {
      actor: { type: 'system', id: 'bastion' },
      action: 'bastion.recording_deleted',
      target: `bastion_session:${session.session_id}`,
      details: { retain_until: session.retain_until, signed_manifest_sha256: session.signed_sha256 },
      at: now,
    });
    deleted += 1;
  }
  return deleted;
}
