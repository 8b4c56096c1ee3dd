// The overview's "awaiting your decision" list (DASHBOARD.md page 1): the access requests the
// reader may act on now, by the access domain's own rules (review-rules.ts, transitions.ts):
// - review: a pending request, if the reader's role reviews (admin, rssi, biomedical), the
//   reader did not ask for it, and has not reviewed it yet (one review per person);
// - countersign: an approved emergency (bris de glace) not yet countersigned, on the same
//   conditions (countersign() applies reviewRefusal as for a pending request).
// Other roles, and vendors, are awaited for nothing here.
import { sql } from 'kysely';
import { COUNTERSIGN_WITHIN_MS, isReviewerRole } from '../../access/model.js';
import type { Role } from '../../auth/roles.js';
import { fromDbTime } from '../../db/columns.js';
import type { Database } from '../../db/schema.js';

/** How many are listed on the overview; the count says how many there are in all. */
export const AWAITING_SHOWN = 20;

/** States in which an approved emergency may still be countersigned (transitions.ts, countersign). */
const COUNTERSIGNABLE = ['approved', 'active', 'closed', 'revoked', 'expired'] as const;

export interface AwaitingRequest {
  request_id: string;
  decision: 'review' | 'countersign';
  target: string;
  site: string;
  requester: string;
  vendor: string | null;
  emergency: boolean;
  not_before: string;
  not_after: string;
  /** Review: when the request expires unreviewed. Countersign: the 24 h after the emergency's approval. */
  due: string;
}

export interface AwaitingDecision {
  total: number;
  requests: AwaitingRequest[];
}

const NONE: AwaitingDecision = { total: 0, requests: [] };

/** The requests awaiting `reader`'s decision, the most pressing first (reviews by deadline, then countersignatures). */
export async function awaitingDecision(db: Database, reader: { user_id: string; role: Role }, limit = AWAITING_SHOWN): Promise<AwaitingDecision> {
  if (!isReviewerRole(reader.role)) return NONE;
  const base = db
    .selectFrom('access_requests as r')
    .where('r.requester_id', '<>', reader.user_id)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('access_reviews as a').select(sql<number>`1`.as('one')).whereRef('a.request_id', '=', 'r.request_id').where('a.reviewer_id', '=', reader.user_id))))
    .where((eb) =>
      eb.or([
        eb('r.state', '=', 'pending'),
        eb.and([eb('r.emergency', '=', 1), eb('r.decided_at', 'is not', null), eb('r.countersigned_at', 'is', null), eb('r.state', 'in', [...COUNTERSIGNABLE])]),
      ]),
    );
  const [count, rows] = await Promise.all([
    base.select((eb) => eb.fn.countAll<number | string | bigint>().as('n')).executeTakeFirstOrThrow(),
    base
      .innerJoin('users as u', 'u.user_id', 'r.requester_id')
      .innerJoin('access_targets as t', 't.target_id', 'r.target_id')
      .leftJoin('vendors as v', 'v.vendor_id', 'r.vendor_id')
      .select(['r.request_id', 'r.state', 'r.emergency', 'r.not_before', 'r.not_after', 'r.review_deadline', 'r.decided_at', 't.name as target', 't.site', 'u.username as requester', 'v.name as vendor'])
      .orderBy(sql`case when r.state = 'pending' then 0 else 1 end`)
      .orderBy(sql`case when r.state = 'pending' then r.review_deadline else r.decided_at end`)
      .orderBy('r.request_id')
      .limit(limit)
      .execute(),
  ]);
  return {
    total: Number(count.n),
    requests: rows.map((r) => ({
      request_id: r.request_id,
      decision: r.state === 'pending' ? 'review' : 'countersign',
      target: r.target,
      site: r.site,
      requester: r.requester,
      vendor: r.vendor ?? null,
      emergency: Number(r.emergency) === 1,
      not_before: fromDbTime(r.not_before),
      not_after: fromDbTime(r.not_after),
      due: r.state === 'pending' || r.decided_at === null ? fromDbTime(r.review_deadline) : new Date(Date.parse(fromDbTime(r.decided_at)) + COUNTERSIGN_WITHIN_MS).toISOString(),
    })),
  };
}
