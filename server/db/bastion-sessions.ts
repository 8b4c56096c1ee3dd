// Bastion sessions (migration 0012): started, ended with a reason, cut on request, sealed.
import { fromDbTime, fromDbTimeOrNull, toDbTime } from './columns.js';
import type { Database } from './schema.js';

/** Access request states no transition leaves (server/access/model.ts FINAL_STATES; a test keeps them equal). */
export const FINAL_REQUEST_STATES = ['closed', 'denied', 'expired', 'cancelled', 'revoked'] as const;

export interface BastionSessionRecord {
  session_id: string;
  grant_id: string;
  request_id: string;
  user_id: string;
  username: string;
  target_id: string;
  target_name: string;
  source_ip: string;
  replica: string;
  started_at: string;
  not_after: string;
  ended_at: string | null;
  end_reason: string | null;
  cut_requested_at: string | null;
  cut_requested_by: string | null;
  recording_dir: string;
  input_recorded: boolean;
  bytes_from_client: number;
  bytes_to_client: number;
  manifest_sha256: string | null;
  signed_sha256: string | null;
  retain_until: string | null;
  recording_deleted_at: string | null;
}

export interface NewBastionSession {
  session_id: string;
  grant_id: string;
  request_id: string;
  user_id: string;
  username: string;
  target_id: string;
  target_name: string;
  source_ip: string;
  replica: string;
  started_at: Date;
  not_after: Date;
  recording_dir: string;
  input_recorded: boolean;
}

export const MAX_SESSIONS_LISTED = 500;

type Row = {
  [K in keyof BastionSessionRecord]: unknown;
};

function toRecord(row: Row): BastionSessionRecord {
  return {
    session_id: String(row.session_id),
    grant_id: String(row.grant_id),
    request_id: String(row.request_id),
    user_id: String(row.user_id),
    username: String(row.username),
    target_id: String(row.target_id),
    target_name: String(row.target_name),
    source_ip: String(row.source_ip),
    replica: String(row.replica),
    started_at: fromDbTime(row.started_at as string | Date),
    not_after: fromDbTime(row.not_after as string | Date),
    ended_at: fromDbTimeOrNull(row.ended_at as string | Date | null),
    end_reason: row.end_reason === null ? null : String(row.end_reason),
    cut_requested_at: fromDbTimeOrNull(row.cut_requested_at as string | Date | null),
    cut_requested_by: row.cut_requested_by === null ? null : String(row.cut_requested_by),
    recording_dir: String(row.recording_dir),
    input_recorded: Number(row.input_recorded) === 1,
    bytes_from_client: Number(row.bytes_from_client),
    bytes_to_client: Number(row.bytes_to_client),
    manifest_sha256: row.manifest_sha256 === null ? null : String(row.manifest_sha256),
    signed_sha256: row.signed_sha256 === null ? null : String(row.signed_sha256),
    retain_until: fromDbTimeOrNull(row.retain_until as string | Date | null),
    recording_deleted_at: fromDbTimeOrNull(row.recording_deleted_at as string | Date | null),
  };
}

export async function insertBastionSession(db: Database, session: NewBastionSession): Promise<void> {
  await db
    .insertInto('bastion_sessions')
    .values({
      ...session,
      started_at: toDbTime(session.started_at),
      not_after: toDbTime(session.not_after),
      input_recorded: session.input_recorded ? 1 : 0,
    })
    .execute();
}

export async function findBastionSession(db: Database, sessionId: string): Promise<BastionSessionRecord | undefined> {
  const row = await db.selectFrom('bastion_sessions').selectAll().where('session_id', '=', sessionId).executeTakeFirst();
  return row === undefined ? undefined : toRecord(row);
}

export interface SessionListFilter {
  state: 'live' | 'ended' | 'all';
  limit?: number;
  username?: string;
}

export async function listBastionSessions(db: Database, filter: SessionListFilter): Promise<BastionSessionRecord[]> {
  let query = db.selectFrom('bastion_sessions').selectAll();
  if (filter.state === 'live') query = query.where('ended_at', 'is', null);
  if (filter.state === 'ended') query = query.where('ended_at', 'is not', null);
  if (filter.username !== undefined) query = query.where('username', '=', filter.username);
  const rows = await query
    .orderBy('started_at', 'desc')
    .orderBy('session_id')
    .limit(Math.min(filter.limit ?? MAX_SESSIONS_LISTED, MAX_SESSIONS_LISTED))
    .execute();
  return rows.map(toRecord);
}

/** Where a page of one user's sessions stops (newest first: started_at desc, then session_id asc). */
export interface SessionCursor {
  started_at: string;
  session_id: string;
}

/**
 * One user's sessions, newest first, in keyset pages (the vendor's own list; index 0021). Only the
 * user's: the filter is the user id the session was opened under, never a name.
 */
export async function listUserBastionSessions(
  db: Database,
  userId: string,
  filter: { state: 'live' | 'ended'; after?: SessionCursor; limit: number },
): Promise<BastionSessionRecord[]> {
  let query = db.selectFrom('bastion_sessions').selectAll().where('user_id', '=', userId);
  query = filter.state === 'live' ? query.where('ended_at', 'is', null) : query.where('ended_at', 'is not', null);
  if (filter.after !== undefined) {
    const at = toDbTime(filter.after.started_at);
    const id = filter.after.session_id;
    query = query.where((eb) => eb.or([eb('started_at', '<', at), eb.and([eb('started_at', '=', at), eb('session_id', '>', id)])]));
  }
  const rows = await query
    .orderBy('started_at', 'desc')
    .orderBy('session_id')
    .limit(Math.min(Math.max(1, filter.limit), MAX_SESSIONS_LISTED))
    .execute();
  return rows.map(toRecord);
}

