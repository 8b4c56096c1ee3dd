// The inventory follows stored reports by a cursor (received_at, report_id) instead of sitting
// on the ingestion hot path: ingestion's transaction is unchanged (no cost per report), and the
// inventory catches up in bounded batches, every minute and at start. A report whose body the
// evidence retention already pruned is skipped (counted). See bench/inventory-feed.bench.ts.
import type { Report } from '../../policies/evidence.js';
import { fromDbJson, fromDbTime } from '../db/columns.js';
import type { Database } from '../db/schema.js';
import { recordSightings } from './record.js';
import { recordHostAddresses, reportAddresses } from './host-addresses.js';
import { reportSightings } from './report-sightings.js';
import type { Sighting } from './sighting.js';
import type { Judge } from './verdict.js';

const CURSOR = 'feed.reports';
export const FEED_BATCH = 200;

interface Cursor {
  received_at: string;
  report_id: string;
}

async function readCursor(db: Database): Promise<Cursor | null> {
  const row = await db.selectFrom('inventory_state').select('value').where('name', '=', CURSOR).executeTakeFirst();
  if (!row) return null;
  const value = JSON.parse(row.value) as Cursor;
  return typeof value.received_at === 'string' && typeof value.report_id === 'string' ? value : null;
}

async function writeCursor(db: Database, cursor: Cursor): Promise<void> {
  const value = JSON.stringify(cursor);
  await db.insertInto('inventory_state').values({ name: CURSOR, value }).onConflict((oc) => oc.column('name').doUpdateSet({ value })).execute();
}

export interface FeedResult {
  reports: number;
  destinations: number;
}

/** Feeds at most `maxBatches` batches of reports received since the cursor; returns what it did. */
export async function feedInventory(db: Database, judge: Judge, maxBatches = 50): Promise<FeedResult> {
  const total: FeedResult = { reports: 0, destinations: 0 };
  for (let batch = 0; batch < maxBatches; batch += 1) {
    const cursor = await readCursor(db);
    let query = db.selectFrom('reports').select(['report_id', 'received_at', 'body']).orderBy('received_at').orderBy('report_id').limit(FEED_BATCH);
    if (cursor !== null) {
      query = query.where((eb) =>
        eb.or([eb('received_at', '>', cursor.received_at), eb.and([eb('received_at', '=', cursor.received_at), eb('report_id', '>', cursor.report_id)])]),
      );
    }
    const rows = await query.execute();
    if (rows.length === 0) break;
    const sightings: Sighting[] = [];
    const addresses = new Map<string, { host_id: string; site: string; role: string; seen_at: string }>();
    for (const row of rows) {
      if (row.body === null) continue;
      const report = fromDbJson(row.body) as Report;
      sightings.push(...reportSightings(report));
      for (const address of reportAddresses(report)) addresses.set(address, { host_id: report.host.host_id, site: report.host.site, role: report.host.role, seen_at: report.collected_at });
    }
    await recordHostAddresses(db, addresses);
    total.destinations += await recordSightings(db, sightings, judge);
    const last = rows[rows.length - 1]!;
    await writeCursor(db, { received_at: fromDbTime(last.received_at), report_id: last.report_id });
    total.reports += rows.length;
    if (rows.length < FEED_BATCH) break;
  }
  return total;
}
