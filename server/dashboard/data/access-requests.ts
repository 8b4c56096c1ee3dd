// What page 9 (Télémaintenance) reads: one page of access requests (keyset on created_at, newest
// first) under composable filters, counts by state for the same filters, each row's quorum
// progress, and the posture gate of each gateway shown (judged once per gateway per view).
// A vendor's scope (its own requests) is applied here, whatever the filters say.
import { ACCESS_STATES, type AccessRequest, type AccessState, type Target, type Vendor } from '../../access/model.js';
import { checkPostureGate, type PostureGateDeps, type PostureGateResult } from '../../access/posture-gate.js';
import { listRequests, REQUEST_ORDER } from '../../access/requests-store.js';
import { quorumProgress, type QuorumProgress } from '../../access/review-rules.js';
import { listTargets } from '../../access/targets-store.js';
import { listVendors } from '../../access/vendors-store.js';
import { CursorError, keysetPage, type KeysetKey } from '../../db/keyset.js';
import type { Database } from '../../db/schema.js';

export const ACCESS_PAGE_SIZE = 50;

export interface AccessListFilter {
  state?: AccessState;
  vendor?: string;
  target?: string;
  site?: string;
}

/** Whose requests the viewer may see: a vendor sees its own only. */
export interface AccessScope {
  requester_id?: string;
}

export interface AccessListRow {
  request: AccessRequest;
  quorum: QuorumProgress;
  /** The gateway's gate now, for open requests (pending, approved, active) and viewers allowed to see it. */
  posture: PostureGateResult | null;
}

export interface AccessListPage {
  rows: AccessListRow[];
  /** Cursor of the next page (REQUEST_ORDER's encoding, opaque to the page), null on the last page. */
  next: string | null;
  counts: Record<AccessState, number>;
  targets: Target[];
  vendors: Vendor[];
  sites: string[];
}

/** The key a page link carries; null (the first page) when absent or not one this server wrote. */
export function parseCursor(value: string | undefined): KeysetKey | null {
  if (value === undefined) return null;
  try {
    return REQUEST_ORDER.decode(value);
  } catch (error) {
    if (error instanceof CursorError) return null;
    throw error;
  }
}

const OPEN: readonly AccessState[] = ['pending', 'approved', 'active'];

/** Approvals by role of each request, in one query. */
async function approverRoles(db: Database, ids: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return out;
  const rows = await db.selectFrom('access_reviews').select(['request_id', 'reviewer_role']).where('request_id', 'in', ids).where('decision', '=', 'approve').execute();
  for (const r of rows) out.get(r.request_id)?.push(r.reviewer_role);
  return out;
}

export async function countByState(db: Database, filter: Omit<AccessListFilter, 'state'>, ids: { vendor_id?: string; target_id?: string }, scope: AccessScope): Promise<Record<AccessState, number>> {
  let q = db.selectFrom('access_requests as r').innerJoin('access_targets as t', 't.target_id', 'r.target_id').select(['r.state', (eb) => eb.fn.countAll<number | string | bigint>().as('n')]);
  if (ids.vendor_id !== undefined) q = q.where('r.vendor_id', '=', ids.vendor_id);
  if (ids.target_id !== undefined) q = q.where('r.target_id', '=', ids.target_id);
  if (filter.site !== undefined) q = q.where('t.site', '=', filter.site);
  if (scope.requester_id !== undefined) q = q.where('r.requester_id', '=', scope.requester_id);
  const counts = Object.fromEntries(ACCESS_STATES.map((s) => [s, 0])) as Record<AccessState, number>;
  for (const row of await q.groupBy('r.state').execute()) if (row.state in counts) counts[row.state as AccessState] = Number(row.n);
  return counts;
}

export async function accessListPage(
  deps: PostureGateDeps,
  filter: AccessListFilter,
  scope: AccessScope & { showPosture: boolean },
  after: KeysetKey | null,
  now: Date,
): Promise<AccessListPage> {
  const db = deps.db;
  const targets = await listTargets(db);
  const vendors = await listVendors(db);
  const sites = [...new Set(targets.map((t) => t.site))].sort();
  const vendor = filter.vendor === undefined ? undefined : vendors.find((v) => v.slug === filter.vendor);
  const target = filter.target === undefined ? undefined : targets.find((t) => t.name === filter.target);
  const empty = Object.fromEntries(ACCESS_STATES.map((s) => [s, 0])) as Record<AccessState, number>;
  // A filter naming nothing known matches nothing (never "everything").
  if ((filter.vendor !== undefined && vendor === undefined) || (filter.target !== undefined && target === undefined)) {
    return { rows: [], next: null, counts: empty, targets, vendors, sites };
  }
  const ids = { ...(vendor === undefined ? {} : { vendor_id: vendor.vendor_id }), ...(target === undefined ? {} : { target_id: target.target_id }) };
  const page = await keysetPage(
    (from: KeysetKey | null, limit) =>
      listRequests(db, {
        ...(filter.state === undefined ? {} : { states: [filter.state] }),
        ...ids,
        ...(filter.site === undefined ? {} : { site: filter.site }),
        ...(scope.requester_id === undefined ? {} : { requester_id: scope.requester_id }),
        ...(from === null ? {} : { after: from }),
        limit,
      }),
    REQUEST_ORDER.keyOf,
    { after, limit: ACCESS_PAGE_SIZE },
  );
  const shown = page.rows;
  const next = page.next === null ? null : REQUEST_ORDER.encode(page.next);
  const approvals = await approverRoles(db, shown.map((r) => r.request_id));
  const gateways = new Map(targets.map((t) => [t.target_id, t.gateway_host_id]));
  const gates = new Map<string, PostureGateResult>();
  const rows: AccessListRow[] = [];
  for (const request of shown) {
    let posture: PostureGateResult | null = null;
    const gateway = gateways.get(request.target_id);
    if (scope.showPosture && OPEN.includes(request.state) && gateway !== undefined) {
      posture = gates.get(gateway) ?? (await checkPostureGate(deps, gateway, now));
      gates.set(gateway, posture);
    }
    rows.push({ request, quorum: quorumProgress(request.quorum, approvals.get(request.request_id) ?? [], request.posture_override !== null), posture });
  }
  const counts = await countByState(db, filter, ids, scope);
  return { rows, next, counts, targets, vendors, sites };
}
