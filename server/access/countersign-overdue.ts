// Emergencies (bris de glace) are let in on one approval and must be countersigned by another
// reviewer within 24 h of that approval (ACCESS.md). What the nightly audit lists: every approved
// emergency still not countersigned once its 24 h are over, with who let it in and how late it is.
// A late countersignature settles it (the audit log keeps `late: true` on that entry).
import type { AccessFinding } from '../audit/model.js';
import { fromDbTime, toDbTime } from '../db/columns.js';
import type { Database } from '../db/schema.js';
import { COUNTERSIGN_WITHIN_MS } from './model.js';

/** States an approved request can be in (it was let in once: it needs its countersignature). */
const ONCE_APPROVED = ['approved', 'active', 'closed', 'revoked', 'expired'] as const;

/** The uncountersigned emergencies overdue at `now`, most overdue first (at most `limit`), and their total. */
export async function overdueCountersignatures(db: Database, now: Date, limit: number): Promise<{ total: number; items: AccessFinding[] }> {
  const dueBefore = toDbTime(new Date(now.getTime() - COUNTERSIGN_WITHIN_MS));
  const overdue = db
    .selectFrom('access_requests as r')
    .where('r.emergency', '=', 1)
    .where('r.countersigned_at', 'is', null)
    .where('r.decided_at', 'is not', null)
    .where('r.decided_at', '<=', dueBefore)
    .where('r.state', 'in', ONCE_APPROVED);
  const counted = await overdue.select((eb) => eb.fn.countAll<string | number | bigint>().as('n')).executeTakeFirstOrThrow();
  const rows = await overdue
    .innerJoin('access_targets as t', 't.target_id', 'r.target_id')
    .innerJoin('users as u', 'u.user_id', 'r.requester_id')
    .leftJoin('vendors as v', 'v.vendor_id', 'r.vendor_id')
    .leftJoin('hosts as h', 'h.host_id', 't.gateway_host_id')
    .select([
      'r.request_id',
      't.name as target',
      't.site',
      't.gateway_host_id',
      'h.hostname as gateway',
      'v.slug as vendor',
      'u.username as requester',
      'r.ticket',
      'r.reason',
      'r.state',
      'r.not_before',
      'r.not_after',
      'r.decided_at',
    ])
    .orderBy('r.decided_at')
    .orderBy('r.request_id')
    .limit(Math.max(1, limit))
    .execute();
  // Who let each one in: the approving review(s) (one for an emergency, more if a posture override asked for it).
  const ids = rows.map((r) => r.request_id);
  const approvals =
    ids.length === 0
      ? []
      : await db
          .selectFrom('access_reviews as a')
          .innerJoin('users as u', 'u.user_id', 'a.reviewer_id')
          .select(['a.request_id', 'u.username', 'a.reviewer_role', 'a.created_at'])
          .where('a.request_id', 'in', ids)
          .where('a.decision', '=', 'approve')
          .orderBy('a.created_at')
          .execute();
  const approversOf = new Map<string, string[]>();
  for (const a of approvals) approversOf.set(a.request_id, [...(approversOf.get(a.request_id) ?? []), `${a.username} (${a.reviewer_role})`]);
  const items = rows.map((r): AccessFinding => {
    const approvedAt = fromDbTime(r.decided_at!);
    const due = Date.parse(approvedAt) + COUNTERSIGN_WITHIN_MS;
    return {
      kind: 'emergency_not_countersigned',
      request_id: r.request_id,
      target: r.target,
      site: r.site,
      gateway_host_id: r.gateway_host_id,
      gateway: r.gateway ?? null,
      vendor: r.vendor ?? null,
      requester: r.requester,
      approvers: approversOf.get(r.request_id) ?? [],
      ticket: r.ticket,
      reason: r.reason,
      state: r.state,
      window: { not_before: fromDbTime(r.not_before), not_after: fromDbTime(r.not_after) },
      approved_at: approvedAt,
      countersign_due: new Date(due).toISOString(),
      overdue_minutes: Math.floor((now.getTime() - due) / 60_000),
    };
  });
  return { total: Number(counted.n), items };
}

/** "3 j 4 h" / "3 d 4 h": how long a countersignature is overdue, for people. */
export function formatOverdue(minutes: number, lang: 'fr' | 'en'): string {
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const d = lang === 'fr' ? 'j' : 'd';
  if (days > 0) return `${days} ${d} ${hours} h`;
  if (hours > 0) return `${hours} h ${mins} min`;
  return `${mins} min`;
}
