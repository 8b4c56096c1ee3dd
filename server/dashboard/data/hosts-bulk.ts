// Which hosts a bulk action by filter touches, and whether it may run at all. The action acts on
// the server-side filter only (never on ids sent by the browser), refuses an empty filter, and is
// bounded: a selection past the limit is refused, not cut.
import { allHosts, countHosts, isEmptyFilter, type HostFilter } from './hosts.js';
import type { Database } from '../../db/schema.js';

export const BULK_REFUSALS = ['empty_filter', 'needs_rule', 'needs_fail_or_warn', 'revoked_included', 'no_host', 'too_many'] as const;
export type BulkRefusal = (typeof BULK_REFUSALS)[number];

export interface BulkSelection {
  count: number;
  /** Why the action may not run on this filter (null: it may). */
  refusal: BulkRefusal | null;
}

/**
 * A bulk waiver waives one rule where it fails or warns: the filter must name the rule and the
 * status fail or warn (a waiver on a passing host would silently hide its next failure), and
 * leave revoked hosts out.
 */
export async function bulkWaiverSelection(db: Database, filter: HostFilter, now: Date, max: number): Promise<BulkSelection> {
  if (isEmptyFilter(filter)) return { count: 0, refusal: 'empty_filter' };
  if (filter.rule === undefined) return { count: 0, refusal: 'needs_rule' };
  if (filter.status !== 'fail' && filter.status !== 'warn') return { count: 0, refusal: 'needs_fail_or_warn' };
  if (filter.revoked === true) return { count: 0, refusal: 'revoked_included' };
  const count = await countHosts(db, filter, now);
  if (count === 0) return { count, refusal: 'no_host' };
  if (count > max) return { count, refusal: 'too_many' };
  return { count, refusal: null };
}

/** The ids of the hosts the filter selects, in list order (at most `max`: the caller checked the count). */
export async function selectedHostIds(db: Database, filter: HostFilter, now: Date, max: number): Promise<string[]> {
  const ids: string[] = [];
  for await (const rows of allHosts(db, filter, now, Math.min(max + 1, 1000))) {
    for (const row of rows) ids.push(row.host_id);
    if (ids.length > max) break;
  }
  return ids;
}
