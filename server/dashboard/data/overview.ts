// What the overview shows, read with a few aggregate queries: live host freshness from the hosts
// table; posture counts from the latest trend day (written by the nightly audit); waivers
// expiring soon. Nothing here reads report bodies, so it stays fast at 100,000 hosts.
import { sql, type RawBuilder } from 'kysely';
import { fromDbTime, toDbTime } from '../../db/columns.js';
import type { Database } from '../../db/schema.js';

/** Last-seen buckets, each a GET filter of the hosts page (seen=...). */
export const SEEN_BUCKETS = ['24h', '7d', '30d', 'older', 'never'] as const;
export type SeenBucket = (typeof SEEN_BUCKETS)[number];
const BUCKET_HOURS: Record<Exclude<SeenBucket, 'older' | 'never'>, number> = { '24h': 24, '7d': 24 * 7, '30d': 24 * 30 };

/** The [from, to) bounds of last_seen_at for a bucket (null = unbounded); 'never' is last_seen_at null. */
export function seenBounds(bucket: SeenBucket, now: Date): { after: Date | null; before: Date | null } {
  const ago = (hours: number) => new Date(now.getTime() - hours * 3_600_000);
  switch (bucket) {
    case '24h':
      return { after: ago(24), before: null };
    case '7d':
      return { after: ago(BUCKET_HOURS['7d']), before: ago(24) };
    case '30d':
      return { after: ago(BUCKET_HOURS['30d']), before: ago(BUCKET_HOURS['7d']) };
    case 'older':
      return { after: null, before: ago(BUCKET_HOURS['30d']) };
    case 'never':
      return { after: null, before: null };
  }
}

export interface FleetFreshness {
  buckets: Record<SeenBucket, number>;
  total: number;
  /** The most recent report received from any host (the page's freshness stamp). */
  lastSeen: string | null;
}

/**
 * Active (not revoked) hosts by last-seen bucket: each bucket is a range of the active hosts'
 * last_seen_at index (migration 0020), read in one statement; the total is their sum.
 */
export async function fleetFreshness(db: Database, now: Date): Promise<FleetFreshness> {
  const at = (hours: number) => toDbTime(new Date(now.getTime() - hours * 3_600_000));
  const d1 = at(24);
  const d7 = at(24 * 7);
  const d30 = at(24 * 30);
  const active = (condition: RawBuilder<unknown>) => sql<number | string>`(select count(*) from hosts where revoked_at is null and ${condition})`;
  const { rows } = await sql<{ never: number | string; h24: number | string; d7: number | string; d30: number | string; older: number | string; last_seen: string | Date | null }>`select
      ${active(sql`last_seen_at is null`)} as never,
      ${active(sql`last_seen_at >= ${d1}`)} as h24,
      ${active(sql`last_seen_at < ${d1} and last_seen_at >= ${d7}`)} as d7,
      ${active(sql`last_seen_at < ${d7} and last_seen_at >= ${d30}`)} as d30,
      ${active(sql`last_seen_at < ${d30}`)} as older,
      (select max(last_seen_at) from hosts where revoked_at is null) as last_seen`.execute(db);
  const row = rows[0]!;
  const n = (v: number | string | null) => Number(v ?? 0);
  const buckets = { '24h': n(row.h24), '7d': n(row.d7), '30d': n(row.d30), older: n(row.older), never: n(row.never) };
  return {
    total: buckets['24h'] + buckets['7d'] + buckets['30d'] + buckets.older + buckets.never,
    buckets,
    lastSeen: row.last_seen === null ? null : fromDbTime(row.last_seen),
  };
}

export interface ExpiringWaiver {
  waiver_id: string;
  rule_id: string;
  scope_kind: string;
  scope_value: string;
  expires_at: string;
}

/** Waivers still active that expire within `days` days, soonest first. */
export async function waiversExpiringWithin(db: Database, now: Date, days: number, limit = 20): Promise<ExpiringWaiver[]> {
  const rows = await db
    .selectFrom('waivers')
    .select(['waiver_id', 'rule_id', 'scope_kind', 'scope_value', 'expires_at'])
    .where('expires_at', '>=', toDbTime(now))
    .where('expires_at', '<', toDbTime(new Date(now.getTime() + days * 86_400_000)))
    .orderBy('expires_at')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, expires_at: fromDbTime(r.expires_at) }));
}