/** Ask for a live session to be cut; false if it is not live. The watchdog holding it reads this. */
export async function requestBastionCut(db: Database, sessionId: string, by: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('bastion_sessions')
    .set({ cut_requested_at: toDbTime(now), cut_requested_by: by.slice(0, 200) })
    .where('session_id', '=', sessionId)
    .where('ended_at', 'is', null)
    .where('cut_requested_at', 'is', null)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) > 0) return true;
  const row = await findBastionSession(db, sessionId);
  return row !== undefined && row.ended_at === null;
}

/** The cut requests among these live sessions (one query per watchdog tick, whatever the number of sessions). */
export async function cutRequests(db: Database, sessionIds: readonly string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  if (sessionIds.length === 0) return found;
  for (let i = 0; i < sessionIds.length; i += 500) {
    const rows = await db
      .selectFrom('bastion_sessions')
      .select(['session_id', 'cut_requested_by'])
      .where('session_id', 'in', sessionIds.slice(i, i + 500))
      .where('cut_requested_at', 'is not', null)
      .execute();
    for (const row of rows) found.set(row.session_id, row.cut_requested_by ?? 'unknown');
  }
  return found;
}

export interface SessionEnd {
  ended_at: Date;
  end_reason: string;
  bytes_from_client: number;
  bytes_to_client: number;
  manifest_sha256: string | null;
  signed_sha256: string | null;
  retain_until: Date;
}

export async function endBastionSession(db: Database, sessionId: string, end: SessionEnd): Promise<void> {
  await db
    .updateTable('bastion_sessions')
    .set({
      ended_at: toDbTime(end.ended_at),
      end_reason: end.end_reason,
      bytes_from_client: end.bytes_from_client,
      bytes_to_client: end.bytes_to_client,
      manifest_sha256: end.manifest_sha256,
      signed_sha256: end.signed_sha256,
      retain_until: toDbTime(end.retain_until),
    })
    .where('session_id', '=', sessionId)
    .execute();
}

/** Sessions a replica left live when it stopped abruptly (crash): ended at start with reason server_restarted. */
export async function endOrphanedSessions(db: Database, replicaPrefix: string, now: Date): Promise<string[]> {
  const rows = await db
    .selectFrom('bastion_sessions')
    .select(['session_id'])
    .where('ended_at', 'is', null)
    .where('replica', 'like', `${replicaPrefix}%`)
    .execute();
  for (const row of rows) {
    await db
      .updateTable('bastion_sessions')
      .set({ ended_at: toDbTime(now), end_reason: 'server_restarted' })
      .where('session_id', '=', row.session_id)
      .where('ended_at', 'is', null)
      .execute();
  }
  return rows.map((row) => row.session_id);
}

/**
 * Ended sessions whose recording may be deleted at `now` (at most `limit`): retain_until passed, and
 * their request is over (a final state) since before `requestEndedBefore`, and if an emergency,
 * countersigned. A session whose request cannot be found is never returned (server/bastion/retention.ts).
 */
export async function expiredRecordings(db: Database, now: Date, requestEndedBefore: Date, limit = 100): Promise<BastionSessionRecord[]> {
  const rows = await db
    .selectFrom('bastion_sessions as s')
    .innerJoin('access_requests as r', 'r.request_id', 's.request_id')
    .selectAll('s')
    .where('s.ended_at', 'is not', null)
    .where('s.recording_deleted_at', 'is', null)
    .where('s.retain_until', '<', toDbTime(now))
    .where('r.state', 'in', [...FINAL_REQUEST_STATES])
    .where('r.ended_at', '<', toDbTime(requestEndedBefore))
    .where((eb) => eb.or([eb('r.emergency', '=', 0), eb('r.countersigned_at', 'is not', null)]))
    .orderBy('s.ended_at')
    .limit(limit)
    .execute();
  return rows.map(toRecord);
}

/** What retention needs to know of a session's request. */
export interface RequestRetentionFacts {
  state: string;
  ended_at: string | null;
  emergency: boolean;
  countersigned_at: string | null;
}

export async function requestRetentionFacts(db: Database, requestIds: readonly string[]): Promise<Map<string, RequestRetentionFacts>> {
  const facts = new Map<string, RequestRetentionFacts>();
  if (requestIds.length === 0) return facts;
  const rows = await db
    .selectFrom('access_requests')
    .select(['request_id', 'state', 'ended_at', 'emergency', 'countersigned_at'])
    .where('request_id', 'in', [...requestIds])
    .execute();
  for (const row of rows) {
    facts.set(row.request_id, {
      state: row.state,
      ended_at: fromDbTimeOrNull(row.ended_at),
      emergency: Number(row.emergency) === 1,
      countersigned_at: fromDbTimeOrNull(row.countersigned_at),
    });
  }
  return facts;
}

export async function markRecordingDeleted(db: Database, sessionId: string, now: Date): Promise<void> {
  await db.updateTable('bastion_sessions').set({ recording_deleted_at: toDbTime(now) }).where('session_id', '=', sessionId).execute();
}
