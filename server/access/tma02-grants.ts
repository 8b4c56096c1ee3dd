// TMA-02 reads Vigie's own grants as the approved windows of a gateway: every request approved for
// a target behind that gateway gives a window (its ticket, not_before..not_after, cut short at its
// revocation, cancellation or lapse). They are added to the windows a site overlay declares, so
// sites that approve windows in another tool keep working. Used at ingestion
// (server/routes/reports.ts), by the nightly audit (server/audit/run.ts), by the posture gate, and
// when a stored verdict is explained again (server/verdicts/verdict-details.ts).
import type { Pack } from '../../policies/pack.js';
import { toDbTime } from '../db/columns.js';
import type { Database } from '../db/schema.js';
import { fromDbTime, fromDbTimeOrNull } from '../db/columns.js';

export interface ApprovedWindow {
  ticket: string;
  start: string;
  end: string;
}

/** TMA-02 judges episodes at most this far back (its lookback_days is at most 366). */
const LOOKBACK_MS = 366 * 24 * 3600_000;
/** TMA-02's parameter schema bounds approved_windows to 1000 entries, overlay ones included. */
export const MAX_GRANT_WINDOWS = 800;

/**
 * Windows of the requests approved for targets behind `hostId`, as they were known at `now`, most
 * recent first: a request approved by `now` (decided, not denied) gives its window, cut short where
 * it was revoked, cancelled or lapsed before `now`. Known "as at now" so that judging a report again
 * at its evaluation time (server/verdicts/verdict-details.ts) rebuilds the pack that judged it.
 */
export async function approvedWindowsOfGateway(db: Database, hostId: string, now: Date): Promise<ApprovedWindow[]> {
  const at = toDbTime(now);
  const rows = await db
    .selectFrom('access_requests as r')
    .innerJoin('access_targets as t', 't.target_id', 'r.target_id')
    .select(['r.request_id', 'r.ticket', 'r.state', 'r.not_before', 'r.not_after', 'r.ended_at'])
    .where('t.gateway_host_id', '=', hostId)
    .where('r.decided_at', 'is not', null)
    .where('r.decided_at', '<=', at)
    // A denial also sets decided_at; a pending request, cancelled or expired, never has one.
    .where('r.state', '<>', 'denied')
    .where('r.not_after', '>', toDbTime(new Date(now.getTime() - LOOKBACK_MS)))
    .orderBy('r.not_before', 'desc')
    .orderBy('r.request_id')
    .limit(MAX_GRANT_WINDOWS)
    .execute();
  const windows: ApprovedWindow[] = [];
  for (const r of rows) {
    const start = fromDbTime(r.not_before);
    let end = fromDbTime(r.not_after);
    const ended = fromDbTimeOrNull(r.ended_at);
    // Revoked, cancelled, or lapsed unused (first-connect timeout) before its window's end: the
    // window ended there. A window closing normally ends at not_after (ended_at == not_after).
    if ((r.state === 'revoked' || r.state === 'expired' || r.state === 'cancelled') && ended !== null && Date.parse(ended) <= now.getTime() && ended < end) end = ended;
    // Ended before its window opened: no window at all.
    if (end <= start) continue;
    windows.push({ ticket: r.ticket.slice(0, 64), start, end });
  }
  return windows;
}

/** Gateways that have maintained targets behind them (the only ones with grant windows). */
export async function gatewaysWithTargets(db: Database): Promise<Set<string>> {
  const rows = await db.selectFrom('access_targets').select('gateway_host_id').distinct().execute();
  return new Set(rows.map((r) => r.gateway_host_id));
}

/**
 * The pack `hostId` is judged with at `at`: `pack` plus the approved windows of its targets when
 * the pack has TMA-02 (telemaintenance gateways). The same pack object otherwise.
 */
export async function withGatewayGrants(db: Database, pack: Pack, hostId: string, at: Date): Promise<Pack> {
  if (!pack.rules.some((r) => r.id === 'TMA-02')) return pack;
  return withGrantWindows(pack, await approvedWindowsOfGateway(db, hostId, at));
}

/**
 * The pack with `windows` added to TMA-02's approved windows (the same pack object when there are
 * none or the pack has no TMA-02, so its caches and fingerprint stay those of the pack).
 */
export function withGrantWindows(pack: Pack, windows: readonly ApprovedWindow[]): Pack {
  if (windows.length === 0) return pack;
  const index = pack.rules.findIndex((r) => r.id === 'TMA-02');
  if (index < 0) return pack;
  const rule = pack.rules[index]!;
  const declared = Array.isArray(rule.parameters.approved_windows) ? (rule.parameters.approved_windows as unknown[]) : [];
  const room = Math.max(0, 1000 - declared.length);
  const rules = [...pack.rules];
  rules[index] = { ...rule, parameters: { ...rule.parameters, approved_windows: [...declared, ...windows.slice(0, room)] } };
  return { ...pack, rules };
}
