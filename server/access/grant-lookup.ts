// What the bastion asks at each connection: is there a grant for (user, target) whose window
// contains now, and if not, when is the next approved one. A grant is a request in state approved
// or active; its window is inclusive at not_before and exclusive at not_after.
import { toDbTime } from '../db/columns.js';
import type { Database } from '../db/schema.js';
import { fromDbTime } from '../db/columns.js';
import type { Grant, Window } from './model.js';

type GrantRow = {
  request_id: string;
  requester_id: string;
  target_id: string;
  state: string;
  not_before: string | Date;
  not_after: string | Date;
  emergency: number | string;
  posture_override: unknown;
};

const toGrant = (r: GrantRow): Grant => ({
  request_id: r.request_id,
  user_id: r.requester_id,
  target_id: r.target_id,
  // Only grant states are selected.
  state: r.state as Grant['state'],
  not_before: fromDbTime(r.not_before),
  not_after: fromDbTime(r.not_after),
  emergency: Number(r.emergency) === 1,
  posture_override: r.posture_override !== null,
});

const grantColumns = ['request_id', 'requester_id', 'target_id', 'state', 'not_before', 'not_after', 'emergency', 'posture_override'] as const;

/**
 * The grant letting `userId` into `targetId` at `now`: approved or active, not_before <= now <
 * not_after. When several overlap, the one ending last. undefined when there is none.
 */
export async function findGrant(db: Database, userId: string, targetId: string, now: Date): Promise<Grant | undefined> {
  const at = toDbTime(now);
  const row = await db
    .selectFrom('access_requests')
    .select(grantColumns)
    .where('requester_id', '=', userId)
    .where('target_id', '=', targetId)
    .where('state', 'in', ['approved', 'active'])
    .where('not_before', '<=', at)
    .where('not_after', '>', at)
    .orderBy('not_after', 'desc')
    .executeTakeFirst();
  return row === undefined ? undefined : toGrant(row);
}

/** The next approved window of (user, target) starting after `now` (for the bastion's refusal line). */
export async function nextApprovedWindow(db: Database, userId: string, targetId: string, now: Date): Promise<(Window & { request_id: string }) | undefined> {
  const row = await db
    .selectFrom('access_requests')
    .select(['request_id', 'not_before', 'not_after'])
    .where('requester_id', '=', userId)
    .where('target_id', '=', targetId)
    .where('state', '=', 'approved')
    .where('not_before', '>', toDbTime(now))
    .orderBy('not_before')
    .executeTakeFirst();
  return row === undefined ? undefined : { request_id: row.request_id, not_before: fromDbTime(row.not_before), not_after: fromDbTime(row.not_after) };
}

/**
 * Is this grant still in force at `now` (not revoked, not closed, window not over)? The bastion's
 * watchdog polls it; a revoke on another replica shows here at the next poll.
 */
export async function grantInForce(db: Database, requestId: string, now: Date): Promise<Grant | undefined> {
  const at = toDbTime(now);
  const row = await db
    .selectFrom('access_requests')
    .select(grantColumns)
    .where('request_id', '=', requestId)
    .where('state', 'in', ['approved', 'active'])
    .where('not_before', '<=', at)
    .where('not_after', '>', at)
    .executeTakeFirst();
  return row === undefined ? undefined : toGrant(row);
}
