// Rows of access requests and their reviews. Transitions go through updateRequestIfVersion: a
// transition applies only to the version of the row it read, so two reviewers (or a reviewer and
// the expiry job) racing on one request cannot both move it.
import { randomUUID } from 'node:crypto';
import { fromDbJson, fromDbTime, fromDbTimeOrNull, toDbJson, toDbTime } from '../db/columns.js';
import type { Database } from '../db/schema.js';
import { keyset, type KeysetKey } from '../db/keyset.js';
import type { AccessRequest, AccessReview, AccessState, PostureOverride, Quorum, ReviewDecision } from './model.js';

export interface NewRequest {
  requester_id: string;
  vendor_id: string | null;
  target_id: string;
  not_before: Date;
  not_after: Date;
  review_deadline: Date;
  first_connect_deadline: Date | null;
  reason: string;
  ticket: string;
  emergency: boolean;
  quorum: Quorum;
  now: Date;
}

export async function insertRequest(db: Database, input: NewRequest): Promise<string> {
  const requestId = randomUUID();
  await db
    .insertInto('access_requests')
    .values({
      request_id: requestId,
      requester_id: input.requester_id,
      vendor_id: input.vendor_id,
      target_id: input.target_id,
      state: 'pending',
      requested_not_before: toDbTime(input.not_before),
      requested_not_after: toDbTime(input.not_after),
      not_before: toDbTime(input.not_before),
      not_after: toDbTime(input.not_after),
      review_deadline: toDbTime(input.review_deadline),
      first_connect_deadline: input.first_connect_deadline === null ? null : toDbTime(input.first_connect_deadline),
      reason: input.reason,
      ticket: input.ticket,
      emergency: input.emergency ? 1 : 0,
      quorum: toDbJson(input.quorum),
      posture_override: null,
      created_at: toDbTime(input.now),
      decided_at: null,
      first_session_at: null,
      ended_at: null,
      end_reason: null,
      countersigned_by: null,
      countersigned_at: null,
      version: 1,
    })
    .execute();
  return requestId;
}

function requestQuery(db: Database) {
  return db
    .selectFrom('access_requests as r')
    .innerJoin('users as u', 'u.user_id', 'r.requester_id')
    .innerJoin('access_targets as t', 't.target_id', 'r.target_id')
    .leftJoin('vendors as v', 'v.vendor_id', 'r.vendor_id')
    .select([
      'r.request_id',
      'u.username as requester',
      'r.requester_id',
      'v.slug as vendor',
      't.name as target',
      'r.target_id',
      't.site',
      'r.state',
      'r.requested_not_before',
      'r.requested_not_after',
      'r.not_before',
      'r.not_after',
      'r.review_deadline',
      'r.first_connect_deadline',
      'r.reason',
      'r.ticket',
      'r.emergency',
      'r.quorum',
      'r.posture_override',
      'r.created_at',
      'r.decided_at',
      'r.first_session_at',
      'r.ended_at',
      'r.end_reason',
      'r.countersigned_by',
      'r.countersigned_at',
      'r.version',
    ]);
}

type RequestRow = Awaited<ReturnType<ReturnType<typeof requestQuery>['executeTakeFirstOrThrow']>>;

