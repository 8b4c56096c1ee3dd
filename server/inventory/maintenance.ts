// Keeping the inventory true over time: verdicts judged again when the allowlist changes (an
// approval reloads the site overlay), raw sightings kept only `retentionDays` (GDPR: per-host
// detail is short-lived; the roll-up keeps counts, not hosts), hosts counts recomputed over what
// is kept, coverage per scope and allowlist entries unused for 90 days.
import { sql } from 'kysely';
import { HOST_ROLES, type HostRole } from '../../policies/evidence.js';
import { packFor, type Pack, type SiteOverlay } from '../../policies/pack.js';
import { fromDbJson, fromDbTime } from '../db/columns.js';
import type { Database } from '../db/schema.js';
import type { Judge } from './verdict.js';

/** Raw sightings older than this are deleted (the aggregate keeps first/last seen and counts). */
export const SIGHTINGS_RETENTION_DAYS = 30;
export const UNUSED_DAYS = 90;

/** Judges every row of a site (or all) again, e.g. after an allowlist change. Returns rows changed. */
export async function rejudgeInventory(db: Database, judge: Judge, site?: string): Promise<number> {
  let changed = 0;
  let q = db.selectFrom('inventory_destinations').select(['site', 'role', 'destination', 'kind', 'port', 'protocol', 'direction', 'addresses', 'hosts_sample', 'verdict', 'verdict_entry', 'verdict_reason']);
  if (site !== undefined) q = q.where('site', '=', site);
  for (const row of await q.execute()) {
    const judged = judge.judge({ ...row, addresses: fromDbJson(row.addresses) as string[], hosts_sample: fromDbJson(row.hosts_sample) as string[] });
    if (judged.verdict === row.verdict && judged.entry === row.verdict_entry && judged.reason.slice(0, 1000) === row.verdict_reason) continue;
    await db
      .updateTable('inventory_destinations')
      .set({ verdict: judged.verdict, verdict_entry: judged.entry, verdict_reason: judged.reason.slice(0, 1000), internal: judged.verdict === 'internal' ? 1 : 0 })
      .where('site', '=', row.site)
      .where('role', '=', row.role)
      .where('destination', '=', row.destination)
      .where('port', '=', row.port)
      .where('protocol', '=', row.protocol)
      .where('direction', '=', row.direction)
      .execute();
    changed += 1;
  }
  return changed;
}

/** Deletes raw sightings older than the retention and recomputes hosts counts from what remains. */
export async function applySightingsRetention(db: Database, now: Date, retentionDays = SIGHTINGS_RETENTION_DAYS): Promise<number> {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000).toISOString().slice(0, 10);
  const deleted = await db.deleteFrom('inventory_sightings').where('day', '<', cutoff).executeTakeFirst();
  const n = Number(deleted.numDeletedRows);
  if (n > 0) {
    await db
      .updateTable('inventory_destinations')
      .set({
        hosts_count: sql<number>`(SELECT COUNT(DISTINCT s.host_key) FROM inventory_sightings s WHERE s.site = inventory_destinations.site AND s.role = inventory_destinations.role AND s.destination = inventory_destinations.destination AND s.port = inventory_destinations.port AND s.protocol = inventory_destinations.protocol AND s.direction = inventory_destinations.direction)`,
      })
      .execute();
  }
  return n;
}

export interface ScopeCoverage {
  site: string;
  role: string;
  destinations: number;
  internal: number;
  allowed: number;
  expiring: number;
  unlisted: number;
  name_unknown: number;
  /** Share of external destinations an entry allows (allowed + expiring), 0..1; null with none. */
  coverage: number | null;
}

/** Coverage per (site, role). */
export async function inventoryCoverage(db: Database, site?: string): Promise<ScopeCoverage[]> {
  let q = db.selectFrom('inventory_destinations').select(['site', 'role', 'verdict', db.fn.countAll<number>().as('n')]).groupBy(['site', 'role', 'verdict']);
  if (site !== undefined) q = q.where('site', '=', site);
  const scopes = new Map<string, ScopeCoverage>();
  for (const row of await q.execute()) {
    const key = `${row.site}|${row.role}`;
    let s = scopes.get(key);
    if (!s) scopes.set(key, (s = { site: row.site, role: row.role, destinations: 0, internal: 0, allowed: 0, expiring: 0, unlisted: 0, name_unknown: 0, coverage: null }));
    const n = Number(row.n);
    s.destinations += n;
    const counts = s as unknown as Record<string, number>;
    if (row.verdict in s) counts[row.verdict] = (counts[row.verdict] ?? 0) + n;
  }
  for (const s of scopes.values()) {
    const external = s.destinations - s.internal;
    s.coverage = external > 0 ? (s.allowed + s.expiring) / external : null;
  }
  return [...scopes.values()].sort((a, b) => a.site.localeCompare(b.site) || a.role.localeCompare(b.role));
}

export interface EntryUse {
  site: string;
  role: string;
  entry_id: string;
  expires_at: string;
  destinations: number;
  /** Last time a destination this entry allows was seen; null if never. */
  last_used: string | null;
  /** Not used for UNUSED_DAYS though approved that long ago: proposed for removal. */
  unused: boolean;
  /** Expires within 30 days. */
  expiring: boolean;
}

/** Egress entries of every (site, role) that has inventory, with their use. */
export async function entryUse(db: Database, packs: Map<string, Pack>, overlays: ReadonlyMap<string, SiteOverlay>, now: Date, site?: string): Promise<EntryUse[]> {
  let scopesQ = db.selectFrom('inventory_destinations').select(['site', 'role']).distinct();
  if (site !== undefined) scopesQ = scopesQ.where('site', '=', site);
  const out: EntryUse[] = [];
  const unusedBefore = now.getTime() - UNUSED_DAYS * 86_400_000;
  for (const scope of await scopesQ.execute()) {
    if (!(HOST_ROLES as readonly string[]).includes(scope.role)) continue;
    const pack = packFor(scope.role as HostRole, scope.site, packs, overlays);
    const uses = await db
      .selectFrom('inventory_destinations')
      .select(['verdict_entry', db.fn.countAll<number>().as('n'), db.fn.max('last_seen').as('last')])
      .where('site', '=', scope.site)
      .where('role', '=', scope.role)
      .where('verdict_entry', 'is not', null)
      .groupBy('verdict_entry')
      .execute();
    const byEntry = new Map(uses.map((u) => [u.verdict_entry, u]));
    for (const entry of pack.allowlist) {
      if (entry.direction !== 'egress' || !entry.roles.includes(scope.role as HostRole)) continue;
      const use = byEntry.get(entry.id);
      const last = use?.last === undefined || use.last === null ? null : fromDbTime(use.last as string | Date);
      out.push({
        site: scope.site,
        role: scope.role,
        entry_id: entry.id,
        expires_at: entry.expires_at,
        destinations: Number(use?.n ?? 0),
        last_used: last,
        unused: Date.parse(entry.approved_at) <= unusedBefore && (last === null || Date.parse(last) < unusedBefore),
        expiring: Date.parse(entry.expires_at) - now.getTime() <= 30 * 86_400_000,
      });
    }
  }
  return out;
}