function toRequest(r: RequestRow): AccessRequest {
  return {
    request_id: r.request_id,
    requester: r.requester,
    requester_id: r.requester_id,
    vendor: r.vendor ?? null,
    target: r.target,
    target_id: r.target_id,
    site: r.site,
    // Only ACCESS_STATES values are written (transitions.ts).
    state: r.state as AccessState,
    requested_not_before: fromDbTime(r.requested_not_before),
    requested_not_after: fromDbTime(r.requested_not_after),
    not_before: fromDbTime(r.not_before),
    not_after: fromDbTime(r.not_after),
    review_deadline: fromDbTime(r.review_deadline),
    first_connect_deadline: fromDbTimeOrNull(r.first_connect_deadline),
    reason: r.reason,
    ticket: r.ticket,
    emergency: Number(r.emergency) === 1,
    quorum: fromDbJson(r.quorum) as Quorum,
    posture_override: r.posture_override === null ? null : (fromDbJson(r.posture_override) as PostureOverride),
    created_at: fromDbTime(r.created_at),
    decided_at: fromDbTimeOrNull(r.decided_at),
    first_session_at: fromDbTimeOrNull(r.first_session_at),
    ended_at: fromDbTimeOrNull(r.ended_at),
    end_reason: r.end_reason,
    countersigned_by: r.countersigned_by,
    countersigned_at: fromDbTimeOrNull(r.countersigned_at),
    version: Number(r.version),
  };
}

export async function findRequest(db: Database, requestId: string): Promise<AccessRequest | undefined> {
  const row = await requestQuery(db).where('r.request_id', '=', requestId).executeTakeFirst();
  return row === undefined ? undefined : toRequest(row);
}

export interface RequestFilter {
  states?: readonly AccessState[];
  vendor_id?: string;
  requester_id?: string;
  target_id?: string;
  site?: string;
  /** Requests whose window overlaps [from, to). */
  from?: Date;
  to?: Date;
  emergency?: boolean;
  /** Keyset paging: only requests listed after this key of REQUEST_ORDER (the dashboard's pages). */
  after?: KeysetKey;
  limit: number;
}

export const MAX_REQUESTS_LISTED = 1000;

/** The order of request lists: newest first, requests made in the same millisecond by id. */
export const REQUEST_ORDER = keyset<AccessRequest>([
  { column: 'r.created_at', direction: 'desc', kind: 'timestamp', of: (r) => r.created_at },
  { column: 'r.request_id', direction: 'asc', kind: 'text', of: (r) => r.request_id },
]);

/** Newest first (REQUEST_ORDER). */
export async function listRequests(db: Database, filter: RequestFilter): Promise<AccessRequest[]> {
  let q = requestQuery(db);
  if (filter.states !== undefined && filter.states.length > 0) q = q.where('r.state', 'in', filter.states);
  if (filter.vendor_id !== undefined) q = q.where('r.vendor_id', '=', filter.vendor_id);
  if (filter.requester_id !== undefined) q = q.where('r.requester_id', '=', filter.requester_id);
  if (filter.target_id !== undefined) q = q.where('r.target_id', '=', filter.target_id);
  if (filter.site !== undefined) q = q.where('t.site', '=', filter.site);
  if (filter.from !== undefined) q = q.where('r.not_after', '>', toDbTime(filter.from));
  if (filter.to !== undefined) q = q.where('r.not_before', '<', toDbTime(filter.to));
  if (filter.emergency !== undefined) q = q.where('r.emergency', '=', filter.emergency ? 1 : 0);
  const limit = Math.min(Math.max(1, filter.limit), MAX_REQUESTS_LISTED);
  return (await REQUEST_ORDER.seek(q, filter.after ?? null).limit(limit).execute()).map(toRequest);
}

export interface RequestChange {
  state?: AccessState;
  not_before?: Date;
  not_after?: Date;
  first_connect_deadline?: Date | null;
  posture_override?: PostureOverride;
  decided_at?: Date;
  first_session_at?: Date;
  ended_at?: Date;
  end_reason?: string;
  countersigned_by?: string;
  countersigned_at?: Date;
}

/** Apply `change` if the row is still at `version`; false when someone else moved it first. */
export async function updateRequestIfVersion(db: Database, requestId: string, version: number, change: RequestChange): Promise<boolean> {
  const result = await db
    .updateTable('access_requests')
    .set({
      version: version + 1,
      ...(change.state !== undefined ? { state: change.state } : {}),
      ...(change.not_before !== undefined ? { not_before: toDbTime(change.not_before) } : {}),
      ...(change.not_after !== undefined ? { not_after: toDbTime(change.not_after) } : {}),
      ...(change.first_connect_deadline !== undefined
        ? { first_connect_deadline: change.first_connect_deadline === null ? null : toDbTime(change.first_connect_deadline) }
        : {}),
      ...(change.posture_override !== undefined ? { posture_override: toDbJson(change.posture_override) } : {}),
      ...(change.decided_at !== undefined ? { decided_at: toDbTime(change.decided_at) } : {}),
      ...(change.first_session_at !== undefined ? { first_session_at: toDbTime(change.first_session_at) } : {}),
      ...(change.ended_at !== undefined ? { ended_at: toDbTime(change.ended_at) } : {}),
      ...(change.end_reason !== undefined ? { end_reason: change.end_reason } : {}),
      ...(change.countersigned_by !== undefined ? { countersigned_by: change.countersigned_by } : {}),
      ...(change.countersigned_at !== undefined ? { countersigned_at: toDbTime(change.countersigned_at) } : {}),
    })
    .where('request_id', '=', requestId)
    .where('version', '=', version)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

// ---------------------------------------------------------------- reviews

export interface NewReview {
  request_id: string;
  reviewer_id: string;
  reviewer_role: string;
  decision: ReviewDecision;
  comment: string;
  not_before: Date | null;
  not_after: Date | null;
  posture: unknown;
  now: Date;
}

/** Throws a unique violation when this user reviewed this request already. */
export async function insertReview(db: Database, review: NewReview): Promise<string> {
  const reviewId = randomUUID();
  await db
    .insertInto('access_reviews')
    .values({
      review_id: reviewId,
      request_id: review.request_id,
      reviewer_id: review.reviewer_id,
      reviewer_role: review.reviewer_role,
      decision: review.decision,
      comment: review.comment,
      not_before: review.not_before === null ? null : toDbTime(review.not_before),
      not_after: review.not_after === null ? null : toDbTime(review.not_after),
      posture: review.posture === null || review.posture === undefined ? null : toDbJson(review.posture),
      created_at: toDbTime(review.now),
    })
    .execute();
  return reviewId;
}

export async function listReviews(db: Database, requestId: string): Promise<AccessReview[]> {
  const rows = await db
    .selectFrom('access_reviews as a')
    .innerJoin('users as u', 'u.user_id', 'a.reviewer_id')
    .select(['a.review_id', 'a.request_id', 'u.username as reviewer', 'a.reviewer_id', 'a.reviewer_role', 'a.decision', 'a.comment', 'a.not_before', 'a.not_after', 'a.posture', 'a.created_at'])
    .where('a.request_id', '=', requestId)
    .orderBy('a.created_at')
    .orderBy('a.review_id')
    .execute();
  return rows.map((r) => ({
    ...r,
    decision: r.decision as ReviewDecision,
    not_before: fromDbTimeOrNull(r.not_before),
    not_after: fromDbTimeOrNull(r.not_after),
    posture: r.posture === null ? null : fromDbJson(r.posture),
    created_at: fromDbTime(r.created_at),
  }));
}

/** Requests whose clocks have run out at `now`: what the expiry job must move. */
export async function requestsDue(db: Database, now: Date, limit: number): Promise<string[]> {
  const at = toDbTime(now);
  const rows = await db
    .selectFrom('access_requests')
    .select('request_id')
    .where((eb) =>
      eb.or([
        eb.and([eb('state', '=', 'pending'), eb.or([eb('review_deadline', '<=', at), eb('not_after', '<=', at)])]),
        eb.and([eb('state', 'in', ['approved', 'active']), eb('not_after', '<=', at)]),
        eb.and([eb('state', '=', 'approved'), eb('first_connect_deadline', '<=', at)]),
      ]),
    )
    .orderBy('not_after')
    .limit(limit)
    .execute();
  return rows.map((r) => r.request_id);
}
